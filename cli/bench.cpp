#include "cli/bench.hpp"

#include <algorithm>

namespace villani::cli {

namespace {
std::vector<BenchEntry>& registry() {
  static std::vector<BenchEntry> r;
  return r;
}
}  // namespace

void register_bench(BenchEntry e) {
  registry().push_back(std::move(e));
  std::sort(registry().begin(), registry().end(),
            [](const BenchEntry& a, const BenchEntry& b) { return a.name < b.name; });
}

const std::vector<BenchEntry>& benches() { return registry(); }

}  // namespace villani::cli
