// Inner products of float or double vectors accumulated in double: the one implementation for
// the float32 solvers (Lanczos, XTrace, Hutchinson at d ≈ 10^8), where a float32 basis must stay
// orthogonal to float rounding, not to the rounding of an n-term float sum.
#pragma once
#include <Eigen/Core>
#include <type_traits>
#include <utility>

namespace villani::numerics {

/// x·y over n entries, accumulated in double. For float, eight double accumulators over converted
/// entries: the compiler vectorizes this (Eigen's cast<double>().dot() does not: 2.4× slower at
/// n = 15M), and the sum is at least as accurate as one running double sum.
template <class Scalar>
double dot64(const Scalar* x, const Scalar* y, Eigen::Index n) {
  if constexpr (std::is_same_v<Scalar, double>) {
    using V = Eigen::Matrix<double, Eigen::Dynamic, 1>;
    return Eigen::Map<const V>(x, n).dot(Eigen::Map<const V>(y, n));
  } else {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    Eigen::Index i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(x[i + k]) * static_cast<double>(y[i + k]);
    double s = 0;
    for (; i < n; ++i) s += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    for (int k = 0; k < 8; ++k) s += acc[k];
    return s;
  }
}
/// The same on contiguous Eigen vectors (vectors, columns of a column-major matrix).
template <class X, class Y>
double dot64(const Eigen::DenseBase<X>& x, const Eigen::DenseBase<Y>& y) {
  return dot64(x.derived().data(), y.derived().data(), x.size());
}
template <class Scalar>
double norm2_64(const Scalar* x, Eigen::Index n) {
  return dot64(x, x, n);
}
/// v·w and w·w in one pass over w.
template <class Scalar>
std::pair<double, double> dot64_and_norm2(const Scalar* v, const Scalar* w, Eigen::Index n) {
  double vw[4] = {0, 0, 0, 0}, ww[4] = {0, 0, 0, 0};
  Eigen::Index i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      const double wi = static_cast<double>(w[i + k]);
      vw[k] += static_cast<double>(v[i + k]) * wi;
      ww[k] += wi * wi;
    }
  double a = 0, b = 0;
  for (; i < n; ++i) {
    const double wi = static_cast<double>(w[i]);
    a += static_cast<double>(v[i]) * wi;
    b += wi * wi;
  }
  for (int k = 0; k < 4; ++k) {
    a += vw[k];
    b += ww[k];
  }
  return {a, b};
}

}  // namespace villani::numerics
