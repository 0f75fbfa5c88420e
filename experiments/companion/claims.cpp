#include "experiments/companion/claims.hpp"

#include <cmath>
#include <fmt/format.h>
#include <random>

#include "experiments/companion/boursier.hpp"
#include "experiments/companion/torch_checks.hpp"

namespace villani::experiments::companion {

using validators::ClaimResult;
using validators::Verdict;

namespace {

ClaimResult check_orthogonal(const validators::CheckContext& ctx) {
  BoursierOptions o;
  o.planar_n = {};
  o.init_scales = {0.01};
  if (!ctx.full) {
    o.orthogonal_n = {4, 5, 6};
    o.seeds = 16;
  }
  const nlohmann::json r = run_boursier(o);
  ClaimResult res;
  res.details = r;
  std::string rows;
  double worst_ratio = 1;
  for (const auto& t : r["transitions"]) {
    if (t["m_half_fit"].is_null()) {
      res.verdict = Verdict::Inconclusive;
      res.evidence = fmt::format("n = {}: every width gave the same outcome, so no transition was seen "
                                 "up to m = 2^(n+{}); a wider width grid would settle it.",
                                 t["n"].get<int>(), o.m_extra);
      return res;
    }
    const double ratio = t["m_half_fit"].get<double>() / t["m_half_predicted"].get<double>();
    worst_ratio = std::max(worst_ratio, std::max(ratio, 1 / ratio));
    rows += fmt::format(" n={}: fitted m½={:.0f} (coverage {:.0f}, 2^n={:.0f});", t["n"].get<int>(),
                        t["m_half_fit"].get<double>(), t["m_half_predicted"].get<double>(),
                        t["two_pow_n"].get<double>());
  }
  const double slope = r["fit"][0].value("slope_log2_m_half_vs_n", std::nan(""));
  const bool tracks = std::isfinite(slope) && slope > 0.6 && slope < 1.4 && worst_ratio < 3;
  const bool refuted = std::isfinite(slope) && (slope < 0.3 || slope > 1.7);
  res.verdict = tracks ? Verdict::Holds : refuted ? Verdict::Violated : Verdict::Inconclusive;
  res.evidence = fmt::format(
      "X = I_n, y = 1, β = {}, balanced init σ = 0.01, {} seeds per width, widths 2^1…2^(n+{}); "
      "an end point counts as global when P − p* ≤ 1e-6 (p* closed form, confirmed by the convex "
      "program and the dual certificate). m½ from a maximum-likelihood fit of 1 − (1 − p)^m to the "
      "success counts.{} Slope of log2 m½ against n: {:.2f} (2^n scaling means 1; holds in "
      "[0.6, 1.4], refuted outside [0.3, 1.7]); m½ within a factor {:.2f} of the coverage prediction "
      "≈ 1.39·2^n. Below the threshold the end points are spurious stationary points above p*.{}",
      o.beta, o.seeds, o.m_extra, rows, slope, worst_ratio,
      tracks || refuted ? "" : " Too noisy to decide at this size: run with --full.");
  return res;
}

ClaimResult check_cover(const validators::CheckContext& ctx) {
  ClaimResult res;
  nlohmann::json rows = nlohmann::json::array();
  bool exceeded = false, short_of = false;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> g;
  const int samples = ctx.full ? 2000000 : 400000;
  for (int d : {2, 3})
    for (int n : {4, 6, 8}) {
      Eigen::MatrixXd X(n, d);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < d; ++j) X(i, j) = g(rng);
      const int seen = sampled_pattern_count(X, samples, 17 + n + d);
      const double cover = cover_count(n, d);
      exceeded |= seen > cover;
      short_of |= seen < cover;
      rows.push_back({{"n", n}, {"d", d}, {"sampled", seen}, {"cover", cover}});
    }
  // Exact enumerations: planar arcs (2n) and the orthogonal case (2^n = Cover with d = n).
  for (int n : {4, 6, 8}) {
    const int arcs = static_cast<int>(enumerate_patterns(planar_data(n, 3)).size());
    const int orth = static_cast<int>(enumerate_patterns(orthogonal_data(n, "ones", 1)).size());
    exceeded |= arcs != cover_count(n, 2) || orth != cover_count(n, n);
    rows.push_back({{"n", n}, {"planar_arcs", arcs}, {"cover_d2", cover_count(n, 2)},
                    {"orthogonal", orth}, {"cover_dn", cover_count(n, n)}});
  }
  res.details = {{"rows", rows}, {"samples", samples}};
  res.verdict = exceeded ? Verdict::Violated : short_of ? Verdict::Inconclusive : Verdict::Holds;
  res.evidence = fmt::format(
      "Distinct patterns 1[Xz ≥ 0] over {} Gaussian directions z for Gaussian X (n = 4, 6, 8; "
      "d = 2, 3) {} 2·Σ_{{i<d}} C(n−1, i); exact enumeration of the planar arcs gives 2n and of "
      "orthogonal data 2^n, both equal to the formula. (The claim that the paper's figure marks "
      "4× this count is not checked: it needs the figure.)",
      samples, short_of ? "fall short of (more samples would settle it)" : exceeded ? "differ from" : "equal");
  return res;
}

ClaimResult check_convex(const validators::CheckContext& ctx) {
  ClaimResult res;
  nlohmann::json rows = nlohmann::json::array();
  double worst = 0, worst_gap = 0, worst_net = 0;
  for (int n : ctx.full ? std::vector<int>{4, 6, 8, 10} : std::vector<int>{4, 6}) {
    const ReluData d = orthogonal_data(n, "signs", 3);
    const ConvexResult c = solve_convex(d, 0.1, 20000, 1e-10);
    const double closed = orthogonal_optimum(d.y, 0.1);
    const double net = objective(d, c.network, 0.1);
    worst = std::max(worst, std::fabs(c.value - closed));
    worst_gap = std::max(worst_gap, c.gap);
    worst_net = std::max(worst_net, std::fabs(net - c.value));
    rows.push_back({{"family", "orthogonal"}, {"n", n}, {"convex", c.value}, {"closed_form", closed},
                    {"gap", c.gap}, {"network_value", net}, {"neurons", c.active_neurons}});
  }
  for (int n : {4, 6, 8}) {
    const ReluData d = planar_data(n, 11);
    const ConvexResult c = solve_convex(d, 0.1, 20000, 1e-10);
    const double net = objective(d, c.network, 0.1);
    worst_gap = std::max(worst_gap, c.gap);
    worst_net = std::max(worst_net, std::fabs(net - c.value));
    rows.push_back({{"family", "planar"}, {"n", n}, {"convex", c.value}, {"gap", c.gap},
                    {"network_value", net}, {"neurons", c.active_neurons}});
  }
  res.details = {{"rows", rows}};
  const bool ok = worst < 1e-8 && worst_gap < 1e-8 && worst_net < 1e-9;
  res.verdict = ok ? Verdict::Holds : Verdict::Inconclusive;
  res.evidence = fmt::format(
      "The convex group-lasso program over all activation patterns (Pilanci–Ergen) solved by "
      "FISTA: its value matches the closed-form optimum of orthogonal data to {:.1e}; certified "
      "duality gap ≤ {:.1e} on orthogonal and planar data; the network read off its solution "
      "attains the same regularized objective to {:.1e}, so p* of the convex program is the "
      "global value of the ℓ2-regularized two-layer ReLU problem.",
      worst, worst_gap, worst_net);
  return res;
}

ClaimResult check_sgd(const validators::CheckContext& ctx) {
  DecoupledOptions o;
  const nlohmann::json r = run_l2_vs_decoupled(o);
  ClaimResult res;
  res.details = r;
  const double d = r["sgd"]["max_rel_distance"].get<double>();
  res.verdict = d <= 1e-12 ? Verdict::Holds : Verdict::Violated;
  res.evidence = fmt::format(
      "float64, {} steps of torch::optim::SGD(lr = {}, weight_decay = λ = {}) against θ ← (1 − λ')θ "
      "then SGD without decay, λ' = λ·η = {}: largest relative parameter distance {:.2e} "
      "(criterion 1e-12).",
      o.steps, o.lr, o.lambda, o.lambda * o.lr, d);
  return res;
}

ClaimResult check_adam(const validators::CheckContext& ctx) {
  DecoupledOptions o;
  const nlohmann::json r = run_l2_vs_decoupled(o);
  ClaimResult res;
  res.details = r;
  const double d = r["adam"]["final_rel_distance"].get<double>();
  const std::string conv = r["adamw_convention"]["convention"].get<std::string>();
  res.verdict = d > 1e-6 && conv != "neither" ? Verdict::Holds : Verdict::Violated;
  res.evidence = fmt::format(
      "float64, {} steps from one start: torch::optim::Adam(weight_decay = {}) (L2, divided by √v̂) "
      "and torch::optim::AdamW(weight_decay = {}) end {:.3e} apart (relative); ‖θ‖ = {:.4f} vs "
      "{:.4f}. LibTorch's AdamW, checked on one step: {} (distance {:.1e}).",
      o.steps, o.lambda, o.lambda, d, r["adam"]["norm_adam_l2"].get<double>(),
      r["adam"]["norm_adamw"].get<double>(), conv,
      r["adamw_convention"]["rel_distance_to_theta_times_1_minus_lr_wd"].get<double>());
  return res;
}

ClaimResult check_scale(const validators::CheckContext& ctx) {
  MechanismOptions o;
  if (!ctx.full) o.steps = 100;
  const nlohmann::json r = run_mechanisms(o);
  ClaimResult res;
  res.details = r;
  const auto& si = r["scale_invariant"];
  const double c = si["max_cos_grad_w"].get<double>(), g = si["max_norm_growth_rel_error"].get<double>();
  const auto& nd = si["runs"]["without_decay"];
  const auto& wd = si["runs"]["with_decay"];
  res.verdict = c < 1e-10 && g < 1e-10 ? Verdict::Holds : Verdict::Violated;
  res.evidence = fmt::format(
      "A layer followed by per-sample standardization, float64, {} SGD steps: max ⟨∇L, W⟩/(‖∇L‖‖W‖) "
      "= {:.1e}; ‖W_{{t+1}}‖² = ‖W_t‖² + η²‖g_t‖² to {:.1e} relative without decay. Effective "
      "learning rate η/‖W‖²: {:.4g} → {:.4g} without decay, {:.4g} with λ = {}.",
      o.steps, c, g, nd["effective_lr_initial"].get<double>(), nd["effective_lr_final"].get<double>(),
      wd["effective_lr_final"].get<double>(), o.lambda);
  return res;
}

ClaimResult check_kfac(const validators::CheckContext& ctx) {
  MechanismOptions o;
  if (!ctx.full) o.steps = 100;
  const nlohmann::json r = run_mechanisms(o);
  ClaimResult res;
  res.details = r;
  const double k = r["scale_invariant"]["kfac_scaling_rel_error"].get<double>();
  const auto& gn = r["gauss_newton"];
  const double e = gn["euler_rel_error"].get<double>(), j = gn["jx_identity_rel_error"].get<double>();
  const auto& nd = gn["runs"]["without_decay"];
  const auto& wd = gn["runs"]["with_decay"];
  res.verdict = k < 1e-9 && e < 1e-10 && j < 1e-10 ? Verdict::Holds : Verdict::Violated;
  res.evidence = fmt::format(
      "K-FAC step on the scale-invariant layer: Δ(αW; γ) = α·Δ(W; γα²) to {:.1e} (damping acts as "
      "γ‖W‖²: {:.3g} without decay vs {:.3g} with decay after training). Bias-free ReLU MLP of depth "
      "3: J_θθ = 3f to {:.1e}, f = J_x x to {:.1e}, so the Gauss–Newton norm is 9·E f² and tracks "
      "the input–output Jacobian; GN norm {:.4g} → {:.4g} and E‖J_x‖² {:.4g} → {:.4g} with decay.",
      k, r["scale_invariant"]["runs"]["without_decay"]["kfac_effective_damping_final"].get<double>(),
      r["scale_invariant"]["runs"]["with_decay"]["kfac_effective_damping_final"].get<double>(), e, j,
      nd["gauss_newton_norm_sq"].get<double>(), wd["gauss_newton_norm_sq"].get<double>(),
      nd["input_output_jacobian_fro_sq"].get<double>(), wd["input_output_jacobian_fro_sq"].get<double>());
  return res;
}

ClaimResult check_minimizer_path(const validators::CheckContext& ctx) {
  MinimizerPathOptions o;
  const nlohmann::json r = run_minimizer_path(o);
  ClaimResult res;
  res.details = r;
  const auto& rows = r["rows"];
  const double fd = r["max_fd_rel_error"].get<double>(), fdn = r["max_dnorm_sq_fd_rel_error"].get<double>();
  const double fixed = r["max_fixed_point_rel_error"].get<double>(), g = r["max_grad_norm"].get<double>();
  const bool mono = r["monotone_decreasing"].get<bool>(), neg = r["derivative_negative"].get<bool>();
  const bool converged = r["converged"].get<bool>();
  const bool holds = converged && mono && neg && fd <= 1e-6 && fdn <= 1e-6 && fixed <= 1e-10 &&
                     r["norm_bound_holds"].get<bool>();
  // Refuted only by a converged solve that shows the norm growing or the derivative disagreeing.
  const bool violated = converged && (!mono || !neg || fd > 1e-3 || fdn > 1e-3);
  res.verdict = holds ? Verdict::Holds : violated ? Verdict::Violated : Verdict::Inconclusive;
  std::string norms;
  for (const auto& row : rows)
    norms += fmt::format(" {:.3g}:{:.4g}", row["lambda"].get<double>(), row["theta_norm"].get<double>());
  res.evidence = fmt::format(
      "{} ({} parameters), float64; θ*(λ) for {} values of λ by torch::optim::LBFGS then Newton "
      "(autograd Hessian, equal to the closed form to {:.1e}), ‖∇F(θ*)‖ ≤ {:.1e} (required {:.0e}). "
      "‖θ*‖ (λ:‖θ*‖):{} — {} in λ, below the bound ‖∇L(0)‖/λ{}. dθ*/dλ = −(∇²F)⁻¹θ* (implicit "
      "function theorem) against a central difference at λe^{{±{}}}: largest relative error {:.1e}; "
      "d‖θ*‖²/dλ = −2θ*ᵀ(∇²F)⁻¹θ* {} 0 at every λ, matching the difference to {:.1e}. Fixed point "
      "θ* = −∇L(θ*)/λ to {:.1e} relative. Smallest Hessian eigenvalue − λ: {:.1e}·λ (∇²L ⪰ 0; "
      "equality from the softmax's constant-shift direction).",
      r["model"].get<std::string>(), r["parameters"].get<int>(), rows.size(),
      r["max_hessian_closed_form_rel_error"].get<double>(), g, o.grad_tol, norms,
      mono ? "strictly decreasing" : "NOT monotone",
      r["norm_bound_holds"].get<bool>() ? "" : " (bound VIOLATED)", o.fd_step, fd, neg ? "<" : "not <", fdn,
      fixed, r["min_hessian_shift_rel"].get<double>());
  return res;
}

}  // namespace

