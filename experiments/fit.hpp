// Exponential relaxation fits for measured runs (docs/theory.md §4): y(t) ≈ a + b·exp(−r·t).
// No LibTorch.
#pragma once
#include <string>
#include <vector>

namespace villani::experiments {

struct ExpFit {
  bool ok = false;
  std::string why;          ///< why the fit is not usable (empty when ok)
  double rate = 0;          ///< r (per unit time)
  double rate_lo = 0;       ///< profile interval: SSE(r) ≤ SSE_min·(1 + 3.84/(n − 3))
  double rate_hi = 0;       ///< (approximate 95 %; ignores autocorrelation of SGLD noise)
  double asymptote = 0;     ///< a
  double amplitude = 0;     ///< b
  double r2 = 0;            ///< coefficient of determination
  int n = 0;
};

/// Least squares over r (log grid over [0.05, 2000]/span, then golden-section refinement) with
/// a, b solved linearly for each r. Not ok when n < 8, the data are flat, or the best rate
/// sits at the edge of the grid (the run is too short, or relaxes within one record step).
ExpFit fit_exponential(const std::vector<double>& t, const std::vector<double>& y);

}  // namespace villani::experiments
