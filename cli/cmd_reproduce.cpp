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
      "evidence and the command that re-runs it, after a table of explicit\n"
      "constants on a default grid.",
      "villani reproduce"};
  // Options bind straight to ReproduceOptions; only --format needs parsing afterwards.
  ReproduceOptions o;
#ifdef VILLANI_SOURCE_DIR
  o.results_dir = std::string(VILLANI_SOURCE_DIR) + "/experiments/results";
#endif
  std::string format = "table";
  bool strict = false;
  app.add_option("--format", format, "table|markdown|json")->capture_default_str();
  app.add_option("--out", o.out_dir, "write report.md, report.json (updated after every claim)");
  app.add_flag("--full", o.full, "larger versions of each check");
  app.add_option("--device", o.device, "cpu|cuda for the experiment claims")->capture_default_str();
  app.add_flag("--strict", strict, "exit 1 when any claim is violated");
  app.add_option("--only", o.only, "run only claims whose id contains this text");
  app.add_option("--results", o.results_dir,
                 "directory of recorded runs whose claim.json files are included (labelled "
                 "with their device and date)")->capture_default_str();
  add_quiet_flag(app, o.quiet);
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  o.format = parse_format(format, {Format::Table, Format::Markdown, Format::Json});
  if (o.device != "cpu" && o.device != "cuda" && o.device != "auto")
    throw InputError("--device", "expected cpu|cuda|auto; got '" + o.device + "'");
  const ReproduceSummary s = run_reproduce_all(o, std::cout, std::cerr);
  if (s.interrupted) return 130;  // 128 + SIGINT; the report holds every claim decided so far
  return (strict && s.violated > 0) ? kViolation : kOk;
}

const Registrar reg{{"reproduce", run_reproduce}};

}  // namespace
}  // namespace villani::cli
