// Companion claims (THEORY.md §6) for `villani reproduce`. No LibTorch in this header.
#pragma once
#include "validators/claims.hpp"

namespace villani::experiments::companion {

/// "boursier-orthogonal-2n", "boursier-cover-count", "boursier-convex-certificate",
/// "l2-sgd-equivalence", "adam-l2-vs-adamw", "scale-invariance-orthogonal-gradient",
/// "kfac-effective-damping", "minimizer-moves-with-lambda". Defaults run in seconds on 2 cores; --full uses the acceptance
/// sizes (n = 4…8, 20 seeds).
void register_companion_claims(validators::Registry& r);

}  // namespace villani::experiments::companion
