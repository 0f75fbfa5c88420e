// Independent references for the PAC-Bayes tests: binary kl and its upper inverse by bisection in
// 100-digit MPFR, written separately from theory/pac_bayes.cpp.
#pragma once
#include <boost/multiprecision/mpfr.hpp>

namespace villani::test {
using R100 = boost::multiprecision::mpfr_float_100;
inline R100 kl100(const R100& q, const R100& p) {
  R100 a = q == 0 ? R100(0) : R100(q * log(q / p));
  R100 b = q == 1 ? R100(0) : R100((1 - q) * log((1 - q) / (1 - p)));
  return a + b;
}
inline R100 kl_inv_upper_100(const R100& q, const R100& c) {
  R100 lo = q, hi = 1;
  for (int i = 0; i < 340; ++i) {
    R100 mid = (lo + hi) / 2;
    if (kl100(q, mid) > c) hi = mid;
    else lo = mid;
  }
  return lo;
}
}  // namespace villani::test
