// Criteria 2 and 3, coercivity and integrability, from the shell minima of F/‖θ‖² (check_engine.hpp).
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

// ---- 2. coercivity -------------------------------------------------------------------
CoercivityCriterion Engine::coercivity_criterion() {
  const double half = o_.lambda / 2;
  CoercivityCriterion j;
  ratio_.assign(shells_.size(), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t k = 0; k < shells_.size(); ++k) {
    double m = std::numeric_limits<double>::infinity();
    for (const auto& p : shells_[k])
      if (p.finite && p.norm > 0) m = std::min(m, p.f / (p.norm * p.norm));
    ratio_[k] = m;
    j.shells.push_back({radii_[k], m, m / half});
  }
  if (!all_finite()) {
    set_verdict(j, Verdict::Inconclusive, "F could not be evaluated on every shell", nonfinite_reason());
  } else {
    const double outer = ratio_.back();
    const std::string ev = fmt::format(
        "min F/‖θ‖² on the outermost shell (r = {}) is {} = {} × λ/2", num(radii_.back()), num(outer),
        num(outer / half));
    if (outer >= 0.5 * half) set_verdict(j, Verdict::Holds, ev + " ≥ λ/4 (sampled estimate of a quadratic lower bound)");
    else if (outer <= 0) set_verdict(j, Verdict::Violated, ev + " ≤ 0: F is not bounded below by a positive quadratic there");
    else set_verdict(j, Verdict::Inconclusive, ev + ", between 0 and λ/4",
                     "F/‖θ‖² has not reached λ/4 on the sampled radii; extend --radii");
  }
  j.half_lambda = half;
  return j;
}

// ---- 3. integrability ----------------------------------------------------------------
IntegrabilityCriterion Engine::integrability_criterion() {
  IntegrabilityCriterion j;
  if (!all_finite()) {
    set_verdict(j, Verdict::Inconclusive, "F could not be evaluated on every shell", nonfinite_reason());
    return j;
  }
  const double a = ratio_.back();
  double rmin = std::numeric_limits<double>::infinity();
  for (const auto& p : shells_.back()) rmin = std::min(rmin, p.norm);
  if (!(a > 0)) {
    set_verdict(j, Verdict::Violated,
                fmt::format("min F/‖θ‖² = {} ≤ 0 on the outermost shell: no Gaussian bound on the tail of "
                            "e^(−F/s)", num(a)));
    return j;
  }
  const double dd = static_cast<double>(d_);
  const GaussianTail t = gaussian_tail(a, o_.s, rmin, dd);
  // Mass near the centre (estimate): vol B(c, r_1)·exp(−sup F/s) over the centre and shell 1.
  double fsup = center_pt_.f;
  for (const auto& p : shells_.front()) fsup = std::max(fsup, p.f);
  const double r1 = radii_.front();
  const double log_vol = 0.5 * dd * std::log(M_PI) - std::lgamma(0.5 * dd + 1) + dd * std::log(r1);
  const double log_z_lower = log_vol - fsup / o_.s;
  const double log_tail = t.log_total + t.log_fraction;
  const double rel10 = (log_tail - log_z_lower) / std::log(10.0);
  set_verdict(
      j, Verdict::Holds,
      fmt::format("F ≥ {}·‖θ‖² on the outermost shell (sampled) gives ∫_(‖θ‖>{}) e^(−F/s) ≤ 10^{} "
                  "(Gaussian tail fraction 10^{}), i.e. 10^{} of the mass near the centre (estimate)",
                  num(a), num(rmin), num(log_tail / std::log(10.0)), num(t.log_fraction / std::log(10.0)),
                  num(rel10)));
  j.tail = GaussianTailBound{a, rmin, log_tail / std::log(10.0), t.log_fraction / std::log(10.0), rel10,
                             "F(θ) ≥ a‖θ‖² for ‖θ‖ ≥ R, a = min F/‖θ‖² sampled on the outermost shell"};
  return j;
}

}  // namespace villani::validators::check_detail
