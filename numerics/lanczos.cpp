#include "numerics/lanczos.hpp"

#include <Eigen/Eigenvalues>
#include <Spectra/SymEigsSolver.h>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <type_traits>

#include "numerics/checked.hpp"
#include "numerics/dot64.hpp"
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

/// Spectra's solver, exposing the current Ritz pairs when fewer than k converged (from the
/// projected matrix H and the Lanczos basis V: the pairs an unconverged solve has reached).
struct Solver : Spectra::SymEigsSolver<SpectraOp> {
  using Spectra::SymEigsSolver<SpectraOp>::SymEigsSolver;
  void current_pairs(Eigen::Index k, EigenWhich which, Vec& values, Eigen::MatrixXd& vectors) const {
    const Eigen::MatrixXd h = this->m_fac.matrix_H();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(0.5 * (h + h.transpose()));
    const Eigen::Index m = h.rows();
    values.resize(k);
    vectors.resize(this->m_fac.matrix_V().rows(), k);
    for (Eigen::Index i = 0; i < k; ++i) {
      const Eigen::Index j = which == EigenWhich::Largest ? m - 1 - i : i;
      values[i] = es.eigenvalues()[j];
      vectors.col(i) = this->m_fac.matrix_V() * es.eigenvectors().col(j);
    }
  }
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
  r.residuals = ((m * r.vectors) - r.vectors * r.values.asDiagonal()).colwise().norm().transpose();
  r.error_estimates = r.residuals;
  return r;
}

/// Kato–Temple estimates r_i²/gap_i against the gaps between the given values and `others` (all
/// Ritz values, the pair's own included), from r.residuals.
void error_estimates(EigenResult& r, const Vec& others) {
  const Index k = r.values.size();
  r.error_estimates.resize(k);
  for (Index i = 0; i < k; ++i) {
    double gap = std::numeric_limits<double>::infinity();
    bool self = false;  // skip the pair's own Ritz value once
    for (Index j = 0; j < others.size(); ++j) {
      const double dist = std::abs(others[j] - r.values[i]);
      if (!self && dist <= 1e-14 * std::max(1.0, std::abs(r.values[i]))) { self = true; continue; }
      gap = std::min(gap, dist);
    }
    const double ri = r.residuals[i];
    r.error_estimates[i] = std::isfinite(gap) && gap > 0 ? std::min(ri, ri * ri / gap) : ri;
  }
}

/// Explicit residual norms ‖A y_i − θ_i y_i‖ (one product each, in the vectors' precision, the
/// norm accumulated in double) and the Kato–Temple estimates.
template <class Scalar>
void explicit_residuals(const LinearOperator& a, EigenResult& r,
                        const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& vectors, const Vec& others) {
  const Index k = r.values.size();
  r.residuals.resize(k);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> y(a.rows());
  for (Index i = 0; i < k; ++i) {
    a.perform_op(vectors.col(i).data(), y.data());
    r.residuals[i] = (y.template cast<double>() - r.values[i] * vectors.col(i).template cast<double>()).norm();
  }
  error_estimates(r, others);
}
void explicit_residuals(const LinearOperator& a, EigenResult& r, const Vec& others) {
  explicit_residuals<double>(a, r, r.vectors, others);
}

/// Index into ascending Ritz values of the i-th wanted one.
Index wanted(Index m, Index i, EigenWhich which) { return which == EigenWhich::Largest ? m - 1 - i : i; }

