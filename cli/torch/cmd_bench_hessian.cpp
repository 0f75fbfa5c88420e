// villani bench hessian [--quick]: the figures behind `villani hessian` on the example TorchScript
// model (experiments/example_models.hpp, d = 4,560, float64, 16 × 16 tokens, one LibTorch thread),
// at trained weights (750 gradient-descent steps of 0.5 from the file's, written to a file that
// the process runs read with --at):
//   1. seconds per HVP before graph reuse (TorchObjective::hvp: forward + gradient graph + backward
//      per product) and after (hessian_at: the graph built once, one backward per product), and
//      their agreement;
//   2. top-3 eigenvalues of ∇²L: Lanczos (full reorthogonalization, tol 1e-6) against power
//      iteration with deflation (PyHessian's / hessian-eigenthings' method) at tolerances 1e-4,
//      1e-6, 1e-8: HVPs, seconds and the largest relative error against a reference (Lanczos to
//      tol 1e-12, whose residual bound makes it exact to about 1e-12);
//   3. `villani hessian --top 3 --trace none` as a process (process start and model load included);
//   4. the trace to 1%: XTrace and Hutchinson with 64 HVPs over 10 seeds against the exact trace
//      (d HVPs), and `villani hessian --trace xtrace` as a process.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "cli/bench.hpp"
#include "experiments/example_models.hpp"
#include "experiments/torch_sources.hpp"
#include "numerics/curvature.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/sampling.hpp"

