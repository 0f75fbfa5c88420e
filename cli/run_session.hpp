// What the companion kinds of `villani run` (boursier, l2-vs-decoupled, mechanisms) share:
// --format/--out/--quiet, parsing (--help, bad input → exit 2), the run record (config.json,
// hardware.json, metrics.jsonl, summary.json) and the printed/written tables; and the integer and
// number lists their options take. No LibTorch: `run boursier` uses it in every build.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "experiments/run_record.hpp"

namespace villani::cli {

/// "4:8" (inclusive integer range) or "4,6,8" or a mixture; empty text gives an empty list.
/// InputError naming `arg` on a malformed item or a range that runs downwards or over > 1000.
inline constexpr std::size_t kMaxIntListItems = 1000;
/// Integers "4,6,8" and ranges "4:8" (at most 1000 integers each, kMaxIntListItems in all).
std::vector<int> int_list(const std::string& arg, const std::string& text);

/// A LIST (cli/lists.hpp) as doubles.
std::vector<double> num_list(const std::string& arg, const std::string& text);

/// host_info() with the git revision and device "cpu", for hardware.json.
nlohmann::json run_hardware();

/// Whether gnuplot is on PATH (plots are rendered to SVG only then).
bool have_gnuplot();

class RunSession {
 public:
  RunSession(CLI::App& app, std::string kind);
  /// False when the command is done (help printed or a parse error); exit_code() then says how.
  bool parse(int argc, char** argv);
  int exit_code() const { return code_; }
  const std::string& out() const { return out_; }
  bool recording() const { return rec_.has_value(); }
  /// Opens the run record when --out was given; config gets "kind".
  void open(nlohmann::json config);
  /// Appends one metrics line (numbered when it has no "step").
  void append(nlohmann::json m);
  /// A callback that appends each result to the record and shows the count on stderr.
  std::function<void(const nlohmann::json&)> recorder();
  /// recorder() for a typed result (a cell, a step): each goes into the record as to_json(result),
  /// the record format declared beside the result's type and found by argument-dependent lookup.
  template <class Result>
  std::function<void(const Result&)> recorder_for() {
    return [rec = recorder()](const Result& x) { rec(to_json(x)); };
  }
  /// Writes summary.json and <stem>.md/.csv per table to the record; prints the tables (or the
  /// summary for --format json).
  int finish(const nlohmann::json& summary, const std::vector<std::pair<std::string, Table>>& tables);

 private:
  CLI::App& app_;
  std::string kind_, format_ = "table", out_;
  Format fmt_ = Format::Table;
  std::optional<experiments::RunRecord> rec_;
  int code_ = 0;
  bool quiet_ = false;
  std::unique_ptr<Progress> progress_;
  long records_ = 0;
};

/// A table cell of the companion kinds: 4 significant digits.
std::string g4(double x);

}  // namespace villani::cli
