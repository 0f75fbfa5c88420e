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
  const double g2 = f.gradient(theta).squaredNorm();
  if (f.has_exact_laplacian() && !o.force_estimate) {
    PsiResult r = psi_from_parts(s, f.laplacian(theta), 0.0, g2);
    r.path = LaplacianPath::Exact;
    r.method = "exact";
    return r;
  }
  const auto h = f.hessian_at(theta);
  const TraceEstimate t = estimate_trace(*h, o.method, o.matvecs, o.probe, o.seed);
  PsiResult r = psi_from_parts(s, t.estimate, t.standard_error, g2);
  r.path = LaplacianPath::Estimated;
  r.method = t.method;
  r.hvps = t.matvecs;
  return r;
}

PsiResult psi_from_parts(double s, double laplacian, double standard_error, double grad_norm_sq) {
  check_positive("s", s);
  if (!std::isfinite(laplacian) || !std::isfinite(grad_norm_sq) || !std::isfinite(standard_error))
    throw DomainError(fmt::format("Ψ_s undefined: ΔF = {}, ‖∇F‖² = {}", laplacian, grad_norm_sq));
  PsiResult r;
  r.s = s;
  r.laplacian = laplacian;
  r.standard_error = standard_error;
  r.grad_norm_sq = grad_norm_sq;
  r.psi_s = psi_value(laplacian, grad_norm_sq, s);
  r.psi_2s = psi_value(laplacian, grad_norm_sq, 2.0 * s);
  return r;
}

const char* to_string(LaplacianPath p) { return p == LaplacianPath::Exact ? "exact" : "estimated"; }

}  // namespace villani::numerics