namespace villani::cli {

nlohmann::json bench_hessian_nproc(const BenchOptions& o);

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double max_rel_error(const std::vector<double>& got, const std::vector<double>& ref) {
  if (got.size() != ref.size()) return INFINITY;
  double e = 0;
  for (std::size_t i = 0; i < got.size(); ++i) e = std::max(e, std::abs(got[i] - ref[i]) / std::abs(ref[i]));
  return e;
}

// Wall seconds of a shell command (process start included); -1 when it fails.
double timed_process(const std::string& cmd) {
  const auto t0 = Clock::now();
  const int rc = std::system((cmd + " > /dev/null 2>&1").c_str());
  return rc == 0 ? since(t0) : -1.0;
}

json bench_hessian(const BenchOptions& o) {
  if (o.nproc > 1) return bench_hessian_nproc(o);  // bench_hessian_nproc.cpp (issue 17)
  const std::string dir = (fs::temp_directory_path() / fmt::format("villani-bench-hessian-{}", ::getpid())).string();
  fs::create_directories(dir);
  const std::string model = dir + "/example.pt", tokens = dir + "/tokens.txt";
  experiments::write_example_torchscript(model, 1);
  experiments::write_example_tokens(tokens, 16, 16, experiments::example_torchscript_vocab(), 1);
  experiments::TorchLoadOptions lo;
  lo.threads = 1;
  const auto src = experiments::load_torchscript(model, tokens, lo);
  const auto& f = *src.loss;
  const numerics::Vec theta = experiments::gradient_descent(f, src.init, o.quick ? 100 : 750, 0.5);
  const Eigen::Index d = f.dim();
  {
    std::string text;
    for (Eigen::Index i = 0; i < d; ++i) text += fmt::format("{:.17g}\n", theta[i]);
    std::ofstream(dir + "/theta.txt") << text;
  }
  json table = json::array(), figures, notes = json::array();
  auto row = [&](const std::string& label, const std::string& value, const std::string& unit) {
    table.push_back({label, value, unit});
  };
  row("model", fmt::format("example TorchScript LM, d = {}, 16×16 tokens, float64, 1 thread, trained (L = {:.4g})", d,
                           f.value(theta)),
      "");

  // 1. Per-HVP time before and after graph reuse.
  const int reps = o.quick ? 5 : 30;
  numerics::Random rng(5);
  std::vector<numerics::Vec> vs;
  for (int i = 0; i < reps; ++i) vs.push_back(rng.normal_vector(d));
  (void)f.hvp(theta, vs[0]);  // warm-up
  auto t0 = Clock::now();
  std::vector<numerics::Vec> before;
  for (const auto& v : vs) before.push_back(f.hvp(theta, v));
  const double t_before = since(t0) / reps;
  t0 = Clock::now();
  const auto op = f.hessian_at(theta);
  const double t_build = since(t0);
  (void)op->apply(vs[0]);
  t0 = Clock::now();
  double agree = 0;
  for (int i = 0; i < reps; ++i) {
    const numerics::Vec after = op->apply(vs[static_cast<std::size_t>(i)]);
    agree = std::max(agree, (after - before[static_cast<std::size_t>(i)]).norm() / before[static_cast<std::size_t>(i)].norm());
  }
  const double t_after = since(t0) / reps;
  figures["hvp_seconds_before"] = t_before;
  figures["hvp_seconds_after"] = t_after;
  figures["hvp_ratio_after_before"] = t_after / t_before;
  figures["graph_build_seconds"] = t_build;
  figures["hvp_reuse_max_rel_difference"] = agree;
  row("HVP before graph reuse (forward + grad graph + backward)", fmt::format("{:.3g}", t_before * 1e3), "ms");
  row("HVP after graph reuse (one backward)", fmt::format("{:.3g}", t_after * 1e3), "ms");
  row("after / before (target ≤ 0.6)", fmt::format("{:.3f}", t_after / t_before), "");
  row("graph build, once per (θ, batch)", fmt::format("{:.3g}", t_build * 1e3), "ms");
  row("max relative difference reuse vs rebuild", fmt::format("{:.2g}", agree), "");

  // 2. Top-3: Lanczos vs power iteration with deflation.
  numerics::LanczosOptions ref_o;
  ref_o.method = numerics::EigenMethod::FullLanczos;
  ref_o.tolerance = 1e-12;
  const auto ref = numerics::eigen_report(*op, 3, numerics::EigenWhich::Largest, ref_o);
  figures["top3_reference"] = ref.values;
  row("top-3 reference (Lanczos, tol 1e-12)", fmt::format("{:.10g}, {:.10g}, {:.10g}", ref.values[0], ref.values[1],
                                                          ref.values[2]),
      fmt::format("{} HVPs", ref.cost.hvps));
  numerics::LanczosOptions lz = ref_o;
  lz.tolerance = 1e-6;
  const auto l = numerics::eigen_report(*op, 3, numerics::EigenWhich::Largest, lz);
  figures["lanczos_top3_hvps"] = l.cost.hvps;
  figures["lanczos_top3_seconds"] = l.cost.seconds;
  figures["lanczos_top3_max_rel_error"] = max_rel_error(l.values, ref.values);
  row("Lanczos top-3, tol 1e-6: HVPs (target ≤ 50)", std::to_string(l.cost.hvps), "HVPs");
  row("Lanczos top-3: seconds", fmt::format("{:.3g}", l.cost.seconds), "s");
  row("Lanczos top-3: max relative error", fmt::format("{:.2g}", max_rel_error(l.values, ref.values)), "");
  json power = json::array();
  for (double tol : {1e-4, 1e-6, 1e-8}) {
    numerics::LanczosOptions p;
    p.method = numerics::EigenMethod::PowerDeflation;
    p.tolerance = tol;
    p.max_matvecs = 3000;
    const auto pr = numerics::eigen_report(*op, 3, numerics::EigenWhich::Largest, p);
    const double err = max_rel_error(pr.values, ref.values);
    power.push_back({{"tol", tol}, {"hvps", pr.cost.hvps}, {"seconds", pr.cost.seconds}, {"max_rel_error", err},
                     {"status", numerics::to_string(pr.status)}});
    row(fmt::format("power + deflation top-3, tol {:.0e}: HVPs / max rel. error", tol),
        fmt::format("{} / {:.2g}", pr.cost.hvps, err), "");
  }
  figures["power_top3"] = power;

  // 3. and 4. As a process, start and model load included.
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  const std::string base = fmt::format("'{}' hessian --model '{}' --tokens '{}' --at '{}/theta.txt' --lambda 0 "
                                       "--threads 1 --quiet ",
                                       exe, model, tokens, dir);
  const double p_top = timed_process(base + "--top 3 --trace none");
  figures["process_top3_seconds"] = p_top;
  row("`villani hessian --top 3 --trace none` wall, process start included (target ≤ 1 s)",
      fmt::format("{:.3g}", p_top), "s");

  const numerics::TraceReport exact = numerics::trace_report(*op, numerics::TraceChoice::Exact, 0,
                                                             numerics::Probe::Rademacher, 1);
  figures["trace_exact"] = exact.value;
  figures["trace_exact_hvps"] = exact.cost.hvps;
  row("exact trace of ∇²L (d HVPs)", fmt::format("{:.8g}", exact.value), fmt::format("{:.3g} s", exact.cost.seconds));
  const int seeds = o.quick ? 3 : 10;
  for (auto [name, method] : {std::pair{"xtrace", numerics::TraceChoice::XTrace},
                              std::pair{"hutchinson", numerics::TraceChoice::Hutchinson}}) {
    double worst = 0, ss = 0;
    for (int s = 0; s < seeds; ++s) {
      const auto t = numerics::trace_report(*op, method, 64, numerics::Probe::Rademacher, 1000 + s);
      const double e = std::abs(t.value - exact.value) / std::abs(exact.value);
      worst = std::max(worst, e);
      ss += e * e;
    }
    figures[std::string(name) + "_64_max_rel_error"] = worst;
    figures[std::string(name) + "_64_rms_rel_error"] = std::sqrt(ss / seeds);
    row(fmt::format("{} with 64 HVPs: max / RMS relative error over {} seeds (target 1%)", name, seeds),
        fmt::format("{:.2g} / {:.2g}", worst, std::sqrt(ss / seeds)), "");
  }
  const double p_trace = timed_process(base + "--top 0 --trace xtrace --trace-matvecs 64");
  figures["process_xtrace64_seconds"] = p_trace;
  row("`villani hessian --top 0 --trace xtrace` wall, process start included", fmt::format("{:.3g}", p_trace), "s");
  notes.push_back("one LibTorch thread; HVP by double backward in float64; seconds are wall-clock on this machine");
  fs::remove_all(dir);
  return {{"figures", figures}, {"table", table}, {"notes", notes}};
}

const BenchRegistrar reg{{"hessian", "villani hessian: HVP with graph reuse, Lanczos vs power iteration, trace",
                          bench_hessian}};

}  // namespace
}  // namespace villani::cli
