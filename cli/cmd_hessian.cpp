// villani hessian: curvature of a user's model at its own weights (docs/hessian.md). Parses,
// loads the model through the check sources, calls numerics::analyze_curvature, renders.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/check_sources.hpp"
#include "cli/command.hpp"
#include "cli/strict_integers.hpp"
#include "cli/distributed_cli.hpp"
#include "cli/lists.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "numerics/curvature.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"

namespace villani::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using numerics::CurvatureReport;

std::string num(double x) { return fmt::format("{:.6g}", x); }
std::string cost(const numerics::Cost& c) { return fmt::format("{}", c.hvps); }
std::string secs(const numerics::Cost& c) { return fmt::format("{:.3g}", c.seconds); }

json cost_json(const numerics::Cost& c) {
  return {{"hvps", c.hvps}, {"seconds", c.seconds}, {"product_seconds", c.product_seconds}};
}

json eigen_json(const numerics::EigenReport& e) {
  return {{"values", e.values},       {"residuals", e.residuals}, {"error_estimates", e.error_estimates},
          {"status", numerics::to_string(e.status)}, {"converged", e.converged}, {"method", e.method},
          {"cost", cost_json(e.cost)}};
}

json trace_json(const numerics::TraceReport& t) {
  json j = {{"value", t.value}, {"standard_error", t.standard_error}, {"exact", t.exact}, {"method", t.method},
            {"cost", cost_json(t.cost)}};
  if (!t.note.empty()) j["note"] = t.note;
  return j;
}

json report_json(const CurvatureReport& r, const std::string& model, const std::string& at) {
  json j;
  j["model"] = {{"name", model}, {"dim", r.dim}, {"at", at}};
  j["lambda"] = r.lambda;
  j["temperature"] = r.s;
  j["point"] = {{"loss", r.loss},
                {"objective", r.objective},
                {"theta_norm", r.theta_norm},
                {"grad_norm", r.grad_norm},
                {"psi_s", r.psi_s ? json(*r.psi_s) : json(nullptr)},
                {"psi_2s", r.psi_2s ? json(*r.psi_2s) : json(nullptr)},
                {"psi_standard_error", r.psi_s ? json(r.psi_standard_error) : json(nullptr)},
                {"cost", cost_json(r.point_cost)}};
  if (r.top) j["top"] = eigen_json(*r.top);
  if (r.bottom) j["bottom"] = eigen_json(*r.bottom);
  if (r.trace) j["trace"] = trace_json(*r.trace);
  if (r.density) {
    const auto& d = *r.density;
    j["density"] = {{"sigma", d.sigma},       {"mass", d.mass},   {"mean", d.mean},
                    {"min_node", d.min_node}, {"max_node", d.max_node}, {"probes", d.probes},
                    {"steps", d.steps},       {"points", d.grid.size()}, {"cost", cost_json(d.cost)}};
  }
  if (!r.groups.empty()) {
    json g = json::array();
    for (const auto& gr : r.groups) {
      json x = {{"name", gr.group.name}, {"offset", gr.group.offset}, {"size", gr.group.size}};
      if (gr.trace) x["trace"] = trace_json(*gr.trace);
      if (gr.top) x["top"] = eigen_json(*gr.top);
      g.push_back(x);
    }
    j["groups"] = g;
  }
  j["total"] = cost_json(r.total);
  j["memory"] = {{"peak_rss_bytes", r.peak_rss_bytes},
                 {"vector_bytes", r.vector_bytes},
                 {"vectors", r.top      ? numerics::to_string(r.top->storage)
                             : r.bottom ? numerics::to_string(r.bottom->storage)
                                        : "none"}};
  return j;
}

