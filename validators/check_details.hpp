// One criterion of a CheckReport (validators/check_report.hpp) as JSON: the object a claim
// records in ClaimResult::details (villani_claims.cpp) and `villani check --format json` prints
// under "criteria" (cli/check_render.cpp). One writer for both, so they cannot drift apart.
// Keys: "verdict" (criterion words: holds | fails | inconclusive), "evidence", "reason" when
// inconclusive, then the criterion's own numbers (docs/check.md).
#pragma once
#include <nlohmann/json.hpp>

#include "validators/check_report.hpp"

namespace villani::validators {

nlohmann::json criterion_json(const CheckCriteria& criteria, CheckCriterion which);

}  // namespace villani::validators
