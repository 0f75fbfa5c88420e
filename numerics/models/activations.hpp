// Scalar helpers, activations and cross-entropy of the reference architectures
// (numerics/models/architectures.hpp), templated on the scalar: double, MPFR, MPFI intervals and
// Boost.Math autodiff fvar (numerics/scalar.hpp). Internal to numerics/models/.
#pragma once
#include <boost/math/constants/constants.hpp>
#include <cmath>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "numerics/errors.hpp"
#include "numerics/scalar.hpp"

namespace villani::numerics::models {

using Layout = std::vector<std::pair<std::string, long>>;

/// The root (non-autodiff) type of a scalar: S itself, or fvar's root_type.
template <class S, class = void>
struct root_of { using type = S; };
template <class S>
struct root_of<S, std::void_t<typename S::root_type>> { using type = typename S::root_type; };
template <class S>
using root_t = typename root_of<S>::type;

template <class S>
double approx(const S& x) {
  if constexpr (std::is_same_v<root_t<S>, S>) return to_double(x);
  else return to_double(static_cast<root_t<S>>(x));
}

/// Deterministic data: raw mt19937_64 output (no std distributions, whose output is
/// library-specific). uniform01 = (u >> 11)·2^-53.
struct DataRng {
  std::mt19937_64 g;
  explicit DataRng(std::uint64_t seed) : g(seed) {}
  double uniform01() { return static_cast<double>(g() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform01(); }
  int below(int n) { return static_cast<int>(g() % static_cast<std::uint64_t>(n)); }
};

// ---- activations -------------------------------------------------------------------------

template <class S>
S relu(const S& x) {
  if constexpr (is_interval<root_t<S>>::value) {
    using std::abs;
    return (x + abs(x)) / 2;  // max(x, 0) as an enclosure, also when x straddles 0
  } else {
    return approx(x) > 0 ? x : S(0);  // derivative at 0 taken as 0
  }
}

/// log(1 + e^x), evaluated without overflow: x + log(1 + e^-x) for x > 0, log(1 + e^x) else.
/// Both branches are the same analytic function, so derivatives are exact either way.
template <class S>
S softplus(const S& x) {
  using std::exp;
  using std::log;
  if (approx(x) > 0) return x + log(1 + exp(-x));
  return log(1 + exp(x));
}

/// Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
template <class S>
S gelu_erf(const S& x) {
  using R = root_t<S>;
  if constexpr (is_interval<R>::value) {
    throw DomainError("gelu (erf): MPFI has no erf; no interval enclosure for this model");
  } else {
    using std::erf;
    using std::sqrt;
    const R inv_sqrt2 = 1 / sqrt(R(2));
    return x * (1 + erf(x * inv_sqrt2)) / 2;
  }
}

/// tanh whose autodiff derivatives stay finite for every argument. Boost.Math autodiff's
/// tanh(fvar) is (e^{2x} − 1)/(e^{2x} + 1), which is inf/inf = NaN once e^{2x} overflows
/// (x > ~354 in double); for fvar scalars this evaluates (1 − e^{−2|x|})/(1 + e^{−2|x|})·sign x,
/// the same analytic function on each side (so every derivative is exact), where the
/// exponential can only underflow. Non-autodiff scalars (double, MPFR, MPFI) use their tanh.
template <class S>
S stable_tanh(const S& x) {
  using std::exp;
  using std::tanh;
  if constexpr (std::is_same_v<root_t<S>, S>) {
    return tanh(x);
  } else {
    using R = root_t<S>;
    if (approx(x) >= 0) {
      const S t = exp(x * R(-2));
      return (1 - t) / (1 + t);
    }
    const S t = exp(x * R(2));
    return (t - 1) / (t + 1);
  }
}

/// tanh(x) and sech²(x) = 1 − tanh²(x) from t = e^{−2|x|} (no overflow, no cancellation):
/// tanh = sign(x)(1 − t)/(1 + t), sech² = 4t/(1 + t)². For the reverse passes.
template <class S>
void tanh_sech2(const S& x, S& th, S& sech2) {
  using std::exp;
  using R = root_t<S>;
  const bool pos = approx(x) >= 0;
  const S t = pos ? S(exp(x * R(-2))) : S(exp(x * R(2)));
  const S inv = 1 / (1 + t);
  th = (1 - t) * inv;
  if (!pos) th = -th;
  sech2 = 4 * t * inv * inv;
}

/// "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
template <class S>
S gelu_tanh(const S& x) {
  using R = root_t<S>;
  using std::sqrt;
  const R c = sqrt(R(2) / boost::math::constants::pi<R>());
  const R a = R(44715) / R(1000000);
  const S arg = c * (x + a * x * x * x);
  return x * (1 + stable_tanh<S>(arg)) / 2;
}

enum class Activation { Relu, Gelu, GeluTanh, Tanh, Softplus };
Activation parse_activation(const std::string& name, const std::string& arg);
std::string activation_name(Activation a);

template <class S>
S activate(Activation a, const S& x) {
  switch (a) {
    case Activation::Relu: return relu(x);
    case Activation::Gelu: return gelu_erf(x);
    case Activation::GeluTanh: return gelu_tanh(x);
    case Activation::Tanh: return stable_tanh<S>(x);
    case Activation::Softplus: return softplus(x);
  }
  return x;
}

namespace detail {
/// The one implementation of both: −log softmax(z)[y] = logsumexp(z) − z_y, shifted by max z
/// (taken in double: any shift is exact); with dz, also scale·(softmax(z) − e_y) written into it.
template <class S>
S cross_entropy_impl(const std::vector<S>& z, int y, const root_t<S>& scale, std::vector<S>* dz) {
  using std::exp;
  using std::log;
  using R = root_t<S>;
  double m = approx(z[0]);
  for (const auto& zi : z) m = std::max(m, approx(zi));
  const R shift(m);
  S sum(0);
  for (std::size_t k = 0; k < z.size(); ++k) {
    S e = exp(z[k] - shift);
    sum += e;
    if (dz) (*dz)[k] = std::move(e);
  }
  if (dz) {
    const S inv = scale / sum;
    for (auto& d : *dz) d *= inv;
    (*dz)[static_cast<std::size_t>(y)] -= scale;
  }
  return log(sum) + shift - z[static_cast<std::size_t>(y)];
}
}  // namespace detail

/// Cross-entropy −log softmax(z)[y] = logsumexp(z) − z_y of logits z at label y.
template <class S>
S cross_entropy(const std::vector<S>& z, int y) {
  return detail::cross_entropy_impl<S>(z, y, root_t<S>(1), nullptr);
}

/// σ'(x) for the reverse passes, the derivative of activate(a, ·) (relu'(0) = 0 as there).
template <class S>
S activate_derivative(Activation a, const S& x) {
  using R = root_t<S>;
  using std::exp;
  using std::erf;
  using std::sqrt;
  switch (a) {
    case Activation::Relu: return approx(x) > 0 ? S(1) : S(0);
    case Activation::Gelu: {  // Φ(x) + x·φ(x)
      const R inv_sqrt2 = 1 / sqrt(R(2));
      const R inv_sqrt2pi = 1 / sqrt(2 * boost::math::constants::pi<R>());
      const S xs = x * inv_sqrt2;
      return (1 + erf(xs)) / 2 + x * exp(-(x * x) / 2) * inv_sqrt2pi;
    }
    case Activation::GeluTanh: {
      const R c = sqrt(R(2) / boost::math::constants::pi<R>());
      const R ag = R(44715) / R(1000000);
      const S x2 = x * x;
      S th, sech2;
      tanh_sech2<S>(S(c * (x + ag * x2 * x)), th, sech2);
      return ((1 + th) + x * sech2 * c * (1 + 3 * ag * x2)) / 2;
    }
    case Activation::Tanh: {
      S th, sech2;
      tanh_sech2<S>(x, th, sech2);
      return sech2;
    }
    case Activation::Softplus: {  // logistic sigmoid, no overflow on either side
      if (approx(x) > 0) return 1 / (1 + exp(-x));
      const S e = exp(x);
      return e / (1 + e);
    }
  }
  return S(1);
}

/// Cross-entropy of logits z at label y (the value cross_entropy() returns) and its gradient
/// in z times `scale`, written into dz (z.size() entries): dz = scale·(softmax(z) − e_y).
template <class S>
S cross_entropy_grad(const std::vector<S>& z, int y, const root_t<S>& scale, std::vector<S>& dz) {
  return detail::cross_entropy_impl<S>(z, y, scale, &dz);
}

}  // namespace villani::numerics::models
