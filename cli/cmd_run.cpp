// villani run KIND [options]: dispatches to the registered experiment kinds.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/run_registry.hpp"

namespace villani::cli {
namespace {

bool registered(const std::string& name) {
  for (const auto& k : run_kinds())
    if (k.name == name) return true;
  return false;
}

/// The kinds that need LibTorch and are not in this build (all of them without LibTorch, none with).
std::vector<std::string> missing_torch_kinds() {
  std::vector<std::string> out;
  for (const auto& k : torch_run_kind_names())
    if (!registered(k)) out.push_back(k);
  return out;
}

void usage(std::ostream& os) {
  os << "usage: villani run KIND [options]   (villani run KIND --help)\n\nkinds:\n";
  for (const auto& k : run_kinds()) {
    os << "  " << k.name;
    for (std::size_t i = k.name.size(); i < 18; ++i) os << ' ';
    os << k.summary << "\n";
  }
  const auto missing = missing_torch_kinds();
  if (missing.empty()) return;
  os << "\nkinds that need LibTorch (this build has none):";
  for (const auto& k : missing) os << ' ' << k;
  os << "\n";
}

int run_run(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return kBadInput;
  }
  const std::string kind = argv[1];
  if (kind == "--help" || kind == "-h") {
    usage(std::cout);
    return kOk;
  }
  for (const auto& k : run_kinds()) {
    if (k.name != kind) continue;
    std::string prog = "villani run " + kind;
    std::vector<char*> args{prog.data()};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    return k.run(static_cast<int>(args.size()), args.data());
  }
  const auto missing = missing_torch_kinds();
  if (std::find(missing.begin(), missing.end(), kind) != missing.end()) {
    std::cerr << "villani run: bad input: KIND: '" << kind << "' needs LibTorch: this build has none "
                 "(configure with LibTorch: cmake --preset default)\n";
    return kBadInput;
  }
  std::cerr << "villani run: bad input: KIND: unknown kind '" << kind << "'\n";
  usage(std::cerr);
  return kBadInput;
}

const Registrar reg{{"run", run_run}};

}  // namespace
}  // namespace villani::cli
