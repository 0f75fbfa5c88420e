#include "numerics/torch/torch_objective.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>

#include <c10/util/accumulate.h>

#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"

namespace villani::numerics::torch_adapter {

TorchObjective::TorchObjective(Loss loss, std::int64_t d, TorchOptions o, std::string name)
    : loss_(std::move(loss)), d_(d), o_(o), name_(std::move(name)) {
  if (d_ < 1) throw InputError("d", "dimension must be >= 1; got " + std::to_string(d_));
  if (o_.dtype != torch::kFloat64 && o_.dtype != torch::kFloat32)
    throw InputError("dtype", "the Torch adapter supports float32 and float64");
  check_positive("fd_step", o_.fd_step);
}

TorchObjective::TorchObjective(BlockLoss loss, std::vector<std::vector<std::int64_t>> shapes, TorchOptions o,
                               std::string name)
    : block_loss_(std::move(loss)), shapes_(std::move(shapes)), d_(0), o_(o), name_(std::move(name)) {
  for (const auto& sh : shapes_) {
    std::int64_t n = 1;
    for (const auto e : sh) n *= e;
    d_ += n;
  }
  if (shapes_.empty() || d_ < 1) throw InputError("d", "a model needs at least one parameter");
  if (o_.dtype != torch::kFloat64 && o_.dtype != torch::kFloat32)
    throw InputError("dtype", "the Torch adapter supports float32 and float64");
  check_positive("fd_step", o_.fd_step);
}

std::vector<torch::Tensor> TorchObjective::blocks_of(const torch::Tensor& theta, bool leaves) const {
  std::vector<torch::Tensor> out;
  out.reserve(shapes_.size());
  std::int64_t off = 0;
  for (const auto& sh : shapes_) {
    auto b = theta.detach().narrow(0, off, c10::multiply_integers(sh)).view(sh);
    off += b.numel();
    out.push_back(leaves ? b.detach().requires_grad_(true) : b);
  }
  return out;
}

namespace {
// The parts as one flat tensor; an undefined part (a leaf the loss does not use) is zeros like
// its leaf.
torch::Tensor flat(const std::vector<torch::Tensor>& parts, const std::vector<torch::Tensor>& leaves) {
  std::vector<torch::Tensor> f;
  f.reserve(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i)
    f.push_back(parts[i].defined() ? parts[i].reshape({-1}) : torch::zeros({leaves[i].numel()}, leaves[i].options()));
  return f.size() == 1 ? f[0] : torch::cat(f);
}
// ∇²L·v through a gradient graph: one backward pass from the gradients that depend on θ, with
// v's slices (in the inputs' order and shapes) as grad_outputs. One part per input, undefined
// where that block of the product is zero (an input the loss does not use, or a gradient constant
// in θ). `retain` keeps the graph for further products.
std::vector<torch::Tensor> backward_product(const std::vector<torch::Tensor>& grads, const std::vector<torch::Tensor>& inputs,
                                            const torch::Tensor& v, bool retain) {
  std::vector<torch::Tensor> outs, slices;
  std::int64_t off = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (grads[i].defined() && grads[i].requires_grad()) {
      outs.push_back(grads[i]);
      slices.push_back(v.narrow(0, off, inputs[i].numel()).view(inputs[i].sizes()));
    }
    off += inputs[i].numel();
  }
  if (outs.empty()) return std::vector<torch::Tensor>(inputs.size());
  return torch::autograd::grad(outs, inputs, slices, retain, /*create_graph=*/false, /*allow_unused=*/true);
}
// ∇L with respect to the leaves, with or without its graph; unused leaves give undefined parts.
std::vector<torch::Tensor> grad_of(const torch::Tensor& l, const std::vector<torch::Tensor>& leaves, bool graph) {
  return torch::autograd::grad({l}, leaves, {}, /*retain_graph=*/graph, /*create_graph=*/graph, /*allow_unused=*/true);
}
}  // namespace

torch::Tensor TorchObjective::to_tensor(const Vec& x) const {
  auto t = torch::from_blob(const_cast<double*>(x.data()), {static_cast<std::int64_t>(x.size())}, torch::kFloat64);
  return t.to(o_.device, o_.dtype, /*non_blocking=*/false, /*copy=*/true);
}

