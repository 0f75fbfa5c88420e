// The decoder-only transformer reference architecture (docs/models.md), templated on the scalar.
// Internal to numerics/models/; included by architectures.hpp.
#pragma once
#include "numerics/models/activations.hpp"

namespace villani::numerics::models {

// ---- decoder-only transformer ---------------------------------------------------------------

/// See docs/models.md for the exact computation and θ order.
/// Pointers to one transformer layer's parameter blocks in θ (P = const S*) or in its gradient
/// (P = S*), in layout order (docs/models.md): ln_1 weight/bias [D], Wq, Wk, Wv, Wo [D,D], bo [D],
/// ln_2 weight/bias [D], W1 [F,D], b1 [F], W2 [D,F], b2 [D].
template <class P>
struct LayerBlocks {
  P ln1_w, ln1_b, Wq, Wk, Wv, Wo, bo, ln2_w, ln2_b, W1, b1, W2, b2;
  LayerBlocks(P base, long D, long F)
      : ln1_w(base), ln1_b(ln1_w + D), Wq(ln1_b + D), Wk(Wq + D * D), Wv(Wk + D * D), Wo(Wv + D * D),
        bo(Wo + D * D), ln2_w(bo + D), ln2_b(ln2_w + D), W1(ln2_b + D), b1(W1 + F * D), W2(b1 + F),
        b2(W2 + D * F) {}
};

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
        const auto [ln1_w, ln1_b, Wq, Wk, Wv, Wo, bo, ln2_w, ln2_b, W1, b1, W2, b2] =
            LayerBlocks<const S*>(lay0 + static_cast<std::size_t>(l) * layer_dim(), D, F);
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

  // ---- hand-written reverse pass (backpropagation) -----------------------------------------
  // loss_grad<S>(θ, g) returns L(θ) and writes ∇L(θ) into g (dim() entries) by one forward pass
  // that stores the intermediates and one backward pass through exactly the computation of
  // loss(): O(1) forward-pass cost. Templated on the scalar like loss(); run on an
  // ad::fvar<R,1> seeded with θ + εv it gives Hv as the ε-coefficient of g (forward over
  // reverse). The model's own backward pass, not an AD framework.

  /// LayerNorm forward keeping x̂ = (x − mean)·inv and inv = 1/√(var + eps).
  template <class S>
  void ln_forward(const S* x, const S* w, const S* b, S* xhat, S& inv, S* out) const {
    using R = root_t<S>;
    using std::sqrt;
    const int D = width;
    S mean(0);
    for (int c = 0; c < D; ++c) mean += x[c];
    mean /= R(D);
    S var(0);
    for (int c = 0; c < D; ++c) {
      const S d = x[c] - mean;
      var += d * d;
    }
    var /= R(D);
    inv = 1 / sqrt(var + R(ln_eps));
    for (int c = 0; c < D; ++c) {
      xhat[c] = (x[c] - mean) * inv;
      out[c] = xhat[c] * w[c] + b[c];
    }
  }
  /// LayerNorm backward: accumulates into gw, gb and dx:
  /// dx += inv·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dout·w.
  template <class S>
  void ln_backward(const S* dout, const S* xhat, const S& inv, const S* w, S* gw, S* gb, S* dx) const {
    using R = root_t<S>;
    const int D = width;
    S m1(0), m2(0);
    for (int c = 0; c < D; ++c) {
      const S dxh = dout[c] * w[c];
      gw[c] += dout[c] * xhat[c];
      gb[c] += dout[c];
      m1 += dxh;
      m2 += dxh * xhat[c];
    }
    m1 /= R(D);
    m2 /= R(D);
    for (int c = 0; c < D; ++c) dx[c] += inv * (dout[c] * w[c] - m1 - xhat[c] * m2);
  }