template <class Scalar>
EigenResult full_lanczos_in(const LinearOperator& a, Index k, EigenWhich which, const LanczosOptions& o) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const Index n = a.rows();
  const VectorPrecision storage = std::is_same_v<Scalar, float> ? VectorPrecision::Float32 : VectorPrecision::Float64;
  // The basis must fit the memory limit (--max-memory): an explicit --max-matvecs that does not
  // is refused before allocating; without one, the solve stops where memory ends.
  const Index fits = steps_in_memory(n, storage);
  const Index asked = o.max_matvecs > 0 ? std::min<Index>(n, o.max_matvecs) : n;
  if (o.max_matvecs > 0 && asked > fits)
    check_memory("--max-matvecs", (static_cast<double>(asked) + 4) * static_cast<double>(n) * bytes_per_entry(storage),
                 fmt::format("a Lanczos basis of {} vectors of {} {} entries ({} vectors fit; fewer --max-matvecs, "
                             "or --solver restarted, which keeps about 2k+1)",
                             asked, n, to_string(storage), fits));
  const Index max_steps = std::min(asked, fits);
  const std::int64_t before = a.matvecs();
  bool converged = false;
  auto done = [&](const Tridiagonal& d) {
    const Index m = d.steps();
    if (m < k || (m > 200 && m % 8 != 0)) return false;  // the tridiagonal solve is O(m²)
    const RitzPairs es = ritz_pairs(d);
    const double norm = es.values.cwiseAbs().maxCoeff();
    double worst = 0;
    for (Index i = 0; i < k; ++i) {
      const Index j = wanted(m, i, which);
      const double theta = es.values[j];
      const double res = std::abs(d.last_beta * es.vectors(m - 1, j));
      const double den = std::max(std::abs(theta), 1e-6 * norm);
      worst = std::max(worst, den > 0 ? res / den : (res > 0 ? std::numeric_limits<double>::infinity() : 0.0));
    }
    if (o.on_step) o.on_step(m, es.values[wanted(m, 0, which)], worst);
    if (!(worst <= o.tolerance)) return false;
    converged = true;
    return true;
  };
  EigenResult r;
  r.method = "lanczos (full reorthogonalization)";
  r.storage = storage;
  Vec values_all;
  {
    // The start vector drawn in the basis's precision (float: the same draws, rounded), so no
    // d-sized double temporary at 125M.
    auto d = lanczos_in<Scalar>(a, Random(o.seed).normal_vector_as<Scalar>(n), max_steps, done);
    const Index m = d.steps();
    r.iterations = m;
    r.vector_bytes = static_cast<double>(d.basis.cols()) * static_cast<double>(n) * bytes_per_entry(storage);
    if (m < k) {  // the Krylov space became invariant below k: fewer pairs exist in it
      r.status = EigenStatus::NotConverged;
      r.matvecs = a.matvecs() - before;
      return r;
    }
    const RitzPairs es = ritz_pairs(d);
    values_all = es.values;
    r.values.resize(k);
    Matrix vectors(n, k);
    for (Index i = 0; i < k; ++i) {
      const Index j = wanted(m, i, which);
      r.values[i] = es.values[j];
      vectors.col(i).noalias() = d.basis * es.vectors.col(j).template cast<Scalar>();  // no d-sized temporary
    }
    r.vector_bytes += static_cast<double>(k) * static_cast<double>(n) * bytes_per_entry(storage);
    if constexpr (std::is_same_v<Scalar, float>) r.vectors_f32 = std::move(vectors);
    else r.vectors = std::move(vectors);
    r.status = converged || d.invariant ? EigenStatus::Converged : EigenStatus::NotConverged;
  }  // the basis is released before the residual products
  if constexpr (std::is_same_v<Scalar, float>) explicit_residuals<float>(a, r, r.vectors_f32, values_all);
  else explicit_residuals<double>(a, r, r.vectors, values_all);
  r.matvecs = a.matvecs() - before;
  r.converged = k;
  if (r.status == EigenStatus::NotConverged) {
    r.converged = 0;
    const double norm = values_all.cwiseAbs().maxCoeff();
    for (Index i = 0; i < k; ++i)
      if (r.residuals[i] <= o.tolerance * std::max(std::abs(r.values[i]), 1e-6 * norm)) ++r.converged;
  }
  return r;
}

EigenResult full_lanczos(const LinearOperator& a, Index k, EigenWhich which, const LanczosOptions& o) {
  return storage_precision(a, o.vectors) == VectorPrecision::Float32 ? full_lanczos_in<float>(a, k, which, o)
                                                                     : full_lanczos_in<double>(a, k, which, o);
}