Vec TorchObjective::to_vec(const torch::Tensor& t) {
  // Converted straight into the Vec's storage (no d-sized double tensor besides it).
  Vec out(t.numel());
  torch::from_blob(out.data(), {t.numel()}, torch::kFloat64).copy_(t.detach().reshape({-1}));
  return out;
}

torch::Tensor TorchObjective::value_t(const torch::Tensor& theta) const {
  torch::NoGradGuard ng;
  if (module_) {
    load_params(theta);
    return module_loss_(*module_);
  }
  if (block_loss_) return block_loss_(blocks_of(theta, false));
  return loss_(theta);
}

torch::Tensor TorchObjective::gradient_t(const torch::Tensor& theta) const {
  if (module_) return module_grad(theta, nullptr);
  if (block_loss_) {
    const auto leaves = blocks_of(theta, true);
    return flat(grad_of(block_loss_(leaves), leaves, false), leaves).detach();
  }
  auto th = theta.detach().requires_grad_(true);
  auto l = loss_(th);
  return torch::autograd::grad({l}, {th})[0];
}

torch::Tensor TorchObjective::hvp_t(const torch::Tensor& theta, const torch::Tensor& v) const {
  if (o_.hvp == HvpMode::FiniteDifference) {
    const double tn = theta.norm().item<double>(), vn = v.norm().item<double>();
    if (vn == 0) return torch::zeros_like(v);
    const double h = o_.fd_step * (1.0 + tn) / vn;
    return (gradient_t(theta + h * v) - gradient_t(theta - h * v)) / (2 * h);
  }
  if (module_) return module_grad(theta, &v);
  if (block_loss_) {
    const auto leaves = blocks_of(theta, true);
    const auto g = grad_of(block_loss_(leaves), leaves, true);
    return flat(backward_product(g, leaves, v, /*retain=*/false), leaves).detach();
  }
  auto th = theta.detach().requires_grad_(true);
  auto l = loss_(th);
  auto g = torch::autograd::grad({l}, {th}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  return torch::autograd::grad({g}, {th}, {v})[0].detach();
}

double TorchObjective::value(const Vec& theta) const {
  check_theta(theta);
  const double v = value_t(to_tensor(theta)).item<double>();
  return v;
}

Vec TorchObjective::gradient(const Vec& theta) const {
  check_theta(theta);
  return to_vec(gradient_t(to_tensor(theta)));
}

Vec TorchObjective::hvp(const Vec& theta, const Vec& v) const {
  check_theta(theta);
  if (v.size() != theta.size())
    throw InputError("v", "size " + std::to_string(v.size()) + " differs from d = " + std::to_string(d_));
  return to_vec(hvp_t(to_tensor(theta), to_tensor(v)));
}

namespace {

/// ∇²L(θ) with the gradient graph built once (TorchObjective::hessian_at): inputs are the leaves
/// (θ, or its blocks), grads their gradients with graph. A product is one backward pass through
/// it with v's slices as grad_outputs, written block by block into y (no concatenated copy).
class GraphHessian final : public LinearOperator {
 public:
  GraphHessian(std::vector<torch::Tensor> inputs, std::vector<torch::Tensor> grads, const TorchObjective& f)
      : inputs_(std::move(inputs)), grads_(std::move(grads)), f_(f) {
    std::int64_t off = 0;
    for (const auto& t : inputs_) {
      offsets_.push_back(off);
      off += t.numel();
    }
  }
  Eigen::Index rows() const override { return f_.dim(); }
  std::string name() const override { return "Hessian of " + f_.name() + " (gradient graph reused)"; }
  VectorPrecision precision() const override {
    return f_.options().dtype == torch::kFloat32 ? VectorPrecision::Float32 : VectorPrecision::Float64;
  }

 protected:
  void multiply(const double* x, double* y) const override {
    product(buffer(x, torch::kFloat64), y, torch::kFloat64);
  }
  void multiply_f32(const float* x, float* y) const override {
    const auto& o = f_.options();
    if (o.dtype == torch::kFloat32 && o.device.is_cpu())  // the caller's array itself, no copy
      product(torch::from_blob(const_cast<float*>(x), {rows()}, torch::kFloat32), y, torch::kFloat32);
    else
      product(buffer(x, torch::kFloat32), y, torch::kFloat32);
  }

 private:
  /// x copied into the one input buffer (model dtype and device), allocated at the first product.
  torch::Tensor buffer(const void* x, torch::Dtype from) const {
    if (!buf_.defined()) buf_ = torch::empty({rows()}, torch::TensorOptions().dtype(f_.options().dtype).device(f_.options().device));
    buf_.copy_(torch::from_blob(const_cast<void*>(x), {rows()}, from));
    return buf_;
  }
  void product(const torch::Tensor& v, void* y, torch::Dtype to) const {
    const std::vector<torch::Tensor> h = backward_product(grads_, inputs_, v, /*retain=*/true);
    const std::size_t esz = to == torch::kFloat64 ? 8 : 4;
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      auto dst = torch::from_blob(static_cast<char*>(y) + esz * static_cast<std::size_t>(offsets_[i]),
                                  {inputs_[i].numel()}, to);
      if (h[i].defined()) dst.copy_(h[i].reshape({-1}));
      else dst.zero_();
    }
  }
  std::vector<torch::Tensor> inputs_, grads_;
  std::vector<std::int64_t> offsets_;
  const TorchObjective& f_;
  mutable torch::Tensor buf_;
};

}  // namespace