Table summary_table(const CurvatureReport& r, const std::string& model) {
  Table t;
  t.title = fmt::format("villani hessian: {} (d = {}), λ = {}, s = {}", model, r.dim, num(r.lambda), num(r.s));
  t.columns = {{"quantity", "", false}, {"value", ""}, {"± error bar", "$\\pm$"}, {"HVPs", ""}, {"seconds", ""}};
  t.rows.push_back({"L(θ)", num(r.loss), "", "0", secs(r.point_cost)});
  t.rows.push_back({"F(θ) = L + (λ/2)‖θ‖²", num(r.objective), "", "0", ""});
  t.rows.push_back({"‖∇F(θ)‖", num(r.grad_norm), "", "0", ""});
  if (r.trace) {
    const auto& tr = *r.trace;
    t.rows.push_back({"tr ∇²F (" + std::string(tr.exact ? "exact" : tr.method) + ")", num(tr.value),
                      tr.exact ? "0" : num(2 * tr.standard_error), cost(tr.cost), secs(tr.cost)});
    t.rows.push_back({"Ψ_s = −ΔF + ‖∇F‖²/s", num(*r.psi_s), tr.exact ? "0" : num(2 * r.psi_standard_error), "", ""});
  }
  auto eig_rows = [&](const numerics::EigenReport& e, const char* label) {
    for (std::size_t i = 0; i < e.values.size(); ++i)
      t.rows.push_back({fmt::format("{} {} of ∇²F", label, i + 1), num(e.values[i]), num(e.residuals[i]),
                        i == 0 ? cost(e.cost) : "", i == 0 ? secs(e.cost) : ""});
    if (e.status != numerics::EigenStatus::Converged)
      t.notes.push_back(fmt::format("{} eigenvalues: {} ({} of {} within tolerance); raise --max-matvecs", label,
                                    numerics::to_string(e.status), e.converged, e.values.size()));
  };
  if (r.top) eig_rows(*r.top, "top");
  if (r.bottom) eig_rows(*r.bottom, "bottom");
  if (r.density)
    t.rows.push_back({fmt::format("density: mass (σ = {})", num(r.density->sigma)), num(r.density->mass), "",
                      cost(r.density->cost), secs(r.density->cost)});
  t.rows.push_back({"total", "", "", cost(r.total), secs(r.total)});
  t.notes.push_back("eigenvalue error bars are residual norms ‖∇²F y − θ y‖: an eigenvalue lies within them; "
                    "trace and Ψ_s error bars are 2 standard errors of the estimate");
  if (r.top || r.bottom)
    t.notes.push_back("eigenvalues by " + (r.top ? r.top->method : r.bottom->method));
  const double gib = double(1ull << 30);
  t.notes.push_back(fmt::format("memory: peak resident set {:.3g} GiB; eigen-solver vectors {:.3g} GiB ({})",
                                r.peak_rss_bytes / gib, r.vector_bytes / gib,
                                r.top      ? numerics::to_string(r.top->storage)
                                : r.bottom ? numerics::to_string(r.bottom->storage)
                                           : "none stored"));
  return t;
}

Table group_table(const CurvatureReport& r) {
  Table t;
  t.title = "per group (diagonal blocks of ∇²F)";
  t.columns = {{"group", "", false}, {"size", ""}, {"trace", ""}, {"± 2 s.e.", ""}, {"top eigenvalue", ""},
               {"± residual", ""}, {"HVPs", ""}};
  for (const auto& g : r.groups) {
    std::int64_t hv = 0;
    std::vector<std::string> row{g.group.name, std::to_string(g.group.size)};
    if (g.trace) {
      row.push_back(num(g.trace->value));
      row.push_back(g.trace->exact ? "0" : num(2 * g.trace->standard_error));
      hv += g.trace->cost.hvps;
    } else {
      row.insert(row.end(), {"—", "—"});
    }
    if (g.top && !g.top->values.empty()) {
      row.push_back(num(g.top->values[0]));
      row.push_back(num(g.top->residuals[0]));
      hv += g.top->cost.hvps;
    } else {
      row.insert(row.end(), {"—", "—"});
    }
    row.push_back(std::to_string(hv));
    t.rows.push_back(row);
  }
  return t;
}

