#include "experiments/run_json.hpp"

#include <fmt/format.h>

namespace villani::experiments {

nlohmann::json to_json(const ExpFit& f) {
  return {{"ok", f.ok}, {"why", f.why}, {"rate", f.rate}, {"rate_lo", f.rate_lo}, {"rate_hi", f.rate_hi},
          {"asymptote", f.asymptote}, {"amplitude", f.amplitude}, {"r2", f.r2}, {"n", f.n}};
}

nlohmann::json to_json(const TrainSummary& s) {
  nlohmann::json j = {{"complete", true},  {"seconds", s.seconds},         {"lambda", s.lambda},
                      {"temperature", s.temperature}, {"lr", s.lr},      {"steps", s.steps},
                      {"d", s.d},          {"final_loss", s.final_loss}, {"final_norm2", s.final_norm2},
                      {"test_ce", s.test_ce}, {"test_token_error", s.test_token_error},
                      {"fits", {{"norm2", to_json(s.fit_norm2)}, {"loss", to_json(s.fit_loss)}}}};
  if (s.entropy_rate) j["entropy_rate"] = *s.entropy_rate;
  if (s.hessian_L) {
    const auto& h = *s.hessian_L;
    j["hessian_L"] = {{"top", h.top}, {"top_converged", h.top_converged}, {"bottom", h.bottom},
                      {"bottom_converged", h.bottom_converged}, {"hvps", h.hvps},
                      {"note", "Lanczos Ritz values of ∇²L at the final point (an estimate of the local curvature, not a "
                               "global bound)"}};
  }
  return j;
}

nlohmann::json to_json(const SpectrumRow& r) {
  return {{"step", r.step},
          {"lambda", r.lambda},
          {"top_L", r.top_L},
          {"top_F", r.top_F},
          {"top_shift", r.top_shift},
          {"top_rel_err", r.top_rel_err},
          {"top_converged", r.top_converged},
          {"bottom_L", r.bottom_L},
          {"bottom_F", r.bottom_F},
          {"bottom_shift", r.bottom_shift},
          {"bottom_rel_err", r.bottom_rel_err},
          {"bottom_converged", r.bottom_converged},
          {"top_residual_L", r.top_residual_L},
          {"bottom_residual_L", r.bottom_residual_L},
          {"loss_L", r.loss_L},
          {"seconds", r.seconds},
          {"hvps", r.hvps},
          {"shift_ok", r.shift_ok}};
}

SpectrumRow spectrum_row(const nlohmann::json& j) {
  SpectrumRow r;
  r.step = j.value("step", 0L);
  r.lambda = j.value("lambda", 0.0);
  r.top_L = j.value("top_L", 0.0);
  r.top_F = j.value("top_F", 0.0);
  r.top_shift = j.value("top_shift", 0.0);
  r.top_rel_err = j.value("top_rel_err", 0.0);
  r.top_converged = j.value("top_converged", false);
  r.bottom_L = j.value("bottom_L", 0.0);
  r.bottom_F = j.value("bottom_F", 0.0);
  r.bottom_shift = j.value("bottom_shift", 0.0);
  r.bottom_rel_err = j.value("bottom_rel_err", 0.0);
  r.bottom_converged = j.value("bottom_converged", false);
  r.top_residual_L = j.value("top_residual_L", 0.0);
  r.bottom_residual_L = j.value("bottom_residual_L", 0.0);
  r.loss_L = j.value("loss_L", 0.0);
  r.seconds = j.value("seconds", 0.0);
  r.hvps = j.value("hvps", 0L);
  r.shift_ok = j.value("shift_ok", false);
  return r;
}

nlohmann::json to_json(const SpectrumSummary& s) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : s.rows) rows.push_back(to_json(r));
  return {{"complete", true}, {"rows", rows}, {"d", s.d}, {"dtype", s.dtype}, {"all_shift_ok", s.all_shift_ok}};
}

