#include "experiments/spectrum.hpp"

#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <random>

#include "numerics/errors.hpp"

namespace villani::experiments {

namespace {
struct HessOp {
  using Scalar = double;
  const numerics::Objective* f;
  const numerics::Vec* theta;
  mutable long count = 0;
  Eigen::Index rows() const { return f->dim(); }
  Eigen::Index cols() const { return f->dim(); }
  void perform_op(const double* x, double* y) const {
    numerics::Vec v = Eigen::Map<const numerics::Vec>(x, f->dim());
    Eigen::Map<numerics::Vec>(y, f->dim()) = f->hvp(*theta, v);
    ++count;
  }
};
// Exposes the leading Ritz value even when Lanczos has not converged.
struct Solver : Spectra::SymEigsSolver<HessOp> {
  using Spectra::SymEigsSolver<HessOp>::SymEigsSolver;
  double leading_ritz() const { return this->m_ritz_val[0]; }
};
}  // namespace

EigenEstimate hessian_extreme(const numerics::Objective& f, const numerics::Vec& theta, const std::string& which,
                              std::uint64_t seed, double tol, int ncv, int maxit) {
  const Eigen::Index d = f.dim();
  if (d < 3) throw InputError("model", "Lanczos needs d >= 3");
  HessOp op{&f, &theta};
  if (ncv <= 0) ncv = static_cast<int>(std::min<Eigen::Index>(d, 30));
  Solver solver(op, 1, ncv);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  numerics::Vec v0(d);
  for (Eigen::Index i = 0; i < d; ++i) v0[i] = nd(rng);
  solver.init(v0.data());
  const auto rule = which == "bottom" ? Spectra::SortRule::SmallestAlge : Spectra::SortRule::LargestAlge;
  if (which != "top" && which != "bottom") throw DomainError("hessian_extreme: which must be top|bottom");
  solver.compute(rule, maxit, tol, rule);
  EigenEstimate e;
  e.hvps = op.count;
  e.converged = solver.info() == Spectra::CompInfo::Successful;
  e.status = e.converged ? "converged" : "not converged (Ritz value reported)";
  e.value = e.converged ? solver.eigenvalues()[0] : solver.leading_ritz();
  return e;
}

}  // namespace villani::experiments
