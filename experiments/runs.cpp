// villani run psi|spectrum|sgld|pacbayes|train (issue 6). See runs.hpp and docs/experiments.md.
#include "experiments/runs.hpp"

#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <unistd.h>

#include "experiments/data.hpp"
#include "experiments/fit.hpp"
#include "experiments/gpt_neo.hpp"
#include "experiments/run_record.hpp"
#include "experiments/formats.hpp"
#include "experiments/spectrum.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/torch/torch_objective.hpp"
#include "theory/pac_bayes.hpp"

namespace villani::experiments {

namespace fs = std::filesystem;
namespace ta = villani::numerics::torch_adapter;

namespace {

std::atomic<bool> g_stop{false};
void (*g_prev_handler)(int) = nullptr;
void experiments_on_sigint(int sig) {
  if (g_stop.exchange(true)) _exit(130);  // second Ctrl-C: leave at once
  // Let an outer handler (villani reproduce) know too.
  if (g_prev_handler && g_prev_handler != SIG_DFL && g_prev_handler != SIG_IGN) g_prev_handler(sig);
}
struct SigGuard {
  void (*prev)(int);
  SigGuard() {
    g_stop = false;
    prev = std::signal(SIGINT, experiments_on_sigint);
    g_prev_handler = prev;
  }
  ~SigGuard() { std::signal(SIGINT, prev); }
};

// Progress goes to the caller's ProgressFn (cli/progress.hpp shows it); this layer never prints.
struct Progress {
  const ProgressFn& fn;
  void show(const std::string& task, long done, long total, const char* unit, std::string detail = {}) {
    progress_update(fn, task, done, total, unit, std::move(detail));
  }
  void done() { progress_end(fn); }
};


torch::Dtype resolve_dtype(const std::string& t, torch::Dtype dflt, const torch::Device& dev) {
  if (t == "auto") return dflt;
  if (t == "float32") return torch::kFloat32;
  if (t == "float64") return torch::kFloat64;
  if (t == "bfloat16") {
    if (!dev.is_cuda()) throw InputError("--dtype", "bfloat16 is supported on CUDA only");
    return torch::kBFloat16;
  }
  throw InputError("--dtype", "expected auto|float32|float64|bfloat16; got '" + t + "'");
}
const char* dtype_name(torch::Dtype t) {
  return t == torch::kFloat64 ? "float64" : t == torch::kBFloat16 ? "bfloat16" : "float32";
}

struct Setup {
  ModelConfig cfg;
  Corpus corpus;
  torch::Device dev = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  torch::Tensor train, test;  // [N, T] int64 on dev
  int T = 0;
  std::int64_t d = 0;
};

torch::Tensor chunks(const std::vector<std::int32_t>& toks, long n, int T, const torch::Device& dev) {
  const long avail = static_cast<long>(toks.size()) / T;
  const long m = std::min(n, avail);
  if (m < 1) throw InputError("--data", "corpus too small for one sequence of " + std::to_string(T) + " tokens");
  std::vector<std::int64_t> v(static_cast<std::size_t>(m) * T);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = toks[i];
  return torch::from_blob(v.data(), {m, T}, torch::kLong).clone().to(dev);
}

Setup make_setup(const RunOptions& o, torch::Dtype dflt) {
  Setup S;
  S.dev = resolve_device(o.device);
  S.dtype = resolve_dtype(o.dtype, dflt, S.dev);
  S.cfg = o.config_file.empty() ? model_preset(o.preset) : model_from_hf_config(o.config_file);
  if (o.seq < 2) throw InputError("--seq", "sequence length must be >= 2; got " + std::to_string(o.seq));
  if (o.train_sequences < 0) throw InputError("--train-sequences", "must be >= 1");
  long ntrain = o.train_sequences;
  if (ntrain == 0)
    ntrain = o.kind == "sgld" ? 16 : o.kind == "pacbayes" ? (o.quick ? 128 : 256) : o.kind == "train" ? 512 : 8;
  if (o.seq > S.cfg.max_positions)
    throw InputError("--seq", "sequence length " + std::to_string(o.seq) + " exceeds the model's " +
                                  std::to_string(S.cfg.max_positions) + " positions (max_position_embeddings)");
  S.T = o.seq;
  const std::size_t want = static_cast<std::size_t>(std::max(ntrain, 4 * o.test_sequences)) * S.T;
  S.corpus = load_corpus(o.data, want, o.seed, o.bpe);
  if (S.cfg.vocab == 0) S.cfg.vocab = S.corpus.vocab;
  if (S.cfg.vocab < S.corpus.vocab)
    throw InputError("--data", "the data's vocabulary (" + std::to_string(S.corpus.vocab) +
                                   ") exceeds the model's (" + std::to_string(S.cfg.vocab) + ")");
  S.cfg.validate(o.config_file.empty() ? "--preset" : "--config");
  {  // Activations of one forward/backward: logits [B, T, V] and per-layer [B, T, D] tensors.
    const double B = o.batch > 0 ? double(o.batch) * o.accum : double(ntrain);
    const double acts = B * S.T * (double(S.cfg.vocab) + S.cfg.layers * (16.0 * S.cfg.hidden + double(S.cfg.heads) * S.T));
    check_memory(o.batch > 0 ? "--batch" : "--train-sequences", 8 * 3 * acts,
                 fmt::format("one step on {} sequences of {} tokens", B, S.T));
  }
  S.train = chunks(S.corpus.train, ntrain, S.T, S.dev);
  S.test = chunks(S.corpus.test, o.test_sequences, S.T, S.dev);
  S.d = param_count(S.cfg);
  return S;
}

torch::Tensor initial_theta(const Setup& S, const RunOptions& o) {
  if (!o.weights_file.empty()) return load_safetensors(o.weights_file, S.cfg, S.dtype).to(S.dev);
  return init_theta(S.cfg, o.seed, S.dtype, S.dev);
}

nlohmann::json base_config(const RunOptions& o, const Setup& S, double lambda, const std::string& lambda_text) {
  return {{"kind", o.kind},
          {"model", S.cfg.to_json()},
          {"d", S.d},
          {"data", o.data},
          {"corpus", S.corpus.name},
          {"tokenizer", S.corpus.tokenizer},
          {"entropy_rate", S.corpus.entropy_rate ? nlohmann::json(*S.corpus.entropy_rate) : nlohmann::json()},
          {"weights", o.weights_file},
          {"lambda", lambda},
          {"lambda_text", lambda_text},
          {"temperature", o.temperature},
          {"seed", o.seed},
          {"seq", S.T},
          {"train_sequences", S.train.size(0)},
          {"test_sequences", S.test.size(0)},
          {"batch", o.batch},
          {"accum", o.accum},
          {"dtype", dtype_name(S.dtype)},
          {"device", S.dev.is_cuda() ? "cuda" : "cpu"},
          {"quick", o.quick}};
}

nlohmann::json hardware(const Setup& S) {
  auto h = host_info();
  h["device"] = S.dev.is_cuda() ? "cuda" : "cpu";
  h["torch_version"] = TORCH_VERSION;
  h["torch_threads"] = torch::get_num_threads();
  h["cuda_available"] = torch::cuda::is_available();
  return h;
}

std::string lambda_dir(const RunOptions& o, std::size_t i) { return o.out + "/lambda=" + o.lambda_texts.at(i); }

void save_checkpoint(const RunRecord& rec, const torch::Tensor& theta, long step,
                     torch::optim::Optimizer* opt) {
  const std::string p = rec.path("checkpoint.pt");
  std::vector<torch::Tensor> v{theta.detach().to(torch::kCPU).clone(), torch::tensor(static_cast<std::int64_t>(step))};
  torch::save(v, p + ".tmp");
  if (opt) {
    torch::save(*opt, rec.path("optimizer.pt.tmp"));
    fs::rename(rec.path("optimizer.pt.tmp"), rec.path("optimizer.pt"));
  }
  fs::rename(p + ".tmp", p);
}

/// Training / sampling loop on a flat θ with checkpoints and records.
struct LoopSpec {
  std::string optimizer;  // sgld | sgd | sgd-l2 | adam-l2 | adamw
  double lambda = 0, lr = 0, temperature = 0;
  long steps = 0;
  int record_every = 1;
  std::string label;
};

struct LoopResult {
  bool interrupted = false;
  torch::Tensor theta;
};

LoopResult run_loop(const Setup& S, const RunOptions& o, RunRecord& rec, const LoopSpec& L, Progress& prog) {
  GptNeo model(S.cfg, initial_theta(S, o));
  torch::Tensor& theta = model->theta;
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (L.optimizer == "sgd") opt = std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(L.lr));
  else if (L.optimizer == "sgd-l2")
    opt = std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(L.lr).weight_decay(L.lambda));
  else if (L.optimizer == "adam-l2")
    opt = std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(L.lr).weight_decay(L.lambda));
  else if (L.optimizer == "adamw")
    opt = std::make_unique<torch::optim::AdamW>(model->parameters(), torch::optim::AdamWOptions(L.lr).weight_decay(L.lambda));
  else if (L.optimizer != "sgld")
    throw InputError("--optimizer", "expected sgd|sgd-l2|adam-l2|adamw|sgld; got '" + L.optimizer + "'");

  long k0 = 0;
  if (o.resume && fs::exists(rec.path("checkpoint.pt"))) {
    std::vector<torch::Tensor> v;
    try {
      torch::load(v, rec.path("checkpoint.pt"));
    } catch (const std::exception& e) {
      const std::string w = e.what();
      throw InputError("--resume", "checkpoint '" + rec.path("checkpoint.pt") + "' is unreadable (" +
                                       w.substr(0, w.find('\n')) +
                                       "); delete it (and optimizer.pt) to run this λ again from step 0 "
                                       "(recorded steps are kept)");
    }
    if (v.size() != 2 || v[0].numel() != S.d || v[1].numel() != 1)
      throw InputError("--resume", "checkpoint in '" + rec.dir() + "' does not match the model");
    {
      torch::NoGradGuard ng;
      theta.copy_(v[0].to(S.dev, S.dtype));
    }
    k0 = v[1].item<std::int64_t>();
    // The first step still to record; a checkpoint beyond it (its metrics line was torn and
    // dropped) would skip that step for good: replay from θ0 instead (exact: noise and batches
    // are seeded by the step, recorded steps are not appended again).
    std::int64_t next = rec.last_step() + 1;
    while (next % L.record_every != 0 && next < L.steps) ++next;
    if (k0 < 0 || k0 > L.steps || k0 > next) {
      std::cerr << "villani: checkpoint of '" << rec.dir() << "' is at step " << k0 << " but the record ends at step "
                << rec.last_step() << "; replaying from step 0 so that no step is missing\n";
      GptNeo fresh(S.cfg, initial_theta(S, o));
      torch::NoGradGuard ng;
      theta.copy_(fresh->theta);
      k0 = 0;
    } else if (opt && fs::exists(rec.path("optimizer.pt"))) {
      try {
        torch::load(*opt, rec.path("optimizer.pt"));
      } catch (const std::exception& e) {
        const std::string w = e.what();
        throw InputError("--resume", "optimizer state '" + rec.path("optimizer.pt") + "' is unreadable (" +
                                         w.substr(0, w.find('\n')) + "); delete it and checkpoint.pt to run this λ "
                                         "again from step 0 (recorded steps are kept)");
      }
    }
  }
  const double sq = std::sqrt(2.0 * L.lr * L.temperature);
  const long n = S.train.size(0);
  double last_norm2 = std::numeric_limits<double>::quiet_NaN();
  for (long k = k0;; ++k) {
    if (g_stop) {
      save_checkpoint(rec, theta, k, opt.get());
      return {true, theta.detach()};
    }
    // Loss and gradient at θ_k (full training set, or micro-batches with accumulation).
    if (theta.grad().defined()) theta.mutable_grad().zero_();
    double loss = 0;
    if (o.batch <= 0) {
      auto l = model->loss(S.train);
      l.backward();
      loss = l.item<double>();
    } else {
      for (int j = 0; j < o.accum; ++j) {
        auto gen = at::detail::createCPUGenerator(o.seed * 1000003ull + static_cast<std::uint64_t>(k) * 131ull + j);
        auto idx = torch::randint(n, {std::min<long>(o.batch, n)}, gen, torch::TensorOptions().dtype(torch::kLong)).to(S.dev);
        auto l = model->loss(S.train.index_select(0, idx)) / o.accum;
        l.backward();
        loss += l.item<double>();
      }
    }
    if (k % L.record_every == 0 || k == L.steps) {
      torch::NoGradGuard ng;
      const double norm2 = theta.to(torch::kFloat64).pow(2).sum().item<double>();
      const auto gF = theta.grad().to(torch::kFloat64) + L.lambda * theta.to(torch::kFloat64);
      nlohmann::json m = {{"step", k},
                          {"t", k * L.lr},
                          {"loss", loss},
                          {"F", loss + 0.5 * L.lambda * norm2},
                          {"norm2", norm2},
                          {"grad_norm", gF.norm().item<double>()}};
      if (!std::isfinite(loss)) {
        save_checkpoint(rec, theta, k, opt.get());
        // SGLD's noise √(2ηs) per step: when it is the larger push, the temperature drove it.
        // (a per-coordinate noise of 1 or more is far beyond weights of size 0.02).
        const double gnorm = gF.norm().item<double>();
        // Blame the temperature only when it alone makes the noise large (at a sane step 0.05).
        const bool noise = L.optimizer == "sgld" && std::sqrt(2.0 * std::min(L.lr, 0.05) * L.temperature) >= 1;
        (void)gnorm;
        const std::string arg = noise ? "--temperature" : "--lr";
        throw InputError(arg, fmt::format("the loss became {} at step {} ({}{}): lower {}", loss, k, L.label,
                                          noise ? fmt::format(", noise √(2ηs) = {:.3g} per step", sq) : "", arg));
      }
      if ((k / L.record_every) % 10 == 0 || k == L.steps)
        m["test_loss"] = gpt_neo_loss(S.cfg, theta, S.test).item<double>();
      if (k > rec.last_step()) rec.append(m);
      // Checkpoints every 20 records (replay from a checkpoint is exact: the noise of step k is
      // seeded by k, and steps already recorded are not appended again).
      if (k != k0 && (k / L.record_every) % 20 == 0) save_checkpoint(rec, theta, k, opt.get());
      last_norm2 = norm2;
    }
    prog.show(L.label, k, L.steps, "step", fmt::format("loss {:.4f} ‖θ‖² {:.4g}", loss, last_norm2));
    if (k >= L.steps) break;
    if (L.optimizer == "sgld") {
      torch::NoGradGuard ng;
      auto gen = at::detail::createCPUGenerator(o.seed * 7919ull + static_cast<std::uint64_t>(k) + 1);
      auto xi = torch::randn({S.d}, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(S.dev, S.dtype);
      theta.add_(theta.grad() + L.lambda * theta, -L.lr).add_(xi, sq);
    } else {
      opt->step();
    }
  }
  save_checkpoint(rec, theta, L.steps, opt.get());
  return {false, theta.detach()};
}

