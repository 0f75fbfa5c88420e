// The rows behind `villani constants` and the constants section of `villani reproduce`
// (docs/theory.md §2, §4): for each (λ, d, s), every route, the tightest rigorous constants, the
// preprint's claim against the exact value at L ≡ 0, and the dynamics each pair predicts.
// A typed report: rendered (JSON, table) only by cli/constants_table.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "theory/dynamics.hpp"
#include "theory/routes.hpp"

namespace villani::theory {

struct ConstantsSettings {
  std::vector<Wide> lambdas, dims, temperatures{Wide(1)};
  std::optional<Wide> curvature_floor, oscillation, hessian_bound;
  std::optional<LyapunovInputs> lyapunov;
  Wide epsilon{"0.01"};  ///< target KL for the SGLD plan
  Wide kl0{1};           ///< initial KL for the SGLD plan
};

/// The dynamics predicted from one (C_P, C_LS) pair (docs/theory.md §4).
struct DynamicsPrediction {
  std::string basis;             ///< the C_LS route id, or "paper_claim"
  LangevinRates rates;
  Wide time_to_epsilon;          ///< continuous time to KL ≤ ε from KL_0
  std::optional<Wide> hessian_bound_f;  ///< L_F = λ + H; nullopt: no --hessian-bound (no SGLD plan)
  std::optional<UlaPlan> sgld;   ///< set exactly when hessian_bound_f is
};

struct ConstantsRow {
  Wide lambda, dim, temperature;
  bool pure_regularizer = false;       ///< no assumption on L given: the constants are L ≡ 0's
  std::vector<RouteResult> routes;     ///< all_routes order
  std::optional<Wide> best_c_p, best_c_ls;
  std::string best_c_p_route, best_c_ls_route;  ///< empty when none applies
  // The claim against the exact value at L ≡ 0 (always computable).
  Wide exact_c_ls_at_l0;                ///< s/λ
  Wide claimed_c_ls;                    ///< 1/λ + d/λ²
  Wide ratio_exact_over_claim;
  bool violated_at_l0 = false;          ///< exact > claimed
  std::optional<DynamicsPrediction> dynamics;  ///< from the best pair; nullopt: no rigorous pair
  DynamicsPrediction dynamics_claim;           ///< from the claim's pair

  const RouteResult& route(const std::string& id) const;  ///< std::out_of_range for an unknown id
};

/// One row per (λ, d, s) in that nesting order. Throws InputError for a bad query (validate()).
/// Rows of the grid λ × d × s; InputError("--lambda") naming the sizes when the grid has more
/// than kMaxConstantsRows rows.
inline constexpr long kMaxConstantsRows = 100000;
std::vector<ConstantsRow> constants_rows(const ConstantsSettings& o);

}  // namespace villani::theory
