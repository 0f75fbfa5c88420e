// Extreme eigenvalues of a symmetric LinearOperator, three ways:
//  - Lanczos with full reorthogonalization (`villani hessian`'s default; LanczosOptions defaults
//    to the restarted solver): one Krylov space grown product by
//    product; after each product the Ritz pairs of the tridiagonal T_j are formed and the
//    iteration stops when the k wanted ones have residual ‖A y − θ y‖ = β_j |e_jᵀ s| ≤ tol·|θ|.
//    Memory: one vector of n entries per product (the basis), stored in the operator's precision
//    by default (float32 for a float32 model: LanczosOptions::vectors); dot products and norms
//    are accumulated in double either way.
//  - implicitly restarted Lanczos (Spectra's SymEigsSolver), memory ncv vectors; its residual
//    test is ‖A v − θ v‖ ≤ tol · max(ε^{2/3}, |θ|).
//  - power iteration with deflation (what PyHessian and hessian-eigenthings use), for comparison:
//    eigenvalue i is iterated on A − Σ_{j<i} θ_j v_j v_jᵀ until its Rayleigh quotient changes by
//    less than tol relative.
// Every path reports, per Ritz pair, the residual norm r_i = ‖A y_i − θ_i y_i‖: A has an
// eigenvalue within r_i of θ_i (Krylov–Bogoliubov), a rigorous error bar for well-separated
// values (which eigenvalue it is, is not certified: Lanczos can miss a multiple one). The
// Kato–Temple estimate r_i²/gap_i, gap_i the distance to the nearest other Ritz value, is
// reported as `error_estimates` (an estimate: the true gap is unknown). None is a certified
// enclosure. "Did not converge" is a status, never an exception.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "numerics/linear_operator.hpp"

