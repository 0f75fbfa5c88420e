// Criterion 4, growth: Ψ_s and Ψ_{2s} on the shells, the fit against λ²/s and the radius R (check_engine.hpp).
#include "validators/check_engine.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "numerics/errors.hpp"
#include "numerics/precision.hpp"
#include "numerics/curvature.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/psi.hpp"
#include "numerics/sampling.hpp"
#include "numerics/trace.hpp"
#include "theory/routes.hpp"
#include "validators/check_stats.hpp"

namespace villani::validators::check_detail {

// ---- 4. growth -----------------------------------------------------------------------
namespace {
GrowthCriterion decided(GrowthCriterion& c, Verdict v, const std::string& evidence, const std::string& reason = "") {
  set_verdict(c, v, evidence, reason);
  return c;
}
}  // namespace

GrowthCriterion Engine::growth_criterion() {
  const double lam = o_.lambda, s = o_.s, dd = static_cast<double>(d_);
  const double pred = lam * lam / s;
  GrowthSummary& g = growth_summary_;
  g = GrowthSummary{};
  GrowthCriterion verdict;
  std::vector<double> med_s, med_2s, min_2s_minus, min_s_minus, rr;
  for (std::size_t k = 0; k < shells_.size(); ++k) {
    const auto pts = finite_points(k);
    GrowthShell sh{radii_[k], pts.size(), shell_rung_[k], pred * radii_[k] * radii_[k] - lam * dd, std::nullopt};
    if (pts.empty()) { g.shells.push_back(sh); continue; }
    std::vector<double> ps, p2, fr;
    double se = 0;
    int viol = 0, viol_s = 0;
    double mins = 1e300, min2s = 1e300;
    for (const auto& p : pts) {
      ps.push_back(p.psi(s));
      p2.push_back(p.psi(2 * s));
      se = std::max(se, p.se);
      if (p.psi(2 * s) - 2 * p.se <= o_.threshold) ++viol;
      if (p.psi(s) - 2 * p.se <= o_.threshold) ++viol_s;
      mins = std::min(mins, p.psi(s) - 2 * p.se);
      min2s = std::min(min2s, p.psi(2 * s) - 2 * p.se);
    }
    const auto mm = [](std::vector<double> v) {
      return MinMedianMax{*std::min_element(v.begin(), v.end()), median(v), *std::max_element(v.begin(), v.end())};
    };
    sh.psi = ShellPsi{mm(ps), mm(p2), se, estimated_, viol, viol_s,
                      clopper_pearson_upper(viol, static_cast<std::int64_t>(pts.size()), o_.confidence)};
    g.shells.push_back(sh);
    rr.push_back(radii_[k]);
    med_s.push_back(median(ps));
    med_2s.push_back(median(p2));
    min_s_minus.push_back(mins);
    min_2s_minus.push_back(min2s);
  }
  g.predicted_coefficient = pred;
  g.predicted_offset = -lam * dd;
  g.crossing_radius_predicted = r0_;
  if (!all_finite() || rr.size() != shells_.size()) {
    g.fit_note = nonfinite_reason();
    set_verdict(verdict, Verdict::Inconclusive, "Ψ could not be evaluated on every shell", nonfinite_reason());
    return verdict;
  }
  // Radius where Ψ exceeds the threshold on every sampled point of every shell beyond.
  const int n = static_cast<int>(rr.size());
  auto first_beyond = [&](const std::vector<double>& mins) {
    int k = n;
    while (k > 0 && mins[k - 1] > o_.threshold) --k;
    return k < n ? k : -1;
  };
  ks_ = first_beyond(min_s_minus);
  k2s_ = first_beyond(min_2s_minus);
  g.radii_searched = true;
  if (ks_ >= 0) g.radius_psi_s = rr[ks_];
  if (k2s_ >= 0) g.radius_psi_2s = rr[k2s_];
  // Fit window: shells at r ≥ 2·r0 (prediction dominated by its quadratic term), at least 3.
  std::vector<double> wr, wy;
  for (int k = 0; k < n; ++k)
    if (rr[k] >= 2 * r0_) { wr.push_back(rr[k]); wy.push_back(med_s[k]); }
  if (wr.size() < 3) {
    wr.clear(); wy.clear();
    for (int k = std::max(0, n - 3); k < n; ++k) { wr.push_back(rr[k]); wy.push_back(med_s[k]); }
    g.fit_note = "fewer than 3 shells at r ≥ 2·sqrt(s·d/λ): fitted on the outermost 3";
  }
  if (wr.size() >= 3) {
    const PowerFit pf = power_offset_fit(wr, wy, lam * dd + 1e-300);
    GrowthFit fit;
    fit.exponent = pf.exponent;
    // The coefficient against λ²/s comes from the fit with the exponent fixed at 2 (a·r² + b),
    // so that a slight exponent error does not leak into it; the free fit's is kept beside it.
    const PowerFit p2 = power_offset_fit(wr, wy, lam * dd + 1e-300, 2.0, 2.0);
    fit.coefficient = p2.coefficient;
    fit.offset = p2.offset;
    fit.free_fit_coefficient = pf.coefficient;
    fit.free_fit_offset = pf.offset;
    fit.fit_rms_relative = pf.rms_relative;
    fit.fit_radii = wr;
    fit.fit = "weighted least squares of median Ψ_s ≈ a·r^p + b (variable projection)";
    // Per direction (the directions are shared by the shells): the same fit on Ψ_s along
    // that direction alone. Its median is robust to the spread of the growth rate over
    // directions, which moves the median over a shell from radius to radius.
    std::vector<double> pdir;
    for (int j = 0; j < o_.directions; ++j) {
      std::vector<double> yj;
      for (int k = 0; k < n; ++k)
        if (rr[k] >= wr.front()) yj.push_back(shells_[k][j].psi(s));
      if (yj.size() == wr.size()) pdir.push_back(power_offset_fit(wr, yj, lam * dd + 1e-300).exponent);
    }
    if (!pdir.empty())
      fit.direction_exponent =
          DirectionExponent{median(pdir), *std::min_element(pdir.begin(), pdir.end()),
                            *std::max_element(pdir.begin(), pdir.end()), pdir.size(),
                            "a·r^p + b along each sampled direction over the fit radii"};
    fit.coefficient_ratio = p2.coefficient / pred;
    fit.matches_prediction =
        std::abs(pf.exponent - 2) <= 0.1 && std::abs(p2.coefficient / pred - 1) <= 0.1;
    bool pos = true;
    for (double y : wy) pos = pos && y > 0;
    if (pos) {
      const LogLogFit lf = loglog_fit(wr, wy);
      fit.loglog = LogLogFitResult{lf.exponent, lf.coefficient};
    }
    g.fit = std::move(fit);
  } else {
    g.fit_note = "fewer than 3 shells: no fit";
  }
  // Sampling certificate on the shells beyond R_{2s}.
  if (k2s_ >= 0) {
    std::int64_t total = 0;
    for (int k = k2s_; k < n; ++k) total += static_cast<std::int64_t>(shells_[k].size());
    g.certificate = SamplingCertificate{
        rr[k2s_], total, 0, o_.confidence,
        clopper_pearson_upper(0, static_cast<std::int64_t>(o_.directions), o_.confidence),
        fmt::format("each shell r ≥ {}: with {} uniform directions and no violation, "
                                "the fraction of the shell where Ψ_2s ≤ {} is ≤ {} at confidence {}",
                                num(rr[k2s_]), o_.directions, num(o_.threshold),
                                num(clopper_pearson_upper(0, o_.directions, o_.confidence)),
                                o_.confidence)};
  }
  // Verdict: Villani's condition is Ψ_{2s} → +∞ (docs/theory.md §1).
  const double last = med_2s[n - 1];
  const double se_last = g.shells[n - 1].psi ? g.shells[n - 1].psi->standard_error : 0.0;
  std::string fit_text = !g.fit
                             ? "no fit"
                             : fmt::format("fitted exponent {1} (free fit), Ψ_s ≈ {0}·r² + {2} vs predicted {3}·r² − {4}",
                                           num(g.fit->coefficient), num(g.fit->exponent), num(g.fit->offset),
                                           num(pred), num(lam * dd));
  if (last <= o_.threshold + 2 * se_last)
    return decided(verdict, Verdict::Violated,
                     fmt::format("median Ψ_2s = {} ≤ threshold {} on the outermost shell r = {}; {}",
                                 num(last), num(o_.threshold), num(rr[n - 1]), fit_text));
  if (n >= 2 && med_2s[n - 1] < med_2s[n - 2] - 2 * se_last)
    return decided(verdict, Verdict::Violated,
                     fmt::format("median Ψ_2s decreases on the outermost shells ({} at r = {} → {} at "
                                 "r = {}): no growth to +∞; {}",
                                 num(med_2s[n - 2]), num(rr[n - 2]), num(last), num(rr[n - 1]), fit_text));
  if (k2s_ < 0 || k2s_ > n - 2)
    return decided(verdict, Verdict::Inconclusive,
                     fmt::format("Ψ_2s exceeds {} on every sampled point only on the outermost shell or "
                                 "not at all; {}", num(o_.threshold), fit_text),
                     "extend --radii past the outermost shell so that ≥ 2 shells lie beyond the "
                     "crossing, or raise --directions");
  for (int k = k2s_ + 1; k < n; ++k)
    if (med_2s[k] < med_2s[k - 1])
      return decided(verdict, Verdict::Inconclusive,
                       fmt::format("median Ψ_2s is positive beyond r = {} but not increasing (r = {}); {}",
                                   num(rr[k2s_]), num(rr[k]), fit_text),
                       "Ψ_2s is not monotone on the sampled shells; sample more radii");
  if (g.fit && g.fit->exponent < 0.5)
    return decided(verdict, Verdict::Inconclusive,
                     fmt::format("Ψ_2s positive beyond r = {} but the fitted exponent is {}", num(rr[k2s_]),
                                 num(g.fit->exponent)),
                     "growth too slow to tell on these radii");
  return decided(verdict, Verdict::Holds,
                   fmt::format("Ψ_2s > {} at all {} sampled points on every shell r ≥ {} and its median "
                               "grows ({} → {}); {}; per-shell violating fraction ≤ {} ({}% confidence)",
                               num(o_.threshold), (n - k2s_) * o_.directions, num(rr[k2s_]),
                               num(med_2s[k2s_]), num(last), fit_text,
                               num(clopper_pearson_upper(0, o_.directions, o_.confidence)),
                               num(100 * o_.confidence)));
}

}  // namespace villani::validators::check_detail
