// Statistics behind `villani check` (docs/theory.md §1): sampling certificates, growth fits and
// Gaussian tail bounds. Everything here is a plain function of numbers, testable on its own.
#pragma once
#include <cstdint>
#include <vector>

namespace villani::validators {

/// One-sided Clopper–Pearson bounds on a binomial proportion p after k successes in n trials:
/// P(p ≤ upper) ≥ confidence and P(p ≥ lower) ≥ confidence (Boost.Math ibeta_inv).
/// Throws InputError("n"/"k"/"confidence") unless 0 ≤ k ≤ n, n ≥ 1, 0 < confidence < 1.
double clopper_pearson_upper(std::int64_t k, std::int64_t n, double confidence);
double clopper_pearson_lower(std::int64_t k, std::int64_t n, double confidence);

/// Least squares line log y = log a + p·log r (all r, y > 0, at least 2 points).
struct LogLogFit {
  double exponent = 0;     ///< p
  double coefficient = 0;  ///< a
  double rms = 0;          ///< root mean square residual in log y
  int points = 0;
};
LogLogFit loglog_fit(const std::vector<double>& r, const std::vector<double>& y);

/// Weighted least squares y ≈ a·r^p + b with relative weights 1/max(|y|, floor)², by variable
/// projection: for each p the best (a, b) is a 2×2 linear solve; p minimizes the residual over
/// [p_lo, p_hi] (grid scan then golden section). The offset b absorbs the constant term
/// (−λd in Ψ_s), so p is the growth exponent of y − b. Needs ≥ 3 points with distinct r.
struct PowerFit {
  double exponent = 0, coefficient = 0, offset = 0;
  double rms_relative = 0;  ///< weighted root mean square residual
  int points = 0;
};
PowerFit power_offset_fit(const std::vector<double>& r, const std::vector<double>& y,
                          double floor, double p_lo = 0.25, double p_hi = 6.0);

/// Gaussian tail: ∫_{‖θ‖>R} exp(−a‖θ‖²/s) dθ over R^d, as log of the full Gaussian integral
/// (π s/a)^{d/2} plus the log of the fraction outside the ball, Q(d/2, a R²/s) (regularized
/// upper incomplete gamma). Needs a > 0, s > 0, R ≥ 0, d ≥ 1.
struct GaussianTail {
  double log_total = 0;     ///< ln (π s/a)^{d/2}
  double log_fraction = 0;  ///< ln Q(d/2, aR²/s)  (≤ 0)
};
GaussianTail gaussian_tail(double a, double s, double radius, double dim);

}  // namespace villani::validators
