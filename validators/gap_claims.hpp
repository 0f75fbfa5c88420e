// Claims decided by the low-dimensional exact computations of `villani gap` (issue 4).
#pragma once
#include <string>

#include "validators/claims.hpp"

namespace villani::validators {

/// The preprint's C_LS ≤ 1/λ + d/λ² against the computed C_P of the loss `loss` (an expression in
/// t, or t1 and t2) at λ and s, through gap_report: the verdict is the one `villani gap` prints
/// (details "paper_c_ls_bound" is its claims.paper_c_ls_bound object). `grid` as `villani gap
/// --grid`; 0: its default, four times finer with ctx.full. A C_P that cannot be warranted
/// (NotConverged) is inconclusive.
ClaimResult check_paper_bound(const std::string& loss, double lambda, double s, const CheckContext& ctx,
                              int grid = 0);

/// Registers "cls-bound-double-well": check_paper_bound for L = 10·exp(−t²/2), λ = s = 1 (d = 1),
/// with its Muckenhoupt bracket and variance lower bound.
void register_gap_claims(Registry& r);

}  // namespace villani::validators
