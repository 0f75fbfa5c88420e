#include "numerics/psi.hpp"

#include <cmath>
#include <fmt/format.h>

#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"

namespace villani::numerics {

PsiResult psi(const Objective& f, const Vec& theta, double s, const PsiOptions& o) {
  check_positive("s", s);
  if (theta.size() != f.dim())
    throw InputError("theta", fmt::format("{}: expected {} parameters; got {}", f.name(), f.dim(),
                                          theta.size()));
  if (!theta.allFinite()) throw InputError("theta", f.name() + ": parameters contain NaN or inf");
  PsiResult r;
  r.s = s;
  const Vec g = f.gradient(theta);
  r.grad_norm_sq = g.squaredNorm();
  if (f.has_exact_laplacian() && !o.force_estimate) {
    r.laplacian = f.laplacian(theta);
    r.path = LaplacianPath::Exact;
    r.method = "exact";
  } else {
    const HessianOperator h(f, theta);
    const TraceEstimate t = estimate_trace(h, o.method, o.matvecs, o.probe, o.seed);
    r.laplacian = t.estimate;
    r.standard_error = t.standard_error;
    r.path = LaplacianPath::Estimated;
    r.method = t.method;
    r.hvps = t.matvecs;
  }
  if (!std::isfinite(r.laplacian) || !std::isfinite(r.grad_norm_sq))
    throw DomainError(fmt::format("{}: Ψ_s undefined at θ: ΔF = {}, ‖∇F‖² = {}", f.name(),
                                  r.laplacian, r.grad_norm_sq));
  r.psi_s = -r.laplacian + r.grad_norm_sq / s;
  r.psi_2s = -r.laplacian + r.grad_norm_sq / (2.0 * s);
  return r;
}

const char* to_string(LaplacianPath p) { return p == LaplacianPath::Exact ? "exact" : "estimated"; }

}  // namespace villani::numerics
