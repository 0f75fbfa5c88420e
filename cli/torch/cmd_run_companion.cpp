// villani run mechanisms | l2-vs-decoupled: the companion claims of docs/theory.md §6 that need LibTorch
// (`run boursier` needs none: cli/cmd_run_boursier.cpp). The work is in
// experiments/companion/torch_checks.cpp; this file parses options and writes run records and
// tables (no LibTorch include).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/finite.hpp"
#include "cli/run_registry.hpp"
#include "cli/run_session.hpp"
#include "experiments/companion/torch_checks.hpp"
#include "experiments/companion/torch_record.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

// A run whose numbers left the finite range diverged: name the step-size flag that drove the
// part of the result that did (issue 15: exit 2 naming the input, never nan with exit 0).
void blame_divergence(const nlohmann::json& r, const std::vector<std::pair<std::string, std::string>>& part_flag,
                      const std::string& fallback) {
  try {
    require_finite(r, "result");
  } catch (const NonFiniteOutput& e) {
    const std::string msg = e.what();
    std::string flag = fallback;
    for (const auto& [part, f] : part_flag)
      if (msg.find(" /" + part) != std::string::npos || msg.find(" /" + part + "/") != std::string::npos) {
        flag = f;
        break;
      }
    throw InputError(flag, "the run diverged (" + msg.substr(msg.find("the ")) + "): lower " + flag);
  }
}

namespace comp = experiments::companion;

std::string e2(double x) { return fmt::format("{:.2e}", x); }

int run_l2(int argc, char** argv) {
  CLI::App app{
      "L2 regularization versus decoupled weight decay (Loshchilov–Hutter; docs/theory.md §6), float64\n"
      "on a small tanh MLP with LibTorch's own optimizers: torch::optim::SGD(weight_decay = λ)\n"
      "against θ ← (1 − λη)θ then SGD (identical up to rounding), torch::optim::Adam(weight_decay\n"
      "= λ) against torch::optim::AdamW(weight_decay = λ) (different), and LibTorch's AdamW\n"
      "convention checked on one step. --out writes a run record.",
      "villani run l2-vs-decoupled"};
  comp::DecoupledOptions o;
  app.add_option("--steps", o.steps, "optimizer steps")->capture_default_str();
  app.add_option("--lr", o.lr, "SGD learning rate η")->capture_default_str();
  app.add_option("--adam-lr", o.adam_lr, "Adam/AdamW learning rate")->capture_default_str();
  app.add_option("--lambda", o.lambda, "L2 coefficient λ")->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden width")->capture_default_str();
  app.add_option("--samples", o.samples, "training points")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  RunSession session(app, "l2-vs-decoupled");
  if (!session.parse(argc, argv)) return session.exit_code();
  comp::validate(o);
  session.open({{"steps", o.steps}, {"lr", o.lr}, {"adam_lr", o.adam_lr}, {"lambda", o.lambda},
                {"hidden", o.hidden}, {"samples", o.samples}, {"seed", o.seed}});
  const comp::DecoupledResult r = comp::run_l2_vs_decoupled(o, session.recorder_for<comp::DecoupledStep>());
  const nlohmann::json summary = comp::to_json(r);
  blame_divergence(summary, {{"adam", "--adam-lr"}, {"adamw_convention", "--adam-lr"}, {"sgd", "--lr"}}, "--lr");
  Table t;
  t.title = fmt::format("L2 vs decoupled decay, float64, {} steps, λ = {}", o.steps, o.lambda);
  t.columns = {{"comparison", "", false}, {"relative distance", ""}, {"note", "", false}};
  const auto& conv = r.adamw_convention;
  t.rows.push_back({"SGD L2 λ vs decay λη (max over steps)", fmt::format("{:.3e}", r.sgd.max_rel_distance),
                    "identical up to rounding"});
  t.rows.push_back({"Adam L2 vs AdamW (final)", fmt::format("{:.3e}", r.adam.final_rel_distance),
                    fmt::format("‖θ‖ {:.5g} vs {:.5g}; F {:.6g} vs {:.6g}", r.adam.norm_adam_l2, r.adam.norm_adamw,
                                r.adam.objective_adam_l2, r.adam.objective_adamw)});
  t.rows.push_back({"AdamW step vs θ(1−lr·wd) − lr·dir",
                    fmt::format("{:.3e}", conv.rel_distance_to_theta_times_1_minus_lr_wd), "LibTorch's convention"});
  t.rows.push_back({"AdamW step vs θ(1−wd) − lr·dir", fmt::format("{:.3e}", conv.rel_distance_to_theta_times_1_minus_wd),
                    "not LibTorch's"});
  t.notes.push_back(std::string("LibTorch AdamW: ") + comp::to_string(conv.convention));
  return session.finish(summary, {{"table", t}});
}

