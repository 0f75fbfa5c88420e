// villani bench scale (issue 24): villani's curvature path against PyTorch-eager-style LibTorch
// modules on GPT-Neo shapes, side by side in one run. Each side runs in a process of its own
// (this executable with the internal --side), so that each peak resident set is its own; the
// figures exclude process start. experiments/bench_scale.hpp measures.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>

#include "cli/bench.hpp"
#include "experiments/bench_scale.hpp"
#include "numerics/errors.hpp"

extern char** environ;

namespace villani::cli {
namespace {

using nlohmann::json;
namespace ex = experiments;

json side_json(const ex::ScaleSide& s) {
  return {{"side", s.side},
          {"d", s.d},
          {"load_seconds", s.load_seconds},
          {"gradient_seconds", s.gradient_seconds},
          {"graph_seconds", s.graph_seconds},
          {"hvp_seconds", s.hvp_seconds},
          {"hvps", s.hvps},
          {"total_seconds", s.total_seconds},
          {"loss", s.loss},
          {"top", s.top},
          {"vector_bytes", s.vector_bytes},
          {"peak_rss_bytes", s.peak_rss_bytes},
          {"step_seconds", s.step_seconds},
          {"allocator", s.allocator},
          {"method", s.method}};
}

/// Runs `villani bench scale --side SIDE …` and returns its figures (stdout is JSON; progress
/// goes to this process's stderr).
json run_side(const std::string& side, const BenchOptions& o, const ex::ScaleWork& w) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw DomainError("bench scale: cannot read /proc/self/exe: " + ec.message());
  std::vector<std::string> store = {self.string(), "bench", "scale", "--side", side, "--size", w.size,
                                    "--threads", std::to_string(w.threads), "--format", "json"};
  if (o.quick) store.push_back("--quick");
  if (!o.progress) store.push_back("--quiet");
  std::vector<char*> argv;
  for (auto& s : store) argv.push_back(s.data());
  argv.push_back(nullptr);
  int fd[2];
  if (pipe(fd) != 0) throw DomainError("bench scale: pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
  posix_spawn_file_actions_addclose(&fa, fd[0]);
  pid_t pid = 0;
  // The reference-glibc side runs under glibc's malloc defaults, as a PyTorch process does.
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("VILLANI_MALLOC=", 0) != 0) env_store.emplace_back(*e);
  if (side == "reference-glibc") env_store.emplace_back("VILLANI_MALLOC=glibc");
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int rc = posix_spawn(&pid, store[0].c_str(), &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(fd[1]);
  if (rc != 0) {
    close(fd[0]);
    throw DomainError("bench scale: cannot start " + store[0]);
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw DomainError(fmt::format("bench scale: the {} side did not finish (status {}); its messages are above", side,
                                  status));
  try {
    return json::parse(out).at("figures");
  } catch (const std::exception& e) {
    throw DomainError("bench scale: the " + side + " side printed no figures: " + e.what());
  }
}

json bench_scale(const BenchOptions& o) {
  ex::ScaleWork w;
  w.size = !o.size.empty() ? o.size : (o.quick ? "1m" : "15m");
  w.threads = o.threads > 0 ? o.threads : 1;
  if (o.quick) w.seq = 32;
  (void)ex::scale_config(w.size);  // a bad --size is refused before any process starts
  if (!o.side.empty()) return {{"figures", side_json(ex::run_scale_side(o.side, w, o.progress))}};
  // Three processes: villani; the reference under the same allocator policy (like with like);
  // the reference under glibc's defaults (as PyTorch eager runs).
  const std::vector<std::string> names{"villani", "reference", "reference-glibc"};
  std::vector<json> sides;
  for (std::size_t i = 0; i < names.size(); ++i) {
    progress_update(o.progress, "bench scale: the " + names[i] + " side, in its own process", static_cast<long>(i), 3,
                    "side");
    sides.push_back(run_side(names[i], o, w));
  }
  const json &vil = sides[0], &ref = sides[1], &eager = sides[2];
  const double gib = double(1ull << 30);
  auto ratio = [](double v, double r) { return r > 0 ? fmt::format("{:.3f}", v / r) : std::string("—"); };
  json table = json::array();
  auto rows = [&](const char* key, const char* label, const char* unit, double scale = 1.0, const char* f = "{:.4g}") {
    for (const json* s : {&vil, &ref, &eager})
      table.push_back({std::string(label) + ": " + s->at("side").get<std::string>(),
                       fmt::format(fmt::runtime(f), s->at(key).get<double>() / scale), unit});
    const double v = vil.at(key).get<double>();
    table.push_back({std::string(label) + ": villani / reference", ratio(v, ref.at(key).get<double>()), "×"});
    table.push_back({std::string(label) + ": villani / reference-glibc", ratio(v, eager.at(key).get<double>()), "×"});
  };
  table.push_back({"model", fmt::format("GPT-Neo shapes {} (d = {})", w.size, vil.at("d").get<std::int64_t>()), ""});
  table.push_back({"batch × seq", fmt::format("{}×{}", w.batch, w.seq), "tokens"});
  table.push_back({"threads", std::to_string(w.threads), "LibTorch intra-op"});
  rows("hvp_seconds", "HVP", "s");
  rows("step_seconds", "solver time per HVP", "s");
  rows("gradient_seconds", "value + gradient", "s");
  rows("graph_seconds", "gradient graph", "s");
  rows("load_seconds", "model in memory", "s");
  rows("total_seconds", "whole run", "s");
  rows("peak_rss_bytes", "peak RSS", "GiB", gib, "{:.3f}");
  for (const json* s : {&vil, &ref, &eager})
    table.push_back({"HVP / (value + gradient): " + s->at("side").get<std::string>(),
                     fmt::format("{:.2f}", s->at("hvp_seconds").get<double>() / s->at("gradient_seconds").get<double>()),
                     "×"});
  table.push_back({"L(θ): villani | reference", fmt::format("{:.10g} | {:.10g}", vil.at("loss").get<double>(),
                                                            ref.at("loss").get<double>()), ""});
  table.push_back({"top eigenvalue after the HVPs: villani | reference",
                   fmt::format("{:.6g} | {:.6g}", vil.at("top").get<double>(), ref.at("top").get<double>()), ""});
  table.push_back({"stored vectors: villani | reference",
                   fmt::format("{:.3f} | {:.3f}", vil.at("vector_bytes").get<double>() / gib,
                               ref.at("vector_bytes").get<double>() / gib), "GiB"});
  auto r_of = [&](const json& a, const json& b, const char* key) { return a.at(key).get<double>() / b.at(key).get<double>(); };
  json r;
  r["figures"] = {{"size", w.size}, {"batch", w.batch}, {"seq", w.seq}, {"threads", w.threads},
                  {"villani", vil}, {"reference", ref}, {"reference_glibc", eager},
                  {"hvp_ratio", r_of(vil, ref, "hvp_seconds")},
                  {"step_ratio", r_of(vil, ref, "step_seconds")},
                  {"total_ratio", r_of(vil, ref, "total_seconds")},
                  {"rss_ratio", r_of(vil, ref, "peak_rss_bytes")},
                  {"hvp_ratio_glibc", r_of(vil, eager, "hvp_seconds")},
                  {"step_ratio_glibc", r_of(vil, eager, "step_seconds")},
                  {"total_ratio_glibc", r_of(vil, eager, "total_seconds")},
                  {"rss_ratio_glibc", r_of(vil, eager, "peak_rss_bytes")}};
  r["table"] = table;
  r["notes"] = {
      "float32 on CPU; each side in a process of its own (peak RSS its own; process start excluded from the times)",
      "HVP: the product alone (villani: inside the operator; reference: torch::autograd::grad); solver time per HVP: "
      "the eigen-solve's whole time over its products (start vector, orthogonalization, Ritz vector and residual "
      "included)",
      "villani: " + vil.at("method").get<std::string>() + ", through numerics::analyze_curvature as `villani hessian "
          "--top 1 --max-matvecs " + std::to_string(w.hvps - 1) + " --trace none --dtype float32` runs it",
      "reference: " + ref.at("method").get<std::string>() + "; the same weights (seeded GPT-Neo init) and tokens",
      "allocator: villani and reference " + vil.at("allocator").get<std::string>() + "; reference-glibc " +
          eager.at("allocator").get<std::string>() + " (VILLANI_MALLOC=glibc), as a PyTorch process runs",
      fmt::format("every side makes {} HVPs; the top eigenvalue estimates differ by algorithm (Lanczos vs power)",
                  w.hvps)};
  return r;
}

const BenchRegistrar reg{{"scale", "GPT-Neo shapes (--size 1m|15m|125m): villani's HVP path vs eager LibTorch modules",
                          bench_scale}};

}  // namespace
}  // namespace villani::cli
