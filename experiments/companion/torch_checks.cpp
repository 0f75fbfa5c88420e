#include "experiments/companion/torch_checks.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

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

const char* to_string(AdamWConvention c) {
  switch (c) {
    case AdamWConvention::LrTimesWeightDecay: return "theta <- theta*(1 - lr*weight_decay) - lr*adam_direction";
    case AdamWConvention::WeightDecay: return "theta <- theta*(1 - weight_decay) - lr*adam_direction";
    case AdamWConvention::Neither: break;
  }
  return "neither";
}

DecoupledResult run_l2_vs_decoupled(const DecoupledOptions& o,
                                    const std::function<void(const DecoupledStep&)>& on_step,
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
      on_step({t, d, loss_l2, rel_dist(padam, padamw), loss_adam, loss_adamw,
               std::sqrt(sqnorm(padam)), std::sqrt(sqnorm(padamw))});
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

  DecoupledResult r;
  r.steps = o.steps;
  r.lr = o.lr;
  r.adam_lr = o.adam_lr;
  r.lambda = o.lambda;
  r.decoupled_lambda = lam_dec;
  r.sgd = {max_sgd_rel, rel_dist(pl2, pdec), loss_l2, loss_dec, full_loss(pl2, o.lambda)};
  r.adam = {rel_dist(padam, padamw), std::sqrt(sqnorm(padam)), std::sqrt(sqnorm(padamw)), loss_adam,
            loss_adamw, full_loss(padam, o.lambda), full_loss(padamw, o.lambda)};
  r.adamw_convention = {wd, lr1, d_lr, d_plain,
                        d_lr < 1e-12     ? AdamWConvention::LrTimesWeightDecay
                        : d_plain < 1e-12 ? AdamWConvention::WeightDecay
                                          : AdamWConvention::Neither};
  return r;
}

void validate(const MinimizerPathOptions& o) {
  if (o.lambdas.size() < 2 || o.lambdas.size() > 200) throw InputError("--path-lambdas", "expected 2…200 values");
  for (double l : o.lambdas) check_positive("--path-lambdas", l);
  std::vector<double> s = o.lambdas;
  std::sort(s.begin(), s.end());
  if (std::adjacent_find(s.begin(), s.end()) != s.end()) throw InputError("--path-lambdas", "values must be distinct");
  if (o.samples < 2 || o.samples > 1000000) throw InputError("--path-samples", "expected 2…1e6");
  if (o.features < 1 || o.features > 64) throw InputError("--path-features", "expected 1…64");
  if (o.classes < 2 || o.classes > 16) throw InputError("--path-classes", "expected 2…16");
  check_positive("--path-grad-tol", o.grad_tol);
  if (!(o.fd_step > 0 && o.fd_step < 0.1)) throw InputError("--path-fd-step", "expected 0 < h < 0.1");
}

