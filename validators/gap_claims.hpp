// Claims decided by the low-dimensional exact computations of `villani gap` (issue 4).
#pragma once
#include "validators/claims.hpp"

namespace villani::validators {

/// Registers "cls-bound-double-well": C_LS ≤ 1/λ + d/λ² tested against the computed C_P of
/// L = 10·exp(−t²/2), λ = s = 1 (d = 1), with its Muckenhoupt bracket and variance lower bound.
void register_gap_claims(Registry& r);

}  // namespace villani::validators
