// villani reproduce: every registered claim, one command, one report (issue 8 grows this).
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <iostream>
#include <unistd.h>

#include "cli/command.hpp"
#include "cli/strict_integers.hpp"
#include "cli/constants_table.hpp"
#include "cli/progress.hpp"
#include "cli/reproduce.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

int run_reproduce(int argc, char** argv) {
  CLI::App app{
      "Runs every claim of arXiv:2605.06599 and its companion papers that villani can check,\n"
      "prints a verdict per claim (holds | violated | inconclusive | not-applicable) with its\n"
      "evidence and the command that re-runs it at larger scale, after a table of explicit\n"
      "constants on a default grid.",
      "villani reproduce"};
  std::string format = "table", out, device = "cpu", only;
#ifdef VILLANI_SOURCE_DIR
  std::string results = std::string(VILLANI_SOURCE_DIR) + "/experiments/results";
#else
  std::string results;
#endif
  bool full = false, strict = false, quiet = false;
  app.add_option("--format", format, "table|markdown|json")->capture_default_str();
  app.add_option("--out", out, "write report.md, report.json (updated after every claim)");
  app.add_flag("--full", full, "larger versions of each check");
  app.add_option("--device", device, "cpu|cuda for the experiment claims")->capture_default_str();
  app.add_flag("--strict", strict, "exit 1 when any claim is violated");
  app.add_option("--only", only, "run only claims whose id contains this text");
  app.add_option("--results", results,
                 "directory of recorded runs whose claim.json files are included (labelled "
                 "with their device and date)")->capture_default_str();
  add_quiet_flag(app, quiet);
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  ReproduceOptions o;
  o.format = parse_format(format, {Format::Table, Format::Markdown, Format::Json});
  o.out_dir = out;
  o.full = full;
  o.device = device;
  o.only = only;
  o.results_dir = results;
  o.quiet = quiet;
  if (device != "cpu" && device != "cuda" && device != "auto")
    throw InputError("--device", "expected cpu|cuda|auto; got '" + device + "'");
  const ReproduceSummary s = run_reproduce_all(o, std::cout, std::cerr);
  if (s.interrupted) return 130;  // 128 + SIGINT; the report holds every claim decided so far
  return (strict && s.violated > 0) ? kViolation : kOk;
}

const Registrar reg{{"reproduce", run_reproduce}};

}  // namespace
}  // namespace villani::cli
