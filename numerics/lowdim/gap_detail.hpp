// Helpers shared by the low-dimensional gap solvers (numerics/lowdim/gap*.cpp); not a public API.
#pragma once
#include <limits>
#include <vector>

#include "numerics/lowdim/gap.hpp"

namespace villani::numerics::lowdim::detail {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// V at x; InputError(p.argument, ...) when NaN or −inf (or +inf unless allow_plus_inf).
double eval_checked(const Potential& p, const double* x, bool allow_plus_inf);

/// Gauss–Legendre 10-point nodes/weights on [−1, 1].
struct GL {
  std::vector<double> x, w;
  GL();
};
const GL& gl();

double logaddexp(double a, double b);

/// log ∫_a^b exp(sign·V(x)) dx by 10-point Gauss–Legendre.
double log_int(const Potential& p, double a, double b, double sign);

}  // namespace villani::numerics::lowdim::detail
