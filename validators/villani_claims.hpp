// Claims of arXiv:2605.06599 about the landscape itself, decided by the Villani criteria
// (validators/villani_check.hpp) on the reference models (numerics/models presets):
// C^∞ per architecture, quadratic growth, Gaussian tails, the growth condition for every s,
// and the measured quadratic growth of Ψ_s with its predicted coefficient λ²/s.
#pragma once
#include "validators/claims.hpp"

namespace villani::validators {

/// Registers cinf-<architecture> (logistic, mlp-gelu, tiny-transformer, mlp-relu),
/// quadratic-growth, gaussian-tails, growth-condition-all-s, psi-growth-quadratic and
/// psi-growth-coefficient.
void register_villani_claims(Registry& r);

}  // namespace villani::validators
