#include "numerics/lanczos.hpp"

#include <Eigen/Eigenvalues>
#include <Spectra/SymEigsSolver.h>
#include <algorithm>
#include <fmt/format.h>

#include "numerics/errors.hpp"
#include "numerics/sampling.hpp"

namespace villani::numerics {
namespace {

using Eigen::Index;

/// Concrete adapter: Spectra stores its operator type by value in a container, so give it a
/// small non-abstract type that forwards to the (counting) LinearOperator.
struct SpectraOp {
  using Scalar = double;
  const LinearOperator* op;
  Index rows() const { return op->rows(); }
  Index cols() const { return op->rows(); }
  void perform_op(const double* x, double* y) const { op->perform_op(x, y); }
};

EigenResult dense_path(const LinearOperator& a, Index k, EigenWhich which) {
  const Index n = a.rows();
  const std::int64_t before = a.matvecs();
  Eigen::MatrixXd m = a.apply_block(Eigen::MatrixXd::Identity(n, n));
  m = 0.5 * (m + m.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(m);  // ascending
  EigenResult r;
  r.method = "dense";
  r.matvecs = a.matvecs() - before;
  if (es.info() != Eigen::Success) {
    r.status = EigenStatus::NotConverged;
    return r;
  }
  r.values.resize(k);
  r.vectors.resize(n, k);
  for (Index i = 0; i < k; ++i) {
    const Index j = which == EigenWhich::Largest ? n - 1 - i : i;
    r.values[i] = es.eigenvalues()[j];
    r.vectors.col(i) = es.eigenvectors().col(j);
  }
  r.status = EigenStatus::Converged;
  r.converged = k;
  return r;
}

}  // namespace

EigenResult extreme_eigenvalues(const LinearOperator& a, Index k, EigenWhich which,
                                const LanczosOptions& o) {
  const Index n = a.rows();
  if (k < 1 || k > n)
    throw InputError("k", fmt::format("number of eigenvalues must be in [1, {}]; got {}", n, k));
  check_positive("tolerance", o.tolerance);
  if (o.max_restarts < 1)
    throw InputError("max_restarts", fmt::format("must be ≥ 1; got {}", o.max_restarts));
  if (o.ncv != 0 && (o.ncv <= k || o.ncv > n))
    throw InputError("ncv", fmt::format("must be in ({}, {}]; got {}", k, n, o.ncv));
  Index ncv = o.ncv != 0 ? o.ncv : std::min(n, std::max<Index>(2 * k + 1, 20));
  if (n <= o.dense_threshold || k >= n - 1 || ncv <= k) return dense_path(a, k, which);

  SpectraOp op{&a};
  Spectra::SymEigsSolver<SpectraOp> solver(op, k, ncv);
  const Vec start = Random(o.seed).normal_vector(n);
  solver.init(start.data());
  const std::int64_t before = a.matvecs();
  const auto rule =
      which == EigenWhich::Largest ? Spectra::SortRule::LargestAlge : Spectra::SortRule::SmallestAlge;
  const auto sorting = which == EigenWhich::Largest ? Spectra::SortRule::LargestAlge
                                                    : Spectra::SortRule::SmallestAlge;
  const Index nconv = solver.compute(rule, o.max_restarts, o.tolerance, sorting);
  EigenResult r;
  r.method = "lanczos (spectra)";
  r.matvecs = a.matvecs() - before;
  r.iterations = solver.num_iterations();
  r.converged = nconv;
  r.status = solver.info() == Spectra::CompInfo::Successful ? EigenStatus::Converged
                                                            : EigenStatus::NotConverged;
  if (nconv > 0) {
    r.values = solver.eigenvalues();
    r.vectors = solver.eigenvectors();
  }
  return r;
}

const char* to_string(EigenStatus s) {
  return s == EigenStatus::Converged ? "converged" : "not converged";
}

}  // namespace villani::numerics
