#include "cli/command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "numerics/errors.hpp"

namespace villani::cli {

namespace {
std::vector<CommandInfo>& registry() {
  static std::vector<CommandInfo> r;
  return r;
}
}  // namespace

void register_command(CommandInfo info) {
  auto& r = registry();
  r.push_back(std::move(info));
  std::sort(r.begin(), r.end(),
            [](const CommandInfo& a, const CommandInfo& b) { return a.name < b.name; });
}

const std::vector<CommandInfo>& commands() { return registry(); }

int run_guarded(const std::string& command, const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const InputError& e) {
    std::cerr << "villani " << command << ": bad input: " << e.what() << "\n";
    return kBadInput;
  } catch (const CLI::ParseError& e) {
    std::cerr << "villani " << command << ": bad input: " << e.what() << "\n";
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "villani " << command << ": internal error: " << e.what() << "\n";
    return kInternal;
  }
}

}  // namespace villani::cli
