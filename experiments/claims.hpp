// Claims decided by measured runs (issue 6) for `villani reproduce`. No LibTorch in this header.
#pragma once
#include "validators/claims.hpp"

namespace villani::experiments {

/// "experiments-hessian-lambda-shift", "experiments-sgld-exponential-rate",
/// "experiments-pacbayes-lambda". Each check finishes in well under a minute on CPU.
void register_experiment_claims(validators::Registry& r);

}  // namespace villani::experiments