namespace {
// Multinomial logistic regression, θ = vec(W) with W ∈ R^{K×(d+1)} (row-major, last column bias).
struct Logistic {
  Tensor X;  // N × D, last column ones
  Tensor y;  // N, int64
  int K = 0, D = 0;
  Tensor loss(const Tensor& theta) const {
    Tensor logits = X.matmul(theta.view({K, D}).t());
    return (torch::logsumexp(logits, 1) - logits.gather(1, y.unsqueeze(1)).squeeze(1)).mean();
  }
  Tensor grad_loss(const Tensor& theta) const {
    Tensor t = theta.detach().clone().set_requires_grad(true);
    return torch::autograd::grad({loss(t)}, {t})[0].detach();
  }
  // ∇F and ∇²F by autograd (double backward, one row per parameter).
  std::pair<Tensor, Tensor> grad_hess(const Tensor& theta, double lam) const {
    Tensor t = theta.detach().clone().set_requires_grad(true);
    Tensor F = loss(t) + 0.5 * lam * t.pow(2).sum();
    Tensor g = torch::autograd::grad({F}, {t}, {}, true, true)[0];
    const int64_t P = t.numel();
    Tensor H = torch::empty({P, P}, kF64);
    for (int64_t i = 0; i < P; ++i) H[i] = torch::autograd::grad({g[i]}, {t}, {}, true)[0].detach();
    return {g.detach(), 0.5 * (H + H.t())};
  }
  // Closed form: (1/N) Σ_n (diag p_n − p_n p_nᵀ) ⊗ x_n x_nᵀ + λI.
  Tensor hess_closed(const Tensor& theta, double lam) const {
    Tensor p = torch::softmax(X.matmul(theta.detach().view({K, D}).t()), 1);  // N × K
    Tensor S = torch::diag_embed(p) - p.unsqueeze(2) * p.unsqueeze(1);       // N × K × K
    Tensor H = torch::einsum("nkl,ni,nj->kilj", {S, X, X}).reshape({K * D, K * D}) / X.size(0);
    return H + lam * torch::eye(K * D, kF64);
  }
  double objective(const Tensor& theta, double lam) const {
    torch::NoGradGuard ng;
    return loss(theta).item<double>() + 0.5 * lam * theta.pow(2).sum().item<double>();
  }
};

struct Solved {
  Tensor theta;
  double grad_norm = 0;
  int lbfgs_evals = 0, newton_steps = 0;
};

// Newton from `start` until the gradient stops shrinking by half per step (rounding floor).
Solved newton_polish(const Logistic& m, double lam, Tensor theta, int max_steps = 50) {
  Solved s;
  auto [g, H] = m.grad_hess(theta, lam);
  s.grad_norm = g.norm().item<double>();
  for (int it = 0; it < max_steps; ++it) {
    Tensor next = theta - torch::linalg_solve(H, g.unsqueeze(1)).squeeze(1);
    auto [g2, H2] = m.grad_hess(next, lam);
    const double n2 = g2.norm().item<double>();
    if (!(n2 < 0.5 * s.grad_norm) && s.grad_norm < 1e-6) break;  // at the floor
    theta = next;
    g = g2;
    H = H2;
    s.grad_norm = n2;
    ++s.newton_steps;
  }
  s.theta = theta.detach();
  return s;
}

Solved solve_lbfgs_newton(const Logistic& m, double lam, const Tensor& start) {
  Tensor t = start.detach().clone().set_requires_grad(true);
  torch::optim::LBFGS opt({t}, torch::optim::LBFGSOptions(1.0).max_iter(1000).max_eval(2000)
                                   .tolerance_grad(1e-12).tolerance_change(1e-16).history_size(20)
                                   .line_search_fn("strong_wolfe"));
  int evals = 0;
  opt.step([&] {
    ++evals;
    opt.zero_grad();
    Tensor F = m.loss(t) + 0.5 * lam * t.pow(2).sum();
    F.backward();
    return F;
  });
  Solved s = newton_polish(m, lam, t.detach());
  s.lbfgs_evals = evals;
  return s;
}
}  // namespace

