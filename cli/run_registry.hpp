// `villani run KIND [options]`: each experiment kind (psi, spectrum, sgld, pacbayes, train,
// boursier, mechanisms, l2-vs-decoupled, ...) registers itself from a cli/cmd_run_*.cpp file (no
// LibTorch: boursier) or a cli/torch/*.cpp file with a static RunKindRegistrar and parses its own
// options.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace villani::cli {

struct RunKind {
  std::string name;
  std::string summary;
  /// argv[0] is "villani run KIND"; returns an exit code (ExitCode).
  std::function<int(int argc, char** argv)> run;
};

void register_run_kind(RunKind k);
const std::vector<RunKind>& run_kinds();

/// The kinds whose code needs LibTorch (they register from cli/torch/), sorted. A build without
/// LibTorch names them in `villani run --help` and refuses them with exit 2 ("needs LibTorch");
/// test_run_cli checks against the LibTorch build that this list is complete.
const std::vector<std::string>& torch_run_kind_names();

struct RunKindRegistrar {
  explicit RunKindRegistrar(RunKind k) { register_run_kind(std::move(k)); }
};

}  // namespace villani::cli
