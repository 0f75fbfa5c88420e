// The table behind `villani constants` (and the constants section of `villani reproduce`).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/output.hpp"
#include "theory/routes.hpp"

namespace villani::cli {

struct ConstantsOptions {
  std::vector<Wide> lambdas, dims, temperatures{Wide(1)};
  std::optional<Wide> curvature_floor, oscillation, hessian_bound;
  std::optional<theory::LyapunovInputs> lyapunov;
  Wide epsilon{"0.01"};  ///< target KL for the SGLD plan
  Wide kl0{1};           ///< initial KL for the SGLD plan
};

/// One JSON object per (λ, d, s) (docs/constants.md documents every key).
nlohmann::json constants_rows(const ConstantsOptions& o);
/// The printable table of those rows.
Table constants_table(const nlohmann::json& rows);

}  // namespace villani::cli