nlohmann::json fit_json(const ExpFit& f) {
  return {{"ok", f.ok}, {"why", f.why}, {"rate", f.rate}, {"rate_lo", f.rate_lo}, {"rate_hi", f.rate_hi},
          {"asymptote", f.asymptote}, {"amplitude", f.amplitude}, {"r2", f.r2}, {"n", f.n}};
}

nlohmann::json fits_of(const RunRecord& rec) {
  std::vector<double> t, n2, l;
  for (const auto& m : rec.metrics()) {
    t.push_back(m.at("t").get<double>());
    n2.push_back(m.at("norm2").get<double>());
    l.push_back(m.at("loss").get<double>());
  }
  return {{"norm2", fit_json(fit_exponential(t, n2))}, {"loss", fit_json(fit_exponential(t, l))}};
}

// Extreme eigenvalues of ∇²L on the training set at θ, float64, with the Torch adapter.
nlohmann::json hessian_extremes(const ModelConfig& cfg, const torch::Tensor& theta, const torch::Tensor& tokens,
                                std::uint64_t seed, bool quick) {
  auto th = theta.detach().to(torch::kFloat64);
  ta::TorchOptions to;
  to.dtype = torch::kFloat64;
  to.device = th.device();
  auto tok = tokens;
  ta::TorchObjective obj([cfg, tok](const torch::Tensor& x) { return gpt_neo_loss(cfg, x, tok); }, th.numel(), to,
                         "gpt-neo");
  const auto x = ta::TorchObjective::to_vec(th);
  const auto top = hessian_extreme(obj, x, "top", seed, 1e-6, 20, quick ? 4 : 10);
  const auto bot = hessian_extreme(obj, x, "bottom", seed, 1e-4, 20, quick ? 4 : 10);
  return {{"top", top.value},       {"top_converged", top.converged}, {"bottom", bot.value},
          {"bottom_converged", bot.converged}, {"hvps", top.hvps + bot.hvps},
          {"note", "Lanczos Ritz values of ∇²L at the final point (an estimate of the local curvature, not a global bound)"}};
}

