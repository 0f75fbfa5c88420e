#include "experiments/companion/torch_checks.hpp"

#include <torch/torch.h>

#include <cmath>

#include "numerics/errors.hpp"

namespace villani::experiments::companion {

namespace {
using torch::Tensor;
using Params = std::vector<Tensor>;
const auto kF64 = torch::TensorOptions().dtype(torch::kFloat64);

Params clone(const Params& p) {
  Params out;
  for (const auto& t : p) out.push_back(t.detach().clone().set_requires_grad(true));
  return out;
}
double sqnorm(const Params& p) {
  double s = 0;
  for (const auto& t : p) s += t.detach().pow(2).sum().item<double>();
  return s;
}
double rel_dist(const Params& a, const Params& b) {
  double num = 0;
  for (std::size_t i = 0; i < a.size(); ++i) num += (a[i].detach() - b[i].detach()).pow(2).sum().item<double>();
  return std::sqrt(num / std::max(sqnorm(a), 1e-300));
}
void zero_grads(Params& p) {
  for (auto& t : p)
    if (t.grad().defined()) t.mutable_grad().zero_();
}

// tanh MLP with biases for the optimizer comparison.
Tensor mlp(const Params& p, const Tensor& x) {
  return torch::tanh(x.matmul(p[0].t()) + p[1]).matmul(p[2].t()) + p[3];
}
double mlp_loss_backward(Params& p, const Tensor& x, const Tensor& y) {
  zero_grads(p);
  Tensor loss = (mlp(p, x) - y).pow(2).mean();
  loss.backward();
  return loss.item<double>();
}
}  // namespace

void validate(const DecoupledOptions& o) {
  if (o.steps < 1 || o.steps > 1000000) throw InputError("--steps", "expected 1…1e6");
  check_positive("--lr", o.lr);
  check_positive("--adam-lr", o.adam_lr);
  check_positive("--lambda", o.lambda);
  if (o.lr * o.lambda >= 1) throw InputError("--lambda", "need lr·λ < 1 for the decoupled factor");
  if (o.hidden < 1 || o.hidden > 4096) throw InputError("--hidden", "expected 1…4096");
  if (o.samples < 1 || o.samples > 1000000) throw InputError("--samples", "expected 1…1e6");
}

nlohmann::json run_l2_vs_decoupled(const DecoupledOptions& o,
                                   const std::function<void(const nlohmann::json&)>& on_step,
                                   int every) {
  validate(o);
  torch::manual_seed(o.seed);
  const int din = 4;
  Tensor x = torch::randn({o.samples, din}, kF64);
  Tensor y = torch::sin(x.sum(1, true)) + 0.1 * torch::randn({o.samples, 1}, kF64);
  Params p0 = {torch::randn({o.hidden, din}, kF64) / std::sqrt(din), torch::zeros({o.hidden}, kF64),
               torch::randn({1, o.hidden}, kF64) / std::sqrt(o.hidden), torch::zeros({1}, kF64)};

  // (1) SGD: L2 (LibTorch weight_decay) vs multiplicative decay λ' = λη then plain SGD.
  Params pl2 = clone(p0), pdec = clone(p0);
  torch::optim::SGD sgd_l2(pl2, torch::optim::SGDOptions(o.lr).weight_decay(o.lambda));
  torch::optim::SGD sgd_plain(pdec, torch::optim::SGDOptions(o.lr));
  const double lam_dec = o.lambda * o.lr;
  // (2) Adam with L2 vs AdamW, same λ and lr.
  Params padam = clone(p0), padamw = clone(p0);
  torch::optim::Adam adam(padam, torch::optim::AdamOptions(o.adam_lr).weight_decay(o.lambda));
  torch::optim::AdamW adamw(padamw, torch::optim::AdamWOptions(o.adam_lr).weight_decay(o.lambda));

  double max_sgd_rel = 0;
  double loss_l2 = 0, loss_dec = 0, loss_adam = 0, loss_adamw = 0;
  for (int t = 1; t <= o.steps; ++t) {
    loss_l2 = mlp_loss_backward(pl2, x, y);
    sgd_l2.step();
    loss_dec = mlp_loss_backward(pdec, x, y);
    {
      torch::NoGradGuard ng;
      for (auto& q : pdec) q.mul_(1 - lam_dec);
    }
    sgd_plain.step();
    loss_adam = mlp_loss_backward(padam, x, y);
    adam.step();
    loss_adamw = mlp_loss_backward(padamw, x, y);
    adamw.step();
    const double d = rel_dist(pl2, pdec);
    max_sgd_rel = std::max(max_sgd_rel, d);
    if (on_step && (t % every == 0 || t == o.steps))
      on_step({{"step", t}, {"sgd_l2_vs_decoupled_rel", d}, {"loss_sgd_l2", loss_l2},
               {"adam_vs_adamw_rel", rel_dist(padam, padamw)}, {"loss_adam_l2", loss_adam},
               {"loss_adamw", loss_adamw}, {"norm_adam_l2", std::sqrt(sqnorm(padam))},
               {"norm_adamw", std::sqrt(sqnorm(padamw))}});
  }
  auto full_loss = [&](const Params& p, double lam) {
    torch::NoGradGuard ng;
    return (mlp(p, x) - y).pow(2).mean().item<double>() + 0.5 * lam * sqnorm(p);
  };

  // (3) LibTorch's AdamW convention: one step from p0 with a fixed gradient.
  const double wd = 0.1, lr1 = 0.01, eps = 1e-8;
  Params q = clone(p0);
  mlp_loss_backward(q, x, y);
  Params g;
  for (auto& t : q) g.push_back(t.grad().detach().clone());
  torch::optim::AdamW one(q, torch::optim::AdamWOptions(lr1).weight_decay(wd).eps(eps));
  one.step();
  Params conv_lr, conv_plain;  // θ(1 − lr·wd) − lr·g/(|g| + ε) and θ(1 − wd) − …
  for (std::size_t i = 0; i < p0.size(); ++i) {
    // After one step m̂ = g and v̂ = g², so the Adam direction is g/(|g| + ε).
    Tensor dir = g[i] / (g[i].abs() + eps);
    conv_lr.push_back(p0[i] * (1 - lr1 * wd) - lr1 * dir);
    conv_plain.push_back(p0[i] * (1 - wd) - lr1 * dir);
  }
  const double d_lr = rel_dist(conv_lr, q), d_plain = rel_dist(conv_plain, q);

  return {{"steps", o.steps}, {"lr", o.lr}, {"adam_lr", o.adam_lr}, {"lambda", o.lambda},
          {"decoupled_lambda", lam_dec}, {"dtype", "float64"},
          {"sgd", {{"max_rel_distance", max_sgd_rel}, {"final_rel_distance", rel_dist(pl2, pdec)},
                   {"loss", loss_l2}, {"regularized_objective", full_loss(pl2, o.lambda)}}},
          {"adam", {{"final_rel_distance", rel_dist(padam, padamw)},
                    {"norm_adam_l2", std::sqrt(sqnorm(padam))}, {"norm_adamw", std::sqrt(sqnorm(padamw))},
                    {"loss_adam_l2", loss_adam}, {"loss_adamw", loss_adamw},
                    {"objective_adam_l2", full_loss(padam, o.lambda)},
                    {"objective_adamw", full_loss(padamw, o.lambda)}}},
          {"adamw_convention", {{"weight_decay", wd}, {"lr", lr1},
                                {"rel_distance_to_theta_times_1_minus_lr_wd", d_lr},
                                {"rel_distance_to_theta_times_1_minus_wd", d_plain},
                                {"convention", d_lr < 1e-12 ? "theta <- theta*(1 - lr*weight_decay) - lr*adam_direction"
                                               : d_plain < 1e-12 ? "theta <- theta*(1 - weight_decay) - lr*adam_direction"
                                                                 : "neither"}}}};
}

void validate(const MechanismOptions& o) {
  if (o.steps < 1 || o.steps > 1000000) throw InputError("--steps", "expected 1…1e6");
  check_positive("--lr", o.lr);
  check_positive("--lambda", o.lambda);
  check_positive("--kfac-damping", o.kfac_damping);
  if (o.hidden < 2 || o.hidden > 4096) throw InputError("--hidden", "expected 2…4096");
  if (o.samples < 2 || o.samples > 1000000) throw InputError("--samples", "expected 2…1e6");
}

namespace {
// Scale-invariant block: z = x Wᵀ, per-sample standardization (no ε), relu, readout v.
Tensor si_forward(const Tensor& W, const Tensor& v, const Tensor& x, Tensor* z_out = nullptr) {
  Tensor z = x.matmul(W.t());
  if (z_out) *z_out = z;
  Tensor zc = z - z.mean(1, true);
  Tensor u = zc / zc.pow(2).mean(1, true).sqrt();
  return torch::relu(u).matmul(v.t());
}

// K-FAC damped step for W: (G ⊗ A + γI)⁻¹ vec(∇_W L), A = E[x xᵀ], G = E[δ δᵀ].
Tensor kfac_step(const Tensor& W, const Tensor& v, const Tensor& x, const Tensor& y, double gamma) {
  Tensor Wg = W.detach().clone().set_requires_grad(true);
  Tensor z;
  Tensor per = (si_forward(Wg, v.detach(), x, &z) - y).pow(2).squeeze(1);  // ℓ_i
  const double n = static_cast<double>(x.size(0));
  Tensor delta = torch::autograd::grad({per.sum()}, {z})[0];  // rows: ∂ℓ_i/∂z_i
  Tensor gradW = delta.t().matmul(x) / n;                    // ∇_W mean ℓ
  Tensor A = x.t().matmul(x) / n, G = delta.t().matmul(delta) / n;
  auto [ea, Qa] = torch::linalg_eigh(A);
  auto [eg, Qg] = torch::linalg_eigh(G);
  Tensor inner = Qg.t().matmul(gradW).matmul(Qa) / (eg.unsqueeze(1) * ea.unsqueeze(0) + gamma);
  return Qg.matmul(inner).matmul(Qa.t()).detach();
}

// Bias-free ReLU MLP of depth 3 (homogeneous of degree 3 in θ).
Tensor relu3(const Params& p, const Tensor& x) {
  return torch::relu(torch::relu(x.matmul(p[0].t())).matmul(p[1].t())).matmul(p[2].t());
}
}  // namespace

nlohmann::json run_mechanisms(const MechanismOptions& o,
                              const std::function<void(const nlohmann::json&)>& on_step,
                              int every) {
  validate(o);
  torch::manual_seed(o.seed);
  const int din = 6;
  Tensor x = torch::randn({o.samples, din}, kF64);
  Tensor y = torch::tanh(x.matmul(torch::randn({din, 1}, kF64)));
  Tensor W0 = torch::randn({o.hidden, din}, kF64);
  Tensor v0 = torch::randn({1, o.hidden}, kF64) / std::sqrt(o.hidden);

  // (1) + (3): train the scale-invariant block with plain SGD, without and with decay.
  nlohmann::json runs = nlohmann::json::object();
  double max_cos = 0, max_growth_rel = 0, max_kfac_rel = 0;
  for (const bool decay : {false, true}) {
    const double lam = decay ? o.lambda : 0.0;
    Tensor W = W0.clone().set_requires_grad(true), v = v0.clone().set_requires_grad(true);
    double norm0 = W.pow(2).sum().item<double>(), loss = 0;
    for (int t = 1; t <= o.steps; ++t) {
      Tensor L = (si_forward(W, v, x) - y).pow(2).mean();
      auto grads = torch::autograd::grad({L}, {W, v});
      loss = L.item<double>();
      const Tensor& gW = grads[0];
      const double wn2 = W.pow(2).sum().item<double>(), gn2 = gW.pow(2).sum().item<double>();
      const double cosv = std::fabs((gW * W).sum().item<double>()) / std::sqrt(wn2 * gn2 + 1e-300);
      max_cos = std::max(max_cos, cosv);
      if (t == 1 || t == o.steps) {  // K-FAC effective damping identity at α = 3
        const double alpha = 3.0;
        Tensor lhs = kfac_step(alpha * W.detach(), v, x, y, o.kfac_damping);
        Tensor rhs = alpha * kfac_step(W.detach(), v, x, y, o.kfac_damping * alpha * alpha);
        max_kfac_rel = std::max(max_kfac_rel, ((lhs - rhs).norm() / rhs.norm()).item<double>());
      }
      {
        torch::NoGradGuard ng;
        W.sub_(o.lr * (gW + lam * W));
        v.sub_(o.lr * (grads[1] + lam * v));
      }
      const double wn2_next = W.pow(2).sum().item<double>();
      if (!decay) {
        const double pred = wn2 + o.lr * o.lr * gn2;
        max_growth_rel = std::max(max_growth_rel, std::fabs(wn2_next - pred) / pred);
      }
      if (on_step && (t % every == 0 || t == o.steps))
        on_step({{"step", t + (decay ? o.steps : 0)}, {"decay", decay}, {"loss", loss},
                 {"w_norm_sq", wn2_next}, {"effective_lr", o.lr / wn2_next},
                 {"kfac_effective_damping", o.kfac_damping * wn2_next}, {"cos_grad_w", cosv}});
    }
    const double wn2 = W.pow(2).sum().item<double>();
    runs[decay ? "with_decay" : "without_decay"] = {
        {"lambda", lam}, {"w_norm_sq_initial", norm0}, {"w_norm_sq_final", wn2},
        {"effective_lr_initial", o.lr / norm0}, {"effective_lr_final", o.lr / wn2},
        {"kfac_effective_damping_final", o.kfac_damping * wn2}, {"final_loss", loss}};
  }

  // (2) Gauss–Newton and input–output Jacobian norms of a homogeneous ReLU MLP.
  nlohmann::json gn = nlohmann::json::object();
  double max_euler = 0, max_jx = 0;
  Params r0 = {torch::randn({o.hidden, din}, kF64) * std::sqrt(2.0 / din),
               torch::randn({o.hidden, o.hidden}, kF64) * std::sqrt(2.0 / o.hidden),
               torch::randn({1, o.hidden}, kF64) / std::sqrt(o.hidden)};
  for (const bool decay : {false, true}) {
    Params p = clone(r0);
    torch::optim::SGD opt(p, torch::optim::SGDOptions(o.lr * 0.2).weight_decay(decay ? o.lambda * 10 : 0.0));
    for (int t = 0; t < o.steps; ++t) {
      opt.zero_grad();
      (relu3(p, x) - y).pow(2).mean().backward();
      opt.step();
    }
    Tensor xr = x.clone().set_requires_grad(true);
    Tensor f = relu3(p, xr);                                           // N × 1
    Tensor vv = torch::zeros_like(f).set_requires_grad(true);
    auto gth = torch::autograd::grad({(f * vv).sum()}, p, {}, true, true);
    Tensor inner = torch::zeros({}, kF64);
    for (std::size_t i = 0; i < p.size(); ++i) inner = inner + (gth[i] * p[i].detach()).sum();
    Tensor Jtheta = torch::autograd::grad({inner}, {vv}, {}, true)[0];  // J_θ θ per sample
    Tensor Jx = torch::autograd::grad({f.sum()}, {xr}, {}, true)[0];     // rows: J_x(x_i)
    const double fnorm = f.detach().pow(2).mean().item<double>();
    const double euler = ((Jtheta.detach() - 3 * f.detach()).norm() / (3 * f.detach()).norm()).item<double>();
    const double jxrel = (((Jx.detach() * x).sum(1, true) - f.detach()).norm() / f.detach().norm()).item<double>();
    max_euler = std::max(max_euler, euler);
    max_jx = std::max(max_jx, jxrel);
    gn[decay ? "with_decay" : "without_decay"] = {
        {"lambda", decay ? o.lambda * 10 : 0.0},
        {"gauss_newton_norm_sq", Jtheta.detach().pow(2).mean().item<double>()},
        {"depth_sq_mean_f_sq", 9 * fnorm},
        {"input_output_jacobian_fro_sq", Jx.detach().pow(2).sum(1).mean().item<double>()},
        {"param_norm_sq", sqnorm(p)},
        {"train_loss", (f.detach() - y).pow(2).mean().item<double>()}};
  }
  return {{"scale_invariant", {{"max_cos_grad_w", max_cos}, {"max_norm_growth_rel_error", max_growth_rel},
                               {"kfac_scaling_rel_error", max_kfac_rel}, {"runs", runs}}},
          {"gauss_newton", {{"depth", 3}, {"euler_rel_error", max_euler},
                            {"jx_identity_rel_error", max_jx}, {"runs", gn}}},
          {"steps", o.steps}, {"lr", o.lr}, {"lambda", o.lambda}, {"kfac_damping", o.kfac_damping},
          {"dtype", "float64"}};
}

}  // namespace villani::experiments::companion