nlohmann::json to_json(const PsiSummary& s) {
  return {{"complete", true},
          {"lambda", s.lambda},
          {"temperature", s.temperature},
          {"d", s.d},
          {"note", "ΔL by Hutchinson (Rademacher probes, estimate ± se); ∇F exact; prediction (λ²/s)‖θ‖² − λd (docs/theory.md §1)"},
          {"psi_slope_measured", s.psi_slope_measured},
          {"psi_slope_predicted", s.psi_slope_predicted}};
}

namespace {
nlohmann::json to_json(const PacBayesCertificate& c, double test_risk_mc) {
  const nlohmann::json at = {{"kl", c.kl}, {"posterior_var", c.posterior_var}, {"prior_var", c.prior_var},
                             {"prior_index", c.prior_index}, {"train_risk_mc", c.train_risk_mc},
                             {"train_risk_upper", c.train_risk_upper}, {"test_risk_mc", test_risk_mc}};
  return {{"certificate", c.certificate}, {"seeger", c.certificate}, {"mcallester", c.mcallester},
          {"test_risk_Q", c.test_risk_Q}, {"test_risk_deterministic", c.test_risk_deterministic},
          {"train_risk_mc", c.train_risk_mc}, {"train_risk_upper", c.train_risk_upper},
          {"kl", c.kl}, {"n_bound", c.n_bound}, {"rhs", c.rhs},
          {"at_seeger", at}, {"bounds_above_test", c.bounds_above_test}};
}
}  // namespace

nlohmann::json to_json(const PacBayesSummary& s) {
  return {{"zero_one", to_json(s.zero_one, s.zero_one.test_risk_Q)},
          {"clipped_ce", to_json(s.clipped_ce, s.clipped_ce.test_risk_Q)},
          {"complete", true}, {"lambda", s.lambda}, {"d", s.d}, {"n", s.n_bound}, {"n_bound", s.n_bound},
          {"n_prior", s.n_prior}, {"delta", s.delta}, {"certificates", s.certificates},
          {"delta_bound", s.delta_bound}, {"delta_mc", s.delta_mc}, {"samples", s.samples}, {"mc_units", s.mc_units},
          {"clip", s.clip}, {"prior", s.prior}, {"prior_var", s.prior_var}, {"mean_lambda", s.mean_lambda},
          {"objective", s.objective}, {"objective_final", s.objective_final},
          {"posterior_mean_dist2", s.posterior_mean_dist2},
          {"constant_predictor_test_error", s.constant_predictor_test_error},
          {"bayes_error", s.bayes_error ? nlohmann::json(*s.bayes_error) : nlohmann::json()},
          {"final_loss", s.final_loss}, {"final_F", s.final_F}, {"final_norm2", s.final_norm2},
          {"loss_note", "zero_one: per-sequence mean next-token 0–1 error; clipped_ce: per-sequence mean of "
                        "min(CE, clip)/clip, clip = 2 ln V; sequences i.i.d."},
          {"delta_note", fmt::format("δ = {} over {} certificates (λ values × 2 losses), each δ_b = {:.3g} "
                                     "(PAC-Bayes) + δ_mc = {:.3g} (Monte Carlo)", s.delta, s.certificates,
                                     s.delta_bound, s.delta_mc)},
          {"posterior", "N(μ, diag σ²) trained by minimising the " + s.objective + " objective"},
          {"seconds", s.seconds}};
}

nlohmann::json to_json(const RunSummary& s) {
  return std::visit([](const auto& k) { return to_json(k); }, s);
}

nlohmann::json to_json(const SpectrumCheck& c) {
  return {{"preset", c.preset}, {"d", c.d},         {"lambda", c.lambda},
          {"top_L", c.top_L},   {"top_F", c.top_F}, {"shift", c.shift},
          {"rel_err", c.rel_err}, {"converged", c.converged}, {"hvps", c.hvps}};
}

}  // namespace villani::experiments
