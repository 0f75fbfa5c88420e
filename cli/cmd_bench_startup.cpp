// villani bench startup: wall time of whole processes, start to exit, for the commands that need
// no LibTorch (target ≤ 0.1 s on an idle machine, issue 12), beside the LibTorch executable's own
// start-up for comparison.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "cli/bench.hpp"
#include "numerics/errors.hpp"
#include "numerics/progress.hpp"

extern char** environ;

namespace villani::cli {
namespace {

std::filesystem::path own_directory() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw DomainError("bench startup: cannot read /proc/self/exe: " + ec.message());
  return self.parent_path();
}

/// Seconds from spawn to exit of `exe args…`, output discarded; throws when it fails.
double time_process(const std::filesystem::path& exe, const std::vector<std::string>& args) {
  std::vector<std::string> store = {exe.string()};
  store.insert(store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : store) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, store[0].c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw DomainError("bench startup: cannot start " + store[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw DomainError("bench startup: " + store[0] + " " + (args.empty() ? "" : args[0]) + " did not exit 0");
  return s;
}

nlohmann::json bench_startup(const BenchOptions& o) {
  const auto dir = own_directory();
  const int reps = o.quick ? 3 : 21;
  struct Case {
    std::string label, exe;
    std::vector<std::string> args;
  };
  std::vector<Case> cases = {
      {"villani --help", "villani", {"--help"}},
      {"villani constants --lambda 1 --dim 1", "villani", {"constants", "--lambda", "1", "--dim", "1"}},
  };
  if (std::filesystem::exists(dir / "villani-torch"))
    cases.push_back({"villani-torch --help (LibTorch loaded, for comparison)", "villani-torch", {"--help"}});
  nlohmann::json figures = nlohmann::json::object(), table = nlohmann::json::array();
  for (const auto& c : cases) {
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) {
      progress_update(o.progress, c.label, r, reps, "process");
      t.push_back(time_process(dir / c.exe, c.args));
    }
    std::sort(t.begin(), t.end());
    const double median = t[t.size() / 2];
    figures[c.label] = {{"median_s", median}, {"min_s", t.front()}, {"max_s", t.back()}, {"repetitions", reps}};
    table.push_back({c.label, fmt::format("{:.4f}", median), "s (median)"});
    table.push_back({c.label + " — min", fmt::format("{:.4f}", t.front()), "s"});
  }
  const double worst = std::max(figures["villani --help"]["median_s"].get<double>(),
                                figures["villani constants --lambda 1 --dim 1"]["median_s"].get<double>());
  table.push_back({"target: commands without LibTorch ≤ 0.1 s", worst <= 0.1 ? "met" : "not met", ""});
  return {{"figures", figures},
          {"table", table},
          {"notes",
           {fmt::format("each figure: {} whole processes, spawn to exit (process start, dynamic linking, the "
                        "command, exit), output to /dev/null; the machine's load counts",
                        reps),
            "`villani` holds the commands that need no LibTorch; it hands the others to `villani-torch`"}}};
}

const BenchRegistrar reg{{"startup", "process start-up: villani --help and constants vs the LibTorch executable",
                          bench_startup}};

}  // namespace
}  // namespace villani::cli
