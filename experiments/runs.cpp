// villani run psi|spectrum|sgld|pacbayes|train (issue 6). See runs.hpp and docs/experiments.md.
#include "experiments/runs.hpp"

#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <tuple>

#include "experiments/data.hpp"
#include "experiments/fit.hpp"
#include "experiments/gpt_neo.hpp"
#include "experiments/run_json.hpp"
#include "experiments/run_record.hpp"
#include "experiments/formats.hpp"
#include "experiments/pacbayes.hpp"
#include "experiments/run_support.hpp"
#include "experiments/spectrum.hpp"
#include "experiments/train_loop.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/torch/torch_objective.hpp"
#include "numerics/trace.hpp"

namespace villani::experiments {

namespace fs = std::filesystem;
namespace ta = villani::numerics::torch_adapter;
using namespace detail;

namespace {

// Exponential fits of ‖θ‖² and L against t over the record's metrics.
std::pair<ExpFit, ExpFit> fits_of(const RunRecord& rec) {
  std::vector<double> t, n2, l;
  for (const auto& m : rec.metrics()) {
    t.push_back(m.at("t").get<double>());
    n2.push_back(m.at("norm2").get<double>());
    l.push_back(m.at("loss").get<double>());
  }
  return {fit_exponential(t, n2), fit_exponential(t, l)};
}

// Extreme eigenvalues of ∇²L on the training set at θ, float64, with the Torch adapter (over all
// ranks' shards when data-parallel: every rank takes part).
HessianExtremes hessian_extremes(const Setup& S, const torch::Tensor& theta, std::uint64_t seed, bool quick) {
  auto th = theta.detach().to(torch::kFloat64);
  const auto obj = training_objective(S, torch::kFloat64, th.device(), "gpt-neo");
  const auto x = ta::TorchObjective::to_vec(th);
  const auto top = hessian_extreme(*obj, x, "top", seed, 1e-6, 20, quick ? 4 : 10);
  const auto bot = hessian_extreme(*obj, x, "bottom", seed, 1e-4, 20, quick ? 4 : 10);
  return {top.value, top.converged, bot.value, bot.converged, top.hvps + bot.hvps};
}

// ---------------------------------------------------------------------------------------------

RunOutcome run_sgld_like(const RunOptions& o, std::ostream& log, bool sgld) {
  Setup S = make_setup(o, torch::kFloat32);
  RunOutcome out;
  Progress prog{o.progress};
  const std::string optimizer = sgld ? "sgld" : (o.optimizer.empty() ? "adamw" : o.optimizer);
  const double lr = o.lr > 0 ? o.lr : (optimizer == "sgld" || optimizer == "sgd" || optimizer == "sgd-l2" ? 0.05 : 3e-3);
  auto steps_of = [&](double lambda) {
    if (o.steps > 0) return o.steps;
    // SGLD: three relaxation times of ‖θ‖² under the regularizer alone (rate 2λ): t = 3/λ.
    if (sgld) return std::clamp<long>(static_cast<long>(std::ceil(3.0 / (lambda * lr))), 400, o.quick ? 1500 : 6000);
    return o.quick ? 200L : 1000L;
  };
  auto every = [&](long steps) {
    return o.record_every > 0 ? o.record_every : static_cast<int>(std::max<long>(1, steps / 300));
  };
  auto config = [&](std::size_t i) {
    const long steps = steps_of(o.lambdas[i]);
    nlohmann::json cfg = base_config(o, S, o.lambdas[i], o.lambda_texts[i]);
    cfg["optimizer"] = optimizer;
    cfg["lr"] = lr;
    cfg["steps"] = steps;
    cfg["record_every"] = every(steps);
    if (S.comm) cfg["ranks"] = S.comm->size();
    return cfg;
  };
  for_each_lambda(o, S, out, log, config, [&](LambdaRun& run) {
    const long steps = steps_of(run.lambda);
    LoopSpec L{optimizer, run.lambda, lr, sgld ? o.temperature : 0.0, steps, every(steps),
               fmt::format("[{} λ={}]", o.kind, run.text)};
    prog.show(L.label + " preparing", 0, 0, "");
    const auto t0 = std::chrono::steady_clock::now();
    LoopResult r = run_loop(S, o, run, L, prog);
    prog.done();
    if (r.interrupted) return false;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Curvature estimate for the Bakry–Émery comparison (SGLD only: L is the full-batch loss
    // there); every rank takes part when data-parallel.
    std::optional<HessianExtremes> hess;
    if (sgld && S.d <= 2000000) hess = hessian_extremes(S, r.theta, o.seed, o.quick);
    if (!run.rec) return true;  // rank 0 alone summarises
    TrainSummary sum;
    sum.seconds = seconds;
    sum.lambda = run.lambda;
    sum.temperature = sgld ? o.temperature : 0.0;
    sum.lr = lr;
    sum.steps = steps;
    sum.d = S.d;
    const auto& last = run.rec->metrics().back();
    auto number = [](const nlohmann::json& x) { return x.is_number() ? x.get<double>() : NAN; };  // null: NaN
    sum.final_loss = number(last.at("loss"));
    sum.final_norm2 = number(last.at("norm2"));
    {
      auto [ce, err] = gpt_neo_per_sequence(S.cfg, r.theta, S.test);
      sum.test_ce = ce.mean().item<double>();
      sum.test_token_error = err.mean().item<double>();
    }
    sum.entropy_rate = S.corpus.entropy_rate;
    std::tie(sum.fit_norm2, sum.fit_loss) = fits_of(*run.rec);
    sum.hessian_L = hess;
    run.rec->write_summary(to_json(sum));
    out.summaries.push_back(sum);
    const auto& fn = sum.fit_norm2;
    log << fmt::format("λ={}: {} steps, final loss {:.4f}, test CE {:.4f}, ‖θ‖² rate {:.4g}{} ({:.1f} s)\n", run.text,
                       steps, sum.final_loss, sum.test_ce, fn.rate, fn.ok ? "" : " (" + fn.why + ")", sum.seconds);
    return true;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

RunOutcome run_spectrum(const RunOptions& o, std::ostream& log) {
  RunOutcome out;
  Setup S = make_setup(o, torch::kFloat64);
  if (S.dtype != torch::kFloat64) log << "note: the λ-shift check is specified in float64; running in " << dtype_name(S.dtype) << "\n";
  nlohmann::json cfg = base_config(o, S, 0, "");
  cfg.erase("lambda");
  cfg.erase("lambda_text");
  cfg["lambdas"] = o.lambdas;
  if (S.comm) cfg["ranks"] = S.comm->size();
  // One record for all λ (a row per λ): rank 0 opens it, as for_each_lambda does per λ.
  OpenedRecord opened = open_ranked_record(o.out, cfg, o, S);
  out.records.push_back(o.out);
  if (opened.done) return out;
  RunRecord* rec = opened.rec ? &*opened.rec : nullptr;
  auto theta = initial_theta(S, o);
  const auto Lobj = training_objective(S, S.dtype, S.dev, "L");
  const auto x = ta::TorchObjective::to_vec(theta);
  const double loss_at_x = Lobj->value(x);
  Progress prog{o.progress};
  SpectrumSummary sum;
  auto& rows = sum.rows;
  for (std::size_t i = 0; i < o.lambdas.size(); ++i) {
    if (stop_requested(S, o)) { out.interrupted = true; break; }
    if (static_cast<long>(i) <= opened.last_step) {
      if (rec) rows.push_back(spectrum_row(rec->metrics().at(i)));
      continue;
    }
    const double lambda = o.lambdas[i];
    const long n_runs = 4 * static_cast<long>(o.lambdas.size());
    auto lanczos = [&](int j, const char* what) {
      prog.show("[spectrum]", 4 * static_cast<long>(i) + j, n_runs, "Lanczos run",
                fmt::format("λ={} {}", o.lambda_texts[i], what));
    };
    lanczos(0, "top of ∇²L");
    // F differentiated by LibTorch on each shard: Σ_r w_r (L_r + λ‖θ‖²/2) = F, as Σ_r w_r = 1.
    const auto Fobj = training_objective(S, S.dtype, S.dev, "F", lambda);
    const int it = o.quick ? 20 : 60;
    const auto t_start = std::chrono::steady_clock::now();
    const auto tL = hessian_extreme(*Lobj, x, "top", o.seed, 1e-10, 0, it);
    lanczos(1, "top of ∇²F");
    const auto tF = hessian_extreme(*Fobj, x, "top", o.seed, 1e-10, 0, it);
    lanczos(2, "bottom of ∇²L");
    const auto bL = hessian_extreme(*Lobj, x, "bottom", o.seed, 1e-8, 0, it);
    lanczos(3, "bottom of ∇²F");
    const auto bF = hessian_extreme(*Fobj, x, "bottom", o.seed, 1e-8, 0, it);
    const double st = tF.value - tL.value, sb = bF.value - bL.value;
    SpectrumRow m;
    m.step = static_cast<long>(i);
    m.lambda = lambda;
    m.top_L = tL.value;
    m.top_F = tF.value;
    m.top_shift = st;
    m.top_rel_err = std::abs(st - lambda) / lambda;
    m.top_converged = tL.converged && tF.converged;
    m.bottom_L = bL.value;
    m.bottom_F = bF.value;
    m.bottom_shift = sb;
    m.bottom_rel_err = std::abs(sb - lambda) / lambda;
    m.bottom_converged = bL.converged && bF.converged;
    m.top_residual_L = tL.residual;
    m.bottom_residual_L = bL.residual;
    m.loss_L = loss_at_x;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    m.hvps = tL.hvps + tF.hvps + bL.hvps + bF.hvps;
    m.shift_ok = m.top_rel_err <= 1e-6;
    if (rec) rec->append(to_json(m));
    rows.push_back(m);
    prog.done();
    log << fmt::format("λ={}: L {:.8g}; top ∇²L {:.10g} (± {:.2g}), top ∇²F {:.10g}, shift {:.10g} (rel. err {:.2e}); "
                       "bottom ∇²L {:.6g}, ∇²F {:.6g}; {} HVPs, {:.3g} s\n",
                       o.lambda_texts[i], loss_at_x, tL.value, tL.residual, tF.value, st, std::abs(st - lambda) / lambda,
                       bL.value, bF.value, m.hvps, m.seconds);
  }
  prog.done();
  if (!out.interrupted && rec) {
    sum.d = S.d;
    sum.dtype = dtype_name(S.dtype);
    sum.all_shift_ok = true;
    for (const auto& r : rows) sum.all_shift_ok = sum.all_shift_ok && r.shift_ok;
    rec->write_summary(to_json(sum));
    out.summaries.push_back(sum);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Ψ_s on shells (docs/theory.md §1).

RunOutcome run_psi(const RunOptions& o, std::ostream& log) {
  Setup S = make_setup(o, torch::kFloat64);
  RunOutcome out;
  Progress prog{o.progress};
  const double s = o.temperature;
  const int dirs = o.quick ? 2 : std::max(1, o.samples / 4);
  const int probes = o.quick ? 4 : 16;
  const std::vector<double> radii{0.0, 0.5, 1.0, 2.0, 4.0, 8.0};
  auto config = [&](std::size_t i) {
    nlohmann::json cfg = base_config(o, S, o.lambdas[i], o.lambda_texts[i]);
    cfg["radii_over_norm"] = radii;
    cfg["directions"] = dirs;
    cfg["probes"] = probes;
    if (S.comm) cfg["ranks"] = S.comm->size();
    return cfg;
  };
  for_each_lambda(o, S, out, log, config, [&](LambdaRun& run) {
    const double lambda = run.lambda;
    auto theta0 = initial_theta(S, o);
    const double r0 = theta0.norm().item<double>();
    const auto Lobj = training_objective(S, S.dtype, S.dev, "L");
    long step = 0;
    bool stop = false;
    for (std::size_t ri = 0; ri < radii.size() && !stop; ++ri)
      for (int j = 0; j < dirs; ++j, ++step) {
        if ((stop = stop_requested(S, o))) break;
        if (step <= run.resumed_last) continue;
        auto gen = at::detail::createCPUGenerator(o.seed * 31337ull + step);
        auto u = torch::randn({S.d}, gen, torch::TensorOptions().dtype(torch::kFloat64)).to(S.dev, S.dtype);
        u = u / u.norm();
        const numerics::Vec th = ta::TorchObjective::to_vec(theta0 + radii[ri] * r0 * u);
        const numerics::Vec gL = Lobj->gradient(th);  // ∇L over all shards
        const numerics::Vec gF = gL + lambda * th;
        // ΔL by Hutchinson (numerics/trace.hpp) through one gradient graph at θ: each probe is one
        // backward pass, in the model's dtype.
        const numerics::TraceEstimate lt = numerics::hutchinson(*Lobj->hessian_at(th), probes,
                                                                numerics::Probe::Rademacher, o.seed * 7ull + step * 1000ull);
        const double lap = lt.estimate, se = lt.standard_error;
        const double n2 = th.squaredNorm();
        const double gn2 = gF.squaredNorm();
        const double lapF = lap + lambda * static_cast<double>(S.d);
        nlohmann::json m = {{"step", step},          {"radius", radii[ri] * r0}, {"norm2", n2},
                            {"grad_F_norm2", gn2},   {"grad_L_norm2", gL.squaredNorm()},
                            {"lap_L", lap},          {"lap_L_se", se},  {"lap_F", lapF},
                            {"psi_s", -lapF + gn2 / s}, {"psi_2s", -lapF + gn2 / (2 * s)},
                            {"psi_s_pred", lambda * lambda / s * n2 - lambda * static_cast<double>(S.d)}};
        run.append(m);
        prog.show(fmt::format("[psi λ={}]", run.text), step + 1, static_cast<long>(radii.size()) * dirs, "point",
                  fmt::format("shell {}/{}", ri + 1, radii.size()));
      }
    prog.done();
    if (stop) return false;
    if (!run.rec) return true;  // rank 0 alone summarises
    PsiSummary sum;
    sum.lambda = lambda;
    sum.temperature = s;
    sum.d = S.d;
    // Least-squares slope of Ψ_s against ‖θ‖² (predicted λ²/s).
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    const double nm = static_cast<double>(run.rec->metrics().size());
    for (const auto& m : run.rec->metrics()) {
      const double x = m["norm2"], y = m["psi_s"];
      sx += x; sy += y; sxx += x * x; sxy += x * y;
    }
    const double den = nm * sxx - sx * sx;
    sum.psi_slope_measured = den != 0 ? (nm * sxy - sx * sy) / den : 0.0;
    sum.psi_slope_predicted = lambda * lambda / s;
    run.rec->write_summary(to_json(sum));
    out.summaries.push_back(sum);
    log << fmt::format("λ={}: Ψ_s slope vs ‖θ‖² measured {:.4g}, predicted λ²/s = {:.4g}\n", run.text,
                       sum.psi_slope_measured, lambda * lambda / s);
    return true;
  });
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
  // Capped: 2^63 − 1 steps ran until killed (issue 26); 1e9 steps is weeks on any model.
  if (o.steps < 0 || o.steps > 1000000000) throw InputError("--steps", "expected 0…1e9 (0: the kind's default); got " + std::to_string(o.steps));
  if (o.lr < 0 || !std::isfinite(o.lr)) throw InputError("--lr", "must be > 0");
  if (o.batch < 0) throw InputError("--batch", "must be >= 0 (0: the full training set); got " + std::to_string(o.batch));
  if (o.record_every < 0) throw InputError("--record-every", "must be >= 0 (0: automatic); got " + std::to_string(o.record_every));
  if (o.test_sequences < 0)
    throw InputError("--test-sequences", "must be >= 1 (0: the kind's default); got " + std::to_string(o.test_sequences));
  if (o.seq < 0) throw InputError("--seq", "sequence length must be >= 2 (0: the kind's default); got " + std::to_string(o.seq));
  if (!o.optimizer.empty() && o.kind != "train" && o.kind != "pacbayes")
    throw InputError("--optimizer", "run " + o.kind + " does not use an optimizer (only train and pacbayes do); got '" +
                                        o.optimizer + "'");
  if (!o.optimizer.empty() && o.optimizer != "sgd" && o.optimizer != "sgd-l2" && o.optimizer != "adam-l2" &&
      o.optimizer != "adamw" && o.optimizer != "sgld")
    throw InputError("--optimizer", "expected sgd|sgd-l2|adam-l2|adamw|sgld; got '" + o.optimizer + "'");
  // Data-parallel (docs/distributed.md): PAC-Bayes trains on minibatches of its own split and
  // does not run so; refuse rather than let N ranks write one record.
  if (o.launch && o.kind == "pacbayes")
    throw InputError("WORLD_SIZE", "is " + std::to_string(o.launch->world) +
                                       ": run pacbayes does not run data-parallel (sgld, train, psi and spectrum "
                                       "do); run it as one process");
  // Data-parallel: the records are rank 0's; a rank on another machine that does not see --out
  // leaves this check to rank 0 (on one machine every rank refuses alike).
  if (o.resume && (!o.launch || o.launch->rank == 0 || fs::exists(o.out))) {
    bool any = fs::exists(fs::path(o.out) / "config.json");
    std::error_code ec;
    if (!any && fs::is_directory(o.out))
      for (const auto& e : fs::directory_iterator(o.out, ec))
        if (e.is_directory() && fs::exists(e.path() / "config.json")) { any = true; break; }
    if (!any)
      throw InputError("--resume", "'" + o.out + "' holds no run record to resume (no config.json in it or in a "
                                   "subdirectory); drop --resume to start a new run there");
  }
  if (o.kind == "sgld") return run_sgld_like(o, log, true);
  if (o.kind == "train") return run_sgld_like(o, log, false);
  if (o.kind == "spectrum") return run_spectrum(o, log);
  if (o.kind == "pacbayes") return run_pacbayes(o, log);
  if (o.kind == "psi") return run_psi(o, log);
  throw InputError("KIND", "unknown run kind '" + o.kind + "'");
}

SpectrumCheck spectrum_check(const std::string& preset, double lambda, std::uint64_t seed, bool quick) {
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
  return {preset,   theta.numel(), lambda, tL.value, tF.value, shift, std::abs(shift - lambda) / lambda,
          tL.converged && tF.converged, tL.hvps + tF.hvps};
}

}  // namespace villani::experiments
