// `villani bench NAME`: performance figures for each issue's targets. Each benchmark lives in
// a cli/cmd_bench_*.cpp file and registers itself with a BenchRegistrar.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "numerics/progress.hpp"

namespace villani::cli {

struct BenchOptions {
  bool quick = false;          ///< --quick: smallest sizes (used by tests)
  std::string device = "auto"; ///< cpu|cuda|auto, for Torch benchmarks
  std::string preset;          ///< model preset when a benchmark takes one (empty: its default)
  ProgressFn progress;         ///< which figure is measured, the repetition (cli/progress.hpp)
  int nproc = 1;               ///< --nproc: data-parallel ranks (bench hessian; docs/distributed.md)
  std::string size;            ///< --size, where the benchmark takes one (bench scale: 1m | 15m | 125m)
  int threads = 0;             ///< --threads: LibTorch threads (0: the benchmark's default)
  std::string side;            ///< internal: one side of a benchmark run in a process of its own
};

struct BenchEntry {
  std::string name;
  std::string summary;
  /// Returns {"figures": {...}, "table": [[label, value, unit], ...], "notes": [...]}.
  std::function<nlohmann::json(const BenchOptions&)> run;
};

void register_bench(BenchEntry e);
const std::vector<BenchEntry>& benches();

struct BenchRegistrar {
  explicit BenchRegistrar(BenchEntry e) { register_bench(std::move(e)); }
};

}  // namespace villani::cli
