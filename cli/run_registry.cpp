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

const std::vector<std::string>& torch_run_kind_names() {
  static const std::vector<std::string> names = {"l2-vs-decoupled", "mechanisms", "pacbayes", "psi",
                                                 "sgld", "spectrum", "train"};
  return names;
}

}  // namespace villani::cli
