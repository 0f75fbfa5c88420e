#include "experiments/companion/torch_record.hpp"

namespace villani::experiments::companion {

nlohmann::json to_json(const DecoupledStep& s) {
  return {{"step", s.step}, {"sgd_l2_vs_decoupled_rel", s.sgd_l2_vs_decoupled_rel}, {"loss_sgd_l2", s.loss_sgd_l2},
          {"adam_vs_adamw_rel", s.adam_vs_adamw_rel}, {"loss_adam_l2", s.loss_adam_l2},
          {"loss_adamw", s.loss_adamw}, {"norm_adam_l2", s.norm_adam_l2}, {"norm_adamw", s.norm_adamw}};
}

nlohmann::json to_json(const DecoupledResult& r) {
  const auto& sgd = r.sgd;
  const auto& adam = r.adam;
  const auto& conv = r.adamw_convention;
  return {{"steps", r.steps}, {"lr", r.lr}, {"adam_lr", r.adam_lr}, {"lambda", r.lambda},
          {"decoupled_lambda", r.decoupled_lambda}, {"dtype", "float64"},
          {"sgd", {{"max_rel_distance", sgd.max_rel_distance}, {"final_rel_distance", sgd.final_rel_distance},
                   {"loss", sgd.loss}, {"loss_decoupled", sgd.loss_decoupled},
                   {"regularized_objective", sgd.regularized_objective}}},
          {"adam", {{"final_rel_distance", adam.final_rel_distance}, {"norm_adam_l2", adam.norm_adam_l2},
                    {"norm_adamw", adam.norm_adamw}, {"loss_adam_l2", adam.loss_adam_l2},
                    {"loss_adamw", adam.loss_adamw}, {"objective_adam_l2", adam.objective_adam_l2},
                    {"objective_adamw", adam.objective_adamw}}},
          {"adamw_convention", {{"weight_decay", conv.weight_decay}, {"lr", conv.lr},
                                {"rel_distance_to_theta_times_1_minus_lr_wd", conv.rel_distance_to_theta_times_1_minus_lr_wd},
                                {"rel_distance_to_theta_times_1_minus_wd", conv.rel_distance_to_theta_times_1_minus_wd},
                                {"convention", to_string(conv.convention)}}}};
}

nlohmann::json to_json(const MinimizerPathRow& r) {
  return {{"lambda", r.lambda}, {"theta_norm", r.theta_norm}, {"objective", r.objective},
          {"data_loss", r.data_loss}, {"grad_norm", r.grad_norm}, {"grad_norm_fd_points", r.grad_norm_fd_points},
          {"lbfgs_evaluations", r.lbfgs_evaluations}, {"newton_steps", r.newton_steps},
          {"hessian_min_eig", r.hessian_min_eig}, {"hessian_closed_form_rel_error", r.hessian_closed_form_rel_error},
          {"fixed_point_rel_error", r.fixed_point_rel_error}, {"dtheta_dlambda_norm", r.dtheta_dlambda_norm},
          {"fd_vs_ift_rel_error", r.fd_vs_ift_rel_error}, {"dnorm_sq_dlambda_ift", r.dnorm_sq_dlambda_ift},
          {"dnorm_sq_dlambda_fd", r.dnorm_sq_dlambda_fd}, {"dnorm_sq_fd_rel_error", r.dnorm_sq_fd_rel_error},
          {"norm_bound_grad0_over_lambda", r.norm_bound_grad0_over_lambda}};
}

nlohmann::json to_json(const MinimizerPathResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) rows.push_back(to_json(row));
  return {{"model", r.model}, {"parameters", r.parameters}, {"grad_loss_at_zero_norm", r.grad_loss_at_zero_norm},
          {"rows", rows}, {"monotone_decreasing", r.monotone_decreasing},
          {"derivative_negative", r.derivative_negative}, {"norm_bound_holds", r.norm_bound_holds},
          {"max_grad_norm", r.max_grad_norm}, {"grad_tol", r.grad_tol}, {"converged", r.converged},
          {"max_fd_rel_error", r.max_fd_rel_error}, {"max_dnorm_sq_fd_rel_error", r.max_dnorm_sq_fd_rel_error},
          {"max_fixed_point_rel_error", r.max_fixed_point_rel_error},
          {"max_hessian_closed_form_rel_error", r.max_hessian_closed_form_rel_error},
          {"min_hessian_shift_rel", r.min_hessian_shift_rel}, {"fd_step", r.fd_step}, {"dtype", "float64"}};
}

nlohmann::json to_json(const MechanismStep& s) {
  nlohmann::json m;
  if (const auto* row = std::get_if<MinimizerPathRow>(&s.what)) {
    m = to_json(*row);
    m["section"] = "minimizer_path";
  } else {
    const auto& t = std::get<ScaleInvariantStep>(s.what);
    m = {{"decay", t.decay}, {"loss", t.loss}, {"w_norm_sq", t.w_norm_sq}, {"effective_lr", t.effective_lr},
         {"kfac_effective_damping", t.kfac_effective_damping}, {"cos_grad_w", t.cos_grad_w}};
  }
  m["step"] = s.step;
  return m;
}

namespace {
nlohmann::json run_json(const ScaleInvariantRun& r) {
  return {{"lambda", r.lambda}, {"w_norm_sq_initial", r.w_norm_sq_initial}, {"w_norm_sq_final", r.w_norm_sq_final},
          {"effective_lr_initial", r.effective_lr_initial}, {"effective_lr_final", r.effective_lr_final},
          {"kfac_effective_damping_final", r.kfac_effective_damping_final}, {"final_loss", r.final_loss}};
}
nlohmann::json run_json(const GaussNewtonRun& r) {
  return {{"lambda", r.lambda}, {"gauss_newton_norm_sq", r.gauss_newton_norm_sq},
          {"depth_sq_mean_f_sq", r.depth_sq_mean_f_sq},
          {"input_output_jacobian_fro_sq", r.input_output_jacobian_fro_sq}, {"param_norm_sq", r.param_norm_sq},
          {"train_loss", r.train_loss}};
}
}  // namespace

nlohmann::json to_json(const MechanismResult& r) {
  const auto& si = r.scale_invariant;
  const auto& gn = r.gauss_newton;
  return {{"minimizer_path", to_json(r.minimizer_path)},
          {"scale_invariant", {{"max_cos_grad_w", si.max_cos_grad_w},
                               {"max_norm_growth_rel_error", si.max_norm_growth_rel_error},
                               {"kfac_scaling_rel_error", si.kfac_scaling_rel_error},
                               {"runs", {{"without_decay", run_json(si.without_decay)},
                                         {"with_decay", run_json(si.with_decay)}}}}},
          {"gauss_newton", {{"depth", gn.depth}, {"euler_rel_error", gn.euler_rel_error},
                            {"jx_identity_rel_error", gn.jx_identity_rel_error},
                            {"runs", {{"without_decay", run_json(gn.without_decay)},
                                      {"with_decay", run_json(gn.with_decay)}}}}},
          {"steps", r.steps}, {"lr", r.lr}, {"lambda", r.lambda}, {"kfac_damping", r.kfac_damping},
          {"dtype", "float64"}};
}

}  // namespace villani::experiments::companion
