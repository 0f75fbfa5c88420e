#include "experiments/fit.hpp"

#include <algorithm>
#include <cmath>

namespace villani::experiments {

namespace {
struct Lin {
  double a = 0, b = 0, sse = 0;
};
Lin solve(const std::vector<double>& t, const std::vector<double>& y, double r, double t0) {
  // y = a + b·e^{−r (t − t0)}: normal equations for (a, b).
  double s1 = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double x = std::exp(-r * (t[i] - t0));
    s1 += 1; sx += x; sxx += x * x; sy += y[i]; sxy += x * y[i];
  }
  Lin L;
  const double det = s1 * sxx - sx * sx;
  if (std::abs(det) < 1e-300) { L.a = sy / s1; L.b = 0; }
  else { L.b = (s1 * sxy - sx * sy) / det; L.a = (sy - L.b * sx) / s1; }
  for (std::size_t i = 0; i < n; ++i) {
    const double e = y[i] - L.a - L.b * std::exp(-r * (t[i] - t0));
    L.sse += e * e;
  }
  return L;
}
}  // namespace

ExpFit fit_exponential(const std::vector<double>& t, const std::vector<double>& y) {
  ExpFit f;
  f.n = static_cast<int>(std::min(t.size(), y.size()));
  if (f.n < 8) { f.why = "fewer than 8 points"; return f; }
  for (int i = 0; i < f.n; ++i)
    if (!std::isfinite(t[i]) || !std::isfinite(y[i])) { f.why = "non-finite data"; return f; }
  const double t0 = t.front(), span = t.back() - t.front();
  if (!(span > 0)) { f.why = "zero time span"; return f; }
  double mean = 0;
  for (int i = 0; i < f.n; ++i) mean += y[i];
  mean /= f.n;
  double sst = 0;
  for (int i = 0; i < f.n; ++i) sst += (y[i] - mean) * (y[i] - mean);
  if (!(sst > 0)) { f.why = "flat data"; return f; }
  const double lo = std::log(0.05 / span), hi = std::log(2000.0 / span);
  const int G = 240;
  std::vector<double> grid(G + 1), sse(G + 1);
  int best = 0;
  for (int k = 0; k <= G; ++k) {
    grid[k] = lo + (hi - lo) * k / G;
    sse[k] = solve(t, y, std::exp(grid[k]), t0).sse;
    if (sse[k] < sse[best]) best = k;
  }
  // Golden section on log r around the best grid point.
  double a = grid[std::max(0, best - 1)], b = grid[std::min(G, best + 1)];
  const double gr = (std::sqrt(5.0) - 1) / 2;
  double c = b - gr * (b - a), d = a + gr * (b - a);
  double fc = solve(t, y, std::exp(c), t0).sse, fd = solve(t, y, std::exp(d), t0).sse;
  for (int it = 0; it < 80; ++it) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - gr * (b - a); fc = solve(t, y, std::exp(c), t0).sse; }
    else { a = c; c = d; fc = fd; d = a + gr * (b - a); fd = solve(t, y, std::exp(d), t0).sse; }
  }
  const double lr = (a + b) / 2;
  const Lin L = solve(t, y, std::exp(lr), t0);
  f.rate = std::exp(lr);
  f.asymptote = L.a;
  f.amplitude = L.b * std::exp(f.rate * t0);
  f.amplitude = L.b;  // amplitude at t = t.front()
  f.r2 = 1 - L.sse / sst;
  // Profile interval.
  const double thr = L.sse * (1 + 3.84 / std::max(1, f.n - 3));
  double rlo = lr, rhi = lr;
  for (int k = 0; k <= G; ++k)
    if (sse[k] <= thr) { rlo = std::min(rlo, grid[k]); rhi = std::max(rhi, grid[k]); }
  // Widen by one grid cell (grid resolution).
  const double cell = (hi - lo) / G;
  f.rate_lo = std::exp(std::max(lo, rlo - cell));
  f.rate_hi = std::exp(std::min(hi, rhi + cell));
  if (best == 0) { f.why = "no relaxation within the run (rate ≤ 0.05/span): run longer"; return f; }
  if (best == G) { f.why = "relaxes within one record step: record more often"; return f; }
  if (f.r2 < 0.5) { f.why = "poor fit (R² < 0.5): noise dominates"; f.ok = false; return f; }
  f.ok = true;
  return f;
}

}  // namespace villani::experiments
