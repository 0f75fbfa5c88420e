// The Torch adapter (issue 3): a LibTorch loss — a closure θ ↦ L(θ) on a flat parameter tensor,
// or a torch::nn::Module plus a batch loss — as a numerics::Objective: value, gradient, and the
// Hessian-vector product by double backward (or, optionally, by central finite differences of
// the gradient). float32 or float64, CPU or CUDA; the Objective interface itself is double.
// Includes LibTorch: only Torch translation units include this header.
#pragma once
#include <torch/torch.h>

#include <functional>

#include "numerics/objective.hpp"

namespace villani::numerics::torch_adapter {

enum class HvpMode { DoubleBackward, FiniteDifference };

struct TorchOptions {
  torch::Dtype dtype = torch::kFloat64;
  torch::Device device = torch::kCPU;
  HvpMode hvp = HvpMode::DoubleBackward;
  /// Relative step of the finite-difference HVP: h = fd_step·(1 + ‖θ‖)/‖v‖ (central difference).
  double fd_step = 1e-5;
};

/// L(θ) from a closure on a flat 1-D tensor θ of size d (dtype/device from TorchOptions), or
/// from a closure on θ's parameter blocks (issue 24): each block is differentiated as a leaf of
/// its own, a view of θ's storage, so that a backward pass writes each block's gradient once
/// instead of scattering it into a d-sized zero tensor per block (what autograd does for
/// narrow() views of one flat leaf: at GPT-Neo-125M, 160 blocks × 500 MB per pass).
class TorchObjective final : public Objective {
 public:
  using Loss = std::function<torch::Tensor(const torch::Tensor& theta)>;
  /// L from the blocks of θ: blocks[i] has shapes[i]; the blocks tile θ in order.
  using BlockLoss = std::function<torch::Tensor(const std::vector<torch::Tensor>& blocks)>;
  TorchObjective(Loss loss, std::int64_t d, TorchOptions o = {}, std::string name = "torch");
  TorchObjective(BlockLoss loss, std::vector<std::vector<std::int64_t>> shapes, TorchOptions o = {},
                 std::string name = "torch");

  Eigen::Index dim() const override { return d_; }
  double value(const Vec& theta) const override;
  Vec gradient(const Vec& theta) const override;
  Vec hvp(const Vec& theta, const Vec& v) const override;
  /// With HvpMode::DoubleBackward: builds g = ∇L(θ) with its graph once and answers each
  /// product with one backward pass through it, grad(g, θ, v, retain_graph) (equal to hvp() to
  /// rounding; about half its cost, which re-runs forward and gradient per product). The
  /// operator's precision() is the model's dtype: a float32 model takes float vectors without a
  /// copy (LinearOperator::perform_op(const float*, float*)), and its input buffer is reused
  /// across products. Not thread-safe; with a module objective, do not evaluate the objective
  /// elsewhere while the operator is alive (it holds the module's parameters at θ).
  /// FiniteDifference: hvp() per product.
  std::unique_ptr<LinearOperator> hessian_at(const Vec& theta) const override;
  std::string name() const override { return name_; }

  /// Tensor-level operations (no Eigen round trip), used by the benchmarks and runs.
  torch::Tensor value_t(const torch::Tensor& theta) const;
  torch::Tensor gradient_t(const torch::Tensor& theta) const;
  torch::Tensor hvp_t(const torch::Tensor& theta, const torch::Tensor& v) const;
  torch::Tensor to_tensor(const Vec& x) const;
  static Vec to_vec(const torch::Tensor& t);
  const TorchOptions& options() const { return o_; }

 private:
  friend std::shared_ptr<TorchObjective> module_objective(std::shared_ptr<torch::nn::Module>,
                                                          std::function<torch::Tensor(torch::nn::Module&)>,
                                                          TorchOptions, std::string);
  void load_params(const torch::Tensor& theta) const;
  torch::Tensor module_grad(const torch::Tensor& theta, const torch::Tensor* v) const;
  /// θ's blocks as views of its storage; with `leaves`, each detached and requiring grad.
  std::vector<torch::Tensor> blocks_of(const torch::Tensor& theta, bool leaves) const;
  Loss loss_;
  BlockLoss block_loss_;
  std::vector<std::vector<std::int64_t>> shapes_;
  std::shared_ptr<torch::nn::Module> module_;
  std::function<torch::Tensor(torch::nn::Module&)> module_loss_;
  std::vector<torch::Tensor> params_;
  std::int64_t d_;
  TorchOptions o_;
  std::string name_;
};

/// LibTorch's intra-op threads, and the BLAS's own threads where the BLAS behind libblas.so.3 has
/// them (OpenBLAS: openblas_set_num_threads, found at run time; the reference BLAS has none), so
/// that `--threads N` means N cores whichever BLAS the system selects.
void set_compute_threads(int n);

/// An nn::Module whose parameters (in parameters() order, flattened and concatenated) form θ,
/// with `loss(module)` evaluating the loss on a fixed batch. Evaluation copies θ into the
/// module's parameters (so it overwrites them) and differentiates with respect to them;
/// not thread-safe. The module is moved to the options' dtype and device.
std::shared_ptr<TorchObjective> module_objective(std::shared_ptr<torch::nn::Module> module,
                                                 std::function<torch::Tensor(torch::nn::Module&)> loss,
                                                 TorchOptions o = {}, std::string name = "module");

}  // namespace villani::numerics::torch_adapter
