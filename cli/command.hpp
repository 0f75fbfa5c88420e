// Subcommand registry of the `villani` executable. Each cmd_*.cpp registers itself with a
// static Registrar; main() dispatches. Exit codes (docs/design.md "Exit codes"): 0 done;
// 1 violation found with --strict; 2 bad input; 3 internal error; 4 a rank of a data-parallel run
// was lost.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace villani::cli {

enum ExitCode { kOk = 0, kViolation = 1, kBadInput = 2, kInternal = 3, kLostRank = 4 };

using CommandFn = std::function<int(int argc, char** argv)>;

/// A command's summary lives in cli/catalog.cpp; registering a name the catalog lacks is a bug
/// (reported on stderr, and the process aborts at start-up, so every CLI test sees it).
struct CommandInfo {
  std::string name;
  CommandFn run;
};

void register_command(CommandInfo info);
const std::vector<CommandInfo>& commands();

struct Registrar {
  explicit Registrar(CommandInfo info) { register_command(std::move(info)); }
};

/// Runs fn, mapping InputError → 2 (message on stderr), a lost rank of a data-parallel run
/// (numerics::DistributedError) → 4, other exceptions → 3.
int run_guarded(const std::string& command, const std::function<int()>& fn);

}  // namespace villani::cli
