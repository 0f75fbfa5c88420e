// The run-record format of `villani run l2-vs-decoupled` and `villani run mechanisms`: each
// typed result of torch_checks.hpp as the JSON that goes into metrics.jsonl (one step per line)
// and summary.json. The same JSON is what `--format json` prints and what the companion claims
// keep as ClaimResult::details, so there is one conversion, here, for all three. No LibTorch.
#pragma once
#include <nlohmann/json.hpp>

#include "experiments/companion/torch_checks.hpp"

namespace villani::experiments::companion {

/// One metrics line: {"step", "sgd_l2_vs_decoupled_rel", "loss_sgd_l2", "adam_vs_adamw_rel", …}.
nlohmann::json to_json(const DecoupledStep& s);
/// {"steps", "lr", "adam_lr", "lambda", "decoupled_lambda", "dtype", "sgd": {…}, "adam": {…},
///  "adamw_convention": {…, "convention": to_string(AdamWConvention)}}.
nlohmann::json to_json(const DecoupledResult& r);
nlohmann::json to_json(const MinimizerPathRow& r);
/// {"model", "parameters", "grad_loss_at_zero_norm", "rows": [...], "monotone_decreasing", …, "dtype"}.
nlohmann::json to_json(const MinimizerPathResult& r);
/// A training step: {"step", "decay", "loss", "w_norm_sq", "effective_lr", "kfac_effective_damping",
/// "cos_grad_w"}; a minimizer-path row: the row's keys with "section": "minimizer_path" and "step".
nlohmann::json to_json(const MechanismStep& s);
/// {"minimizer_path": {…}, "scale_invariant": {…, "runs": {"without_decay", "with_decay"}},
///  "gauss_newton": {"depth", …, "runs": {…}}, "steps", "lr", "lambda", "kfac_damping", "dtype"}.
nlohmann::json to_json(const MechanismResult& r);

}  // namespace villani::experiments::companion