MinimizerPathResult run_minimizer_path(const MinimizerPathOptions& o,
                                       const std::function<void(const MinimizerPathRow&)>& on_row) {
  validate(o);
  torch::manual_seed(o.seed);
  Logistic m;
  m.K = o.classes;
  m.D = o.features + 1;
  m.X = torch::cat({torch::randn({o.samples, o.features}, kF64), torch::ones({o.samples, 1}, kF64)}, 1);
  Tensor teacher = 1.5 * torch::randn({m.K, m.D}, kF64);
  // Labels drawn from the teacher's softmax: noisy, so the data are not separable.
  m.y = torch::multinomial(torch::softmax(m.X.matmul(teacher.t()), 1), 1).squeeze(1);
  const int64_t P = m.K * m.D;
  const double g0 = m.grad_loss(torch::zeros({P}, kF64)).norm().item<double>();

  std::vector<double> lams = o.lambdas;
  std::sort(lams.begin(), lams.end());
  // Continuation from the largest λ (θ* near 0) down; rows are reported in ascending λ.
  std::vector<MinimizerPathRow> rows(lams.size());
  Tensor warm = torch::zeros({P}, kF64);
  double max_grad = 0, max_fd = 0, max_fd_norm = 0, max_fixed = 0, max_hess = 0, min_shift = INFINITY;
  bool all_descending_derivative = true;
  for (int k = static_cast<int>(lams.size()) - 1; k >= 0; --k) {
    const double lam = lams[k];
    const Solved s = solve_lbfgs_newton(m, lam, warm);
    warm = s.theta;
    const Tensor& th = s.theta;
    auto [g, H] = m.grad_hess(th, lam);
    const double hess_err = ((H - m.hess_closed(th, lam)).norm() / H.norm()).item<double>();
    const double min_eig = torch::linalg_eigvalsh(H).min().item<double>();
    const double norm = th.norm().item<double>();
    const double fixed = ((th + m.grad_loss(th) / lam).norm() / norm).item<double>();
    // Implicit function theorem: ∇F(θ*(λ), λ) = 0 ⇒ ∇²F dθ*/dλ + θ* = 0.
    const Tensor dth = -torch::linalg_solve(H, th.unsqueeze(1)).squeeze(1);
    const double lp = lam * std::exp(o.fd_step), lm = lam * std::exp(-o.fd_step);
    const Solved sp = newton_polish(m, lp, th), sm = newton_polish(m, lm, th);
    const Tensor fd = (sp.theta - sm.theta) / (lp - lm);
    const double fd_err = ((fd - dth).norm() / dth.norm()).item<double>();
    const double dn2_ift = 2 * (th * dth).sum().item<double>();  // = −2θ*ᵀ(∇²F)⁻¹θ*
    const double dn2_fd = (sp.theta.pow(2).sum().item<double>() - sm.theta.pow(2).sum().item<double>()) / (lp - lm);
    const double fd_norm_err = std::fabs(dn2_fd - dn2_ift) / std::fabs(dn2_ift);
    const double gmax = std::max({s.grad_norm, sp.grad_norm, sm.grad_norm});
    max_grad = std::max(max_grad, gmax);
    max_fd = std::max(max_fd, fd_err);
    max_fd_norm = std::max(max_fd_norm, fd_norm_err);
    max_fixed = std::max(max_fixed, fixed);
    max_hess = std::max(max_hess, hess_err);
    min_shift = std::min(min_shift, (min_eig - lam) / lam);
    all_descending_derivative &= dn2_ift < 0;
    // Plain doubles only in braced lists of results: with Tensor temporaries inside such a list
    // (assigned to a struct), GCC 12's build of run_mechanisms threw "a Tensor with 384 elements
    // cannot be converted to Scalar" (cause not pinned down), so Tensor values are named first.
    const double dth_norm = dth.norm().item<double>();
    rows[k] = {lam, norm, m.objective(th, lam), m.objective(th, 0.0), s.grad_norm,
               std::max(sp.grad_norm, sm.grad_norm), s.lbfgs_evals, s.newton_steps, min_eig, hess_err,
               fixed, dth_norm, fd_err, dn2_ift, dn2_fd, fd_norm_err, g0 / lam};
  }
  bool monotone = true;
  for (std::size_t k = 1; k < rows.size(); ++k) monotone &= rows[k].theta_norm < rows[k - 1].theta_norm;
  bool bound = true;
  for (const auto& r : rows) bound &= r.theta_norm <= r.norm_bound_grad0_over_lambda;
  if (on_row)
    for (const auto& r : rows) on_row(r);
  MinimizerPathResult r;
  r.model = "multinomial logistic regression, N = " + std::to_string(o.samples) + ", d = " +
            std::to_string(o.features) + " (+ bias), K = " + std::to_string(o.classes) +
            ", all parameters regularized";
  r.parameters = P;
  r.grad_loss_at_zero_norm = g0;
  r.rows = std::move(rows);
  r.monotone_decreasing = monotone;
  r.derivative_negative = all_descending_derivative;
  r.norm_bound_holds = bound;
  r.max_grad_norm = max_grad;
  r.grad_tol = o.grad_tol;
  r.converged = max_grad <= o.grad_tol;
  r.max_fd_rel_error = max_fd;
  r.max_dnorm_sq_fd_rel_error = max_fd_norm;
  r.max_fixed_point_rel_error = max_fixed;
  r.max_hessian_closed_form_rel_error = max_hess;
  r.min_hessian_shift_rel = min_shift;
  r.fd_step = o.fd_step;
  return r;
}

