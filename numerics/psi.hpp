// The Villani diagnostic (docs/theory.md §1) for any Objective F:
//   Ψ_s(θ) = −ΔF(θ) + ‖∇F(θ)‖²/s,
// and Ψ_{2s}, the Lyapunov quantity for μ_s ∝ exp(−F/s) (L W / W = −Ψ_{2s}/(2s) for W = e^{F/(2s)}).
// ΔF = tr ∇²F is EXACT when F.has_exact_laplacian() (path "exact"), otherwise an ESTIMATE from
// Hessian-vector products by a trace estimator (path "estimated"); ‖∇F‖² is always computed
// from F.gradient(θ). The reported standard error is that of the Laplacian (0 on the exact path).
#pragma once
#include <cstdint>
#include <string>

#include "numerics/objective.hpp"
#include "numerics/trace.hpp"

namespace villani::numerics {

enum class LaplacianPath { Exact, Estimated };

struct PsiOptions {
  TraceMethod method = TraceMethod::XTrace;  ///< estimator when the Laplacian is not exact
  std::int64_t matvecs = 64;                 ///< Hessian-vector products for the estimator
  Probe probe = Probe::Rademacher;
  std::uint64_t seed = 1;
  bool force_estimate = false;  ///< estimate even when an exact Laplacian exists (cross-checks)
};

struct PsiResult {
  double s = 0.0;                 ///< temperature
  double psi_s = 0.0;             ///< Ψ_s(θ) (estimate when path == Estimated)
  double psi_2s = 0.0;            ///< Ψ_{2s}(θ)
  double standard_error = 0.0;    ///< of ΔF, hence of Ψ_s and Ψ_{2s}; 0 when exact
  double laplacian = 0.0;         ///< ΔF(θ)
  double grad_norm_sq = 0.0;      ///< ‖∇F(θ)‖²
  LaplacianPath path = LaplacianPath::Exact;
  std::string method;             ///< "exact" or the estimator's label ("xtrace(rademacher)")
  std::int64_t hvps = 0;          ///< Hessian-vector products used
};

/// Ψ_s and Ψ_{2s} at θ. Throws InputError("s", ...) unless s is finite and > 0,
/// InputError("theta", ...) when θ has the wrong size or a non-finite entry, and the trace
/// estimator's InputError("matvecs", ...) for too small a budget.
PsiResult psi(const Objective& f, const Vec& theta, double s, const PsiOptions& options = {});

/// Ψ_s(θ) = −ΔF + ‖∇F‖²/s: the formula itself, for callers that hold ΔF and ‖∇F‖² already.
inline double psi_value(double laplacian, double grad_norm_sq, double s) { return -laplacian + grad_norm_sq / s; }

/// Ψ_s and Ψ_{2s} from ΔF (with its standard error) and ‖∇F‖² (psi() and the curvature report
/// use it; check_engine and `run psi` still form Ψ_s themselves: issue 30). path/method/hvps are left for the caller.
/// Throws InputError("s") unless s is finite and > 0, DomainError when an input is not finite.
PsiResult psi_from_parts(double s, double laplacian, double standard_error, double grad_norm_sq);

const char* to_string(LaplacianPath p);

}  // namespace villani::numerics
