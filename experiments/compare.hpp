// `villani compare DIR…`: reads run records (never live state) and sets measured rates and
// bounds beside theory/'s predictions (THEORY.md §2, §4, §5). No LibTorch, no cli/ types:
// returns JSON tables that the command renders.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace villani::experiments {

/// Every run record under the given directories (a directory holding config.json, searched to
/// depth 3), sorted by path. InputError("DIR") when a path is missing or holds no record.
std::vector<std::string> find_records(const std::vector<std::string>& dirs);

/// {"tables": [{"title", "columns": [[text, right]...], "rows": [[cell...]...], "notes": [...]}...],
///  "records": [...per-record details...], "consistent": bool, "inconsistent": [...]}
/// InputError("DIR") for a damaged record, a kind with no table, an empty record, or an
/// incomplete one (interrupted run) unless allow_incomplete.
nlohmann::json compare_records(const std::vector<std::string>& records, bool allow_incomplete = false);

/// The shape of a bound against λ: the λ minimising it and whether it decreases up to there.
struct LambdaCurve {
  double best_lambda = 0;
  bool tightens = false;  ///< the minimum lies above the smallest λ, lower than its value there by > tol
  std::string text;       ///< "decreases with λ from … to its minimum … at λ* = …, then grows …"
  nlohmann::json json;    ///< {"lambda": [...], "value": [...], "best_lambda", "best_value", ...}
};
/// tol: differences up to it count as flat (the Monte Carlo train risk alone moves certificates
/// by a few 1e-3 between seeds).
LambdaCurve lambda_curve(std::vector<std::pair<double, double>> lambda_value, double tol = 0.01);

/// Writes gnuplot scripts and, when gnuplot is installed, SVG plots into out_dir; returns the
/// files written (SVGs only when gnuplot succeeded).
std::vector<std::string> write_plots(const nlohmann::json& comparison, const std::string& out_dir);

}  // namespace villani::experiments
