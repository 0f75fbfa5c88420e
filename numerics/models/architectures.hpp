// The reference architectures (docs/models.md), each a struct with its sizes and data and a
// loss templated on the scalar: double, MPFR, MPFI intervals, and Boost.Math autodiff fvar over
// double / cpp_bin_float (numerics/scalar.hpp). θ is one flat vector; the block order is
// layout(), documented in docs/models.md. Internal to numerics/models/.
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

/// "gelu_new": 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
template <class S>
S gelu_tanh(const S& x) {
  using R = root_t<S>;
  using std::sqrt;
  using std::tanh;
  const R c = sqrt(R(2) / boost::math::constants::pi<R>());
  const R a = R(44715) / R(1000000);
  return x * (1 + tanh(c * (x + a * x * x * x))) / 2;
}

enum class Activation { Relu, Gelu, GeluTanh, Tanh, Softplus };
Activation parse_activation(const std::string& name, const std::string& arg);
std::string activation_name(Activation a);

template <class S>
S activate(Activation a, const S& x) {
  using std::tanh;
  switch (a) {
    case Activation::Relu: return relu(x);
    case Activation::Gelu: return gelu_erf(x);
    case Activation::GeluTanh: return gelu_tanh(x);
    case Activation::Tanh: return tanh(x);
    case Activation::Softplus: return softplus(x);
  }
  return x;
}

/// Cross-entropy −log softmax(z)[y] = logsumexp(z) − z_y, shifted by max z (any shift is exact).
template <class S>
S cross_entropy(const std::vector<S>& z, int y) {
  using std::exp;
  using std::log;
  using R = root_t<S>;
  double m = approx(z[0]);
  for (const auto& zi : z) m = std::max(m, approx(zi));
  const R shift(m);
  S sum(0);
  for (const auto& zi : z) sum += exp(zi - shift);
  return log(sum) + shift - z[static_cast<std::size_t>(y)];
}

// ---- multinomial logistic regression -------------------------------------------------------

/// logits = W x + b, W [K,p] row-major; θ = (W, b); L = mean CE over n samples.
struct LogisticArch {
  int classes = 3, features = 5, samples = 40;
  std::uint64_t seed = 1;
  std::vector<double> X;  ///< [n,p] row-major
  std::vector<int> y;

  void make_data();
  long dim() const { return static_cast<long>(classes) * features + classes; }
  std::string name() const;
  std::vector<std::string> nonsmooth() const { return {}; }
  Layout layout() const;
  nlohmann::json spec() const;

  template <class S>
  S loss(const S* th) const {
    using R = root_t<S>;
    const int K = classes, p = features;
    const S* W = th;
    const S* b = th + K * p;
    S total(0);
    std::vector<S> z(static_cast<std::size_t>(K));
    for (int i = 0; i < samples; ++i) {
      const double* x = &X[static_cast<std::size_t>(i) * p];
      for (int k = 0; k < K; ++k) {
        S acc = b[k];
        for (int j = 0; j < p; ++j) acc += W[k * p + j] * R(x[j]);
        z[static_cast<std::size_t>(k)] = acc;
      }
      total += cross_entropy(z, y[static_cast<std::size_t>(i)]);
    }
    return total / R(samples);
  }
};

// ---- two-layer network ----------------------------------------------------------------------

/// logits = W2 σ(W1 x + b1) + b2; W1 [H,p], W2 [K,H] row-major; θ = (W1, b1, W2, b2), the
/// biases only when bias = true.
struct MlpArch {
  int features = 4, hidden = 8, classes = 3, samples = 32;
  Activation activation = Activation::Gelu;
  bool bias = true;
  std::uint64_t seed = 1;
  std::vector<double> X;
  std::vector<int> y;

  void make_data();
  long dim() const {
    return static_cast<long>(hidden) * features + (bias ? hidden : 0) +
           static_cast<long>(classes) * hidden + (bias ? classes : 0);
  }
  std::string name() const;
  std::vector<std::string> nonsmooth() const;
  Layout layout() const;
  nlohmann::json spec() const;

