// LibTorch checks behind `villani run l2-vs-decoupled` and `villani run mechanisms`
// (THEORY.md §6: Loshchilov–Hutter; Zhang, Wang, Xu, Grosse arXiv:1810.12281). All in float64
// on CPU with LibTorch's own optimizers. This header does not include Torch.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

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

/// The regularized minimizer θ*(λ) of F = L + (λ/2)‖θ‖² along a λ grid (the blog seed: "the
/// minimizer of F moves with λ"), on multinomial logistic regression (convex L, float64).
struct MinimizerPathOptions {
  std::vector<double> lambdas{1e-3, 2.154434690031884e-3, 4.641588833612779e-3, 1e-2,
                              2.154434690031884e-2, 4.641588833612779e-2, 0.1,
                              0.2154434690031884, 0.4641588833612779, 1.0};
  int samples = 200;   ///< N training points
  int features = 4;    ///< d (a bias column is added; all K·(d+1) parameters are regularized)
  int classes = 3;     ///< K
  double grad_tol = 1e-10;  ///< required ‖∇F(θ*)‖
  double fd_step = 1e-4;    ///< central difference at λ·e^{±h} for dθ*/dλ
  std::uint64_t seed = 13;
};
void validate(const MinimizerPathOptions& o);

/// For each λ (sorted ascending): θ*(λ) by torch::optim::LBFGS (strong Wolfe), warm-started
/// from the previous λ, then Newton steps with the autograd Hessian until the gradient stops
/// shrinking (rounding floor). Per λ: ‖θ*‖, F, L, ‖∇F‖, the smallest Hessian eigenvalue (≥ λ for
/// convex L), the autograd Hessian against the closed form (1/N)Σ(diag p − ppᵀ)⊗xxᵀ + λI, the
/// fixed-point identity θ* = −∇L(θ*)/λ, the implicit-function derivative dθ*/dλ = −(∇²F)⁻¹θ*
/// against a central difference of θ*(λe^{±h}), d‖θ*‖²/dλ = −2θ*ᵀ(∇²F)⁻¹θ* against the same
/// difference, and the bound ‖θ*‖ ≤ ‖∇L(0)‖/λ. on_row(row) is called per λ.
/// Returns {"rows": [...], "monotone_decreasing": bool, "max_fd_rel_error", ...}.
nlohmann::json run_minimizer_path(const MinimizerPathOptions& o,
                                  const std::function<void(const nlohmann::json&)>& on_row = {});

struct MechanismOptions {
  int steps = 300;
  double lr = 0.1;
  double lambda = 5e-3;
  int hidden = 16;
  int samples = 64;
  double kfac_damping = 1e-3;  ///< γ
  std::uint64_t seed = 11;
  MinimizerPathOptions path;   ///< section "minimizer path"
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
///     damping γ‖W‖²), checked to rounding, and γ‖W‖² tracked with and without decay;
/// (4) "minimizer path": run_minimizer_path(o.path) under key "minimizer_path" (its rows go to
///     on_step with "section": "minimizer_path" and steps after the training steps).
nlohmann::json run_mechanisms(const MechanismOptions& o,
                              const std::function<void(const nlohmann::json&)>& on_step = {},
                              int every = 25);

}  // namespace villani::experiments::companion