// Power iteration with deflation against the pairs already found (largest |θ| first), stopped
// when the Rayleigh quotient changes by less than tol relative (PyHessian's rule).
EigenResult power_deflation(const LinearOperator& a, Index k, EigenWhich which, const LanczosOptions& o) {
  if (which != EigenWhich::Largest)
    throw InputError("--solver", "power iteration finds the largest eigenvalues only; use lanczos for --bottom");
  const Index n = a.rows();
  const std::int64_t budget = o.max_matvecs > 0 ? o.max_matvecs : 100 * static_cast<std::int64_t>(k);
  const std::int64_t per = std::max<std::int64_t>(2, budget / k);
  const std::int64_t before = a.matvecs();
  EigenResult r;
  r.method = "power iteration (deflation)";
  r.values.resize(k);
  r.vectors.resize(n, k);
  r.residuals.resize(k);
  Random rng(o.seed);
  Vec w(n);
  bool all = true;
  for (Index i = 0; i < k; ++i) {
    Vec v = rng.normal_vector(n);
    v.normalize();
    double theta = 0, res = 0;
    bool ok = false;
    for (std::int64_t it = 0; it < per; ++it) {
      a.perform_op(v.data(), w.data());
      const double next = v.dot(w);
      res = (w - next * v).norm();
      for (Index j = 0; j < i; ++j) w -= r.values[j] * r.vectors.col(j) * r.vectors.col(j).dot(v);
      ++r.iterations;
      const bool stable = it > 0 && std::abs(next - theta) <= o.tolerance * std::abs(theta);
      theta = next;
      if (stable) { ok = true; break; }
      const double wn = w.norm();
      if (!(wn > 0) || !std::isfinite(wn)) break;
      v = w / wn;
    }
    all = all && ok;
    r.values[i] = theta;
    r.vectors.col(i) = v;
    r.residuals[i] = res;
  }
  // Deflation returns the values in the order found (by magnitude); report them decreasing.
  std::vector<Index> order(static_cast<std::size_t>(k));
  for (Index i = 0; i < k; ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](Index x, Index y) { return r.values[x] > r.values[y]; });
  EigenResult sorted = r;
  for (Index i = 0; i < k; ++i) {
    const Index j = order[static_cast<std::size_t>(i)];
    sorted.values[i] = r.values[j];
    sorted.vectors.col(i) = r.vectors.col(j);
    sorted.residuals[i] = r.residuals[j];
  }
  sorted.error_estimates = sorted.residuals;
  sorted.matvecs = a.matvecs() - before;
  sorted.status = all ? EigenStatus::Converged : EigenStatus::NotConverged;
  sorted.converged = all ? k : 0;
  return sorted;
}

}  // namespace

RitzPairs ritz_pairs(const Tridiagonal& d, bool vectors) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
  const Index m = d.steps();
  const Vec diag = d.alpha.head(m);
  const Vec sub = m > 1 ? Vec(d.beta.head(m - 1)) : Vec(0);
  es.computeFromTridiagonal(diag, sub, vectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
  if (es.info() != Eigen::Success) throw DomainError("lanczos: tridiagonal eigensolver failed");
  RitzPairs r;
  r.values = es.eigenvalues();
  if (vectors) r.vectors = es.eigenvectors();
  return r;
}

VectorPrecision storage_precision(const LinearOperator& a, VectorPrecision asked) {
  if (asked != VectorPrecision::Auto) return asked;
  return a.precision() == VectorPrecision::Float32 ? VectorPrecision::Float32 : VectorPrecision::Float64;
}

Index steps_in_memory(Index n, VectorPrecision p) {
  const double per = static_cast<double>(n) * bytes_per_entry(p);
  const double fit = std::floor(memory_limit_bytes() / per) - 4;  // w, y, the start vector, a Ritz vector
  return fit < 1 ? 1 : fit > 1e15 ? Index(1e15) : static_cast<Index>(fit);
}

