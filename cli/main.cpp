// villani: checks theory about weight decay and loss landscapes against computation.
#include <cstring>
#include <iostream>

#include "cli/command.hpp"

#ifndef VILLANI_VERSION
#define VILLANI_VERSION "0.0.0"
#endif

namespace {
void usage(std::ostream& os) {
  os << "villani " VILLANI_VERSION
        " — checks claims about weight decay and Villani loss landscapes against computation\n\n"
        "usage: villani <command> [options]   (villani <command> --help for each)\n\ncommands:\n";
  for (const auto& c : villani::cli::commands()) {
    os << "  " << c.name;
    for (std::size_t i = c.name.size(); i < 12; ++i) os << ' ';
    os << c.summary << "\n";
  }
  os << "\nexit codes: 0 done; 1 a check found a violation (with --strict); 2 bad input; "
        "3 internal error; 4 a rank of a data-parallel run was lost\n";
}
}  // namespace

int main(int argc, char** argv) {
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
  for (const auto& c : villani::cli::commands()) {
    if (c.name == cmd) {
      std::string prog = "villani " + cmd;
      std::vector<char*> args;
      args.push_back(prog.data());
      for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
      return villani::cli::run_guarded(cmd, [&] {
        return c.run(static_cast<int>(args.size()), args.data());
      });
    }
  }
  std::cerr << "villani: bad input: command: unknown command '" << cmd << "'\n\n";
  usage(std::cerr);
  return villani::cli::kBadInput;
}