  template <class S>
  S loss_grad(const S* th, S* g) const {
    using R = root_t<S>;
    using std::exp;
    using std::log;
    using std::sqrt;
    const int D = width, T = seq_len, V = vocab, F = ffn(), hd = width / heads, NL = layers;
    const std::size_t uD = static_cast<std::size_t>(D), uF = static_cast<std::size_t>(F),
                      uT = static_cast<std::size_t>(T);
    const long n = dim();
    for (long i = 0; i < n; ++i) g[i] = S(0);
    const S* E = th;
    const S* P = E + static_cast<std::size_t>(V) * D;
    const S* lay0 = P + static_cast<std::size_t>(positions) * D;
    const S* lnf_w = lay0 + static_cast<std::size_t>(NL) * layer_dim();
    const S* lnf_b = lnf_w + D;
    S* gE = g;
    S* gP = g + (P - th);
    S* glay0 = g + (lay0 - th);
    S* glnf_w = g + (lnf_w - th);
    S* glnf_b = g + (lnf_b - th);
    const R scale = 1 / sqrt(R(hd));
    const R cg = sqrt(R(2) / boost::math::constants::pi<R>());
    const R ag = R(44715) / R(1000000);
    const R inv_count = 1 / R(static_cast<long>(batch) * (T - 1));

    // Per-layer, per-position storage ([layer][t][·] flattened).
    const std::size_t LTD = static_cast<std::size_t>(NL) * uT * uD, LTF = static_cast<std::size_t>(NL) * uT * uF;
    std::vector<S> hin(LTD), x1(LTD), a1(LTD), q(LTD), k(LTD), v(LTD), o(LTD), x2(LTD), a2(LTD),
        upre(LTF), u(LTF), inv1(static_cast<std::size_t>(NL) * uT), inv2(inv1.size()),
        patt(static_cast<std::size_t>(NL) * heads * uT * uT);
    std::vector<S> h(uT * uD), xf(uT * uD), af(uT * uD), invf(uT), dh(uT * uD), dq(uT * uD),
        dk(uT * uD), dv(uT * uD), dO(uT * uD), dp(uT), z(static_cast<std::size_t>(V)), tmp(uF), tmp2(uD);
    auto at = [&](int l, int t) { return (static_cast<std::size_t>(l) * uT + static_cast<std::size_t>(t)) * uD; };
    auto atF = [&](int l, int t) { return (static_cast<std::size_t>(l) * uT + static_cast<std::size_t>(t)) * uF; };
    auto atP = [&](int l, int hh, int t) {
      return ((static_cast<std::size_t>(l) * heads + static_cast<std::size_t>(hh)) * uT + static_cast<std::size_t>(t)) * uT;
    };
    S total(0);
    for (int bt = 0; bt < batch; ++bt) {
      const int* tok = &tokens[static_cast<std::size_t>(bt) * T];
      for (int t = 0; t < T; ++t)
        for (int c = 0; c < D; ++c)
          h[static_cast<std::size_t>(t) * uD + c] =
              E[static_cast<std::size_t>(tok[t]) * D + c] + P[static_cast<std::size_t>(t) * D + c];
      // ---- forward, storing intermediates
      for (int l = 0; l < NL; ++l) {
        const auto [ln1_w, ln1_b, Wq, Wk, Wv, Wo, bo, ln2_w, ln2_b, W1, b1, W2, b2] =
            LayerBlocks<const S*>(lay0 + static_cast<std::size_t>(l) * layer_dim(), D, F);
        for (int t = 0; t < T; ++t) {
          const std::size_t i = at(l, t);
          for (int c = 0; c < D; ++c) hin[i + c] = h[static_cast<std::size_t>(t) * uD + c];
          ln_forward(&hin[i], ln1_w, ln1_b, &x1[i], inv1[static_cast<std::size_t>(l) * uT + t], &a1[i]);
          for (int r = 0; r < D; ++r) {
            S sq(0), sk(0), sv(0);
            for (int c = 0; c < D; ++c) {
              sq += Wq[r * D + c] * a1[i + c];
              sk += Wk[r * D + c] * a1[i + c];
              sv += Wv[r * D + c] * a1[i + c];
            }
            q[i + r] = sq;
            k[i + r] = sk;
            v[i + r] = sv;
          }
        }
        for (int t = 0; t < T; ++t) {
          const std::size_t i = at(l, t);
          for (int hh = 0; hh < heads; ++hh) {
            const int off = hh * hd;
            S* p = &patt[atP(l, hh, t)];
            double m = -1e300;
            for (int j = 0; j <= t; ++j) {
              const std::size_t ij = at(l, j);
              S s(0);
              for (int c = 0; c < hd; ++c) s += q[i + off + c] * k[ij + off + c];
              p[j] = s * scale;
              m = std::max(m, approx(p[j]));
            }
            const R shift(m);
            S sum(0);
            for (int j = 0; j <= t; ++j) {
              p[j] = exp(p[j] - shift);
              sum += p[j];
            }
            const S inv = 1 / sum;
            for (int j = 0; j <= t; ++j) p[j] *= inv;
            for (int c = 0; c < hd; ++c) {
              S acc(0);
              for (int j = 0; j <= t; ++j) acc += p[j] * v[at(l, j) + off + c];
              o[i + off + c] = acc;
            }
          }
          S* ht = &h[static_cast<std::size_t>(t) * uD];
          for (int r = 0; r < D; ++r) {
            S acc = bo[r];
            for (int c = 0; c < D; ++c) acc += Wo[r * D + c] * o[i + c];
            ht[r] += acc;
          }
          ln_forward(ht, ln2_w, ln2_b, &x2[i], inv2[static_cast<std::size_t>(l) * uT + t], &a2[i]);
          const std::size_t iF = atF(l, t);
          for (int f = 0; f < F; ++f) {
            S acc = b1[f];
            for (int c = 0; c < D; ++c) acc += W1[f * D + c] * a2[i + c];
            upre[iF + f] = acc;
            u[iF + f] = gelu_tanh(acc);
          }
          for (int r = 0; r < D; ++r) {
            S acc = b2[r];
            for (int f = 0; f < F; ++f) acc += W2[r * F + f] * u[iF + f];
            ht[r] += acc;
          }
        }
      }
      // ---- head: final LN, tied unembedding, cross-entropy; its backward
      for (auto& x : dh) x = S(0);
      for (int t = 0; t + 1 < T; ++t) {
        const std::size_t i = static_cast<std::size_t>(t) * uD;
        ln_forward(&h[i], lnf_w, lnf_b, &xf[i], invf[static_cast<std::size_t>(t)], &af[i]);
        double m = -1e300;
        S zy(0);
        for (int w = 0; w < V; ++w) {
          S acc(0);
          for (int c = 0; c < D; ++c) acc += E[w * D + c] * af[i + c];
          m = std::max(m, approx(acc));
          if (w == tok[t + 1]) zy = acc;
          z[static_cast<std::size_t>(w)] = std::move(acc);
        }
        const R shift(m);
        S sum(0);
        for (auto& zw : z) {
          zw = exp(zw - shift);
          sum += zw;
        }
        const int y = tok[t + 1];
        total += log(sum) - (zy - shift);
        // dz = (softmax − onehot)/count; gE += dz ⊗ af; daf = Eᵀ dz.
        const S inv = 1 / sum;
        for (int c = 0; c < D; ++c) tmp2[static_cast<std::size_t>(c)] = S(0);
        for (int w = 0; w < V; ++w) {
          S dz = z[static_cast<std::size_t>(w)] * inv;
          if (w == y) dz -= R(1);
          dz *= inv_count;
          for (int c = 0; c < D; ++c) {
            gE[w * D + c] += dz * af[i + c];
            tmp2[static_cast<std::size_t>(c)] += dz * E[w * D + c];
          }
        }
        ln_backward(tmp2.data(), &xf[i], invf[static_cast<std::size_t>(t)], lnf_w, glnf_w, glnf_b, &dh[i]);
      }
      // ---- layers backward; dh holds ∂L/∂(output of layer l) per position
      for (int l = NL - 1; l >= 0; --l) {
        const std::size_t lo = static_cast<std::size_t>(l) * layer_dim();
        const auto [ln1_w, ln1_b, Wq, Wk, Wv, Wo, bo, ln2_w, ln2_b, W1, b1, W2, b2] =
            LayerBlocks<const S*>(lay0 + lo, D, F);
        const auto [gln1_w, gln1_b, gWq, gWk, gWv, gWo, gbo, gln2_w, gln2_b, gW1, gb1, gW2, gb2] =
            LayerBlocks<S*>(glay0 + lo, D, F);
        for (int t = 0; t < T; ++t) {
          const std::size_t i = at(l, t), iF = atF(l, t);
          S* d = &dh[static_cast<std::size_t>(t) * uD];
          // MLP: y2 = W2 gelu(W1 a2 + b1) + b2 (residual: d passes through).
          for (int f = 0; f < F; ++f) tmp[static_cast<std::size_t>(f)] = S(0);
          for (int r = 0; r < D; ++r) {
            gb2[r] += d[r];
            for (int f = 0; f < F; ++f) {
              gW2[r * F + f] += d[r] * u[iF + f];
              tmp[static_cast<std::size_t>(f)] += W2[r * F + f] * d[r];
            }
          }
          for (int c = 0; c < D; ++c) tmp2[static_cast<std::size_t>(c)] = S(0);
          for (int f = 0; f < F; ++f) {
            const S& x = upre[iF + f];
            const S x2s = x * x;
            S th_, sech2;
            tanh_sech2<S>(cg * (x + ag * x2s * x), th_, sech2);
            // gelu'(x) = (1 + tanh)/2 + x·sech²·c·(1 + 3a x²)/2
            const S du = tmp[static_cast<std::size_t>(f)] * ((1 + th_) + x * sech2 * cg * (1 + 3 * ag * x2s)) / 2;
            gb1[f] += du;
            for (int c = 0; c < D; ++c) {
              gW1[f * D + c] += du * a2[i + c];
              tmp2[static_cast<std::size_t>(c)] += W1[f * D + c] * du;
            }
          }
          ln_backward(tmp2.data(), &x2[i], inv2[static_cast<std::size_t>(l) * uT + t], ln2_w, gln2_w, gln2_b, d);
          // d is now ∂L/∂h_mid; attention output projection y = Wo o + bo.
          for (int c = 0; c < D; ++c) dO[static_cast<std::size_t>(t) * uD + c] = S(0);
          for (int r = 0; r < D; ++r) {
            gbo[r] += d[r];
            for (int c = 0; c < D; ++c) {
              gWo[r * D + c] += d[r] * o[i + c];
              dO[static_cast<std::size_t>(t) * uD + c] += Wo[r * D + c] * d[r];
            }
          }
        }
        // Attention backward (all positions): o_t = Σ_j p_tj v_j, p_t = softmax_j(scale·q_t·k_j).
        for (auto& x : dq) x = S(0);
        for (auto& x : dk) x = S(0);
        for (auto& x : dv) x = S(0);
        for (int t = 0; t < T; ++t) {
          const std::size_t i = at(l, t), it = static_cast<std::size_t>(t) * uD;
          for (int hh = 0; hh < heads; ++hh) {
            const int off = hh * hd;
            const S* p = &patt[atP(l, hh, t)];
            S pdp(0);
            for (int j = 0; j <= t; ++j) {
              const std::size_t ij = at(l, j), jt = static_cast<std::size_t>(j) * uD;
              S acc(0);
              for (int c = 0; c < hd; ++c) {
                acc += dO[it + off + c] * v[ij + off + c];
                dv[jt + off + c] += p[j] * dO[it + off + c];
              }
              dp[static_cast<std::size_t>(j)] = acc;
              pdp += p[j] * acc;
            }
            for (int j = 0; j <= t; ++j) {
              const std::size_t ij = at(l, j), jt = static_cast<std::size_t>(j) * uD;
              const S ds = p[j] * (dp[static_cast<std::size_t>(j)] - pdp) * scale;
              for (int c = 0; c < hd; ++c) {
                dq[it + off + c] += ds * k[ij + off + c];
                dk[jt + off + c] += ds * q[i + off + c];
              }
            }
          }
        }
        for (int t = 0; t < T; ++t) {
          const std::size_t i = at(l, t), it = static_cast<std::size_t>(t) * uD;
          for (int c = 0; c < D; ++c) tmp2[static_cast<std::size_t>(c)] = S(0);
          for (int r = 0; r < D; ++r)
            for (int c = 0; c < D; ++c) {
              gWq[r * D + c] += dq[it + r] * a1[i + c];
              gWk[r * D + c] += dk[it + r] * a1[i + c];
              gWv[r * D + c] += dv[it + r] * a1[i + c];
              tmp2[static_cast<std::size_t>(c)] += Wq[r * D + c] * dq[it + r] + Wk[r * D + c] * dk[it + r] +
                                                   Wv[r * D + c] * dv[it + r];
            }
          ln_backward(tmp2.data(), &x1[i], inv1[static_cast<std::size_t>(l) * uT + t], ln1_w, gln1_w, gln1_b,
                      &dh[it]);
        }
      }
      for (int t = 0; t < T; ++t)
        for (int c = 0; c < D; ++c) {
          gE[static_cast<std::size_t>(tok[t]) * D + c] += dh[static_cast<std::size_t>(t) * uD + c];
          gP[static_cast<std::size_t>(t) * D + c] += dh[static_cast<std::size_t>(t) * uD + c];
        }
    }
    return total * inv_count;
  }
};
}  // namespace villani::numerics::models
