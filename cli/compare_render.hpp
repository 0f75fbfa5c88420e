// `villani compare` at the CLI edge: its Comparison (experiments/compare.hpp) as JSON, as
// cli::Tables, and as gnuplot scripts + SVG plots.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/output.hpp"
#include "experiments/compare.hpp"

namespace villani::cli {

/// {"tables": [{"title", "columns": [[text, right]...], "rows": [[cell...]...], "notes": [...]}...],
///  "records": [...], "consistent", "inconsistent": [...][, "notes_incomplete": [dir...]]
///  [, "pacbayes_trend", "pacbayes_vacuous", "pacbayes_tightens", "pacbayes_best_lambda",
///  "pacbayes_curve" (two pacbayes λ or more)]}: the output of --format json and compare.json.
nlohmann::json comparison_json(const experiments::Comparison& c);

Table to_table(const experiments::TextTable& t);

/// Writes gnuplot scripts and, when gnuplot is installed, SVG plots into out_dir; returns the
/// files written (SVGs only when gnuplot succeeded).
std::vector<std::string> write_plots(const experiments::Comparison& c, const std::string& out_dir);

}  // namespace villani::cli
