// villani run pacbayes: PAC-Bayes with backprop and data-dependent priors (issue 16).
// See pacbayes.hpp and docs/experiments.md ("pacbayes").
#include "experiments/pacbayes.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <ostream>

#include "experiments/gpt_neo.hpp"
#include "experiments/run_json.hpp"
#include "experiments/run_support.hpp"
#include "numerics/errors.hpp"
#include "theory/pac_bayes.hpp"
#include "theory/pac_bayes_objectives.hpp"

namespace villani::experiments {

namespace {

using torch::Tensor;

/// Next-token model on a flat θ: the bigram table (θ = W, V×V, logits of x_{t+1} = W[x_t]) or
/// GPT-Neo (experiments/gpt_neo.hpp). Logits are for tokens[:, 1:] given tokens[:, :-1].
struct Model {
  bool bigram = true;
  ModelConfig cfg;
  int V = 0;
  std::int64_t d = 0;

  Tensor logits(const Tensor& theta, const Tensor& tok) const {
    const auto T = tok.size(1);
    auto in = tok.narrow(1, 0, T - 1);
    if (bigram) return theta.view({V, V}).index_select(0, in.reshape(-1)).view({tok.size(0), T - 1, V});
    return gpt_neo_logits(cfg, theta, in);
  }
  /// Logits under θ ∼ N(μ, diag σ²), differentiable in (μ, σ). Bigram: an independent draw per
  /// sequence (only the rows a sequence reads are sampled; a row read twice gets one draw), so
  /// the B sequences are B independent Monte Carlo units. GPT-Neo: one draw for the batch.
  Tensor sampled_logits(const Tensor& mu, const Tensor& sigma, const Tensor& tok, at::Generator& gen) const {
    if (!bigram) {
      auto eps = torch::randn({d}, gen, mu.options().requires_grad(false));
      return logits(mu + sigma * eps, tok);
    }
    const auto B = tok.size(0), T1 = tok.size(1) - 1;
    auto in = tok.narrow(1, 0, T1);
    // first[b, t] = the first position t' ≤ t with in[b, t'] == in[b, t].
    auto same = in.unsqueeze(2) == in.unsqueeze(1);                      // [B, t, t']
    same = same & torch::ones({T1, T1}, torch::kBool).to(tok.device()).tril();
    auto first = same.to(torch::kInt).argmax(2);                          // first true along t'
    auto eps = torch::randn({B, T1, V}, gen, mu.options().requires_grad(false));
    eps = eps.gather(1, first.unsqueeze(2).expand({B, T1, V}));
    auto rows = in.reshape(-1);
    auto m = mu.view({V, V}).index_select(0, rows).view({B, T1, V});
    auto s = sigma.view({V, V}).index_select(0, rows).view({B, T1, V});
    return m + s * eps;
  }
};

/// Per-token CE and 0–1 error → per-sequence means [B]: err, and min(CE, clip)/clip.
std::pair<Tensor, Tensor> seq_risks(const Tensor& logits, const Tensor& tok, double clip) {
  auto target = tok.narrow(1, 1, tok.size(1) - 1);
  auto lg = logits.to(torch::kFloat64);
  auto ce = -torch::log_softmax(lg, -1).gather(-1, target.unsqueeze(-1)).squeeze(-1);
  return {(lg.argmax(-1) != target).to(torch::kFloat64).mean(1), (ce.clamp_max(clip) / clip).mean(1)};
}

Tensor kl_diag(const Tensor& mu, const Tensor& sigma2, const Tensor& mu0, double pv) {
  auto r = sigma2 / pv;
  return 0.5 * (r + (mu - mu0).pow(2) / pv - 1 - r.log()).sum();
}

struct Risks {
  double err = 0, cce = 0;  ///< mean per-sequence 0–1 error, clipped CE/clip
  long units = 0;           ///< independent Monte Carlo units (draws × groups)
};

/// Risk of the posterior on `data` by Monte Carlo: `draws` rounds; bigram: each sequence its own θ
/// in every round (units = draws·N); GPT-Neo: groups of `group` sequences share a θ.
Risks mc_risks(const Model& M, const Tensor& mu, const Tensor& sigma, const Tensor& data, int draws,
               std::uint64_t seed, double clip) {
  torch::NoGradGuard ng;
  const long N = data.size(0);
  const long group = M.bigram ? 4096 : 64;
  Risks r;
  double se = 0, sc = 0;
  for (int j = 0; j < draws; ++j)
    for (long a = 0; a < N; a += group) {
      const long b = std::min(group, N - a);
      auto gen = at::detail::createCPUGenerator(seed * 1000003ull + static_cast<std::uint64_t>(j) * 7919ull +
                                                static_cast<std::uint64_t>(a));
      auto tok = data.narrow(0, a, b);
      auto [e, c] = seq_risks(M.sampled_logits(mu, sigma, tok, gen), tok, clip);
      se += e.sum().item<double>();
      sc += c.sum().item<double>();
      r.units += M.bigram ? b : 1;
    }
  r.err = se / (static_cast<double>(N) * draws);
  r.cce = sc / (static_cast<double>(N) * draws);
  if (!M.bigram) r.units = draws * ((N + group - 1) / group);
  // GPT-Neo groups of unequal size would weight unequally; the last short group is the only one.
  return r;
}

std::pair<double, double> det_risks(const Model& M, const Tensor& theta, const Tensor& data, double clip) {
  torch::NoGradGuard ng;
  double se = 0, sc = 0;
  for (long a = 0; a < data.size(0); a += 4096) {
    auto tok = data.narrow(0, a, std::min<long>(4096, data.size(0) - a));
    auto [e, c] = seq_risks(M.logits(theta, tok), tok, clip);
    se += e.sum().item<double>();
    sc += c.sum().item<double>();
  }
  return {se / data.size(0), sc / data.size(0)};
}

Tensor batch_of(const Tensor& data, int batch, std::uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto idx = torch::randint(data.size(0), {std::min<long>(batch, data.size(0))}, gen,
                            torch::TensorOptions().dtype(torch::kLong));
  return data.index_select(0, idx.to(data.device()));
}

std::vector<double> to_vec(const Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

/// Sequences of T tokens drawn independently from the synthetic language (each from the
/// stationary law), so that the bound's i.i.d. assumption holds exactly.
Tensor iid_synthetic(int V, long n, int T, std::uint64_t seed) {
  const auto lang = MarkovLanguage::make(V, 0.5, 20260001);
  std::vector<std::int64_t> v;
  v.reserve(static_cast<std::size_t>(n) * T);
  for (long i = 0; i < n; ++i)
    for (auto x : lang.sample(static_cast<std::size_t>(T), seed * 1000003ull + static_cast<std::uint64_t>(i))) v.push_back(x);
  return torch::from_blob(v.data(), {n, T}, torch::kLong).clone();
}


}  // namespace

double torch_gaussian_kl(const std::vector<double>& mu, const std::vector<double>& sigma2,
                         const std::vector<double>& mu0, double prior_var) {
  auto f = [](const std::vector<double>& v) { return torch::tensor(v, torch::kFloat64); };
  auto m = f(mu);
  return kl_diag(m, f(sigma2), mu0.empty() ? torch::zeros_like(m) : f(mu0), prior_var).item<double>();
}

double synthetic_bayes_error(int vocab) {
  const auto lang = MarkovLanguage::make(vocab, 0.5, 20260001);
  double e = 0;
  for (int i = 0; i < vocab; ++i) {
    double mx = 0;
    for (int j = 0; j < vocab; ++j) mx = std::max(mx, lang.transition[static_cast<std::size_t>(i) * vocab + j]);
    e += lang.stationary[static_cast<std::size_t>(i)] * (1 - mx);
  }
  return e;
}

namespace detail {

RunOutcome run_pacbayes(const RunOptions& o, std::ostream& log) {
  const bool bigram = o.preset == "bigram" && o.config_file.empty();
  Setup S = make_setup(o, torch::kFloat32, bigram);
  if (S.dtype != torch::kFloat32 && S.dtype != torch::kFloat64)
    throw InputError("--dtype", "pacbayes trains in float32 or float64");
  if (o.prior != "data" && o.prior != "zero")
    throw InputError("--prior", "expected data|zero; got '" + o.prior + "'");
  if (o.objective != "classic" && o.objective != "quad" && o.objective != "lambda")
    throw InputError("--objective", "expected classic|quad|lambda; got '" + o.objective + "'");
  if (o.prior_var < 0 || !std::isfinite(o.prior_var)) throw InputError("--prior-var", "must be > 0 (0: s/λ)");
  if (o.mean_lambda < 0 || !std::isfinite(o.mean_lambda)) throw InputError("--mean-lambda", "must be > 0 (0: λ)");
  if (!(o.prior_fraction > 0 && o.prior_fraction < 1))
    throw InputError("--prior-fraction", fmt::format("must lie in (0, 1); got {}", o.prior_fraction));
  const std::string optimizer = o.optimizer.empty() ? "adam-l2" : o.optimizer;
  if (optimizer != "adam-l2" && optimizer != "sgd-l2")
    throw InputError("--optimizer", "pacbayes trains the prior mean with adam-l2 or sgd-l2 (weight decay λ as an L2 "
                                    "term); got '" + optimizer + "'");
  const bool synthetic = S.corpus.tokenizer == "synthetic";
  if (synthetic) {  // i.i.d. sequences (the corpus is one long chain)
    S.train = iid_synthetic(S.corpus.vocab, S.train.size(0), S.T, o.seed * 2 + 1).to(S.dev);
    S.test = iid_synthetic(S.corpus.vocab, S.test.size(0), S.T, o.seed * 2 + 2).to(S.dev);
  }
  Model M;
  M.bigram = bigram;
  M.cfg = S.cfg;
  M.V = S.cfg.vocab;
  M.d = bigram ? static_cast<std::int64_t>(M.V) * M.V : S.d;
  S.d = M.d;
  // Split: the prior part trains the prior mean; the bound part alone is counted in n.
  const long N = S.train.size(0);
  const long n_prior = o.prior == "data" ? static_cast<long>(std::floor(o.prior_fraction * N)) : 0;
  const long n_bound = N - n_prior;
  if (n_bound < 8 || (o.prior == "data" && n_prior < 1))
    throw InputError("--train-sequences", fmt::format("{} sequences leave {} for the prior and {} for the bound "
                                                      "(needs ≥ 1 and ≥ 8)", N, n_prior, n_bound));
  const Tensor prior_set = o.prior == "data" ? S.train.narrow(0, 0, n_prior) : S.train;
  const Tensor bound_set = S.train.narrow(0, n_prior, n_bound);

  const double clip = 2.0 * std::log(static_cast<double>(M.V));
  const double delta = 0.05;
  const long long certs = 2 * static_cast<long long>(o.lambdas.size());  // (λ values) × (0–1, clipped CE)
  const auto split = theory::delta_split(Wide(delta), certs, Wide("0.2"));
  const double delta_b = static_cast<double>(split.bound), delta_mc = static_cast<double>(split.mc);
  const long steps = o.steps > 0 ? o.steps : (o.quick ? 300 : 1000);
  const double lr = o.lr > 0 ? o.lr : (bigram ? 0.05 : 1e-2);
  const int batch = o.batch > 0 ? o.batch : 256;
  const int draws = o.quick ? std::min(o.samples, 4) : o.samples;
  const int rec_every = o.record_every > 0 ? o.record_every : static_cast<int>(std::max<long>(1, steps / 50));
  // The best constant predictor (most frequent next token of the prior/training part).
  double constant_err = 0;
  {
    auto tgt = prior_set.narrow(1, 1, S.T - 1).reshape(-1).cpu();
    const auto mode = torch::bincount(tgt, {}, M.V).argmax().item<std::int64_t>();
    constant_err = (S.test.narrow(1, 1, S.T - 1) != mode).to(torch::kFloat64).mean().item<double>();
  }
  const double bayes_err = synthetic ? synthetic_bayes_error(S.corpus.vocab) : std::nan("");

  RunOutcome out;
  Progress prog{o.progress};
  const auto opts = torch::TensorOptions().dtype(S.dtype).device(S.dev);
  // Weight decay enters twice: as the L2 weight of the trained mean and as the prior variance
  // s/λ (N(·, (s/λ)I) ∝ exp(−(λ/2s)‖θ‖²)); --prior-var / --mean-lambda fix one to measure the other.
  auto prior_var_of = [&](double lambda) { return o.prior_var > 0 ? o.prior_var : o.temperature / lambda; };
  auto mean_lambda_of = [&](double lambda) { return o.mean_lambda > 0 ? o.mean_lambda : lambda; };
  auto config = [&](std::size_t i) {
    nlohmann::json cfg = base_config(o, S, o.lambdas[i], o.lambda_texts[i]);
    cfg.update({{"optimizer", optimizer}, {"lr", lr}, {"steps", steps}, {"samples", draws}, {"record_every", rec_every},
                {"prior", o.prior}, {"prior_fraction", o.prior_fraction}, {"objective", o.objective},
                {"n_prior", n_prior}, {"n_bound", n_bound}, {"model_kind", bigram ? "bigram" : "gpt-neo"},
                {"prior_var", prior_var_of(o.lambdas[i])}, {"mean_lambda", mean_lambda_of(o.lambdas[i])}});
    return cfg;
  };
  // An interrupted λ is computed again from its start (deterministic seeds).
  for_each_lambda(o, S, out, log, config, [&](LambdaRun& run) {
    const double lambda = run.lambda;
    const double prior_var = prior_var_of(lambda), mean_lambda = mean_lambda_of(lambda);
    RunRecord& rec = *run.rec;  // pacbayes runs in one process (rank 0)
    const std::string label = fmt::format("[pacbayes λ={}]", run.text);
    const auto t0 = std::chrono::steady_clock::now();
    auto append = [&](const nlohmann::json& m) { run.append(m); };

    // 1. The mean: weight decay λ as the L2 term (λ/2)‖θ‖² on the prior part (data-dependent
    //    prior) or on the whole training set (data-free prior, whose centre stays 0).
    Tensor w = bigram ? torch::zeros({M.d}, opts) : init_theta(S.cfg, o.seed, S.dtype, S.dev);
    w.set_requires_grad(true);
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (optimizer == "adam-l2") opt = std::make_unique<torch::optim::Adam>(std::vector<Tensor>{w}, torch::optim::AdamOptions(lr).weight_decay(mean_lambda));
    else opt = std::make_unique<torch::optim::SGD>(std::vector<Tensor>{w}, torch::optim::SGDOptions(lr).weight_decay(mean_lambda));
    double last_F = 0, last_loss = 0;
    for (long k = 0; k <= steps; ++k) {
      if (cancelled(o)) break;
      opt->zero_grad();
      auto tok = batch_of(prior_set, batch, o.seed * 7919ull + k);
      auto lg = M.logits(w, tok);
      auto target = tok.narrow(1, 1, S.T - 1);
      auto loss = torch::nn::functional::cross_entropy(lg.reshape({-1, M.V}), target.reshape(-1));
      loss.backward();
      if (k % rec_every == 0 || k == steps) {
        torch::NoGradGuard ng;
        const double l = loss.item<double>(), n2 = w.to(torch::kFloat64).pow(2).sum().item<double>();
        if (!std::isfinite(l)) throw InputError("--lr", fmt::format("the loss became {} at step {} ({}): lower --lr", l, k, label));
        last_F = l + 0.5 * mean_lambda * n2;
        last_loss = l;
        append({{"step", k}, {"phase", "mean"}, {"loss", l}, {"F", last_F}, {"norm2", n2}});
      }
      prog.show(label + " mean", k, 2 * steps, "step");
      if (k < steps) opt->step();
    }
    // 2. The posterior N(μ, diag σ²), started at (w, σp²), trained on the bound part by
    //    minimising the bound objective with the clipped CE as the risk surrogate.
    const Tensor w_mean = w.detach().clone();
    const Tensor mu0 = o.prior == "data" ? w_mean : torch::zeros_like(w_mean);
    Tensor mu = w_mean.clone().set_requires_grad(true);
    Tensor rho = torch::full({M.d}, 0.5 * std::log(prior_var), opts).set_requires_grad(true);
    torch::optim::Adam post_opt(std::vector<Tensor>{mu, rho}, torch::optim::AdamOptions(lr * 0.2));
    Tensor lam = torch::ones({}, opts.dtype(torch::kFloat64));
    double last_obj = 0;
    for (long k = 0; k <= steps && !cancelled(o); ++k) {
      post_opt.zero_grad();
      auto tok = batch_of(bound_set, batch, o.seed * 104729ull + k);
      auto gen = at::detail::createCPUGenerator(o.seed * 15485863ull + k);
      auto sigma = rho.exp();
      auto [e, cce] = seq_risks(M.sampled_logits(mu, sigma, tok, gen), tok, clip);
      (void)e;
      auto r = cce.mean();
      auto kl = kl_diag(mu.to(torch::kFloat64), sigma.pow(2).to(torch::kFloat64), mu0.to(torch::kFloat64), prior_var);
      const double nb = static_cast<double>(n_bound);
      Tensor obj = o.objective == "classic" ? theory::objective_classic(r, kl, nb, delta_b)
                   : o.objective == "quad"  ? theory::objective_quad(r, kl, nb, delta_b)
                                            : theory::objective_lambda(r, kl, nb, delta_b, lam);
      obj.backward();
      if (o.objective == "lambda" && k % 10 == 0) {  // Thiemann et al.: alternate with the optimal λ
        torch::NoGradGuard ng;
        lam = theory::objective_lambda_optimum(r.detach(), kl.detach(), nb, delta_b).clamp(1e-4, 1.0);
      }
      last_obj = obj.item<double>();
      if (k % rec_every == 0 || k == steps)
        append({{"step", steps + 1 + k}, {"phase", "posterior"}, {"objective", last_obj}, {"risk_surrogate", r.item<double>()},
                {"kl", kl.item<double>()}, {"loss", r.item<double>()}, {"F", last_F}});
      prog.show(label + " posterior", steps + k, 2 * steps, "step", fmt::format("objective {:.4f}", last_obj));
      if (k < steps) post_opt.step();
    }
    if (cancelled(o)) {
      prog.done();
      return false;
    }
    // 3. Certificate: Monte Carlo risks on the bound part and on the test set (fresh draws).
    prog.show(label + " certificate", 0, 0, "");
    const Tensor mu_f = mu.detach(), sigma_f = rho.detach().exp();
    const Risks tr = mc_risks(M, mu_f, sigma_f, bound_set, draws, o.seed * 31 + 1, clip);
    const Risks te = mc_risks(M, mu_f, sigma_f, S.test, draws, o.seed * 31 + 2, clip);
    const auto det = det_risks(M, mu_f, S.test, clip);
    const auto mu_v = to_vec(mu_f), s2_v = to_vec(sigma_f.pow(2)), mu0_v = to_vec(mu0);
    const Wide nW(static_cast<double>(n_bound));
    PacBayesSummary sum;
    PacBayesCertificate* certificate_of[2] = {&sum.zero_one, &sum.clipped_ce};
    // KL against each candidate prior variance (50-digit sums, once per candidate).
    const int J = o.prior == "zero" ? 40 : 0;
    std::vector<double> pvs;
    std::vector<Wide> kls;
    for (int j = 0; j <= J; ++j) {
      pvs.push_back(j == 0 ? prior_var : 2.0 * std::pow(2.0, -(j - 1) / 2.0));
      kls.push_back(theory::gaussian_kl(mu_v, s2_v, mu0_v, Wide(pvs.back())));
    }
    for (int l = 0; l < 2; ++l) {
      const double emp = l == 0 ? tr.err : tr.cce, test_q = l == 0 ? te.err : te.cce;
      // Data-dependent prior: σp² = s/λ, one certificate. Data-free: the best of the fixed grid
      // σp²_j = 2·2^{−(j−1)/2} (j = 1..40) with δ_j = 6δ_b/(π² j²), the coupled s/λ as j = 0.
      theory::Certificate best;
      best.bound = 2;
      double best_pv = prior_var, best_kl = 0;
      int best_j = 0;
      for (int j = 0; j <= J; ++j) {
        const Wide dj = o.prior == "zero" ? theory::prior_grid_delta(split.bound, j + 1) : split.bound;
        const auto c = theory::seeger_certificate(Wide(emp), tr.units, split.mc, kls[j], nW, dj);
        if (c.bound < best.bound) { best = c; best_pv = pvs[j]; best_kl = static_cast<double>(kls[j]); best_j = j; }
      }
      const double cert = static_cast<double>(best.bound);
      const Wide rhs = best.rhs;
      const double mcal = static_cast<double>(best.train_risk_upper + sqrt(rhs / 2));
      double mean_s2 = 0;
      for (double v : s2_v) mean_s2 += v / static_cast<double>(s2_v.size());
      PacBayesCertificate& c = *certificate_of[l];
      c.certificate = cert;
      c.mcallester = mcal;
      c.test_risk_Q = test_q;
      c.test_risk_deterministic = l == 0 ? det.first : det.second;
      c.train_risk_mc = emp;
      c.train_risk_upper = static_cast<double>(best.train_risk_upper);
      c.kl = best_kl;
      c.n_bound = n_bound;
      c.rhs = static_cast<double>(rhs);
      c.posterior_var = mean_s2;
      c.prior_var = best_pv;
      c.prior_index = best_j;
      c.bounds_above_test = cert >= test_q;
    }
    sum.lambda = lambda;
    sum.d = M.d;
    sum.n_bound = n_bound;
    sum.n_prior = n_prior;
    sum.delta = delta;
    sum.certificates = certs;
    sum.delta_bound = delta_b;
    sum.delta_mc = delta_mc;
    sum.samples = draws;
    sum.mc_units = tr.units;
    sum.clip = clip;
    sum.prior = o.prior;
    sum.prior_var = prior_var;
    sum.mean_lambda = mean_lambda;
    sum.objective = o.objective;
    sum.objective_final = last_obj;
    sum.posterior_mean_dist2 = (mu_f - mu0).pow(2).sum().item<double>();
    sum.constant_predictor_test_error = constant_err;
    if (synthetic) sum.bayes_error = bayes_err;
    sum.final_loss = last_loss;
    sum.final_F = last_F;
    sum.final_norm2 = w_mean.to(torch::kFloat64).pow(2).sum().item<double>();
    sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    prog.done();
    rec.write_summary(to_json(sum));
    out.summaries.push_back(sum);
    log << fmt::format("λ={}: 0–1 certificate {:.4f} ≥ test error of Q {:.4f} (train {:.4f}, KL {:.1f}, n_bound {}); "
                       "clipped CE {:.4f} ≥ {:.4f}\n",
                       run.text, sum.zero_one.certificate, te.err, tr.err, sum.zero_one.kl, n_bound,
                       sum.clipped_ce.certificate, te.cce);
    return true;
  });
  return out;
}

}  // namespace detail
}  // namespace villani::experiments
