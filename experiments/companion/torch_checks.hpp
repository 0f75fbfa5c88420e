// LibTorch checks behind `villani run l2-vs-decoupled` and `villani run mechanisms`
// (docs/theory.md §6: Loshchilov–Hutter; Zhang, Wang, Xu, Grosse arXiv:1810.12281). All in float64
// on CPU with LibTorch's own optimizers. This header does not include Torch (nor JSON: the
// results are plain structs; torch_record.hpp writes them as run-record JSON).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
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
struct DecoupledStep {
  int step = 0;
  double sgd_l2_vs_decoupled_rel = 0, loss_sgd_l2 = 0;
  double adam_vs_adamw_rel = 0, loss_adam_l2 = 0, loss_adamw = 0, norm_adam_l2 = 0, norm_adamw = 0;
};
/// Which update LibTorch's AdamW makes (checked on one step).
enum class AdamWConvention {
  LrTimesWeightDecay,  ///< θ ← θ(1 − lr·weight_decay) − lr·adam_direction
  WeightDecay,         ///< θ ← θ(1 − weight_decay) − lr·adam_direction
  Neither
};
struct DecoupledResult {
  int steps = 0;
  double lr = 0, adam_lr = 0, lambda = 0, decoupled_lambda = 0;  ///< decoupled_lambda = λ·η
  struct Sgd {
    double max_rel_distance = 0, final_rel_distance = 0;  ///< L2 vs decoupled, relative
    double loss = 0, loss_decoupled = 0, regularized_objective = 0;
  } sgd;
  struct Adam {
    double final_rel_distance = 0;  ///< Adam L2 vs AdamW, relative
    double norm_adam_l2 = 0, norm_adamw = 0, loss_adam_l2 = 0, loss_adamw = 0;
    double objective_adam_l2 = 0, objective_adamw = 0;
  } adam;
  struct Convention {
    double weight_decay = 0, lr = 0;
    double rel_distance_to_theta_times_1_minus_lr_wd = 0, rel_distance_to_theta_times_1_minus_wd = 0;
    AdamWConvention convention = AdamWConvention::Neither;
  } adamw_convention;
};
/// "theta <- theta*(1 - lr*weight_decay) - lr*adam_direction", "theta <- theta*(1 - weight_decay)
/// - lr*adam_direction" or "neither" (the words of the run record).
const char* to_string(AdamWConvention c);
DecoupledResult run_l2_vs_decoupled(const DecoupledOptions& o,
                                    const std::function<void(const DecoupledStep&)>& on_step = {},
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
struct MinimizerPathRow {
  double lambda = 0, theta_norm = 0;
  double objective = 0, data_loss = 0;           ///< F(θ*) and L(θ*)
  double grad_norm = 0, grad_norm_fd_points = 0;  ///< ‖∇F‖ at θ*(λ) and at λe^{±h}
  int lbfgs_evaluations = 0, newton_steps = 0;
  double hessian_min_eig = 0, hessian_closed_form_rel_error = 0, fixed_point_rel_error = 0;
  double dtheta_dlambda_norm = 0, fd_vs_ift_rel_error = 0;
  double dnorm_sq_dlambda_ift = 0, dnorm_sq_dlambda_fd = 0, dnorm_sq_fd_rel_error = 0;
  double norm_bound_grad0_over_lambda = 0;  ///< ‖∇L(0)‖/λ
};
struct MinimizerPathResult {
  std::string model;  ///< "multinomial logistic regression, N = …, d = … (+ bias), K = …, …"
  std::int64_t parameters = 0;
  double grad_loss_at_zero_norm = 0;
  std::vector<MinimizerPathRow> rows;  ///< ascending λ
  bool monotone_decreasing = false, derivative_negative = false, norm_bound_holds = false;
  double max_grad_norm = 0, grad_tol = 0;
  bool converged = false;  ///< max_grad_norm ≤ grad_tol
  double max_fd_rel_error = 0, max_dnorm_sq_fd_rel_error = 0, max_fixed_point_rel_error = 0;
  double max_hessian_closed_form_rel_error = 0, min_hessian_shift_rel = 0, fd_step = 0;
};
MinimizerPathResult run_minimizer_path(const MinimizerPathOptions& o,
                                       const std::function<void(const MinimizerPathRow&)>& on_row = {});

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
/// (4) "minimizer path": run_minimizer_path(o.path) (its rows go to on_step numbered after the
///     training steps).
struct ScaleInvariantStep {  ///< one training step of (1)/(3)
  bool decay = false;
  double loss = 0, w_norm_sq = 0, effective_lr = 0, kfac_effective_damping = 0, cos_grad_w = 0;
};
struct MechanismStep {
  int step = 0;  ///< 1…steps without decay, then steps+1…2·steps with, then the path rows
  std::variant<ScaleInvariantStep, MinimizerPathRow> what;
};
struct ScaleInvariantRun {
  double lambda = 0;
  double w_norm_sq_initial = 0, w_norm_sq_final = 0, effective_lr_initial = 0, effective_lr_final = 0;
  double kfac_effective_damping_final = 0, final_loss = 0;
};
struct GaussNewtonRun {
  double lambda = 0;
  double gauss_newton_norm_sq = 0;  ///< E‖J_θθ‖²
  double depth_sq_mean_f_sq = 0;    ///< D²·E f²
  double input_output_jacobian_fro_sq = 0, param_norm_sq = 0, train_loss = 0;
};
struct MechanismResult {
  MinimizerPathResult minimizer_path;
  struct ScaleInvariant {
    double max_cos_grad_w = 0, max_norm_growth_rel_error = 0, kfac_scaling_rel_error = 0;
    ScaleInvariantRun without_decay, with_decay;
  } scale_invariant;
  struct GaussNewton {
    int depth = 3;
    double euler_rel_error = 0, jx_identity_rel_error = 0;
    GaussNewtonRun without_decay, with_decay;
  } gauss_newton;
  int steps = 0;
  double lr = 0, lambda = 0, kfac_damping = 0;
};
MechanismResult run_mechanisms(const MechanismOptions& o,
                               const std::function<void(const MechanismStep&)>& on_step = {},
                               int every = 25);

}  // namespace villani::experiments::companion