  template <class S>
  S loss(const S* th) const {
    using R = root_t<S>;
    const int p = features, H = hidden, K = classes;
    const S* W1 = th;
    const S* b1 = W1 + H * p;
    const S* W2 = b1 + (bias ? H : 0);
    const S* b2 = W2 + K * H;
    S total(0);
    std::vector<S> a(static_cast<std::size_t>(H)), z(static_cast<std::size_t>(K));
    for (int i = 0; i < samples; ++i) {
      const double* x = &X[static_cast<std::size_t>(i) * p];
      for (int h = 0; h < H; ++h) {
        S acc = bias ? b1[h] : S(0);
        for (int j = 0; j < p; ++j) acc += W1[h * p + j] * R(x[j]);
        a[static_cast<std::size_t>(h)] = activate(activation, acc);
      }
      for (int k = 0; k < K; ++k) {
        S acc = bias ? b2[k] : S(0);
        for (int h = 0; h < H; ++h) acc += W2[k * H + h] * a[static_cast<std::size_t>(h)];
        z[static_cast<std::size_t>(k)] = acc;
      }
      total += cross_entropy(z, y[static_cast<std::size_t>(i)]);
    }
    return total / R(samples);
  }
};

// ---- decoder-only transformer ---------------------------------------------------------------

/// See docs/models.md for the exact computation and θ order.
struct TransformerArch {
  int vocab = 16, positions = 8, width = 8, heads = 2, layers = 1, batch = 4, seq_len = 8;
  std::uint64_t seed = 1;
  double ln_eps = 1e-5;
  std::vector<int> tokens;  ///< [batch, seq_len] row-major

  void make_data();
  int ffn() const { return 4 * width; }
  long layer_dim() const {
    const long D = width, F = ffn();
    return 2 * D + 4 * D * D + D + 2 * D + F * D + F + D * F + D;
  }
  long dim() const {
    return static_cast<long>(vocab) * width + static_cast<long>(positions) * width +
           layers * layer_dim() + 2L * width;
  }
  std::string name() const;
  std::vector<std::string> nonsmooth() const { return {}; }
  Layout layout() const;
  nlohmann::json spec() const;

  template <class S>
  void layer_norm(const std::vector<S>& x, const S* w, const S* b, std::vector<S>& out) const {
    using R = root_t<S>;
    using std::sqrt;
    const int D = width;
    S mean(0);
    for (int k = 0; k < D; ++k) mean += x[static_cast<std::size_t>(k)];
    mean /= R(D);
    S var(0);
    for (int k = 0; k < D; ++k) {
      const S c = x[static_cast<std::size_t>(k)] - mean;
      var += c * c;
    }
    var /= R(D);
    const S inv = 1 / sqrt(var + R(ln_eps));
    for (int k = 0; k < D; ++k)
      out[static_cast<std::size_t>(k)] = (x[static_cast<std::size_t>(k)] - mean) * inv * w[k] + b[k];
  }

  template <class S>
  static void linear(const S* W, const S* b, const std::vector<S>& x, int out_dim, int in_dim,
                     std::vector<S>& y) {
    for (int o = 0; o < out_dim; ++o) {
      S acc = b ? b[o] : S(0);
      const S* row = W + static_cast<std::size_t>(o) * in_dim;
      for (int i = 0; i < in_dim; ++i) acc += row[i] * x[static_cast<std::size_t>(i)];
      y[static_cast<std::size_t>(o)] = acc;
    }
  }

