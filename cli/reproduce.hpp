// The engine behind `villani reproduce`: builds the claim registry, runs each check, prints
// progress and verdicts, and rewrites the --out report after every claim (atomically), so an
// interrupted run keeps every claim already decided.
#pragma once
#include <iosfwd>
#include <string>

#include "cli/output.hpp"
#include "validators/claims.hpp"

namespace villani::cli {

struct ReproduceOptions {
  Format format = Format::Table;
  std::string out_dir;
  bool full = false;
  std::string device = "cpu";
  std::string only;  ///< run only claims whose id contains this (empty: all)
  /// Directory of recorded runs (e.g. GPU runs committed under experiments/results/). Every
  /// `claim.json` found one level below it is included in the report, labelled with the device
  /// and date it records. Empty: none.
  std::string results_dir;
  bool quiet = false;  ///< no progress on stderr (claim i of n and its id)
};

/// Reads recorded claim verdicts (`<dir>/*/claim.json`); malformed files are reported as
/// inconclusive entries naming the file, never dropped silently.
nlohmann::json recorded_claims(const std::string& results_dir);

struct ReproduceSummary {
  int holds = 0, violated = 0, inconclusive = 0, not_applicable = 0, errors = 0;
  bool interrupted = false;
};

/// Every claim villani knows (theory, gap, validators, experiments when built with Torch).
validators::Registry build_registry();

ReproduceSummary run_reproduce_all(const ReproduceOptions& o, std::ostream& out, std::ostream& err);

}  // namespace villani::cli