std::unique_ptr<LinearOperator> TorchObjective::hessian_at(const Vec& theta) const {
  check_theta(theta);
  if (o_.hvp == HvpMode::FiniteDifference) return Objective::hessian_at(theta);
  const torch::Tensor t = to_tensor(theta);
  if (module_) {
    load_params(t);
    auto l = module_loss_(*module_);
    auto g = torch::autograd::grad({l}, params_, {}, /*retain_graph=*/true, /*create_graph=*/true);
    return std::make_unique<GraphHessian>(params_, std::move(g), *this);
  }
  if (block_loss_) {
    auto leaves = blocks_of(t, true);
    auto g = grad_of(block_loss_(leaves), leaves, true);
    return std::make_unique<GraphHessian>(std::move(leaves), std::move(g), *this);
  }
  auto th = t.detach().requires_grad_(true);
  auto l = loss_(th);
  auto g = torch::autograd::grad({l}, {th}, {}, /*retain_graph=*/true, /*create_graph=*/true);
  return std::make_unique<GraphHessian>(std::vector<torch::Tensor>{th}, std::move(g), *this);
}

std::shared_ptr<TorchObjective> module_objective(std::shared_ptr<torch::nn::Module> module,
                                                 std::function<torch::Tensor(torch::nn::Module&)> loss,
                                                 TorchOptions o, std::string name) {
  module->to(o.device, o.dtype);
  auto params = module->parameters();
  std::int64_t d = 0;
  for (const auto& p : params) d += p.numel();
  auto obj = std::make_shared<TorchObjective>(nullptr, d, o, std::move(name));
  obj->module_ = std::move(module);
  obj->module_loss_ = std::move(loss);
  obj->params_ = std::move(params);
  return obj;
}

void TorchObjective::load_params(const torch::Tensor& theta) const {
  torch::NoGradGuard ng;
  std::int64_t off = 0;
  for (auto& p : params_) {
    p.copy_(theta.narrow(0, off, p.numel()).view(p.sizes()));
    off += p.numel();
  }
}

torch::Tensor TorchObjective::module_grad(const torch::Tensor& theta, const torch::Tensor* v) const {
  load_params(theta);
  auto l = module_loss_(*module_);
  auto g = torch::autograd::grad({l}, params_, {}, /*retain_graph=*/v != nullptr, /*create_graph=*/v != nullptr);
  if (!v) {
    std::vector<torch::Tensor> flat;
    for (auto& t : g) flat.push_back(t.reshape({-1}));
    return torch::cat(flat);
  }
  torch::Tensor dot = torch::zeros({}, theta.options());
  std::int64_t off = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    dot = dot + (g[i] * v->narrow(0, off, params_[i].numel()).view(params_[i].sizes())).sum();
    off += params_[i].numel();
  }
  auto h = torch::autograd::grad({dot}, params_);
  std::vector<torch::Tensor> flat;
  for (auto& t : h) flat.push_back(t.reshape({-1}));
  return torch::cat(flat).detach();
}

void set_compute_threads(int n) {
  if (n < 1) return;
  torch::set_num_threads(n);
  using SetThreads = void (*)(int);
  if (auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(n);
}

}  // namespace villani::numerics::torch_adapter
