#include "validators/check_stats.hpp"

#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "numerics/errors.hpp"

namespace villani::validators {
namespace {
void check_binomial(std::int64_t k, std::int64_t n, double confidence) {
  if (n < 1) throw InputError("n", fmt::format("expected at least one trial; got {}", n));
  if (k < 0 || k > n) throw InputError("k", fmt::format("expected 0 ≤ k ≤ n = {}; got {}", n, k));
  check_open_interval("confidence", confidence, 0.0, 1.0);
}
}  // namespace

double clopper_pearson_upper(std::int64_t k, std::int64_t n, double confidence) {
  check_binomial(k, n, confidence);
  if (k == n) return 1.0;
  // Upper limit: the Beta(k+1, n−k) quantile at `confidence`.
  return boost::math::ibeta_inv(static_cast<double>(k + 1), static_cast<double>(n - k), confidence);
}

double clopper_pearson_lower(std::int64_t k, std::int64_t n, double confidence) {
  check_binomial(k, n, confidence);
  if (k == 0) return 0.0;
  return boost::math::ibeta_inv(static_cast<double>(k), static_cast<double>(n - k + 1), 1.0 - confidence);
}

LogLogFit loglog_fit(const std::vector<double>& r, const std::vector<double>& y) {
  if (r.size() != y.size() || r.size() < 2)
    throw DomainError("loglog_fit: need at least two (r, y) pairs of equal length");
  const double n = static_cast<double>(r.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (!(r[i] > 0) || !(y[i] > 0)) throw DomainError("loglog_fit: r and y must be > 0");
    const double x = std::log(r[i]), v = std::log(y[i]);
    sx += x; sy += v; sxx += x * x; sxy += x * v;
  }
  const double den = n * sxx - sx * sx;
  if (!(std::abs(den) > 0)) throw DomainError("loglog_fit: all radii equal");
  LogLogFit f;
  f.exponent = (n * sxy - sx * sy) / den;
  const double intercept = (sy - f.exponent * sx) / n;
  f.coefficient = std::exp(intercept);
  double ss = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const double e = std::log(y[i]) - intercept - f.exponent * std::log(r[i]);
    ss += e * e;
  }
  f.rms = std::sqrt(ss / n);
  f.points = static_cast<int>(r.size());
  return f;
}

namespace {
struct Solve {
  double a = 0, b = 0, cost = std::numeric_limits<double>::infinity();
};
// Weighted linear least squares in (a, b) for y ≈ a·x + b, x = r^p.
Solve solve_ab(const std::vector<double>& r, const std::vector<double>& y,
               const std::vector<double>& w, double p) {
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  // Scale x by its largest value so that r^p stays well conditioned.
  double xmax = 0;
  for (double ri : r) xmax = std::max(xmax, std::pow(ri, p));
  if (!(xmax > 0) || !std::isfinite(xmax)) return {};
  for (std::size_t i = 0; i < r.size(); ++i) {
    const double x = std::pow(r[i], p) / xmax;
    sw += w[i]; sx += w[i] * x; sy += w[i] * y[i]; sxx += w[i] * x * x; sxy += w[i] * x * y[i];
  }
  const double den = sw * sxx - sx * sx;
  if (!(den > 1e-300)) return {};
  Solve s;
  const double a_scaled = (sw * sxy - sx * sy) / den;
  s.b = (sy - a_scaled * sx) / sw;
  s.a = a_scaled / xmax;
  double cost = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const double e = y[i] - a_scaled * std::pow(r[i], p) / xmax - s.b;
    cost += w[i] * e * e;
  }
  s.cost = cost;
  return s;
}
}  // namespace

PowerFit power_offset_fit(const std::vector<double>& r, const std::vector<double>& y, double floor,
                          double p_lo, double p_hi) {
  if (r.size() != y.size() || r.size() < 3)
    throw DomainError("power_offset_fit: need at least three (r, y) pairs of equal length");
  if (!(floor > 0)) throw DomainError("power_offset_fit: floor must be > 0");
  std::vector<double> w(r.size());
  double sw = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (!(r[i] > 0) || !std::isfinite(y[i])) throw DomainError("power_offset_fit: r > 0, y finite");
    const double m = std::max(std::abs(y[i]), floor);
    w[i] = 1.0 / (m * m);
    sw += w[i];
  }
  const int grid = 200;
  double best_p = p_lo, best = std::numeric_limits<double>::infinity();
  for (int k = 0; k <= grid; ++k) {
    const double p = p_lo + (p_hi - p_lo) * k / grid;
    const double c = solve_ab(r, y, w, p).cost;
    if (c < best) { best = c; best_p = p; }
  }
  const double h = (p_hi - p_lo) / grid;
  double lo = std::max(p_lo, best_p - h), hi = std::min(p_hi, best_p + h);
  const double g = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double f1 = solve_ab(r, y, w, x1).cost, f2 = solve_ab(r, y, w, x2).cost;
  for (int it = 0; it < 80; ++it) {
    if (f1 < f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - g * (hi - lo); f1 = solve_ab(r, y, w, x1).cost; }
    else { lo = x1; x1 = x2; f1 = f2; x2 = lo + g * (hi - lo); f2 = solve_ab(r, y, w, x2).cost; }
  }
  PowerFit f;
  f.exponent = (lo + hi) / 2;
  const Solve s = solve_ab(r, y, w, f.exponent);
  f.coefficient = s.a;
  f.offset = s.b;
  f.rms_relative = std::sqrt(s.cost / sw);
  f.points = static_cast<int>(r.size());
  return f;
}

GaussianTail gaussian_tail(double a, double s, double radius, double dim) {
  if (!(a > 0) || !(s > 0) || !(radius >= 0) || !(dim >= 1))
    throw DomainError("gaussian_tail: needs a > 0, s > 0, R ≥ 0, d ≥ 1");
  GaussianTail t;
  t.log_total = 0.5 * dim * std::log(M_PI * s / a);
  const double x = a * radius * radius / s;
  const double q = boost::math::gamma_q(0.5 * dim, x);
  if (q > 0) {
    t.log_fraction = std::log(q);
  } else {
    // Underflow: ln Q(k, x) ≈ (k−1)ln x − x − lnΓ(k) + ln(1 + (k−1)/x) for x ≫ k.
    const double k = 0.5 * dim;
    t.log_fraction = (k - 1) * std::log(x) - x - std::lgamma(k) + std::log1p((k - 1) / x);
  }
  return t;
}

}  // namespace villani::validators