// density.dat, density.gp and (when gnuplot runs) density.svg; returns why there is no SVG.
std::string write_density(const std::string& dir, const numerics::DensityReport& d, const CurvatureReport& r,
                          const std::string& model) {
  std::string dat = "# eigenvalue of the Hessian of F   density (per unit eigenvalue)\n";
  for (Eigen::Index i = 0; i < d.grid.size(); ++i) dat += fmt::format("{:.10g} {:.10g}\n", d.grid[i], d.density[i]);
  write_file_atomic(dir + "/density.dat", dat);
  const std::string gp = fmt::format(
      "set terminal svg size 800,560 dynamic enhanced font 'sans,12'\n"
      "set output 'density.svg'\nset logscale y\nset yrange [1e-8:*]\nset key top right\n"
      "set xlabel 'eigenvalue of ∇²F (units of the loss per parameter²)'\n"
      "set ylabel 'spectral density (per unit eigenvalue, log scale)'\n"
      "set title 'Hessian spectral density: {}, d = {}, λ = {} (SLQ, {} probes × {} steps, σ = {:.3g})'\n"
      "plot 'density.dat' using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'φ_σ (mass {:.12f})'\n",
      model, r.dim, num(r.lambda), d.probes, d.steps, d.sigma, d.mass);
  write_file_atomic(dir + "/density.gp", gp);
  const std::string cmd = "cd '" + dir + "' && gnuplot density.gp 2>/dev/null";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(fs::path(dir) / "density.svg"))
    return "gnuplot failed or is not installed (density.gp and density.dat written)";
  return "";
}