int run_mech(int argc, char** argv) {
  CLI::App app{
      "Three mechanisms of weight decay (Zhang, Wang, Xu, Grosse, arXiv:1810.12281; docs/theory.md §6),\n"
      "float64 LibTorch on small MLPs: (1) a layer followed by a normalization: ∇L ⟂ W, ‖W‖² growth\n"
      "by η²‖g‖² per SGD step without decay, effective learning rate η/‖W‖² with and without decay;\n"
      "(2) bias-free ReLU MLP of depth 3: Gauss–Newton norm = 9·E f² = 9·E (J_x x)² and the\n"
      "input–output Jacobian norm with and without decay; (3) K-FAC: Δ(αW; γ) = α·Δ(W; γα²), i.e.\n"
      "effective damping γ‖W‖², tracked during training; (4) minimizer path: θ*(λ) of\n"
      "F = L + (λ/2)‖θ‖² for multinomial logistic regression on the --path-lambdas grid (LBFGS +\n"
      "Newton to ‖∇F‖ ≈ 1e-16): ‖θ*‖, dθ*/dλ = −(∇²F)⁻¹θ* against a central difference, the fixed\n"
      "point θ* = −∇L(θ*)/λ. --out writes a run record, table.{md,csv} and minimizer_path.{md,csv}.",
      "villani run mechanisms"};
  comp::MechanismOptions o;
  std::string path_lambdas = "1e-3:1:10";
  app.add_option("--steps", o.steps, "SGD steps per run")->capture_default_str();
  app.add_option("--lr", o.lr, "learning rate η")->capture_default_str();
  app.add_option("--lambda", o.lambda, "weight decay λ (the ReLU MLP uses 10λ)")->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden width")->capture_default_str();
  app.add_option("--samples", o.samples, "training points")->capture_default_str();
  app.add_option("--kfac-damping", o.kfac_damping, "K-FAC damping γ")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--path-lambdas", path_lambdas, "minimizer path: λ grid (LIST, ≥ 2 values)")->capture_default_str();
  app.add_option("--path-samples", o.path.samples, "minimizer path: training points N")->capture_default_str();
  app.add_option("--path-features", o.path.features, "minimizer path: features d")->capture_default_str();
  app.add_option("--path-classes", o.path.classes, "minimizer path: classes K")->capture_default_str();
  app.add_option("--path-fd-step", o.path.fd_step, "minimizer path: difference step h in log λ")->capture_default_str();
  app.add_option("--path-seed", o.path.seed, "minimizer path: data seed")->capture_default_str();
  RunSession session(app, "mechanisms");
  if (!session.parse(argc, argv)) return session.exit_code();
  o.path.lambdas = num_list("--path-lambdas", path_lambdas);
  comp::validate(o);
  session.open({{"steps", o.steps}, {"lr", o.lr}, {"lambda", o.lambda}, {"hidden", o.hidden},
                {"samples", o.samples}, {"kfac_damping", o.kfac_damping}, {"seed", o.seed},
                {"path", {{"lambdas", o.path.lambdas}, {"samples", o.path.samples},
                          {"features", o.path.features}, {"classes", o.path.classes},
                          {"grad_tol", o.path.grad_tol}, {"fd_step", o.path.fd_step},
                          {"seed", o.path.seed}}}});
  const comp::MechanismResult r = comp::run_mechanisms(o, session.recorder_for<comp::MechanismStep>());
  const nlohmann::json summary = comp::to_json(r);
  blame_divergence(summary, {{"minimizer_path", "--path-lambdas"}}, "--lr");
  const auto& si = r.scale_invariant;
  const auto& gn = r.gauss_newton;
  Table t;
  t.title = fmt::format("Mechanisms of weight decay, float64, {} steps, λ = {}", o.steps, o.lambda);
  t.columns = {{"quantity", "", false}, {"without decay", ""}, {"with decay", ""}};
  auto row = [&](const std::string& name, double without_decay, double with_decay) {
    t.rows.push_back({name, g4(without_decay), g4(with_decay)});
  };
  const auto &sn = si.without_decay, &sw = si.with_decay;
  row("‖W‖² final (normalized layer)", sn.w_norm_sq_final, sw.w_norm_sq_final);
  row("effective lr η/‖W‖² final", sn.effective_lr_final, sw.effective_lr_final);
  row("K-FAC effective damping γ‖W‖²", sn.kfac_effective_damping_final, sw.kfac_effective_damping_final);
  row("loss (normalized net)", sn.final_loss, sw.final_loss);
  const auto &gnn = gn.without_decay, &gnw = gn.with_decay;
  row("Gauss–Newton norm E‖J_θθ‖²", gnn.gauss_newton_norm_sq, gnw.gauss_newton_norm_sq);
  row("9·E f²", gnn.depth_sq_mean_f_sq, gnw.depth_sq_mean_f_sq);
  row("input–output Jacobian E‖J_x‖²", gnn.input_output_jacobian_fro_sq, gnw.input_output_jacobian_fro_sq);
  row("loss (ReLU MLP)", gnn.train_loss, gnw.train_loss);
  t.notes.push_back(fmt::format("max |cos(∇L, W)| = {:.2e}; norm-growth identity relative error {:.2e}; "
                                "K-FAC scaling identity relative error {:.2e}",
                                si.max_cos_grad_w, si.max_norm_growth_rel_error, si.kfac_scaling_rel_error));
  t.notes.push_back(fmt::format("Euler J_θθ = 3f relative error {:.2e}; f = J_x x relative error {:.2e}",
                                gn.euler_rel_error, gn.jx_identity_rel_error));

  // (4) Minimizer path θ*(λ).
  const auto& mp = r.minimizer_path;
  Table p;
  p.title = "Minimizer path θ*(λ) of F = L + (λ/2)‖θ‖², " + mp.model + ", float64";
  p.columns = {{"λ", "$\\lambda$"}, {"‖θ*‖", "$\\|\\theta^*\\|$"}, {"F(θ*)", "$F(\\theta^*)$"},
               {"L(θ*)", "$L(\\theta^*)$"}, {"‖∇F‖", "$\\|\\nabla F\\|$"},
               {"λmin(∇²F)", "$\\lambda_{\\min}(\\nabla^2 F)$"}, {"d‖θ*‖²/dλ", "$d\\|\\theta^*\\|^2/d\\lambda$"},
               {"FD vs IFT", "FD vs IFT"}, {"θ*+∇L/λ", "$\\theta^*+\\nabla L/\\lambda$"},
               {"‖∇L(0)‖/λ", "$\\|\\nabla L(0)\\|/\\lambda$"}};
  for (const auto& row : mp.rows)
    p.rows.push_back({g4(row.lambda), fmt::format("{:.6g}", row.theta_norm), fmt::format("{:.6g}", row.objective),
                      fmt::format("{:.6g}", row.data_loss), e2(row.grad_norm), g4(row.hessian_min_eig),
                      g4(row.dnorm_sq_dlambda_ift), e2(row.fd_vs_ift_rel_error), e2(row.fixed_point_rel_error),
                      g4(row.norm_bound_grad0_over_lambda)});
  p.notes.push_back(fmt::format("‖θ*‖ {} in λ; d‖θ*‖²/dλ = −2θ*ᵀ(∇²F)⁻¹θ* {} 0 at every λ (matches a central "
                                "difference to {:.1e})",
                                mp.monotone_decreasing ? "strictly decreasing" : "NOT monotone",
                                mp.derivative_negative ? "<" : "not <", mp.max_dnorm_sq_fd_rel_error));
  p.notes.push_back(fmt::format("FD vs IFT: ‖Δθ*/Δλ + (∇²F)⁻¹θ*‖/‖(∇²F)⁻¹θ*‖ with λe^{{±{}}}; largest {:.1e}; "
                                "Hessian autograd vs closed form {:.1e}; largest ‖∇F(θ*)‖ {:.1e}",
                                o.path.fd_step, mp.max_fd_rel_error, mp.max_hessian_closed_form_rel_error,
                                mp.max_grad_norm));
  return session.finish(summary, {{"table", t}, {"minimizer_path", p}});
}

const RunKindRegistrar reg_l{{"l2-vs-decoupled", "SGD L2 = decoupled decay; Adam L2 ≠ AdamW (LibTorch optimizers)",
                              [](int c, char** v) { return run_guarded("run l2-vs-decoupled", [&] { return run_l2(c, v); }); }}};
const RunKindRegistrar reg_m{{"mechanisms", "scale invariance, Gauss–Newton/Jacobian norm, K-FAC damping",
                              [](int c, char** v) { return run_guarded("run mechanisms", [&] { return run_mech(c, v); }); }}};

}  // namespace
}  // namespace villani::cli