void validate(const MechanismOptions& o) {
  if (o.steps < 1 || o.steps > 1000000) throw InputError("--steps", "expected 1…1e6");
  check_positive("--lr", o.lr);
  check_positive("--lambda", o.lambda);
  check_positive("--kfac-damping", o.kfac_damping);
  if (o.hidden < 2 || o.hidden > 4096) throw InputError("--hidden", "expected 2…4096");
  if (o.samples < 2 || o.samples > 1000000) throw InputError("--samples", "expected 2…1e6");
  validate(o.path);
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

MechanismResult run_mechanisms(const MechanismOptions& o,
                               const std::function<void(const MechanismStep&)>& on_step,
                               int every) {
  validate(o);
  torch::manual_seed(o.seed);
  const int din = 6;
  Tensor x = torch::randn({o.samples, din}, kF64);
  Tensor y = torch::tanh(x.matmul(torch::randn({din, 1}, kF64)));
  Tensor W0 = torch::randn({o.hidden, din}, kF64);
  Tensor v0 = torch::randn({1, o.hidden}, kF64) / std::sqrt(o.hidden);

  // (1) + (3): train the scale-invariant block with plain SGD, without and with decay.
  MechanismResult res;
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
        on_step({t + (decay ? o.steps : 0),
                 ScaleInvariantStep{decay, loss, wn2_next, o.lr / wn2_next, o.kfac_damping * wn2_next, cosv}});
    }
    const double wn2 = W.pow(2).sum().item<double>();
    (decay ? res.scale_invariant.with_decay : res.scale_invariant.without_decay) =
        {lam, norm0, wn2, o.lr / norm0, o.lr / wn2, o.kfac_damping * wn2, loss};
  }

  // (2) Gauss–Newton and input–output Jacobian norms of a homogeneous ReLU MLP.
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
    GaussNewtonRun& run = decay ? res.gauss_newton.with_decay : res.gauss_newton.without_decay;
    run.lambda = decay ? o.lambda * 10 : 0.0;
    run.gauss_newton_norm_sq = Jtheta.detach().pow(2).mean().item<double>();
    run.depth_sq_mean_f_sq = 9 * fnorm;
    run.input_output_jacobian_fro_sq = Jx.detach().pow(2).sum(1).mean().item<double>();
    run.param_norm_sq = sqnorm(p);
    run.train_loss = (f.detach() - y).pow(2).mean().item<double>();
  }
  // (4) The regularized minimizer's path θ*(λ).
  int path_step = 2 * o.steps;
  res.minimizer_path = run_minimizer_path(o.path, [&](const MinimizerPathRow& row) {
    if (on_step) on_step({++path_step, row});
  });
  res.scale_invariant.max_cos_grad_w = max_cos;
  res.scale_invariant.max_norm_growth_rel_error = max_growth_rel;
  res.scale_invariant.kfac_scaling_rel_error = max_kfac_rel;
  res.gauss_newton.depth = 3;
  res.gauss_newton.euler_rel_error = max_euler;
  res.gauss_newton.jx_identity_rel_error = max_jx;
  res.steps = o.steps;
  res.lr = o.lr;
  res.lambda = o.lambda;
  res.kfac_damping = o.kfac_damping;
  return res;
}

}  // namespace villani::experiments::companion