void register_companion_claims(validators::Registry& r) {
  const std::string b = "Boursier, Bowditch, Englert, Lazić, arXiv:2505.22578";
  r.add({"boursier-orthogonal-2n",
         "On orthogonal data gradient descent reaches a global minimum of the ℓ2-regularized "
         "two-layer ReLU loss only once the width is of order 2^n (the threshold is necessary).",
         b + " (orthogonal-data example)", "villani run boursier --n 4:6 --seeds 16 --planar-n '' --init-scale 0.01", check_orthogonal});
  r.add({"boursier-cover-count",
         "One bias-free ReLU neuron has 2·Σ_{i<d} C(n−1, i) activation patterns on n points in "
         "general position in R^d.",
         "Cover 1965, as used by " + b, "villani run boursier --n 4:6 --planar-n 4,6,8", check_cover});
  r.add({"boursier-convex-certificate",
         "The ℓ2-regularized two-layer ReLU problem equals a convex program over activation "
         "patterns, whose value certifies global optimality.",
         "Pilanci & Ergen, ICML 2020, used by " + b, "villani run boursier --n 4:8", check_convex});
  r.add({"l2-sgd-equivalence",
         "For SGD, L2 regularization with coefficient λ equals decoupled weight decay λ' = λ·η.",
         "Loshchilov & Hutter, ICLR 2019, §2", "villani run l2-vs-decoupled --steps 1000", check_sgd});
  r.add({"adam-l2-vs-adamw",
         "For Adam, L2 regularization and decoupled decay (AdamW) reach different points.",
         "Loshchilov & Hutter, ICLR 2019, §2", "villani run l2-vs-decoupled --steps 1000", check_adam});
  r.add({"scale-invariance-orthogonal-gradient",
         "For weights followed by a normalization, ∇L ⟂ w, ‖w‖² grows by η²‖g‖² per SGD step "
         "without decay, and decay keeps the effective learning rate η/‖w‖² up.",
         "Zhang, Wang, Xu, Grosse, arXiv:1810.12281, §4.1", "villani run mechanisms", check_scale});
  r.add({"kfac-effective-damping",
         "With K-FAC, decay keeps the effective damping γ‖w‖² small, and for homogeneous ReLU "
         "nets the Gauss–Newton norm equals (depth)²·E f², i.e. an input–output Jacobian norm.",
         "Zhang, Wang, Xu, Grosse, arXiv:1810.12281, §4.2–4.3", "villani run mechanisms", check_kfac});
  r.add({"minimizer-moves-with-lambda",
         "The regularized minimizer θ*(λ) of F = L + (λ/2)‖θ‖² shrinks toward 0 as λ grows: "
         "dθ*/dλ = −(∇²F)⁻¹θ*, so d‖θ*‖²/dλ = −2θ*ᵀ(∇²F)⁻¹θ* < 0 for convex L, and θ* = −∇L(θ*)/λ.",
         "weight-decay blog seed (THEORY.md §6): the minimizer of F moves with λ",
         "villani run mechanisms", check_minimizer_path});
}

}  // namespace villani::experiments::companion
