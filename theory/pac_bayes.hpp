// PAC-Bayes bounds (docs/theory.md §5). Loss in [0,1]; prior chosen before the sample;
// with probability ≥ 1 − δ, simultaneously for all posteriors Q.
#pragma once
#include <vector>

#include "numerics/precision.hpp"

namespace villani::theory {

/// Binary relative entropy kl(q‖p) = q ln(q/p) + (1−q) ln((1−q)/(1−p)), with 0 ln 0 = 0.
Wide kl_bernoulli(const Wide& q, const Wide& p);

/// sup{p ∈ [q, 1] : kl(q‖p) ≤ c} by bisection to full Wide precision (the Seeger/Langford
/// upper inverse). c ≥ 0, q ∈ [0, 1].
Wide kl_inverse_upper(const Wide& q, const Wide& c);
/// inf{p ∈ [0, q] : kl(q‖p) ≤ c}.
Wide kl_inverse_lower(const Wide& q, const Wide& c);

struct MaurerBound {
  Wide rhs;         ///< B = [KL(Q‖P) + ln(2√n/δ)]/n
  Wide seeger;      ///< R_Q ≤ kl⁻¹(R̂_Q, B) (exact inversion), capped at 1
  Wide mcallester;  ///< R_Q ≤ R̂_Q + sqrt(B/2) (Pinsker), not capped
};
/// Maurer (2004), n ≥ 8: kl(R̂_Q‖R_Q) ≤ [KL + ln(2√n/δ)]/n.
MaurerBound maurer_bound(const Wide& empirical_risk, const Wide& kl, const Wide& n,
                         const Wide& delta);

/// Catoni (2007, Thm 1.2.6): R_Q ≤ [1 − exp(−C·R̂_Q − (KL + ln(1/δ))/n)]/(1 − e^{−C}), C > 0.
Wide catoni_bound(const Wide& empirical_risk, const Wide& kl, const Wide& n, const Wide& delta,
                  const Wide& c);

/// KL(N(w, diag σ²) ‖ N(w0, σp² I)) = ½ Σ [σ_i²/σp² + (w_i − w0_i)²/σp² − 1 − ln(σ_i²/σp²)].
/// Sums in Wide; w0 empty means the zero vector.
Wide gaussian_kl(const std::vector<double>& w, const std::vector<double>& sigma2,
                 const std::vector<double>& w0, const Wide& prior_var);
/// Same with one posterior variance for every coordinate.
Wide gaussian_kl_isotropic(const std::vector<double>& w, double sigma2,
                           const std::vector<double>& w0, const Wide& prior_var);

/// Union bound over a data-independent grid of prior variances: δ_j = 6δ/(π² j²), j ≥ 1
/// (sums to δ over j = 1, 2, …).
Wide prior_grid_delta(const Wide& delta, long long j);

/// Gibbs posterior μ_s = P·e^{−L/s}/Z with P = N(0, (s/λ)I):
/// KL(μ_s‖P) = −E_μ[L]/s − ln Z ∈ [0, (E_P L − E_μ L)/s].
struct Bracket {
  Wide lower, upper;
};
Bracket gibbs_kl_bracket(const Wide& prior_mean_loss, const Wide& gibbs_mean_loss, const Wide& s);

}  // namespace villani::theory
