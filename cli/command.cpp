#include "cli/command.hpp"

#include "numerics/distributed.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/catalog.hpp"
#include "cli/finite.hpp"
#include "cli/strict_integers.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {

namespace {
std::vector<CommandInfo>& registry() {
  static std::vector<CommandInfo> r;
  return r;
}
}  // namespace

void register_command(CommandInfo info) {
  if (find_in_catalog(info.name) == nullptr) {
    std::fprintf(stderr, "villani: internal error: command '%s' is missing from cli/catalog.cpp\n", info.name.c_str());
    std::abort();
  }
  auto& r = registry();
  r.push_back(std::move(info));
  std::sort(r.begin(), r.end(),
            [](const CommandInfo& a, const CommandInfo& b) { return a.name < b.name; });
}

const std::vector<CommandInfo>& commands() { return registry(); }

void strict_integers(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const std::string type = opt->get_type_name();
    const bool is_unsigned = type.rfind("UINT", 0) == 0;
    if (!is_unsigned && type.rfind("INT", 0) != 0) continue;
    opt->transform(CLI::Validator(
        [is_unsigned](std::string& s) -> std::string {
          std::size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
          bool ok = i < s.size() && !(is_unsigned && s[0] == '-');
          for (std::size_t k = i; ok && k < s.size(); ++k) ok = s[k] >= '0' && s[k] <= '9';
          if (!ok)
            return std::string("expected ") + (is_unsigned ? "a non-negative" : "a") + " decimal integer; got '" + s + "'";
          // Leading zeros are decimal, not octal: strip them before CLI11 converts in base 0.
          const std::size_t nz = s.find_first_not_of('0', i);
          s = s.substr(0, i) + (nz == std::string::npos ? "0" : s.substr(nz));
          return "";
        },
        ""));
  }
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  strict_integers(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help (and any other request that ends the command)
    return app.exit(e);
  }
  return std::nullopt;
}

int run_guarded(const std::string& command, const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const InputError& e) {
    std::cerr << "villani " << command << ": bad input: " << e.what() << "\n";
    return kBadInput;
  } catch (const CLI::ParseError& e) {
    std::cerr << "villani " << command << ": bad input: " << e.what() << "\n";
    return kBadInput;
  } catch (const numerics::DistributedError& e) {
    std::cerr << "villani " << command << ": lost rank: " << e.what() << "\n";
    return kLostRank;
  } catch (const NotConverged& e) {
    std::cerr << "villani " << command << ": inconclusive: " << e.what()
              << (e.remedy().empty() ? "" : ". What would settle it: " + e.remedy()) << "\n";
    return kBadInput;
  } catch (const NonFiniteOutput& e) {
    std::cerr << "villani " << command << ": internal error: non-finite result: " << e.what() << "\n";
    return kInternal;
  } catch (const std::bad_alloc&) {
    std::cerr << "villani " << command
              << ": internal error: out of memory (an input sized an allocation beyond what the machine has)\n";
    return kInternal;
  } catch (const std::exception& e) {
    std::cerr << "villani " << command << ": internal error: " << e.what() << "\n";
    return kInternal;
  }
}

}  // namespace villani::cli
