// The finite-number guard at the output edge (issue 15): no result is printed or written with
// a NaN or an infinity in it. Numbers beyond the wide range are "overflow (…)" strings
// (wide_json in cli/output.hpp); anything else non-finite is refused here, naming where it is.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/output.hpp"

namespace villani::cli {

/// The finite-number guard at the output edge (issue 15): a result about to be printed or
/// written holds a non-finite number. run_guarded reports it (exit 3) with where it was.
struct NonFiniteOutput : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// Throws NonFiniteOutput naming the JSON path of the first NaN/inf number (nlohmann would print
/// it as null) or of a string that spells inf/nan. `what` names the document.
void require_finite(const nlohmann::json& doc, const std::string& what);
/// Throws NonFiniteOutput naming the row and column of the first cell that is inf or nan.
void require_finite(const Table& t);
/// For results whose magnitudes may leave double's range (metastable C_P ≈ e^{ΔV/s}): replaces
/// every ±inf number in `doc` by null and returns the JSON paths it replaced (sorted), so that the
/// document can say which values lie beyond double range (their log10 siblings carry them). A NaN
/// is left in place for require_finite to refuse: it is a bug, not a large number.
std::vector<std::string> null_beyond_double(nlohmann::json& doc);
/// require_finite, then doc.dump(2).
std::string dump_checked(const nlohmann::json& doc, const std::string& what);

}  // namespace villani::cli
