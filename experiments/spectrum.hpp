// Extreme Hessian eigenvalues of any numerics::Objective for the runs: a thin call of
// numerics::extreme_eigenvalues (restarted Lanczos) on Objective::hessian_at(θ). No LibTorch.
#pragma once
#include <cstdint>
#include <string>

#include "numerics/objective.hpp"

namespace villani::experiments {

struct EigenEstimate {
  double value = 0;
  bool converged = false;
  long hvps = 0;
  std::string status;
  double residual = 0;  ///< ‖∇²f y − value·y‖ (an eigenvalue lies within it)
};

/// Largest (which = "top") or smallest ("bottom") algebraic eigenvalue of ∇²f(θ).
/// The Lanczos start vector is N(0, I) from `seed`, so two objectives that differ by λI give
/// Krylov spaces that are identical and Ritz values that differ by exactly λ.
EigenEstimate hessian_extreme(const numerics::Objective& f, const numerics::Vec& theta, const std::string& which,
                              std::uint64_t seed, double tol = 1e-10, int ncv = 0, int maxit = 300);

}  // namespace villani::experiments
