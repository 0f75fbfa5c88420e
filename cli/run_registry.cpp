#include "cli/run_registry.hpp"

#include <algorithm>

namespace villani::cli {

namespace {
std::vector<RunKind>& registry() {
  static std::vector<RunKind> r;
  return r;
}
}  // namespace

void register_run_kind(RunKind k) {
  registry().push_back(std::move(k));
  std::sort(registry().begin(), registry().end(),
            [](const RunKind& a, const RunKind& b) { return a.name < b.name; });
}

const std::vector<RunKind>& run_kinds() { return registry(); }

}  // namespace villani::cli
