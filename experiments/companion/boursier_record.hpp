// The run-record format of `villani run boursier`: each cell of boursier.hpp as one metrics.jsonl
// line and the whole result as summary.json. The same JSON is what `--format json` prints and what
// the Boursier claims keep as ClaimResult::details, so there is one conversion, here, for all
// three. Absent values (std::nullopt) are written as null where the key has always been present
// and left out where it has always been optional. No LibTorch.
#pragma once
#include <nlohmann/json.hpp>

#include "experiments/companion/boursier.hpp"

namespace villani::experiments::companion {

/// {"family", "n", "d", "m", "init_scale", "seeds", "global", "spurious", "undecided",
///  "success_fraction", "p_star", "max_certified_gap_global", "rel_tol", "min_excess_spurious"
///  (null: none spurious), "max_final_grad_norm", "mean_steps"[, "predicted_success"]}.
nlohmann::json to_json(const BoursierCell& c);
/// {"family", "n", "d", "init_scale", "m_half", "m_half_fit", "two_pow_n", "n_pow_d", "pattern_count"
///  [, "m_half_predicted", "m_half_predicted_grid"]}.
nlohmann::json to_json(const BoursierTransition& t);
/// {"family", "n", "d", "patterns", "cover_count", "value", "dual_lower", "gap", "iterations",
///  "active_neurons", "closed_form", "abs_error_vs_closed_form"}.
nlohmann::json to_json(const BoursierConvex& c);
/// {"init_scale", "points"[, "slope_log2_m_half_vs_n", "intercept"]}.
nlohmann::json to_json(const BoursierFit& f);
/// {"cells": [...], "transitions": [...], "convex": [...], "fit": [...], "beta", "labels"}.
nlohmann::json to_json(const BoursierResult& r);

}  // namespace villani::experiments::companion
