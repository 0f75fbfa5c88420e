// Extreme eigenvalues of a symmetric LinearOperator by implicitly restarted Lanczos (Spectra's
// SymEigsSolver). Converged values satisfy Spectra's residual test
// ‖A v − θ v‖ ≤ tol · max(ε^{2/3}, |θ|) (so they are accurate to about tol relative for
// well-separated eigenvalues); they are not certified enclosures. "Did not converge" is a
// status, never an exception.
#pragma once
#include <cstdint>
#include <string>

#include "numerics/linear_operator.hpp"

namespace villani::numerics {

enum class EigenWhich { Largest, Smallest };  ///< largest / smallest algebraic
enum class EigenStatus { Converged, NotConverged };

struct LanczosOptions {
  Eigen::Index ncv = 0;              ///< Krylov subspace size; 0: min(n, max(2k+1, 20))
  Eigen::Index max_restarts = 1000;  ///< Spectra's maxit
  double tolerance = 1e-10;          ///< Spectra's relative residual tolerance
  std::uint64_t seed = 1;            ///< seeds the starting vector (Gaussian)
  /// Operators with n ≤ dense_threshold are formed densely (n products) and solved by Eigen's
  /// SelfAdjointEigenSolver; Spectra needs k < n and a Krylov space larger than k.
  Eigen::Index dense_threshold = 32;
};

struct EigenResult {
  Vec values;                   ///< k largest in decreasing order, or k smallest in increasing
  Eigen::MatrixXd vectors;      ///< matching unit eigenvectors (columns)
  EigenStatus status = EigenStatus::NotConverged;
  Eigen::Index converged = 0;   ///< number of converged values (values holds only these)
  Eigen::Index iterations = 0;  ///< restarts used (0 on the dense path)
  std::int64_t matvecs = 0;     ///< products of A used
  std::string method;           ///< "lanczos (spectra)" or "dense"
};

/// The k extreme algebraic eigenvalues. Throws InputError("k", ...) unless 1 ≤ k ≤ n, and
/// InputError on bad options (tolerance ≤ 0, max_restarts < 1, ncv ≤ k or > n when given).
EigenResult extreme_eigenvalues(const LinearOperator& a, Eigen::Index k, EigenWhich which,
                                const LanczosOptions& options = {});

const char* to_string(EigenStatus s);

}  // namespace villani::numerics