RunRecord open_record(const std::string& dir, const nlohmann::json& cfg, const RunOptions& o, const Setup& S,
                      bool& already_done) {
  already_done = false;
  if (o.resume && fs::exists(dir + "/summary.json")) {
    // Done only when the summary says so and every line of its metrics is whole; a torn last
    // line reopens the run (RunRecord::open drops it and the step is computed again).
    const MetricsFile mf = read_metrics_file(dir + "/metrics.jsonl", "--resume");
    if (mf.torn_line == 0) {
      const auto j = RunRecord::load(dir);
      if (j.contains("summary") && j["summary"].value("complete", false)) already_done = true;
    }
  }
  const bool resume = o.resume && fs::exists(dir + "/config.json");
  RunRecord rec = RunRecord::open(dir, cfg, resume);
  if (!resume) rec.write_hardware(hardware(S));
  return rec;
}

// ---------------------------------------------------------------------------------------------

RunOutcome run_sgld_like(const RunOptions& o, std::ostream& log, bool sgld) {
  Setup S = make_setup(o, torch::kFloat32);
  RunOutcome out;
  Progress prog{o.progress};
  const std::string optimizer = sgld ? "sgld" : (o.optimizer.empty() ? "adamw" : o.optimizer);
  const double lr = o.lr > 0 ? o.lr : (optimizer == "sgld" || optimizer == "sgd" || optimizer == "sgd-l2" ? 0.05 : 3e-3);
  for (std::size_t i = 0; i < o.lambdas.size(); ++i) {
    if (g_stop) { out.interrupted = true; break; }
    const double lambda = o.lambdas[i];
    long steps = o.steps;
    if (steps <= 0) {
      if (sgld) {
        // Three relaxation times of ‖θ‖² under the regularizer alone (rate 2λ): t = 3/λ.
        const long cap = o.quick ? 1500 : 6000;
        steps = std::clamp<long>(static_cast<long>(std::ceil(3.0 / (lambda * lr))), 400, cap);
      } else {
        steps = o.quick ? 200 : 1000;
      }
    }
    const int rec_every = o.record_every > 0 ? o.record_every : static_cast<int>(std::max<long>(1, steps / 300));
    nlohmann::json cfg = base_config(o, S, lambda, o.lambda_texts[i]);
    cfg["optimizer"] = optimizer;
    cfg["lr"] = lr;
    cfg["steps"] = steps;
    cfg["record_every"] = rec_every;
    const std::string dir = lambda_dir(o, i);
    bool done = false;
    RunRecord rec = open_record(dir, cfg, o, S, done);
    out.records.push_back(dir);
    if (done) {
      log << "λ=" << o.lambda_texts[i] << ": already complete in " << dir << "\n";
      continue;
    }
    LoopSpec L{optimizer, lambda, lr, sgld ? o.temperature : 0.0, steps, rec_every,
               fmt::format("[{} λ={}]", o.kind, o.lambda_texts[i])};
    prog.show(L.label + " preparing", 0, 0, "");
    const auto t0 = std::chrono::steady_clock::now();
    LoopResult r = run_loop(S, o, rec, L, prog);
    prog.done();
    if (r.interrupted) {
      out.interrupted = true;
      log << "interrupted at λ=" << o.lambda_texts[i] << "; resume with --resume (record: " << dir << ")\n";
      break;
    }
    nlohmann::json sum;
    sum["complete"] = true;
    sum["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sum["lambda"] = lambda;
    sum["temperature"] = sgld ? o.temperature : 0.0;
    sum["lr"] = lr;
    sum["steps"] = steps;
    sum["d"] = S.d;
    const auto& last = rec.metrics().back();
    sum["final_loss"] = last.at("loss");
    sum["final_norm2"] = last.at("norm2");
    {
      auto [ce, err] = gpt_neo_per_sequence(S.cfg, r.theta, S.test);
      sum["test_ce"] = ce.mean().item<double>();
      sum["test_token_error"] = err.mean().item<double>();
    }
    if (S.corpus.entropy_rate) sum["entropy_rate"] = *S.corpus.entropy_rate;
    sum["fits"] = fits_of(rec);
    // Curvature estimate for the Bakry–Émery comparison (SGLD only: L is the full-batch loss there).
    if (sgld && S.d <= 2000000) sum["hessian_L"] = hessian_extremes(S.cfg, r.theta, S.train, o.seed, o.quick);
    rec.write_summary(sum);
    out.summaries.push_back(sum);
    const auto& fn = sum["fits"]["norm2"];
    log << fmt::format("λ={}: {} steps, final loss {:.4f}, test CE {:.4f}, ‖θ‖² rate {:.4g}{} ({:.1f} s)\n",
                       o.lambda_texts[i], steps, sum["final_loss"].get<double>(), sum["test_ce"].get<double>(),
                       fn["rate"].get<double>(), fn["ok"].get<bool>() ? "" : " (" + fn["why"].get<std::string>() + ")",
                       sum["seconds"].get<double>());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

RunOutcome run_spectrum(const RunOptions& o, std::ostream& log) {
  RunOutcome out;
  RunOptions q = o;
  Setup S = make_setup(q, torch::kFloat64);
  if (S.dtype != torch::kFloat64) log << "note: the λ-shift check is specified in float64; running in " << dtype_name(S.dtype) << "\n";
  nlohmann::json cfg = base_config(o, S, 0, "");
  cfg.erase("lambda");
  cfg.erase("lambda_text");
  cfg["lambdas"] = o.lambdas;
  bool done = false;
  RunRecord rec = open_record(o.out, cfg, o, S, done);
  out.records.push_back(o.out);
  if (done) return out;
  auto theta = initial_theta(S, o);
  ta::TorchOptions to;
  to.dtype = S.dtype;
  to.device = S.dev;
  const auto cfgm = S.cfg;
  const auto tok = S.train;
  ta::TorchObjective Lobj([cfgm, tok](const torch::Tensor& x) { return gpt_neo_loss(cfgm, x, tok); }, S.d, to, "L");
  const auto x = ta::TorchObjective::to_vec(theta);
  const double loss_at_x = Lobj.value(x);
  Progress prog{o.progress};
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < o.lambdas.size(); ++i) {
    if (g_stop) { out.interrupted = true; break; }
    if (static_cast<long>(i) <= rec.last_step()) { rows.push_back(rec.metrics().at(i)); continue; }
    const double lambda = o.lambdas[i];
    const long n_runs = 4 * static_cast<long>(o.lambdas.size());
    auto lanczos = [&](int j, const char* what) {
      prog.show("[spectrum]", 4 * static_cast<long>(i) + j, n_runs, "Lanczos run",
                fmt::format("λ={} {}", o.lambda_texts[i], what));
    };
    lanczos(0, "top of ∇²L");
    ta::TorchObjective Fobj(
        [cfgm, tok, lambda](const torch::Tensor& th) { return gpt_neo_loss(cfgm, th, tok) + 0.5 * lambda * th.pow(2).sum(); },
        S.d, to, "F");
    const int it = o.quick ? 20 : 60;
    const auto t_start = std::chrono::steady_clock::now();
    const auto tL = hessian_extreme(Lobj, x, "top", o.seed, 1e-10, 0, it);
    lanczos(1, "top of ∇²F");
    const auto tF = hessian_extreme(Fobj, x, "top", o.seed, 1e-10, 0, it);
    lanczos(2, "bottom of ∇²L");
    const auto bL = hessian_extreme(Lobj, x, "bottom", o.seed, 1e-8, 0, it);
    lanczos(3, "bottom of ∇²F");
    const auto bF = hessian_extreme(Fobj, x, "bottom", o.seed, 1e-8, 0, it);
    const double st = tF.value - tL.value, sb = bF.value - bL.value;
    nlohmann::json m = {{"step", static_cast<long>(i)},
                        {"lambda", lambda},
                        {"top_L", tL.value},
                        {"top_F", tF.value},
                        {"top_shift", st},
                        {"top_rel_err", std::abs(st - lambda) / lambda},
                        {"top_converged", tL.converged && tF.converged},
                        {"bottom_L", bL.value},
                        {"bottom_F", bF.value},
                        {"bottom_shift", sb},
                        {"bottom_rel_err", std::abs(sb - lambda) / lambda},
                        {"bottom_converged", bL.converged && bF.converged},
                        {"top_residual_L", tL.residual},
                        {"bottom_residual_L", bL.residual},
                        {"loss_L", loss_at_x},
                        {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()},
                        {"hvps", tL.hvps + tF.hvps + bL.hvps + bF.hvps}};
    m["shift_ok"] = m["top_rel_err"].get<double>() <= 1e-6;
    rec.append(m);
    rows.push_back(m);
    prog.done();
    log << fmt::format("λ={}: L {:.8g}; top ∇²L {:.10g} (± {:.2g}), top ∇²F {:.10g}, shift {:.10g} (rel. err {:.2e}); "
                       "bottom ∇²L {:.6g}, ∇²F {:.6g}; {} HVPs, {:.3g} s\n",
                       o.lambda_texts[i], loss_at_x, tL.value, tL.residual, tF.value, st, std::abs(st - lambda) / lambda,
                       bL.value, bF.value, m["hvps"].get<long>(), m["seconds"].get<double>());
  }
  prog.done();
  if (!out.interrupted) {
    nlohmann::json sum = {{"complete", true}, {"rows", rows}, {"d", S.d}, {"dtype", dtype_name(S.dtype)}};
    bool all = true;
    for (const auto& r : rows) all = all && r.value("shift_ok", false);
    sum["all_shift_ok"] = all;
    rec.write_summary(sum);
    out.summaries.push_back(sum);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PAC-Bayes (THEORY.md §5).

struct PerSeq {
  torch::Tensor err, cce;  // [N] each, float64 CPU
};
PerSeq per_seq(const ModelConfig& cfg, const torch::Tensor& theta, const torch::Tensor& tokens, double clip) {
  torch::NoGradGuard ng;
  const std::int64_t T = tokens.size(1);
  auto logits = gpt_neo_logits(cfg, theta, tokens.narrow(1, 0, T - 1)).to(torch::kFloat64);
  auto target = tokens.narrow(1, 1, T - 1);
  auto ce = -torch::log_softmax(logits, -1).gather(-1, target.unsqueeze(-1)).squeeze(-1);
  PerSeq p;
  p.err = (logits.argmax(-1) != target).to(torch::kFloat64).mean(1).cpu();
  p.cce = (ce.clamp_max(clip) / clip).mean(1).cpu();
  return p;
}

nlohmann::json pac_bayes_bounds(const Setup& S, const torch::Tensor& w, int samples, std::uint64_t seed,
                                Progress& prog, const std::string& label) {
  const double delta = 0.05, delta_mc = 0.01, delta_b = delta - delta_mc;
  const double clip = 2.0 * std::log(static_cast<double>(S.cfg.vocab));
  std::vector<double> post;  // posterior variances (any data-dependent choice is allowed)
  for (int k = 0; k <= 10; ++k) post.push_back(std::pow(10.0, -1.0 - 0.5 * k));
  const int J = 40;  // prior grid σp²_j = 2·2^{−(j−1)/2}, j = 1..J (fixed before seeing data)
  const std::int64_t n = S.train.size(0);
  std::vector<double> wv;
  {
    auto wc = w.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    wv.assign(wc.data_ptr<double>(), wc.data_ptr<double>() + wc.numel());
  }
  const PerSeq det_test = per_seq(S.cfg, w, S.test, clip);
  nlohmann::json res;
  const char* names[2] = {"zero_one", "clipped_ce"};
  struct Best {
    double seeger = 2, catoni = 2, mcallester = 1e300;
    nlohmann::json at_seeger, at_catoni;
  } best[2];
  for (std::size_t a = 0; a < post.size(); ++a) {
    const double s2 = post[a];
    double tr[2] = {0, 0}, te[2] = {0, 0};
    for (int m = 0; m < samples; ++m) {
      auto gen = at::detail::createCPUGenerator(seed * 100003ull + a * 1009ull + m);
      auto eps = torch::randn({S.d}, gen, torch::TensorOptions().dtype(torch::kFloat64)).to(S.dev, w.scalar_type());
      auto th = w + std::sqrt(s2) * eps;
      const PerSeq ptr = per_seq(S.cfg, th, S.train, clip), pte = per_seq(S.cfg, th, S.test, clip);
      tr[0] += ptr.err.mean().item<double>();
      tr[1] += ptr.cce.mean().item<double>();
      te[0] += pte.err.mean().item<double>();
      te[1] += pte.cce.mean().item<double>();
      prog.show(label + " PAC-Bayes", static_cast<long>(a) * samples + m + 1, static_cast<long>(post.size()) * samples,
                "sample", fmt::format("σ²={:.1e}", s2));
    }
    for (int l = 0; l < 2; ++l) {
      const double emp = tr[l] / samples;
      // Sample convergence (Langford–Caruana): R̂_Q ≤ kl⁻¹(R̂_m, ln(|grid|/δ_mc)/m).
      const Wide emp_up = theory::kl_inverse_upper(Wide(emp), Wide(std::log(post.size() / delta_mc) / samples));
      for (int j = 1; j <= J; ++j) {
        const double pv = 2.0 * std::pow(2.0, -(j - 1) / 2.0);
        const Wide kl = theory::gaussian_kl_isotropic(wv, s2, {}, Wide(pv));
        const Wide dj = theory::prior_grid_delta(Wide(delta_b), j);
        const auto mb = theory::maurer_bound(emp_up, kl, Wide(static_cast<double>(n)), dj);
        const double seeger = static_cast<double>(mb.seeger), mcal = static_cast<double>(mb.mcallester);
        nlohmann::json at = {{"posterior_var", s2},  {"prior_var", pv}, {"prior_index", j},
                             {"kl", static_cast<double>(kl)}, {"train_risk_mc", emp},
                             {"train_risk_upper", static_cast<double>(emp_up)}, {"test_risk_mc", te[l] / samples}};
        if (seeger < best[l].seeger) { best[l].seeger = seeger; best[l].at_seeger = at; }
        best[l].mcallester = std::min(best[l].mcallester, mcal);
        for (double C : {0.5, 1.0, 2.0, 4.0, 8.0}) {
          const double cat = static_cast<double>(
              theory::catoni_bound(emp_up, kl, Wide(static_cast<double>(n)), dj / 5, Wide(C)));
          if (cat < best[l].catoni) {
            best[l].catoni = cat;
            best[l].at_catoni = at;
            best[l].at_catoni["C"] = C;
          }
        }
      }
    }
  }
  for (int l = 0; l < 2; ++l) {
    const double test_q = best[l].at_seeger.value("test_risk_mc", 1.0);
    const double test_q_c = best[l].at_catoni.value("test_risk_mc", 1.0);
    res[names[l]] = {{"seeger", best[l].seeger},
                     {"catoni", best[l].catoni},
                     {"mcallester", best[l].mcallester},
                     {"at_seeger", best[l].at_seeger},
                     {"at_catoni", best[l].at_catoni},
                     {"test_risk_Q", test_q},
                     {"test_risk_Q_catoni", test_q_c},
                     {"test_risk_deterministic", (l == 0 ? det_test.err : det_test.cce).mean().item<double>()},
                     {"bounds_above_test", best[l].seeger >= test_q && best[l].catoni >= test_q_c}};
  }
  res["n"] = n;
  res["delta"] = delta;
  res["delta_mc"] = delta_mc;
  res["samples"] = samples;
  res["clip"] = clip;
  res["loss_note"] = "zero_one: per-sequence mean next-token 0–1 error; clipped_ce: per-sequence mean of min(CE, clip)/clip, clip = 2 ln V";
  res["prior_grid"] = "σp²_j = 2·2^{−(j−1)/2}, j = 1..40, δ_j = 6δ/(π² j²) (union bound)";
  res["posterior"] = "N(w, σ² I), σ² ∈ {10^{−1−k/2}: k = 0..10}, w the trained weights";
  return res;
}

RunOutcome run_pacbayes(const RunOptions& o, std::ostream& log) {
  RunOptions q = o;
  Setup S = make_setup(q, torch::kFloat32);
  RunOutcome out;
  Progress prog{o.progress};
  const std::string optimizer = o.optimizer.empty() ? "adam-l2" : o.optimizer;
  const double lr = o.lr > 0 ? o.lr : (optimizer == "adam-l2" || optimizer == "adamw" ? 1e-2 : 0.1);
  const long steps = o.steps > 0 ? o.steps : (o.quick ? 150 : 600);
  const int samples = o.quick ? std::min(o.samples, 6) : o.samples;
  for (std::size_t i = 0; i < o.lambdas.size(); ++i) {
    if (g_stop) { out.interrupted = true; break; }
    const double lambda = o.lambdas[i];
    nlohmann::json cfg = base_config(q, S, lambda, o.lambda_texts[i]);
    cfg["optimizer"] = optimizer;
    cfg["lr"] = lr;
    cfg["steps"] = steps;
    cfg["samples"] = samples;
    const int rec_every = o.record_every > 0 ? o.record_every : static_cast<int>(std::max<long>(1, steps / 100));
    cfg["record_every"] = rec_every;
    const std::string dir = lambda_dir(o, i);
    bool done = false;
    RunRecord rec = open_record(dir, cfg, q, S, done);
    out.records.push_back(dir);
    if (done) continue;
    const std::string label = fmt::format("[pacbayes λ={}]", o.lambda_texts[i]);
    LoopSpec L{optimizer, lambda, lr, 0.0, steps, rec_every, label};
    prog.show(label + " preparing", 0, 0, "");
    const auto t0 = std::chrono::steady_clock::now();
    LoopResult r = run_loop(S, q, rec, L, prog);
    if (r.interrupted) {
      prog.done();
      out.interrupted = true;
      log << "interrupted at λ=" << o.lambda_texts[i] << "; resume with --resume (record: " << dir << ")\n";
      break;
    }
    nlohmann::json sum = pac_bayes_bounds(S, r.theta, samples, o.seed, prog, label);
    prog.done();
    sum["complete"] = true;
    sum["lambda"] = lambda;
    sum["d"] = S.d;
    sum["final_loss"] = rec.metrics().back().at("loss");
    sum["final_norm2"] = rec.metrics().back().at("norm2");
    sum["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rec.write_summary(sum);
    out.summaries.push_back(sum);
    log << fmt::format("λ={}: 0–1 test error of Q {:.4f} ≤ Seeger {:.4f}, Catoni {:.4f}; clipped CE {:.4f} ≤ {:.4f}, {:.4f}\n",
                       o.lambda_texts[i], sum["zero_one"]["test_risk_Q"].get<double>(),
                       sum["zero_one"]["seeger"].get<double>(), sum["zero_one"]["catoni"].get<double>(),
                       sum["clipped_ce"]["test_risk_Q"].get<double>(), sum["clipped_ce"]["seeger"].get<double>(),
                       sum["clipped_ce"]["catoni"].get<double>());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ψ_s on shells (THEORY.md §1).

RunOutcome run_psi(const RunOptions& o, std::ostream& log) {
  Setup S = make_setup(o, torch::kFloat64);
  RunOutcome out;
  Progress prog{o.progress};
  const double s = o.temperature;
  const int dirs = o.quick ? 2 : std::max(1, o.samples / 4);
  const int probes = o.quick ? 4 : 16;
  const std::vector<double> radii{0.0, 0.5, 1.0, 2.0, 4.0, 8.0};
  for (std::size_t i = 0; i < o.lambdas.size(); ++i) {
    if (g_stop) { out.interrupted = true; break; }
    const double lambda = o.lambdas[i];
    nlohmann::json cfg = base_config(o, S, lambda, o.lambda_texts[i]);
    cfg["radii_over_norm"] = radii;
    cfg["directions"] = dirs;
    cfg["probes"] = probes;
    const std::string dir = lambda_dir(o, i);
    bool done = false;
    RunRecord rec = open_record(dir, cfg, o, S, done);
    out.records.push_back(dir);
    if (done) continue;
    auto theta0 = initial_theta(S, o);
    const double r0 = theta0.norm().item<double>();
    ta::TorchOptions to;
    to.dtype = S.dtype;
    to.device = S.dev;
    const auto cfgm = S.cfg;
    const auto tok = S.train;
    ta::TorchObjective Lobj([cfgm, tok](const torch::Tensor& x) { return gpt_neo_loss(cfgm, x, tok); }, S.d, to, "L");
    long step = 0;
    for (std::size_t ri = 0; ri < radii.size(); ++ri)
      for (int j = 0; j < dirs; ++j, ++step) {
        if (g_stop) break;
        if (step <= rec.last_step()) continue;
        auto gen = at::detail::createCPUGenerator(o.seed * 31337ull + step);
        auto u = torch::randn({S.d}, gen, torch::TensorOptions().dtype(torch::kFloat64)).to(S.dev, S.dtype);
        u = u / u.norm();
        auto th = theta0 + radii[ri] * r0 * u;
        auto gL = Lobj.gradient_t(th);
        auto gF = gL + lambda * th;
        double lap = 0, lap2 = 0;
        for (int p = 0; p < probes; ++p) {
          auto g2 = at::detail::createCPUGenerator(o.seed * 7ull + step * 1000ull + p);
          auto v = (torch::randint(2, {S.d}, g2, torch::TensorOptions().dtype(torch::kFloat64)) * 2 - 1).to(S.dev, S.dtype);
          const double q = (v * Lobj.hvp_t(th, v)).sum().item<double>();
          lap += q;
          lap2 += q * q;
        }
        lap /= probes;
        const double se = probes > 1 ? std::sqrt(std::max(0.0, lap2 / probes - lap * lap) / (probes - 1)) : 0;
        const double n2 = th.pow(2).sum().item<double>();
        const double gn2 = gF.pow(2).sum().item<double>();
        const double lapF = lap + lambda * static_cast<double>(S.d);
        nlohmann::json m = {{"step", step},          {"radius", radii[ri] * r0}, {"norm2", n2},
                            {"grad_F_norm2", gn2},   {"grad_L_norm2", gL.pow(2).sum().item<double>()},
                            {"lap_L", lap},          {"lap_L_se", se},  {"lap_F", lapF},
                            {"psi_s", -lapF + gn2 / s}, {"psi_2s", -lapF + gn2 / (2 * s)},
                            {"psi_s_pred", lambda * lambda / s * n2 - lambda * static_cast<double>(S.d)}};
        rec.append(m);
        prog.show(fmt::format("[psi λ={}]", o.lambda_texts[i]), step + 1, static_cast<long>(radii.size()) * dirs, "point",
                  fmt::format("shell {}/{}", ri + 1, radii.size()));
      }
    prog.done();
    if (g_stop) { out.interrupted = true; break; }
    nlohmann::json sum = {{"complete", true}, {"lambda", lambda}, {"temperature", s}, {"d", S.d},
                          {"note", "ΔL by Hutchinson (Rademacher probes, estimate ± se); ∇F exact; prediction (λ²/s)‖θ‖² − λd (THEORY.md §1)"}};
    // Least-squares slope of Ψ_s against ‖θ‖² (predicted λ²/s).
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double nm = static_cast<double>(rec.metrics().size());
    for (const auto& m : rec.metrics()) {
      const double x = m["norm2"], y = m["psi_s"];
      sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    const double den = nm * sxx - sx * sx;
    sum["psi_slope_measured"] = den != 0 ? (nm * sxy - sx * sy) / den : 0.0;
    sum["psi_slope_predicted"] = lambda * lambda / s;
    rec.write_summary(sum);
    out.summaries.push_back(sum);
    log << fmt::format("λ={}: Ψ_s slope vs ‖θ‖² measured {:.4g}, predicted λ²/s = {:.4g}\n", o.lambda_texts[i],
                       sum["psi_slope_measured"].get<double>(), lambda * lambda / s);
  }
  return out;
}

}  // namespace

RunOutcome run_experiment(const RunOptions& o, std::ostream& log) {
  if (o.out.empty()) throw InputError("--out", "a record directory is required");
  if (o.lambdas.empty() || o.lambdas.size() != o.lambda_texts.size()) throw InputError("--lambda", "needs at least one value");
  for (double l : o.lambdas) check_positive("--lambda", l);
  check_positive("--temperature", o.temperature);
  if (o.accum < 1) throw InputError("--accum", "must be >= 1");
  if (o.samples < 1) throw InputError("--samples", "must be >= 1");
  if (o.steps < 0) throw InputError("--steps", "must be >= 0");
  if (o.lr < 0 || !std::isfinite(o.lr)) throw InputError("--lr", "must be > 0");
  if (o.batch < 0) throw InputError("--batch", "must be >= 0 (0: the full training set); got " + std::to_string(o.batch));
  if (o.record_every < 0) throw InputError("--record-every", "must be >= 0 (0: automatic); got " + std::to_string(o.record_every));
  if (o.test_sequences < 1) throw InputError("--test-sequences", "must be >= 1; got " + std::to_string(o.test_sequences));
  if (!o.optimizer.empty() && o.kind != "train" && o.kind != "pacbayes")
    throw InputError("--optimizer", "run " + o.kind + " does not use an optimizer (only train and pacbayes do); got '" +
                                        o.optimizer + "'");
  if (!o.optimizer.empty() && o.optimizer != "sgd" && o.optimizer != "sgd-l2" && o.optimizer != "adam-l2" &&
      o.optimizer != "adamw" && o.optimizer != "sgld")
    throw InputError("--optimizer", "expected sgd|sgd-l2|adam-l2|adamw|sgld; got '" + o.optimizer + "'");
  if (o.resume) {
    bool any = fs::exists(fs::path(o.out) / "config.json");
    std::error_code ec;
    if (!any && fs::is_directory(o.out))
      for (const auto& e : fs::directory_iterator(o.out, ec))
        if (e.is_directory() && fs::exists(e.path() / "config.json")) { any = true; break; }
    if (!any)
      throw InputError("--resume", "'" + o.out + "' holds no run record to resume (no config.json in it or in a "
                                   "subdirectory); drop --resume to start a new run there");
  }
  SigGuard guard;
  if (o.kind == "sgld") return run_sgld_like(o, log, true);
  if (o.kind == "train") return run_sgld_like(o, log, false);
  if (o.kind == "spectrum") return run_spectrum(o, log);
  if (o.kind == "pacbayes") return run_pacbayes(o, log);
  if (o.kind == "psi") return run_psi(o, log);
  throw InputError("KIND", "unknown run kind '" + o.kind + "'");
}

nlohmann::json spectrum_check(const std::string& preset, double lambda, std::uint64_t seed, bool quick) {
  ModelConfig cfg = model_preset(preset);
  const auto lang = MarkovLanguage::make(16, 0.5, 20260001);
  if (cfg.vocab == 0) cfg.vocab = lang.vocab;
  const int T = std::min(16, cfg.max_positions), B = quick ? 4 : 8;
  const auto toks = lang.sample(static_cast<std::size_t>(B) * T, seed);
  std::vector<std::int64_t> v(toks.begin(), toks.end());
  auto tok = torch::from_blob(v.data(), {B, T}, torch::kLong).clone();
  auto theta = init_theta(cfg, seed, torch::kFloat64, torch::kCPU);
  ta::TorchOptions to;
  ta::TorchObjective Lobj([cfg, tok](const torch::Tensor& x) { return gpt_neo_loss(cfg, x, tok); }, theta.numel(), to, "L");
  ta::TorchObjective Fobj(
      [cfg, tok, lambda](const torch::Tensor& x) { return gpt_neo_loss(cfg, x, tok) + 0.5 * lambda * x.pow(2).sum(); },
      theta.numel(), to, "F");
  const auto x = ta::TorchObjective::to_vec(theta);
  const auto tL = hessian_extreme(Lobj, x, "top", seed, 1e-10, 0, quick ? 30 : 100);
  const auto tF = hessian_extreme(Fobj, x, "top", seed, 1e-10, 0, quick ? 30 : 100);
  const double shift = tF.value - tL.value;
  return {{"preset", preset},       {"d", theta.numel()},        {"lambda", lambda},
          {"top_L", tL.value},      {"top_F", tF.value},         {"shift", shift},
          {"rel_err", std::abs(shift - lambda) / lambda}, {"converged", tL.converged && tF.converged},
          {"hvps", tL.hvps + tF.hvps}};
}

nlohmann::json bench_hvp(bool quick, const std::string& device, const std::string& preset_in,
                         const ProgressFn& progress) {
  const torch::Device dev = resolve_device(device);
  const std::string preset = !preset_in.empty() ? preset_in : (dev.is_cuda() ? "gpt-neo-125m" : (quick ? "tiny" : "small"));
  ModelConfig cfg = model_preset(preset);
  if (cfg.vocab == 0) cfg.vocab = 256;
  const int T = std::min(cfg.max_positions, dev.is_cuda() ? 512 : (quick ? 32 : 64));
  const int B = dev.is_cuda() ? 4 : (quick ? 4 : 8);
  progress_note(progress, fmt::format("bench hvp: measuring seconds per value, gradient and HVP of {} (d = {}) on {}, "
                                      "batch {}×{}, float32, {} threads",
                                      preset, param_count(cfg), dev.is_cuda() ? "cuda" : "cpu", B, T,
                                      torch::get_num_threads()));
  progress_update(progress, "bench hvp: building the model", 0, 0, "");
  const torch::Dtype dt = torch::kFloat32;
  auto gen = at::detail::createCPUGenerator(7);
  auto tok = torch::randint(cfg.vocab, {B, T}, gen, torch::TensorOptions().dtype(torch::kLong)).to(dev);
  auto theta = init_theta(cfg, 1, dt, dev);
  ta::TorchOptions to;
  to.dtype = dt;
  to.device = dev;
  ta::TorchObjective obj([cfg, tok](const torch::Tensor& x) { return gpt_neo_loss(cfg, x, tok); }, theta.numel(), to,
                         preset);
  auto v = torch::randn_like(theta);
  auto sync = [&] {
    if (dev.is_cuda()) torch::cuda::synchronize();
  };
  auto seconds = [&](auto&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    sync();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // A first (warm-up, untimed) repetition of each figure gives the expected duration of the
  // timed ones: each repeats until min_time has passed (at least once, at most 1000 times).
  const double min_time = quick ? 0.3 : 1.5;
  struct Figure {
    const char* name;
    std::function<void()> fn;
    double first = 0;
    long reps = 1;
  };
  Figure figs[] = {{"gradient", [&] { (void)obj.gradient_t(theta); }},
                   {"HVP", [&] { (void)obj.hvp_t(theta, v); }},
                   {"value", [&] { (void)obj.value_t(theta); }}};
  double expected = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    progress_update(progress, "bench hvp: first repetitions (warm-up)", static_cast<long>(i), 3, "figure",
                    std::string("measuring ") + figs[i].name);
    figs[i].first = seconds(figs[i].fn);
    figs[i].reps = std::clamp<long>(static_cast<long>(std::ceil(min_time / std::max(figs[i].first, 1e-9))), 1, 1000);
    expected += static_cast<double>(figs[i].reps) * figs[i].first;
  }
  progress_note(progress, fmt::format("bench hvp: first repetitions {:.3g} s (gradient), {:.3g} s (HVP), {:.3g} s "
                                      "(value); the timed repetitions will take about {:.0f} s",
                                      figs[0].first, figs[1].first, figs[2].first, std::ceil(expected)));
  auto time = [&](const Figure& f) {
    const std::string task = std::string("bench hvp: timing ") + f.name;
    int reps = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double el = 0;
    do {
      progress_update(progress, task, reps, std::max<long>(f.reps, reps + 1), "rep");
      f.fn();
      sync();
      ++reps;
      el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (el < min_time && reps < 1000);
    return el / reps;
  };
  const double tg = time(figs[0]);
  const double th = time(figs[1]);
  const double tv = time(figs[2]);
  progress_end(progress);
  nlohmann::json r;
  r["figures"] = {{"preset", preset}, {"d", theta.numel()}, {"batch", B}, {"seq", T},
                  {"device", dev.is_cuda() ? "cuda" : "cpu"}, {"dtype", "float32"},
                  {"seconds_per_value", tv}, {"seconds_per_gradient", tg}, {"seconds_per_hvp", th},
                  {"hvp_over_gradient", th / tg}, {"target_ratio", 3.0}, {"threads", torch::get_num_threads()}};
  r["table"] = {{"model", preset + " (d=" + std::to_string(theta.numel()) + ")", ""},
                {"batch × seq", std::to_string(B) + "×" + std::to_string(T), "tokens"},
                {"value", fmt::format("{:.4g}", tv), "s"},
                {"gradient", fmt::format("{:.4g}", tg), "s"},
                {"HVP (double backward)", fmt::format("{:.4g}", th), "s"},
                {"HVP / gradient", fmt::format("{:.2f}", th / tg), th / tg <= 3.0 ? "≤ 3 (target met)" : "> 3 (target missed)"}};
  r["notes"] = {std::string("device ") + (dev.is_cuda() ? "cuda" : "cpu") + ", float32, " +
                std::to_string(torch::get_num_threads()) + " threads; warm-up excluded"};
  return r;
}

}  // namespace villani::experiments
