// villani: checks theory about weight decay and loss landscapes against computation.
//
// With LibTorch this file builds two executables (cli/CMakeLists.txt): `villani`, which holds the
// commands that need no LibTorch and is defined with VILLANI_DELEGATE, and `villani-torch`, which
// holds every command. `villani` runs its own commands without loading LibTorch and replaces
// itself (execv) with `villani-torch` from its own directory for the others, with the same
// arguments, so the two behave as one program.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/catalog.hpp"
#include "cli/command.hpp"
#include "numerics/memory.hpp"

#ifndef VILLANI_VERSION
#define VILLANI_VERSION "0.0.0"
#endif

namespace {

const villani::cli::CommandInfo* local_command(std::string_view name) {
  for (const auto& c : villani::cli::commands())
    if (c.name == name) return &c;
  return nullptr;
}

/// A catalog command this executable can run: its own, or one it hands to the delegate.
bool available(std::string_view name) {
#ifdef VILLANI_DELEGATE
  return villani::cli::find_in_catalog(name) != nullptr;
#else
  return local_command(name) != nullptr;
#endif
}

void usage(std::ostream& os) {
  os << "villani " VILLANI_VERSION
        " — checks claims about weight decay and Villani loss landscapes against computation\n\n"
        "usage: villani <command> [options]   (villani <command> --help for each)\n\ncommands:\n";
  for (const auto& c : villani::cli::catalog()) {
    if (!available(c.name)) continue;
    os << "  " << c.name;
    for (std::size_t i = c.name.size(); i < 12; ++i) os << ' ';
    os << c.summary << "\n";
  }
  os << "\nexit codes: 0 done; 1 a check found a violation (with --strict); 2 bad input; "
        "3 internal error; 4 a rank of a data-parallel run was lost\n";
}

#ifdef VILLANI_DELEGATE
/// Replaces this process with the delegate executable beside it; returns only on failure.
int delegate(char** argv) {
  std::vector<char> buf(4096);
  const ssize_t n = readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  std::string self = n > 0 ? std::string(buf.data(), static_cast<std::size_t>(n)) : std::string(argv[0]);
  const auto slash = self.rfind('/');
  const std::string path = (slash == std::string::npos ? std::string() : self.substr(0, slash + 1)) + VILLANI_DELEGATE;
  execv(path.c_str(), argv);
  std::cerr << "villani " << argv[1] << ": internal error: cannot start " << path << " (" << std::strerror(errno)
            << "); the commands that need LibTorch live there, built beside villani\n";
  return villani::cli::kInternal;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  villani::numerics::keep_freed_memory();  // before the first large allocation (numerics/memory.hpp)
  if (argc < 2) {
    usage(std::cerr);
    return villani::cli::kBadInput;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    usage(std::cout);
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "villani " VILLANI_VERSION "\n";
    return 0;
  }
  if (const auto* c = local_command(cmd)) {
    std::string prog = "villani " + cmd;
    std::vector<char*> args;
    args.push_back(prog.data());
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    return villani::cli::run_guarded(cmd, [&] { return c->run(static_cast<int>(args.size()), args.data()); });
  }
#ifdef VILLANI_DELEGATE
  if (available(cmd)) return delegate(argv);
#endif
  std::cerr << "villani: bad input: command: unknown command '" << cmd << "'\n\n";
  usage(std::cerr);
  return villani::cli::kBadInput;
}