int run_hessian(int argc, char** argv) {
  CLI::App app{
      "Curvature of F = L + (λ/2)‖θ‖² at a model's own weights: L, F, ‖∇F‖, Ψ_s; top/bottom Hessian\n"
      "eigenvalues by Lanczos with residual error bars; the trace (exact or Hutchinson / Hutch++ /\n"
      "XTrace with a standard error); the spectral density by stochastic Lanczos quadrature; the same\n"
      "per parameter or per layer. Every number says how many Hessian-vector products (HVPs) and\n"
      "seconds it cost. LibTorch models reuse one gradient graph for all HVPs. See docs/hessian.md.\n\n"
      "MODEL: a preset (logistic, mlp-gelu, mlp-relu, mlp-tanh, mlp-softplus, tiny-transformer), a JSON\n"
      "spec, and with LibTorch a TorchScript file (+ --tokens) or a GPT-Neo config.json (+ --weights).",
      "villani hessian"};
  std::string model, tokens, weights, lambda, temperature = "1", at = "init", solver = "lanczos", trace = "xtrace",
                                               probe = "rademacher", groups = "none", dtype = "float64", device = "cpu",
                                               format = "table", out, vectors = "auto", max_memory;
  long long top = 3, bottom = 0, max_matvecs = 0, trace_matvecs = 64, density_probes = 4, density_steps = 64,
            group_top = 1;
  double tol = 1e-6, density_sigma = 0, descend_lr = 0.1;
  long long descend = 0;
  int threads = 0;
  bool density = false, quiet = false;
  std::uint64_t seed = 1;
  app.add_option("--model", model, "preset name, spec.json, model.pt or config.json")->required();
  app.add_option("--tokens", tokens, "token file (one sequence of ids per line) for TorchScript / GPT-Neo");
  app.add_option("--weights", weights, "safetensors weights for a GPT-Neo config.json");
  app.add_option("--lambda", lambda, "weight decay λ ≥ 0 (0: the plain Hessian of L)")->required();
  app.add_option("--temperature,-s", temperature, "temperature s > 0 of Ψ_s")->capture_default_str();
  app.add_option("--at", at, "init (the model's weights) | origin | FILE of d numbers")->capture_default_str();
  app.add_option("--descend", descend, "full-batch gradient-descent steps on F from --at before the analysis")
      ->capture_default_str();
  app.add_option("--descend-lr", descend_lr, "their step size")->capture_default_str();
  app.add_option("--top", top, "largest eigenvalues (0: none)")->capture_default_str();
  app.add_option("--bottom", bottom, "smallest eigenvalues (0: none)")->capture_default_str();
  app.add_option("--solver", solver, "lanczos (full reorthogonalization) | restarted (Spectra) | power (deflation)")
      ->capture_default_str();
  app.add_option("--tol", tol, "relative residual tolerance of each eigenpair")->capture_default_str();
  app.add_option("--max-matvecs", max_matvecs, "most HVPs per eigen-solve (0: d for lanczos, 100·k for power)")
      ->capture_default_str();
  app.add_option("--trace", trace, "none | exact (d HVPs) | hutchinson | hutch++ | xtrace")->capture_default_str();
  app.add_option("--trace-matvecs", trace_matvecs, "HVPs of the trace estimator")->capture_default_str();
  app.add_option("--probe", probe, "rademacher | gaussian")->capture_default_str();
  app.add_flag("--density", density, "spectral density by stochastic Lanczos quadrature (table, and SVG with --out)");
  app.add_option("--density-probes", density_probes, "SLQ probes, 1..10000")->capture_default_str();
  app.add_option("--density-steps", density_steps, "Lanczos steps per probe, 2..100000 (at most d are taken)")
      ->capture_default_str();
  app.add_option("--density-sigma", density_sigma, "Gaussian broadening: 0 (span/100) or 1e-100..1e100")->capture_default_str();
  app.add_option("--groups", groups, "none | param | layer: per-group traces and top eigenvalues")
      ->capture_default_str();
  app.add_option("--group-top", group_top, "top eigenvalues per group")->capture_default_str();
  app.add_option("--threads", threads, "LibTorch threads, 0..1024 (0: its default)")->capture_default_str();
  app.add_option("--dtype", dtype, "float64 | float32 (LibTorch models)")->capture_default_str();
  app.add_option("--device", device, "cpu | cuda | auto (LibTorch models; HVPs on the device, Lanczos vectors in "
                                     "host memory)")->capture_default_str();
  app.add_option("--vectors", vectors, "auto | float64 | float32: storage of the Lanczos vectors (auto: the model's "
                                       "dtype, so float32 models store float32 and need half the memory)")
      ->capture_default_str();
  app.add_option("--max-memory", max_memory, "memory limit in GiB for the solver's vectors (default: the machine's); "
                                             "a --max-matvecs whose basis would not fit is refused before allocating")
  ;
  app.add_option("--seed", seed, "seed of start vectors and probes")->capture_default_str();
  app.add_option("--format", format, "table|markdown|csv|json|latex")->capture_default_str();
  app.add_option("--out", out, "write hessian.json, hessian.md (and density.dat/.gp/.svg) here");
  add_quiet_flag(app, quiet);
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  const Format fmt = parse_format(format);
  numerics::CurvatureOptions o;
  o.lambda = parse_double_number("--lambda", lambda);
  if (!(o.lambda >= 0)) throw InputError("--lambda", "expected a number ≥ 0; got " + lambda);
  o.s = parse_double_number("--temperature", temperature);
  if (!(o.s > 0)) throw InputError("--temperature", "expected a number > 0; got " + temperature);
  if (top < 0) throw InputError("--top", "must be ≥ 0");
  if (bottom < 0) throw InputError("--bottom", "must be ≥ 0");
  if (!(tol > 0) || !std::isfinite(tol) || tol >= 1) throw InputError("--tol", "expected a number in (0, 1)");
  if (max_matvecs < 0) throw InputError("--max-matvecs", "must be ≥ 0");
  // Capped (issue 26: 2^31 probes × 2^31 steps on an 18-parameter model ran without end).
  if (density_probes < 1 || density_probes > 10000)
    throw InputError("--density-probes", fmt::format("expected 1..10000; got {}", density_probes));
  if (density_steps < 2 || density_steps > 100000)
    throw InputError("--density-steps", fmt::format("expected 2..100000; got {}", density_steps));
  if (group_top < 0) throw InputError("--group-top", "must be ≥ 0");
  if (descend < 0) throw InputError("--descend", "must be ≥ 0");
  if (!(descend_lr > 0) || !std::isfinite(descend_lr)) throw InputError("--descend-lr", "expected a number > 0");
  // 1/σ scales the density: σ = 1e-320 overflowed it to NaN (issue 26).
  if (!(density_sigma == 0 || (density_sigma >= 1e-100 && density_sigma <= 1e100)))
    throw InputError("--density-sigma", fmt::format("expected 0 (span/100) or a number in [1e-100, 1e100]; got {}", density_sigma));
  o.top = top;
  o.bottom = bottom;
  o.eigen.method = numerics::parse_eigen_method(solver, "--solver");
  o.eigen.tolerance = tol;
  o.eigen.max_matvecs = max_matvecs;
  o.eigen.seed = seed;
  o.eigen.vectors = numerics::parse_vector_precision(vectors, "--vectors");
  set_memory_limit_from_flag("--max-memory", max_memory);
  o.trace = numerics::parse_trace_choice(trace, "--trace");
  o.trace_matvecs = trace_matvecs;
  o.probe = numerics::parse_probe(probe, "--probe");
  o.density = density;
  o.density_probes = density_probes;
  o.density_steps = density_steps;
  o.density_sigma = density_sigma;
  o.group_top = group_top;
  o.seed = seed;
  if (groups != "none" && groups != "param" && groups != "layer")
    throw InputError("--groups", "expected none | param | layer; got '" + groups + "'");
  if (!out.empty()) ensure_dir(out);

  CheckRequest req{model, tokens, weights, dtype, threads, device};
  Distributed dist = distributed_from_env(req);  // under a launcher: this rank's shard of --tokens
  LoadedModel m = load_check_model(req);
  const auto& loss = *m.input.loss;
  const Eigen::Index d = loss.dim();
  if (o.top > d) throw InputError("--top", fmt::format("asks for {} eigenvalues; the model has d = {}", o.top, d));
  if (o.bottom > d)
    throw InputError("--bottom", fmt::format("asks for {} eigenvalues; the model has d = {}", o.bottom, d));
  if (groups != "none") o.groups = numerics::group_parameters(m.params, groups, d, "--groups");
  numerics::Vec theta;
  if (at == "init") {
    if (m.init.size() != d) throw InputError("--at", "this model has no weights of its own; use origin or a FILE");
    theta = std::move(m.init);  // d doubles: one copy, not two
  } else if (at == "origin") {
    theta = numerics::Vec::Zero(d);
  } else {
    theta = read_parameters("--at", at, d);
  }
  distribute(dist, m);  // after every input check, so bad input never leaves a rank waiting
  Progress progress(quiet || !dist.leader());
  o.progress = progress.fn();
  const auto t0 = std::chrono::steady_clock::now();
  if (descend > 0) {  // θ ← θ − η∇F(θ): on a data-parallel objective, one all-reduce per step
    const numerics::Regularized f(m.input.loss, o.lambda);
    for (long long k = 0; k < descend; ++k) {
      theta -= descend_lr * f.gradient(theta);
      if (!theta.allFinite())
        throw InputError("--descend-lr", fmt::format("gradient descent diverged at step {} (θ not finite); lower it",
                                                     k + 1));
    }
  }
  const CurvatureReport r = numerics::analyze_curvature(*m.input.loss, std::move(theta), o);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.end();
  if (!dist.leader()) return kOk;  // rank 0 alone prints and writes

  json j = report_json(r, m.input.model, at);
  if (descend > 0) j["model"]["descend"] = {{"steps", descend}, {"lr", descend_lr}};
  if (dist.comm)
    j["distributed"] = {{"ranks", dist.world()},
                        {"backend", "c10d gloo"},
                        {"collectives", dist.comm->collectives()},
                        {"comm_seconds", dist.comm->comm_seconds()},
                        {"wall_seconds", wall},
                        {"comm_share", wall > 0 ? dist.comm->comm_seconds() / wall : 0.0}};
  if (r.density) {
    j["density"]["grid"] = std::vector<double>(r.density->grid.data(), r.density->grid.data() + r.density->grid.size());
    j["density"]["values"] =
        std::vector<double>(r.density->density.data(), r.density->density.data() + r.density->density.size());
  }
  const Table st = summary_table(r, m.input.model);
  std::string md = render_markdown(st);
  if (!r.groups.empty()) md += "\n" + render_markdown(group_table(r));
  // Printed before the files are written: a full disk loses no result (issue 26).
  if (fmt == Format::Json) {
    std::cout << j.dump(2) << "\n";
  } else if (fmt == Format::Markdown) {
    std::cout << md;
  } else {
    std::cout << render(st, fmt);
    if (!r.groups.empty()) std::cout << "\n" << render(group_table(r), fmt);
  }
  std::cout.flush();
  if (!out.empty()) {
    write_file_atomic(out + "/hessian.json", j.dump(2) + "\n");
    write_file_atomic(out + "/hessian.md", md);
    if (r.density) {
      const std::string why = write_density(out, *r.density, r, m.input.model);
      if (!why.empty()) std::cerr << "villani hessian: no plot: " << why << "\n";
    }
  }
  return kOk;
}

const Registrar reg{{"hessian", run_hessian}};

}  // namespace
}  // namespace villani::cli