namespace villani::numerics {

enum class EigenWhich { Largest, Smallest };  ///< largest / smallest algebraic
enum class EigenStatus { Converged, NotConverged };
enum class EigenMethod { FullLanczos, RestartedLanczos, PowerDeflation };

struct LanczosOptions {
  EigenMethod method = EigenMethod::RestartedLanczos;
  /// Most products of A (FullLanczos, PowerDeflation; 0: n for FullLanczos, 100·k for power).
  std::int64_t max_matvecs = 0;
  Eigen::Index ncv = 0;              ///< Krylov subspace size; 0: min(n, max(2k+1, 20))
  Eigen::Index max_restarts = 1000;  ///< Spectra's maxit
  double tolerance = 1e-10;          ///< Spectra's relative residual tolerance
  std::uint64_t seed = 1;            ///< seeds the starting vector (Gaussian)
  /// Operators with n ≤ dense_threshold are formed densely (n products) and solved by Eigen's
  /// SelfAdjointEigenSolver; Spectra needs k < n and a Krylov space larger than k.
  Eigen::Index dense_threshold = 32;
  /// Restarted path: when fewer than k converge, return the current k Ritz pairs anyway.
  bool report_unconverged = false;
  /// Storage of the Lanczos basis and Ritz vectors on the full-reorthogonalization path: Auto
  /// takes the operator's precision() (float32 for a float32 LibTorch model); Float64 keeps
  /// doubles. The restarted (Spectra), power and dense paths store doubles.
  VectorPrecision vectors = VectorPrecision::Auto;
  /// Full-reorthogonalization path: called after each step whose Ritz values are formed, with the
  /// step, the first wanted Ritz value and the largest relative residual estimate of the wanted
  /// pairs, |β_m e_mᵀ s| / max(|θ|, 10⁻⁶‖T‖), against `tolerance` (how far a long solve has got).
  std::function<void(Eigen::Index step, double value, double relative_residual)> on_step;
};

/// The precision a solve with these options stores its vectors in, for this operator.
VectorPrecision storage_precision(const LinearOperator& a, VectorPrecision asked);
/// Bytes per stored entry: 4 for Float32, 8 otherwise.
inline double bytes_per_entry(VectorPrecision p) { return p == VectorPrecision::Float32 ? 4.0 : 8.0; }
/// The most Lanczos steps whose basis (plus four working vectors) fits the memory limit
/// (numerics/checked.hpp) for an n × steps basis of this precision; at least 1.
Eigen::Index steps_in_memory(Eigen::Index n, VectorPrecision p);

struct EigenResult {
  /// k largest in decreasing order, or k smallest in increasing. When not converged: only the
  /// converged ones (restarted) unless report_unconverged, or the current Ritz values (full
  /// Lanczos, power); their residuals say how far each may be from the spectrum.
  Vec values;
  Eigen::MatrixXd vectors;      ///< matching unit eigenvectors (columns); empty when vectors_f32 holds them
  Eigen::MatrixXf vectors_f32;  ///< the same, when the solve stored its vectors in float32
  VectorPrecision storage = VectorPrecision::Float64;  ///< precision of the stored vectors
  double vector_bytes = 0;      ///< bytes of the stored vectors at their largest (basis + Ritz vectors)
  EigenStatus status = EigenStatus::NotConverged;
  Eigen::Index converged = 0;   ///< number of values within tolerance
  Eigen::Index iterations = 0;  ///< restarts used (0 on the dense path), Lanczos steps, power its
  std::int64_t matvecs = 0;     ///< products of A used (residuals included)
  std::string method;           ///< "lanczos (full reorthogonalization)", "lanczos (spectra)", ...
  Vec residuals;                ///< ‖A y_i − θ_i y_i‖ of each returned pair
  Vec error_estimates;          ///< r_i² / gap_i (Kato–Temple estimate), or r_i when no gap
};

/// The tridiagonal T_m = tridiag(beta, alpha, beta) of a Lanczos decomposition
/// A V_m = V_m T_m + β_m v_{m+1} e_mᵀ.
struct Tridiagonal {
  Vec alpha;              ///< diagonal of T_m (m)
  Vec beta;               ///< off-diagonal (m − 1), then beta_m = last_beta
  double last_beta = 0;   ///< β_m: the residual coupling; ≈ 0 when the space is invariant
  bool invariant = false; ///< the Krylov space became invariant (the rule/pairs are exact)
  Eigen::Index steps() const { return alpha.size(); }
};

/// A Lanczos decomposition with full reorthogonalization (the three-term recurrence, then
/// classical Gram–Schmidt against the whole basis, repeated where it cancels more than half the
/// norm: the DGKS test), its basis stored in Scalar (double or float; dot products and norms
/// accumulate in double).
template <class Scalar>
struct BasicLanczosDecomposition : Tridiagonal {
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> basis;  ///< n × m orthonormal V_m
};
using LanczosDecomposition = BasicLanczosDecomposition<double>;
using LanczosDecomposition32 = BasicLanczosDecomposition<float>;

/// Up to `max_steps` Lanczos steps from `start` (normalized here). After each step
/// `stop(partial)` may end the iteration (it sees alpha/beta/last_beta of the steps so far).
/// Products go through the operator's perform_op for Scalar. Throws InputError("start") for a
/// zero or non-finite start vector.
/// `start` is taken by value, in the basis's precision, and released once normalized into the
/// basis (d entries that the iteration does not carry).
template <class Scalar>
BasicLanczosDecomposition<Scalar> lanczos_in(const LinearOperator& a, Eigen::Matrix<Scalar, Eigen::Dynamic, 1> start,
                                             Eigen::Index max_steps,
                                             const std::function<bool(const Tridiagonal&)>& stop = {});
inline LanczosDecomposition lanczos(const LinearOperator& a, const Vec& start, Eigen::Index max_steps,
                                    const std::function<bool(const Tridiagonal&)>& stop = {}) {
  return lanczos_in<double>(a, start, max_steps, stop);
}
/// The tridiagonal of up to max_steps steps, the basis stored in `storage` (resolved against the
/// operator as in storage_precision) and released before returning.
Tridiagonal lanczos_tridiagonal(const LinearOperator& a, Vec start, Eigen::Index max_steps,
                                VectorPrecision storage = VectorPrecision::Auto);

/// Eigenpairs of T_m (values ascending; vectors are the columns, in the Krylov basis).
struct RitzPairs {
  Vec values;
  Eigen::MatrixXd vectors;  ///< empty unless asked for
};
/// Throws DomainError when the tridiagonal eigensolver fails.
RitzPairs ritz_pairs(const Tridiagonal& d, bool vectors = true);

/// The k extreme algebraic eigenvalues. Throws InputError("k", ...) unless 1 ≤ k ≤ n, and
/// InputError on bad options (tolerance ≤ 0, max_restarts < 1, ncv ≤ k or > n when given).
EigenResult extreme_eigenvalues(const LinearOperator& a, Eigen::Index k, EigenWhich which,
                                const LanczosOptions& options = {});

const char* to_string(EigenStatus s);
const char* to_string(EigenMethod m);
/// "lanczos" | "restarted" | "power" (InputError(argument) otherwise).
EigenMethod parse_eigen_method(const std::string& text, const std::string& argument = "--solver");

}  // namespace villani::numerics
