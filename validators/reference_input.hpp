// A reference model (numerics/models) as the input of the Villani criteria: the loss, its
// declared non-smooth operations, and its 50/100-digit evaluator for the precision ladder.
// Shared by `villani check` (cli/check_sources.cpp) and the reproduce claims.
#pragma once
#include <memory>
#include <string>

#include "numerics/models/presets.hpp"
#include "validators/villani_check.hpp"

namespace villani::validators {

/// 50/100-digit F, ΔF, ‖∇F‖² of a reference model, rounded to double.
PreciseEvaluator precise_evaluator(std::shared_ptr<const numerics::models::ReferenceModel> m);

/// The CheckInput of a reference model: loss, audit (its nonsmooth_ops()), precise evaluator.
CheckInput reference_check_input(std::shared_ptr<const numerics::models::ReferenceModel> m,
                                 const std::string& label, const std::string& audit_source);

}  // namespace villani::validators
