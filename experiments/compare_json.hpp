// The JSON form of what compare finds per record and of the PAC-Bayes λ curve: the claim details
// of experiments-sgld-exponential-rate and experiments-pacbayes-lambda (ClaimResult::details is
// JSON) and the "records" and "pacbayes_curve" of `villani compare --format json` (cli/
// compare_render.cpp renders the rest); one conversion for both, so the two never drift.
#pragma once
#include <nlohmann/json.hpp>

#include "experiments/compare.hpp"

namespace villani::experiments {

/// {"dir", "kind", "complete"[, "lambda"][, "measured", "predicted", "verdicts", "t0" (sgld)]}
nlohmann::json to_json(const RecordComparison& r);
/// {"lambda": [...], "value": [...], "best_lambda", "best_value", "decreasing_to_best",
///  "increasing_after_best", "tolerance"}
nlohmann::json to_json(const LambdaCurve& c);

}  // namespace villani::experiments