  template <class S>
  S loss(const S* th) const {
    using R = root_t<S>;
    using std::exp;
    using std::sqrt;
    const int D = width, T = seq_len, V = vocab, F = ffn(), hd = width / heads;
    const std::size_t uD = static_cast<std::size_t>(D);
    const S* E = th;
    const S* P = E + static_cast<std::size_t>(V) * D;
    const S* lay0 = P + static_cast<std::size_t>(positions) * D;
    const S* lnf_w = lay0 + static_cast<std::size_t>(layers) * layer_dim();
    const S* lnf_b = lnf_w + D;
    const R scale = 1 / sqrt(R(hd));

    std::vector<std::vector<S>> h(static_cast<std::size_t>(T), std::vector<S>(uD));
    std::vector<std::vector<S>> q(h), k(h), v(h);
    std::vector<S> a(uD), o(uD), y(uD), u(static_cast<std::size_t>(F)), p(static_cast<std::size_t>(T)),
        z(static_cast<std::size_t>(V));
    S total(0);
    for (int bt = 0; bt < batch; ++bt) {
      const int* tok = &tokens[static_cast<std::size_t>(bt) * T];
      for (int t = 0; t < T; ++t)
        for (int c = 0; c < D; ++c)
          h[static_cast<std::size_t>(t)][static_cast<std::size_t>(c)] =
              E[static_cast<std::size_t>(tok[t]) * D + c] + P[static_cast<std::size_t>(t) * D + c];
      for (int l = 0; l < layers; ++l) {
        const S* ln1_w = lay0 + static_cast<std::size_t>(l) * layer_dim();
        const S* ln1_b = ln1_w + D;
        const S* Wq = ln1_b + D;
        const S* Wk = Wq + D * D;
        const S* Wv = Wk + D * D;
        const S* Wo = Wv + D * D;
        const S* bo = Wo + D * D;
        const S* ln2_w = bo + D;
        const S* ln2_b = ln2_w + D;
        const S* W1 = ln2_b + D;
        const S* b1 = W1 + F * D;
        const S* W2 = b1 + F;
        const S* b2 = W2 + D * F;
        for (int t = 0; t < T; ++t) {
          const auto ut = static_cast<std::size_t>(t);
          layer_norm(h[ut], ln1_w, ln1_b, a);
          linear<S>(Wq, nullptr, a, D, D, q[ut]);
          linear<S>(Wk, nullptr, a, D, D, k[ut]);
          linear<S>(Wv, nullptr, a, D, D, v[ut]);
        }
        for (int t = 0; t < T; ++t) {
          const auto ut = static_cast<std::size_t>(t);
          for (int head = 0; head < heads; ++head) {
            const int off = head * hd;
            double m = -1e300;
            for (int j = 0; j <= t; ++j) {
              S s(0);
              for (int c = 0; c < hd; ++c)
                s += q[ut][static_cast<std::size_t>(off + c)] * k[static_cast<std::size_t>(j)][static_cast<std::size_t>(off + c)];
              p[static_cast<std::size_t>(j)] = s * scale;
              m = std::max(m, approx(p[static_cast<std::size_t>(j)]));
            }
            const R shift(m);
            S sum(0);
            for (int j = 0; j <= t; ++j) {
              p[static_cast<std::size_t>(j)] = exp(p[static_cast<std::size_t>(j)] - shift);
              sum += p[static_cast<std::size_t>(j)];
            }
            const S inv = 1 / sum;
            for (int c = 0; c < hd; ++c) {
              S acc(0);
              for (int j = 0; j <= t; ++j)
                acc += p[static_cast<std::size_t>(j)] * v[static_cast<std::size_t>(j)][static_cast<std::size_t>(off + c)];
              o[static_cast<std::size_t>(off + c)] = acc * inv;
            }
          }
          linear<S>(Wo, bo, o, D, D, y);
          for (int c = 0; c < D; ++c) h[ut][static_cast<std::size_t>(c)] += y[static_cast<std::size_t>(c)];
          layer_norm(h[ut], ln2_w, ln2_b, a);
          linear<S>(W1, b1, a, F, D, u);
          for (auto& ui : u) ui = gelu_tanh(ui);
          linear<S>(W2, b2, u, D, F, y);
          for (int c = 0; c < D; ++c) h[ut][static_cast<std::size_t>(c)] += y[static_cast<std::size_t>(c)];
        }
      }
      for (int t = 0; t + 1 < T; ++t) {
        layer_norm(h[static_cast<std::size_t>(t)], lnf_w, lnf_b, a);
        linear<S>(E, nullptr, a, V, D, z);  // tied unembedding: logits = E · h
        total += cross_entropy(z, tok[t + 1]);
      }
    }
    return total / R(static_cast<long>(batch) * (T - 1));
  }
};

}  // namespace villani::numerics::models

namespace villani::numerics::models {
class ReferenceModel;
// One translation unit per architecture (compile time): *_model.cpp.
std::shared_ptr<const ReferenceModel> make_model(LogisticArch a);
std::shared_ptr<const ReferenceModel> make_model(MlpArch a);
std::shared_ptr<const ReferenceModel> make_model(TransformerArch a);
}  // namespace villani::numerics::models