template <class Scalar>
BasicLanczosDecomposition<Scalar> lanczos_in(const LinearOperator& a, Eigen::Matrix<Scalar, Eigen::Dynamic, 1> start,
                                             Index max_steps, const std::function<bool(const Tridiagonal&)>& stop) {
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  const Index n = a.rows();
  if (start.size() != n) throw InputError("start", fmt::format("expected size {}; got {}", n, start.size()));
  const double sn = std::sqrt(norm2_64(start.data(), n));
  if (!(sn > 0) || !std::isfinite(sn)) throw InputError("start", "must be finite and non-zero");
  max_steps = std::max<Index>(1, std::min(max_steps, n));
  BasicLanczosDecomposition<Scalar> d;
  // Columns are added as the iteration goes (realloc: growing or shrinking a large column-major
  // block does not copy it on glibc); the final shrink to m columns is free the same way.
  d.basis.resize(n, std::min<Index>(max_steps, 8));
  d.basis.col(0) = start * static_cast<Scalar>(1.0 / sn);
  start = Vector();
  Vector w(n);
  Vec c;
  double scale = 0.0;  // running estimate of ‖A‖ for the breakdown test
  // x·y accumulated in double (a float32 basis keeps orthogonality to float rounding, not to the
  // rounding of an n-term float sum); dot64 does it at memory speed.
  const auto col = [&](Index i) { return d.basis.col(i).data(); };
  for (Index j = 0; j < max_steps; ++j) {
    a.perform_op(col(j), w.data());
    // One pass: α = v_j·w and ‖w‖² (finite iff every entry is: a NaN or inf product is caught
    // here, without a separate scan).
    const auto [alpha0, ww] = dot64_and_norm2(col(j), w.data(), n);
    if (!std::isfinite(ww)) throw NonFiniteProduct(a.name() + ": a product returned NaN or inf");
    double alpha = alpha0;
    // The three-term recurrence, then full reorthogonalization against v_0..v_j: classical
    // Gram–Schmidt, repeated once where it cancelled more than half the norm (the DGKS test, as in
    // ARPACK), so the basis stays orthogonal to working precision at one pass per step mostly.
    if (j == 0) w -= static_cast<Scalar>(alpha) * d.basis.col(0);
    else w -= static_cast<Scalar>(alpha) * d.basis.col(j) + static_cast<Scalar>(d.beta[j - 1]) * d.basis.col(j - 1);
    double before = std::sqrt(norm2_64(w.data(), n));
    double b = before;
    for (int pass = 0; pass < 2; ++pass) {
      c.resize(j + 1);
      for (Index i = 0; i <= j; ++i) c[i] = dot64(col(i), w.data(), n);
      w.noalias() -= d.basis.leftCols(j + 1) * c.template cast<Scalar>();
      alpha += c[j];
      b = std::sqrt(norm2_64(w.data(), n));
      if (b >= M_SQRT1_2 * before) break;
      before = b;
    }
    d.alpha.conservativeResize(j + 1);
    d.alpha[j] = alpha;
    d.last_beta = b;
    scale = std::max({scale, std::abs(alpha), b});
    if (!(b > 1e-12 * scale)) {  // invariant subspace: the pairs of T are exact
      d.invariant = true;
      break;
    }
    if (j + 1 == max_steps || (stop && stop(d))) break;
    d.beta.conservativeResize(j + 1);
    d.beta[j] = b;
    if (d.basis.cols() < j + 2) d.basis.conservativeResize(n, std::min<Index>(max_steps, 2 * d.basis.cols()));
    d.basis.col(j + 1) = (w.template cast<double>() / b).template cast<Scalar>();
  }
  d.basis.conservativeResize(n, d.steps());
  return d;
}
template BasicLanczosDecomposition<double> lanczos_in<double>(const LinearOperator&, Vec, Index,
                                                              const std::function<bool(const Tridiagonal&)>&);
template BasicLanczosDecomposition<float> lanczos_in<float>(const LinearOperator&, Eigen::VectorXf, Index,
                                                            const std::function<bool(const Tridiagonal&)>&);

Tridiagonal lanczos_tridiagonal(const LinearOperator& a, Vec start, Index max_steps, VectorPrecision storage) {
  if (storage_precision(a, storage) == VectorPrecision::Float32) {
    Eigen::VectorXf s = start.cast<float>();
    start = Vec();
    return static_cast<Tridiagonal>(lanczos_in<float>(a, std::move(s), max_steps));
  }
  return static_cast<Tridiagonal>(lanczos_in<double>(a, std::move(start), max_steps));
}

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
  if (o.method == EigenMethod::FullLanczos) return full_lanczos(a, k, which, o);
  if (o.method == EigenMethod::PowerDeflation) return power_deflation(a, k, which, o);

  SpectraOp op{&a};
  Solver solver(op, k, ncv);
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
  if (nconv >= k || (nconv > 0 && !o.report_unconverged)) {
    r.values = solver.eigenvalues();
    r.vectors = solver.eigenvectors();
  } else if (o.report_unconverged) {
    solver.current_pairs(k, which, r.values, r.vectors);
  } else {
    return r;
  }
  explicit_residuals(a, r, r.values);
  r.matvecs = a.matvecs() - before;
  return r;
}

const char* to_string(EigenStatus s) {
  return s == EigenStatus::Converged ? "converged" : "not converged";
}

const char* to_string(EigenMethod m) {
  switch (m) {
    case EigenMethod::FullLanczos: return "lanczos";
    case EigenMethod::RestartedLanczos: return "restarted";
    case EigenMethod::PowerDeflation: return "power";
  }
  return "?";
}

EigenMethod parse_eigen_method(const std::string& text, const std::string& argument) {
  if (text == "lanczos") return EigenMethod::FullLanczos;
  if (text == "restarted") return EigenMethod::RestartedLanczos;
  if (text == "power") return EigenMethod::PowerDeflation;
  throw InputError(argument, "expected lanczos | restarted | power; got '" + text + "'");
}

}  // namespace villani::numerics
