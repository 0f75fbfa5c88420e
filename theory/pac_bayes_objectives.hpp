// PAC-Bayes with backprop (issue 16): the bound objectives a posterior N(μ, diag σ²) is trained
// on, the final Seeger certificate with the Monte Carlo (Langford–Caruana) correction, and the
// split of the confidence δ over every certificate of a run (one union bound).
//
// The objectives are templates so that one formula serves the closed-form checks (double, Wide)
// and the LibTorch training loop (torch::Tensor, found by argument-dependent lookup); this header
// includes no LibTorch. All three relax the PAC-Bayes-kl inequality kl(r̂‖R) ≤ B with
//   B = [KL(Q‖P) + ln(2√n/δ)]/n           (Maurer 2004, n ≥ 8, loss in [0, 1]),
// so each is ≥ the exact inverse kl⁻¹(r̂, B) (tested in tests/theory/test_pac_bayes_objectives.cpp).
#pragma once
#include <cmath>

#include "numerics/precision.hpp"

namespace villani::theory {

/// B = [KL + ln(2√n/δ)]/n, the right-hand side of Maurer's PAC-Bayes-kl inequality.
template <class T>
T pac_bayes_rhs(const T& kl, double n, double delta) {
  return (kl + std::log(2.0 * std::sqrt(n) / delta)) / n;
}

/// "classic" (McAllester form via Pinsker): r̂ + sqrt(B/2).
template <class T>
T objective_classic(const T& risk, const T& kl, double n, double delta) {
  using std::sqrt;
  const T b = pac_bayes_rhs(kl, n, delta);
  return risk + sqrt(b / 2);
}

/// "quad" (Rivasplata et al.; refined Pinsker kl(q‖p) ≥ (p−q)²/(2p)):
/// (sqrt(r̂ + B/2) + sqrt(B/2))².
template <class T>
T objective_quad(const T& risk, const T& kl, double n, double delta) {
  using std::sqrt;
  const T b = pac_bayes_rhs(kl, n, delta);
  const T s = sqrt(risk + b / 2) + sqrt(b / 2);
  return s * s;
}

/// "lambda" (Thiemann, Igel, Wintenberger & Seldin 2017), λ ∈ (0, 2):
/// r̂/(1 − λ/2) + B/(λ(1 − λ/2)). Its minimum over λ equals the quad objective.
template <class T>
T objective_lambda(const T& risk, const T& kl, double n, double delta, const T& lam) {
  const T b = pac_bayes_rhs(kl, n, delta);
  const T keep = 1 - lam / 2;
  return risk / keep + b / (lam * keep);
}

/// The λ that minimises the λ-form for fixed r̂ and KL: 2/(sqrt(2r̂/B + 1) + 1) (Thiemann et al.,
/// eq. 7); alternating this update with gradient steps on (μ, σ) is their training scheme.
template <class T>
T objective_lambda_optimum(const T& risk, const T& kl, double n, double delta) {
  using std::sqrt;
  const T b = pac_bayes_rhs(kl, n, delta);
  return 2 / (sqrt(2 * risk / b + 1) + 1);
}

/// The final certificate on R(Q) = E_{θ∼Q} E[loss], loss in [0, 1] (every training objective is
/// only a surrogate for it):
///   r̂_Q ≤ kl⁻¹(r̂_m, ln(1/δ_mc)/m)     (Langford & Caruana 2001: m posterior draws, one-sided)
///   R(Q) ≤ kl⁻¹(that, B(δ_b))          (Seeger 2002 / Maurer 2004)
/// holding with probability ≥ 1 − δ_mc − δ_b.
struct Certificate {
  Wide train_risk_mc;     ///< r̂_m: mean over m draws θ_j ∼ Q of the empirical risk on the n bound samples
  Wide train_risk_upper;  ///< kl⁻¹(r̂_m, ln(1/δ_mc)/m)
  Wide rhs;               ///< B = [KL + ln(2√n/δ_b)]/n
  Wide bound;             ///< kl⁻¹(train_risk_upper, B), ≤ 1
};
/// DomainError on risk ∉ [0, 1], m < 1, KL < 0, n < 8, δ ∉ (0, 1).
Certificate seeger_certificate(const Wide& mc_risk, long long m, const Wide& delta_mc, const Wide& kl,
                               const Wide& n, const Wide& delta_bound);

/// One union bound over all certificates of a run: `certificates` = (λ values) × (losses),
/// each gets δ/certificates, of which a fraction `mc_fraction` goes to its Monte Carlo step and
/// the rest to the PAC-Bayes step. A data-free prior grid splits the PAC-Bayes part further
/// with prior_grid_delta (pac_bayes.hpp). The parts sum to δ exactly.
struct DeltaSplit {
  Wide per_certificate;  ///< δ/certificates
  Wide mc;               ///< mc_fraction · per_certificate
  Wide bound;            ///< (1 − mc_fraction) · per_certificate
};
DeltaSplit delta_split(const Wide& delta, long long certificates, const Wide& mc_fraction);

}  // namespace villani::theory
