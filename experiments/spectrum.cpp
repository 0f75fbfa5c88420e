#include "experiments/spectrum.hpp"

#include "numerics/errors.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/linear_operator.hpp"

namespace villani::experiments {

EigenEstimate hessian_extreme(const numerics::Objective& f, const numerics::Vec& theta, const std::string& which,
                              std::uint64_t seed, double tol, int ncv, int maxit) {
  if (which != "top" && which != "bottom") throw DomainError("hessian_extreme: which must be top|bottom");
  const Eigen::Index d = f.dim();
  if (d < 3) throw InputError("model", "Lanczos needs d >= 3");
  numerics::LanczosOptions o;
  o.method = numerics::EigenMethod::RestartedLanczos;
  o.ncv = ncv > 0 ? ncv : std::min<Eigen::Index>(d, 30);
  o.max_restarts = maxit;
  o.tolerance = tol;
  o.seed = seed;
  o.report_unconverged = true;
  o.dense_threshold = 0;
  const auto h = f.hessian_at(theta);  // a LibTorch loss reuses its gradient graph
  const auto r = numerics::extreme_eigenvalues(
      *h, 1, which == "top" ? numerics::EigenWhich::Largest : numerics::EigenWhich::Smallest, o);
  EigenEstimate e;
  e.hvps = static_cast<long>(r.matvecs);
  e.converged = r.status == numerics::EigenStatus::Converged;
  e.status = e.converged ? "converged" : "not converged (Ritz value reported)";
  e.value = r.values.size() > 0 ? r.values[0] : std::nan("");
  e.residual = r.residuals.size() > 0 ? r.residuals[0] : std::nan("");
  return e;
}

}  // namespace villani::experiments
