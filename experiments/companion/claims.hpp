// Companion claims (docs/theory.md §6) for `villani reproduce`. No LibTorch in this header.
#pragma once
#include "validators/claims.hpp"

namespace villani::experiments::companion {

/// "boursier-orthogonal-2n", "boursier-cover-count", "boursier-convex-certificate": two-layer ReLU
/// networks with an ℓ2 penalty in plain Eigen double (boursier_claims.cpp, no LibTorch, part of
/// villani_experiments_core), so every build registers them. Defaults run in seconds on 2 cores;
/// --full uses the acceptance sizes (n = 4…8, 20 seeds).
void register_boursier_claims(validators::Registry& r);

/// "l2-sgd-equivalence", "adam-l2-vs-adamw", "scale-invariance-orthogonal-gradient",
/// "kfac-effective-damping", "minimizer-moves-with-lambda": LibTorch's optimizers and autograd
/// (claims.cpp, calling torch_checks.cpp), so only a build with LibTorch has them.
void register_torch_companion_claims(validators::Registry& r);

}  // namespace villani::experiments::companion
