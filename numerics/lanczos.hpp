// Extreme eigenvalues of a symmetric LinearOperator, three ways:
//  - Lanczos with full reorthogonalization (the default): one Krylov space grown product by
//    product; after each product the Ritz pairs of the tridiagonal T_j are formed and the
//    iteration stops when the k wanted ones have residual ‖A y − θ y‖ = β_j |e_jᵀ s| ≤ tol·|θ|.
//    Memory: one vector of n doubles per product (the basis).
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
};

struct EigenResult {
  /// k largest in decreasing order, or k smallest in increasing. When not converged: only the
  /// converged ones (restarted) unless report_unconverged, or the current Ritz values (full
  /// Lanczos, power); their residuals say how far each may be from the spectrum.
  Vec values;
  Eigen::MatrixXd vectors;      ///< matching unit eigenvectors (columns)
  EigenStatus status = EigenStatus::NotConverged;
  Eigen::Index converged = 0;   ///< number of values within tolerance
  Eigen::Index iterations = 0;  ///< restarts used (0 on the dense path), Lanczos steps, power its
  std::int64_t matvecs = 0;     ///< products of A used (residuals included)
  std::string method;           ///< "lanczos (full reorthogonalization)", "lanczos (spectra)", ...
  Vec residuals;                ///< ‖A y_i − θ_i y_i‖ of each returned pair
  Vec error_estimates;          ///< r_i² / gap_i (Kato–Temple estimate), or r_i when no gap
};

/// A Lanczos decomposition A V_m = V_m T_m + β_m v_{m+1} e_mᵀ with full reorthogonalization
/// (classical Gram–Schmidt twice): T_m = tridiag(beta, alpha, beta).
struct LanczosDecomposition {
  Eigen::MatrixXd basis;  ///< n × m orthonormal V_m
  Vec alpha;              ///< diagonal of T_m (m)
  Vec beta;               ///< off-diagonal (m − 1), then beta_m = last_beta
  double last_beta = 0;   ///< β_m: the residual coupling; ≈ 0 when the space is invariant
  bool invariant = false; ///< the Krylov space became invariant (the rule/pairs are exact)
  Eigen::Index steps() const { return alpha.size(); }
};

/// Up to `max_steps` Lanczos steps from `start` (normalized here). After each step
/// `stop(partial)` may end the iteration (it sees alpha/beta/last_beta of the steps so far).
/// Throws InputError("start") for a zero or non-finite start vector.
LanczosDecomposition lanczos(const LinearOperator& a, const Vec& start, Eigen::Index max_steps,
                             const std::function<bool(const LanczosDecomposition&)>& stop = {});

/// Eigenpairs of T_m (values ascending; vectors are the columns, in the Krylov basis).
struct RitzPairs {
  Vec values;
  Eigen::MatrixXd vectors;  ///< empty unless asked for
};
/// Throws DomainError when the tridiagonal eigensolver fails.
RitzPairs ritz_pairs(const LanczosDecomposition& d, bool vectors = true);

/// The k extreme algebraic eigenvalues. Throws InputError("k", ...) unless 1 ≤ k ≤ n, and
/// InputError on bad options (tolerance ≤ 0, max_restarts < 1, ncv ≤ k or > n when given).
EigenResult extreme_eigenvalues(const LinearOperator& a, Eigen::Index k, EigenWhich which,
                                const LanczosOptions& options = {});

const char* to_string(EigenStatus s);
const char* to_string(EigenMethod m);
/// "lanczos" | "restarted" | "power" (InputError(argument) otherwise).
EigenMethod parse_eigen_method(const std::string& text, const std::string& argument = "--solver");

}  // namespace villani::numerics
