// LibTorch checks behind `villani run l2-vs-decoupled` and `villani run mechanisms`
// (THEORY.md §6: Loshchilov–Hutter; Zhang, Wang, Xu, Grosse arXiv:1810.12281). All in float64
// on CPU with LibTorch's own optimizers. This header does not include Torch.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>

namespace villani::experiments::companion {

struct DecoupledOptions {
  int steps = 1000;
  double lr = 0.05;      ///< η (SGD); Adam uses adam_lr
  double adam_lr = 1e-2;
  double lambda = 1e-2;  ///< L2 coefficient λ (SGD weight_decay; Adam weight_decay)
  int hidden = 16;
  int samples = 64;
  std::uint64_t seed = 7;
};
void validate(const DecoupledOptions& o);

/// Small tanh MLP regression (float64). (1) torch::optim::SGD(weight_decay = λ) against
/// multiplicative decay θ ← (1 − λ')θ followed by SGD without decay, λ' = λ·η: relative
/// parameter distance after every step. (2) torch::optim::Adam(weight_decay = λ) against
/// torch::optim::AdamW(weight_decay = λ) from the same start: distance, norms, losses.
/// (3) LibTorch's AdamW convention: one step compared with θ(1 − lr·wd) − lr·m̂/(√v̂ + ε)
/// and with θ(1 − wd) − lr·m̂/(√v̂ + ε). on_step(metrics) is called every `every` steps.
nlohmann::json run_l2_vs_decoupled(const DecoupledOptions& o,
                                   const std::function<void(const nlohmann::json&)>& on_step = {},
                                   int every = 50);

struct MechanismOptions {
  int steps = 300;
  double lr = 0.1;
  double lambda = 5e-3;
  int hidden = 16;
  int samples = 64;
  double kfac_damping = 1e-3;  ///< γ
  std::uint64_t seed = 11;
};
void validate(const MechanismOptions& o);

/// Zhang–Wang–Xu–Grosse mechanisms on small float64 MLPs:
/// (1) a layer W followed by a normalization (per-sample standardization, no ε): the cosine
///     ⟨∇_W L, W⟩/(‖∇L‖‖W‖), the norm growth ‖W_{t+1}‖² − ‖W_t‖² − η²‖g_t‖² (relative) under
///     plain SGD, and the effective learning rate η/‖W‖² over training with and without decay;
/// (2) a bias-free ReLU MLP of depth D (homogeneous of degree D in θ, 1 in x): Euler identity
///     J_θ θ = D·f(x) and f(x) = J_x x, the Gauss–Newton norm E‖J_θ θ‖² = D² E‖f‖² and the
///     input–output Jacobian norm E‖J_x‖_F² at the end of training with and without decay;
/// (3) K-FAC for the scale-invariant layer: damped step Δ(αW; γ) = α·Δ(W; γα²) (effective
///     damping γ‖W‖²), checked to rounding, and γ‖W‖² tracked with and without decay.
nlohmann::json run_mechanisms(const MechanismOptions& o,
                              const std::function<void(const nlohmann::json&)>& on_step = {},
                              int every = 25);

}  // namespace villani::experiments::companion
