// Central finite differences for the derivative tests, one template for every scalar type
// (double, Real50, Real100, ...): the reference the analytic derivatives are checked against.
#pragma once
#include <cstddef>
#include <vector>

namespace villani::test_support {

/// Central differences of a scalar function f at x, coordinate by coordinate, with step h:
///   gradient[i] = (f(x + h e_i) − f(x − h e_i)) / (2h)                 (error O(h²))
///   laplacian   = Σ_i (f(x + h e_i) − 2 f(x) + f(x − h e_i)) / h²       (error O(h²))
/// `fx` is f(x) (the caller usually has it). X is any vector with size() and operator[].
template <class S>
struct CentralDifferences {
  std::vector<S> gradient;
  S laplacian = S(0);
};

template <class S, class X, class F>
CentralDifferences<S> central_differences(const F& f, const X& x, const S& fx, const S& h) {
  CentralDifferences<S> out;
  const std::size_t n = static_cast<std::size_t>(x.size());
  out.gradient.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto xp = x, xm = x;
    xp[i] += h;
    xm[i] -= h;
    const S fp = f(xp), fm = f(xm);
    out.gradient.push_back((fp - fm) / (2 * h));
    out.laplacian += (fp - 2 * fx + fm) / (h * h);
  }
  return out;
}

/// (g(x + h v) − g(x − h v)) / (2h): the derivative of a vector function g along v (for a
/// gradient g, the Hessian-vector product ∇²f·v).
template <class V, class G, class S>
V central_difference_along(const G& g, const V& x, const V& v, const S& h) {
  return (g(x + h * v) - g(x - h * v)) / (2 * h);
}

}  // namespace villani::test_support
