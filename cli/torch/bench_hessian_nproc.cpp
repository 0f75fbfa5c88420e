// villani bench hessian --nproc N (issue 17): the example TorchScript LM's Hutchinson trace as one
// process and as N data-parallel ranks (villani launch; each rank holds 1/N of the sequences and
// every HVP is all-reduced), and, for comparison, with the probes split across N independent
// processes that each hold the whole batch (no communication until one final scalar reduction,
// done here). Prints seconds per HVP, the communication share of the data-parallel run, and the
// agreement of the traces.
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <unistd.h>

#include "cli/bench.hpp"
#include "experiments/example_models.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Runs a shell command and parses its stdout as JSON; throws with the command on failure.
json run_json(const std::string& cmd, double* wall) {
  const auto t0 = Clock::now();
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int rc = ::pclose(p);
  *wall = std::chrono::duration<double>(Clock::now() - t0).count();
  if (rc != 0) throw std::runtime_error("benchmark command failed (status " + std::to_string(rc) + "): " + cmd);
  return json::parse(out);
}

}  // namespace

json bench_hessian_nproc(const BenchOptions& o) {
  const int nproc = o.nproc;
  const std::string dir =
      (fs::temp_directory_path() / fmt::format("villani-bench-hessian-nproc-{}", ::getpid())).string();
  fs::create_directories(dir);
  const std::string model = dir + "/example.pt", tokens = dir + "/tokens.txt";
  const int rows = std::max(16, 2 * nproc), cols = 16;
  experiments::write_example_torchscript(model, 1);
  experiments::write_example_tokens(tokens, rows, cols, experiments::example_torchscript_vocab(), 1);
  const int m = o.quick ? 24 * nproc : 120 * nproc;  // Hutchinson probes (HVPs)
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  auto hessian = [&](int probes, int seed) {
    return fmt::format("'{}' hessian --model '{}' --tokens '{}' --lambda 0 --threads 1 --top 0 --trace hutchinson "
                       "--trace-matvecs {} --seed {} --format json --quiet",
                       exe, model, tokens, probes, seed);
  };
  json table = json::array(), figures, notes = json::array();
  auto row = [&](const std::string& label, const std::string& value, const std::string& unit) {
    table.push_back({label, value, unit});
  };
  row("model", fmt::format("example TorchScript LM, d = 4560, {}×{} tokens, float64, 1 thread per process", rows, cols),
      "");
  progress_update(o.progress, "one process, data-parallel ranks, split probes", 0, 3, "runs");
  double w1 = 0, wn = 0;
  const json one = run_json(hessian(m, 3), &w1);
  progress_update(o.progress, "one process, data-parallel ranks, split probes", 1, 3, "runs");
  const json par = run_json(fmt::format("'{}' launch --nproc {} -- {}", exe, nproc, hessian(m, 3)), &wn);
  const auto per_hvp = [](const json& j) {
    return j["trace"]["cost"]["seconds"].get<double>() / j["trace"]["cost"]["hvps"].get<double>();
  };
  const double t1 = per_hvp(one), tn = per_hvp(par);
  const json& dist = par["distributed"];
  const double share = dist["comm_share"], comm_s = dist["comm_seconds"];
  const double per_collective = comm_s / std::max<double>(1, dist["collectives"].get<double>());
  const double tr1 = one["trace"]["value"], trn = par["trace"]["value"];
  figures["nproc"] = nproc;
  figures["hvps"] = m;
  figures["hvp_seconds_one_process"] = t1;
  figures["hvp_seconds_data_parallel"] = tn;
  figures["speedup_per_hvp"] = t1 / tn;
  figures["comm_share"] = share;
  figures["allreduce_seconds"] = per_collective;
  figures["trace_rel_difference"] = std::abs(trn - tr1) / std::abs(tr1);
  figures["process_seconds_one"] = w1;
  figures["process_seconds_data_parallel"] = wn;
  row("HVP, one process (all sequences)", fmt::format("{:.3g}", t1 * 1e3), "ms");
  row(fmt::format("HVP, {} data-parallel ranks (1/{} of the sequences each + all-reduce of d doubles)", nproc,
                  nproc),
      fmt::format("{:.3g}", tn * 1e3), "ms");
  row("communication share (time in all-reduce, waiting for the slower rank included / wall, rank 0)", fmt::format("{:.1f}", 100 * share), "%");
  row("one all-reduce of d = 4560 doubles (Gloo, loopback; waiting included)", fmt::format("{:.3g}", per_collective * 1e3), "ms");
  row("Hutchinson trace: |data-parallel − one process| / |one process| (same probes)",
      fmt::format("{:.2g}", std::abs(trn - tr1) / std::abs(tr1)), "");

  // Probes split: N independent processes on the whole batch, m/N probes each, run concurrently.
  progress_update(o.progress, "one process, data-parallel ranks, split probes", 2, 3, "runs");
  std::string cmd = "(";
  for (int r = 0; r < nproc; ++r)
    cmd += fmt::format("{} > '{}/split{}.json' & ", hessian(m / nproc, 1000 + r), dir, r);
  cmd += "wait)";
  const auto t0 = Clock::now();
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("benchmark command failed: " + cmd);
  const double ws = std::chrono::duration<double>(Clock::now() - t0).count();
  double sum = 0, var = 0, secs = 0;
  for (int r = 0; r < nproc; ++r) {
    double unused = 0;
    const json j = run_json(fmt::format("cat '{}/split{}.json'", dir, r), &unused);
    const double k = j["trace"]["cost"]["hvps"];
    sum += k * j["trace"]["value"].get<double>();
    var += k * k * std::pow(j["trace"]["standard_error"].get<double>(), 2);
    secs = std::max(secs, j["trace"]["cost"]["seconds"].get<double>());
  }
  const double split_tr = sum / m, split_se = std::sqrt(var) / m;
  const double ts = secs / m;  // effective: all m HVPs done in the slowest process's seconds
  figures["hvp_seconds_split_probes"] = ts;
  figures["split_trace"] = split_tr;
  figures["split_trace_standard_error"] = split_se;
  figures["process_seconds_split"] = ws;
  row(fmt::format("HVP, probes split over {} processes (whole batch each, no communication; slowest process's "
                  "seconds / all HVPs)",
                  nproc),
      fmt::format("{:.3g}", ts * 1e3), "ms");
  row("  its trace vs the one-process trace, in standard errors",
      fmt::format("{:.2g}", std::abs(split_tr - tr1) / std::max(split_se, 1e-300)), "");
  row(fmt::format("wall seconds: one process / {} ranks / split probes (process start included)", nproc),
      fmt::format("{:.3g} / {:.3g} / {:.3g}", w1, wn, ws), "s");
  notes.push_back("per-HVP times are the trace's seconds / HVPs on rank 0 (graph reuse on); the data-parallel "
                  "HVP includes its all-reduce. Probe splitting needs the whole batch on every rank; data "
                  "parallelism needs only 1/N of it, which is what lets a model's batch outgrow one device.");
  notes.push_back(fmt::format("machine: {} hardware threads shared by all processes; more ranks than free cores "
                              "slow every rank down",
                              std::thread::hardware_concurrency()));
  fs::remove_all(dir);
  return {{"figures", figures}, {"table", table}, {"notes", notes}};
}

}  // namespace villani::cli
