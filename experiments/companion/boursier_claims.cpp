// The three Boursier claims (docs/theory.md §6) for `villani reproduce`: two-layer ReLU networks
// with an ℓ2 penalty, computed by relu_landscape.cpp and boursier.cpp in plain Eigen double. No
// LibTorch: they are part of villani_experiments_core and decided in every build.
#include "experiments/companion/claims.hpp"

#include <cmath>
#include <fmt/format.h>
#include <random>

#include "experiments/companion/boursier.hpp"
#include "experiments/companion/boursier_record.hpp"

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
  const BoursierResult r = run_boursier(o);
  ClaimResult res;
  res.details = to_json(r);
  std::string rows;
  double worst_ratio = 1;
  for (const auto& t : r.transitions) {  // orthogonal only (planar_n is empty): coverage is there
    if (!t.m_half_fit) {
      res.verdict = Verdict::Inconclusive;
      res.evidence = fmt::format("n = {}: every width gave the same outcome, so no transition was seen "
                                 "up to m = 2^(n+{}); a wider width grid would settle it.",
                                 t.n, o.m_extra);
      return res;
    }
    const double predicted = t.coverage.value().m_half;
    const double ratio = *t.m_half_fit / predicted;
    worst_ratio = std::max(worst_ratio, std::max(ratio, 1 / ratio));
    rows += fmt::format(" n={}: fitted m½={:.0f} (coverage {:.0f}, 2^n={:.0f});", t.n, *t.m_half_fit, predicted,
                        t.two_pow_n);
  }
  const double slope = r.fit.at(0).line ? r.fit[0].line->slope_log2_m_half_vs_n : std::nan("");
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

}  // namespace

void register_boursier_claims(validators::Registry& r) {
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
}

}  // namespace villani::experiments::companion
