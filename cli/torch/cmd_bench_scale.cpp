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
  const int rc = posix_spawn(&pid, store[0].c_str(), &fa, nullptr, argv.data(), environ);
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
  progress_update(o.progress, "bench scale: the reference side, in its own process", 0, 2, "side");
  const json ref = run_side("reference", o, w);
  progress_update(o.progress, "bench scale: the villani side, in its own process", 1, 2, "side");
  const json vil = run_side("villani", o, w);
  const double gib = double(1ull << 30);
  auto both = [&](const char* key, const char* label, const char* unit, double scale = 1.0, const char* f = "{:.4g}") {
    const double v = vil.at(key).get<double>() / scale, r = ref.at(key).get<double>() / scale;
    return json::array({json::array({std::string(label) + ": villani", fmt::format(fmt::runtime(f), v), unit}),
                        json::array({std::string(label) + ": reference", fmt::format(fmt::runtime(f), r), unit}),
                        json::array({std::string(label) + ": villani / reference",
                                     r > 0 ? fmt::format("{:.3f}", v / r) : "—", "×"})});
  };
  json table = json::array();
  table.push_back({"model", fmt::format("GPT-Neo shapes {} (d = {})", w.size, vil.at("d").get<std::int64_t>()), ""});
  table.push_back({"batch × seq", fmt::format("{}×{}", w.batch, w.seq), "tokens"});
  table.push_back({"threads", std::to_string(w.threads), "LibTorch intra-op"});
  for (const auto& rows : {both("hvp_seconds", "HVP", "s"), both("gradient_seconds", "value + gradient", "s"),
                           both("graph_seconds", "gradient graph", "s"), both("load_seconds", "model in memory", "s"),
                           both("total_seconds", "whole run", "s"),
                           both("peak_rss_bytes", "peak RSS", "GiB", gib, "{:.3f}")})
    for (const auto& r : rows) table.push_back(r);
  for (const auto* s : {&vil, &ref})
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
  json r;
  r["figures"] = {{"size", w.size}, {"batch", w.batch}, {"seq", w.seq}, {"threads", w.threads},
                  {"villani", vil}, {"reference", ref},
                  {"hvp_ratio", vil.at("hvp_seconds").get<double>() / ref.at("hvp_seconds").get<double>()},
                  {"total_ratio", vil.at("total_seconds").get<double>() / ref.at("total_seconds").get<double>()},
                  {"rss_ratio", vil.at("peak_rss_bytes").get<double>() / ref.at("peak_rss_bytes").get<double>()}};
  r["table"] = table;
  r["notes"] = {
      "float32 on CPU; each side in a process of its own (peak RSS its own; process start excluded from the times)",
      "villani: " + vil.at("method").get<std::string>() + ", through numerics::analyze_curvature as `villani hessian "
          "--top 1 --max-matvecs " + std::to_string(w.hvps - 1) + " --trace none --dtype float32` runs it",
      "reference: " + ref.at("method").get<std::string>() + "; the same weights (seeded GPT-Neo init) and tokens",
      fmt::format("both sides make {} HVPs; the top eigenvalue estimates differ by algorithm (Lanczos vs power)",
                  w.hvps)};
  return r;
}

const BenchRegistrar reg{{"scale", "GPT-Neo shapes (--size 1m|15m|125m): villani's HVP path vs eager LibTorch modules",
                          bench_scale}};

}  // namespace
}  // namespace villani::cli
