#include "numerics/torch/torch_objective.hpp"

#include <algorithm>
#include <cstring>

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

torch::Tensor TorchObjective::to_tensor(const Vec& x) const {
  auto t = torch::from_blob(const_cast<double*>(x.data()), {static_cast<std::int64_t>(x.size())}, torch::kFloat64);
  return t.to(o_.device, o_.dtype, /*non_blocking=*/false, /*copy=*/true);
}

Vec TorchObjective::to_vec(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  Vec out(c.numel());
  std::memcpy(out.data(), c.data_ptr<double>(), sizeof(double) * static_cast<std::size_t>(c.numel()));
  return out;
}

torch::Tensor TorchObjective::value_t(const torch::Tensor& theta) const {
  torch::NoGradGuard ng;
  if (module_) {
    load_params(theta);
    return module_loss_(*module_);
  }
  return loss_(theta);
}

torch::Tensor TorchObjective::gradient_t(const torch::Tensor& theta) const {
  if (module_) return module_grad(theta, nullptr);
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

/// ∇²L(θ) with the gradient graph built once (TorchObjective::hessian_at).
class GraphHessian final : public LinearOperator {
 public:
  GraphHessian(std::vector<torch::Tensor> inputs, std::vector<torch::Tensor> grads, const TorchObjective& f)
      : inputs_(std::move(inputs)), grads_(std::move(grads)), f_(f) {}
  Eigen::Index rows() const override { return f_.dim(); }
  std::string name() const override { return "Hessian of " + f_.name() + " (gradient graph reused)"; }

 protected:
  void multiply(const double* x, double* y) const override {
    if (std::none_of(grads_.begin(), grads_.end(), [](const torch::Tensor& g) { return g.requires_grad(); })) {
      Eigen::Map<Vec>(y, rows()).setZero();  // the gradient is constant in θ: ∇²L = 0
      return;
    }
    const Eigen::Map<const Vec> xv(x, rows());
    const torch::Tensor v = f_.to_tensor(Vec(xv));
    std::vector<torch::Tensor> slices;
    std::int64_t off = 0;
    for (const auto& g : grads_) {
      slices.push_back(v.narrow(0, off, g.numel()).view(g.sizes()));
      off += g.numel();
    }
    auto h = torch::autograd::grad(grads_, inputs_, slices, /*retain_graph=*/true);
    std::vector<torch::Tensor> flat;
    for (auto& t : h) flat.push_back(t.reshape({-1}));
    Eigen::Map<Vec>(y, rows()) = TorchObjective::to_vec(flat.size() == 1 ? flat[0] : torch::cat(flat));
  }

 private:
  std::vector<torch::Tensor> inputs_, grads_;
  const TorchObjective& f_;
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

}  // namespace villani::numerics::torch_adapter
