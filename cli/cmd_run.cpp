// villani run KIND [options]: dispatches to the registered experiment kinds.
#include <iostream>
#include <vector>

#include "cli/command.hpp"
#include "cli/run_registry.hpp"

namespace villani::cli {
namespace {

void usage(std::ostream& os) {
  os << "usage: villani run KIND [options]   (villani run KIND --help)\n\nkinds:\n";
  if (run_kinds().empty()) os << "  (none built: this villani was built without LibTorch)\n";
  for (const auto& k : run_kinds()) {
    os << "  " << k.name;
    for (std::size_t i = k.name.size(); i < 18; ++i) os << ' ';
    os << k.summary << "\n";
  }
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
  std::cerr << "villani run: bad input: KIND: unknown kind '" << kind << "'\n";
  usage(std::cerr);
  return kBadInput;
}

const Registrar reg{{"run", run_run}};

}  // namespace
}  // namespace villani::cli
