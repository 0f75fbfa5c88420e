// Helpers shared by the gap solvers (gap_detail.hpp).
#include "numerics/lowdim/gap_detail.hpp"

#include <boost/math/quadrature/gauss.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "numerics/errors.hpp"

namespace villani::numerics::lowdim::detail {

double eval_checked(const Potential& p, const double* x, bool allow_plus_inf) {
  const double v = p.V(x);
  if (std::isnan(v) || v == -kInf || (!allow_plus_inf && v == kInf)) {
    const std::string at = p.dim == 1 ? fmt::format("t = {}", x[0])
                                      : fmt::format("(t1, t2) = ({}, {})", x[0], x[1]);
    throw InputError(p.argument, "F/s is not finite at " + at + " (value " + describe_value(v) + ")");
  }
  return v;
}

GL::GL() {
  using G = boost::math::quadrature::gauss<double, 10>;
  const auto& a = G::abscissa();
  const auto& ww = G::weights();
  for (std::size_t i = 0; i < a.size(); ++i) {
    x.push_back(a[i]);
    w.push_back(ww[i]);
    if (a[i] != 0) {
      x.push_back(-a[i]);
      w.push_back(ww[i]);
    }
  }
}

const GL& gl() {
  static const GL g;
  return g;
}

double logaddexp(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

// log ∫_a^b exp(sign·V(x)) dx by 10-point Gauss–Legendre.
double log_int(const Potential& p, double a, double b, double sign) {
  if (!(b > a)) return -kInf;
  const auto& g = gl();
  double vals[10], m = -kInf;
  for (std::size_t q = 0; q < g.x.size(); ++q) {
    double x = 0.5 * (a + b) + 0.5 * (b - a) * g.x[q];
    vals[q] = sign * eval_checked(p, &x, false) + std::log(0.5 * (b - a) * g.w[q]);
    m = std::max(m, vals[q]);
  }
  double sum = 0;
  for (std::size_t q = 0; q < g.x.size(); ++q) sum += std::exp(vals[q] - m);
  return m + std::log(sum);
}

}  // namespace villani::numerics::lowdim::detail
