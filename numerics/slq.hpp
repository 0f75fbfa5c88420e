// Stochastic Lanczos quadrature (Golub–Meurant; Ubaru, Chen, Saad, SIMAX 2017) for the spectral
// density φ(t) = (1/n) Σ_i δ(t − λ_i) of a symmetric LinearOperator.
//
// For each probe z (Rademacher or Gaussian), m Lanczos steps from v₁ = z/‖z‖ with FULL
// reorthogonalization (classical Gram–Schmidt against all previous vectors, applied twice) give
// a tridiagonal T_m = U diag(θ) Uᵀ; the Gauss quadrature rule {nodes θ_j, weights (U_{1j})²}
// integrates polynomials of degree ≤ 2m−1 against the probe's spectral measure
// Σ_i (v₁ᵀu_i)² δ(t − λ_i) exactly. The average of the probes' measures is an unbiased ESTIMATE
// of φ for Rademacher probes (for Gaussian probes, up to the normalization by ‖z‖²). Weights of each
// rule sum to 1; the rule's first moment is v₁ᵀAv₁, so the density's mean is Σ_probes zᵀAz/‖z‖²
// over the number of probes (= Hutchinson/n for Rademacher probes).
#pragma once
#include <cstdint>
#include <vector>

#include "numerics/linear_operator.hpp"
#include "numerics/trace.hpp"

namespace villani::numerics {

struct QuadratureRule {
  Vec nodes;    ///< Ritz values, increasing
  Vec weights;  ///< squared first components of the Ritz vectors; sum to 1
};

struct SpectralDensity {
  Eigen::Index n = 0;                 ///< operator dimension
  std::vector<QuadratureRule> rules;  ///< one per probe
  std::int64_t matvecs = 0;
  /// Mean of the density, Σ_probes Σ_j w_j θ_j / probes: an estimate of tr(A)/n.
  double mean() const;
  /// Smallest and largest node over all probes (Ritz values: inside [λ_min, λ_max]).
  double min_node() const;
  double max_node() const;
};

/// `probes` probes × at most `steps` Lanczos steps each (fewer when the Krylov space becomes
/// invariant: the rule is then exact for that probe). Throws InputError("probes"/"steps") unless
/// both ≥ 1; steps is clamped to n.
SpectralDensity stochastic_lanczos_quadrature(const LinearOperator& a, Eigen::Index probes,
                                              Eigen::Index steps, std::uint64_t seed,
                                              Probe probe = Probe::Rademacher);

/// The density smoothed by a Gaussian kernel of width σ > 0:
/// φ_σ(t) = (1/#rules) Σ_rules Σ_j w_j N(t; θ_j, σ²), evaluated at every grid point. φ_σ is a
/// probability density (integrates to 1 over ℝ). Throws InputError("sigma"/"grid").
Vec smoothed_density(const SpectralDensity& density, const Vec& grid, double sigma);

}  // namespace villani::numerics
