// The reference architectures (docs/models.md), each a struct with its sizes and data and a
// loss templated on the scalar: double, MPFR, MPFI intervals, and Boost.Math autodiff fvar over
// double / cpp_bin_float (numerics/scalar.hpp). θ is one flat vector; the block order is
// layout(), documented in docs/models.md. Internal to numerics/models/.
#pragma once
#include "numerics/models/activations.hpp"
#include "numerics/models/transformer_arch.hpp"

namespace villani::numerics::models {

// ---- the sample loop the classifiers share ---------------------------------------------------

/// L = (1/n) Σ_i CE(z_i, y_i) over the n samples, where logits(i, z) writes sample i's logits
/// into z (`classes` entries).
template <class S, class Logits>
S mean_cross_entropy(int samples, int classes, const std::vector<int>& y, Logits&& logits) {
  S total(0);
  std::vector<S> z(static_cast<std::size_t>(classes));
  for (int i = 0; i < samples; ++i) {
    logits(i, z);
    total += cross_entropy(z, y[static_cast<std::size_t>(i)]);
  }
  return total / root_t<S>(samples);
}

/// mean_cross_entropy() and its reverse pass: after logits(i, z), backward(i, dz) gets
/// dz = ∂L/∂z_i and adds its share of ∇L (the caller zeroes the gradient first).
template <class S, class Logits, class Backward>
S mean_cross_entropy_grad(int samples, int classes, const std::vector<int>& y, Logits&& logits,
                          Backward&& backward) {
  const root_t<S> scale = 1 / root_t<S>(samples);
  S total(0);
  std::vector<S> z(static_cast<std::size_t>(classes)), dz(z.size());
  for (int i = 0; i < samples; ++i) {
    logits(i, z);
    total += cross_entropy_grad(z, y[static_cast<std::size_t>(i)], scale, dz);
    backward(i, std::as_const(dz));
  }
  return total * scale;
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

  /// z = W x_i + b, sample i's logits.
  template <class S>
  void logits(const S* th, int i, std::vector<S>& z) const {
    using R = root_t<S>;
    const int K = classes, p = features;
    const S* W = th;
    const S* b = th + K * p;
    const double* x = &X[static_cast<std::size_t>(i) * p];
    for (int k = 0; k < K; ++k) {
      S acc = b[k];
      for (int j = 0; j < p; ++j) acc += W[k * p + j] * R(x[j]);
      z[static_cast<std::size_t>(k)] = acc;
    }
  }

  template <class S>
  S loss(const S* th) const {
    return mean_cross_entropy<S>(samples, classes, y, [&](int i, std::vector<S>& z) { logits(th, i, z); });
  }

  /// L and ∇L (into g) by a hand-written reverse pass (see TransformerArch::loss_grad).
  template <class S>
  S loss_grad(const S* th, S* g) const {
    using R = root_t<S>;
    const int K = classes, p = features;
    for (long i = 0; i < dim(); ++i) g[i] = S(0);
    S* gW = g;
    S* gb = g + K * p;
    return mean_cross_entropy_grad<S>(
        samples, classes, y, [&](int i, std::vector<S>& z) { logits(th, i, z); },
        [&](int i, const std::vector<S>& dz) {
          const double* x = &X[static_cast<std::size_t>(i) * p];
          for (int k = 0; k < K; ++k) {
            const S& d = dz[static_cast<std::size_t>(k)];
            gb[k] += d;
            for (int j = 0; j < p; ++j) gW[k * p + j] += d * R(x[j]);
          }
        });
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

  /// Sample i's forward pass: pre = W1 x_i + b1, a = σ(pre) (H entries each), z = W2 a + b2.
  template <class S>
  void forward(const S* th, int i, std::vector<S>& pre, std::vector<S>& a, std::vector<S>& z) const {
    using R = root_t<S>;
    const int p = features, H = hidden, K = classes;
    const S* W1 = th;
    const S* b1 = W1 + H * p;
    const S* W2 = b1 + (bias ? H : 0);
    const S* b2 = W2 + K * H;
    const double* x = &X[static_cast<std::size_t>(i) * p];
    for (int h = 0; h < H; ++h) {
      S acc = bias ? b1[h] : S(0);
      for (int j = 0; j < p; ++j) acc += W1[h * p + j] * R(x[j]);
      a[static_cast<std::size_t>(h)] = activate(activation, acc);
      pre[static_cast<std::size_t>(h)] = std::move(acc);
    }
    for (int k = 0; k < K; ++k) {
      S acc = bias ? b2[k] : S(0);
      for (int h = 0; h < H; ++h) acc += W2[k * H + h] * a[static_cast<std::size_t>(h)];
      z[static_cast<std::size_t>(k)] = acc;
    }
  }

  template <class S>
  S loss(const S* th) const {
    std::vector<S> pre(static_cast<std::size_t>(hidden)), a(pre.size());
    return mean_cross_entropy<S>(samples, classes, y,
                                 [&](int i, std::vector<S>& z) { forward(th, i, pre, a, z); });
  }

  /// L and ∇L (into g) by a hand-written reverse pass (see TransformerArch::loss_grad).
  template <class S>
  S loss_grad(const S* th, S* g) const {
    using R = root_t<S>;
    const int p = features, H = hidden, K = classes;
    const S* W2 = th + H * p + (bias ? H : 0);
    for (long i = 0; i < dim(); ++i) g[i] = S(0);
    S* gW1 = g;
    S* gb1 = gW1 + H * p;
    S* gW2 = gb1 + (bias ? H : 0);
    S* gb2 = gW2 + K * H;
    const auto uH = static_cast<std::size_t>(H);
    std::vector<S> pre(uH), a(uH), da(uH);
    return mean_cross_entropy_grad<S>(
        samples, classes, y, [&](int i, std::vector<S>& z) { forward(th, i, pre, a, z); },
        [&](int i, const std::vector<S>& dz) {
          const double* x = &X[static_cast<std::size_t>(i) * p];
          for (auto& d : da) d = S(0);
          for (int k = 0; k < K; ++k) {
            const S& d = dz[static_cast<std::size_t>(k)];
            if (bias) gb2[k] += d;
            for (int h = 0; h < H; ++h) {
              gW2[k * H + h] += d * a[static_cast<std::size_t>(h)];
              da[static_cast<std::size_t>(h)] += W2[k * H + h] * d;
            }
          }
          for (int h = 0; h < H; ++h) {
            const S dpre = da[static_cast<std::size_t>(h)] *
                           activate_derivative(activation, pre[static_cast<std::size_t>(h)]);
            if (bias) gb1[h] += dpre;
            for (int j = 0; j < p; ++j) gW1[h * p + j] += dpre * R(x[j]);
          }
        });
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
