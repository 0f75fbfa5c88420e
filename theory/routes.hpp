// Explicit Poincaré / log-Sobolev constants of μ_s ∝ exp(−F/s), F = L + (λ/2)‖θ‖²,
// by every route of docs/theory.md §2. Each route returns its value, whether its assumption
// holds, and its source. Normalization (docs/theory.md §0): Var ≤ C_P·E(f),
// Ent(f²) ≤ 2·C_LS·E(f), E(f) = ∫‖∇f‖² dμ_s (no factor s).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "numerics/precision.hpp"

namespace villani::theory {

/// What kind of number a route produces.
enum class RouteKind {
  Exact,       ///< the true constant (Gaussian reference, valid for L ≡ 0 only)
  UpperBound,  ///< a proven upper bound under the stated assumption
  Claim,       ///< a number a paper asserts; a thing to test, never a theorem
};
const char* to_string(RouteKind k);

struct RouteResult {
  std::string id;          ///< "bakry_emery"
  std::string name;        ///< "Bakry–Émery"
  RouteKind kind = RouteKind::UpperBound;
  bool applies = false;    ///< the route's assumption holds for the given inputs
  std::string assumption;  ///< what the route needs
  std::string unmet;       ///< why it does not apply (empty when it does)
  std::optional<Wide> c_p;   ///< Poincaré constant (bound), when the route gives one
  std::optional<Wide> c_ls;  ///< log-Sobolev constant (bound), when the route gives one
  std::string source;      ///< citation and docs/theory.md section
  std::string note;        ///< how the number was obtained (inputs chosen, conventions)
};

/// §2.1: L ≡ 0 gives μ_s = N(0, (s/λ)I): C_P = C_LS = s/λ exactly.
RouteResult gaussian_reference(const Wide& lambda, const Wide& s);

/// §2.6: the preprint's C_LS ≤ 1/λ + d/λ² (arXiv:2605.06599, abstract). The preprint states no
/// role for s; recorded as given. Also reported as C_P since C_P ≤ C_LS.
RouteResult paper_claim(const Wide& lambda, const Wide& dim);

/// §2.2 Bakry–Émery: ∇²L ≥ −K·I with K < λ ⇒ C_P, C_LS ≤ s/(λ − K).
RouteResult bakry_emery(const Wide& lambda, const Wide& s, const std::optional<Wide>& curvature_floor);

/// §2.3 Holley–Stroock: osc L ≤ Ω ⇒ C_P, C_LS ≤ (s/λ)·exp(Ω/s).
RouteResult holley_stroock(const Wide& lambda, const Wide& s, const std::optional<Wide>& oscillation);

/// Inputs of the Lyapunov (BBCG) route, all for Ψ_{2s} (docs/theory.md §1, §2.4).
struct LyapunovInputs {
  Wide radius;              ///< R > 0
  Wide psi2s_inf_outside;   ///< inf_{‖θ‖>R} Ψ_{2s}(θ)   (must be > 0)
  Wide f_sup_ball;          ///< sup_{B_R} F              (F ≥ 0 needed for W ≥ 1)
  Wide f_inf_ball;          ///< inf_{B_R} F              (≥ 0)
  Wide neg_psi2s_sup_ball;  ///< sup_{B_R} (−Ψ_{2s})_+    (≥ 0)
  std::string provenance;   ///< where these numbers came from
};

/// §2.4 Bakry–Barthe–Cattiaux–Guillin (ECP 13, 2008, Thm 1.4) with W = e^{V/2}, V = F/s:
/// C_P ≤ (1 + b·κ_R)/θ0, θ0 = ψ_inf/(2s), b = (θ0 + ψ⁻/(2s))·exp(sup F/(2s)),
/// κ_R = (4R²/π²)·exp((sup F − inf F)/s). Poincaré only.
RouteResult lyapunov(const Wide& s, const std::optional<LyapunovInputs>& in);

/// Lyapunov inputs for the pure regularizer L ≡ 0 at radius R:
/// Ψ_{2s} = −λd + λ²r²/(2s), sup F = λR²/2, sup(−Ψ_{2s})_+ = λd.
LyapunovInputs lyapunov_inputs_pure_regularizer(const Wide& lambda, const Wide& dim, const Wide& s,
                                                const Wide& radius);

/// The Lyapunov route for L ≡ 0 with R chosen to minimize the bound (x = λR²/(2s) > d,
/// scanned on a log grid of x − d and refined by golden section).
RouteResult lyapunov_pure_regularizer(const Wide& lambda, const Wide& dim, const Wide& s);

struct ConstantsQuery {
  Wide lambda, dim, temperature{1};
  std::optional<Wide> curvature_floor;  ///< K with ∇²L ≥ −K·I
  std::optional<Wide> oscillation;      ///< Ω ≥ osc L
  std::optional<LyapunovInputs> lyapunov;  ///< measured; absent ⇒ evaluated for L ≡ 0
};

/// Validates a query; throws InputError naming the argument (λ ≤ 0, d < 1, s ≤ 0, NaN, Ω < 0).
void validate(const ConstantsQuery& q);

/// Every route in a fixed order: gaussian_reference, paper_claim, bakry_emery,
/// holley_stroock, lyapunov.
std::vector<RouteResult> all_routes(const ConstantsQuery& q);

/// True when the query gives no assumption on L (no K, Ω or Lyapunov inputs): the constants are
/// then those of the pure regularizer L ≡ 0.
bool about_pure_regularizer(const ConstantsQuery& q);

/// The tightest rigorous C_P and C_LS among `routes` (all_routes(q)) for the model q describes:
/// for L ≡ 0 the exact Gaussian value and the L ≡ 0 Lyapunov bound; otherwise only the routes
/// whose assumptions the user supplied. The preprint's claim never counts; it is returned beside.
struct BestConstants {
  std::optional<Wide> c_p, c_ls;
  std::string c_p_route, c_ls_route;  ///< route ids; empty when none applies
  const RouteResult* claim = nullptr; ///< the paper_claim route of `routes`
};
BestConstants best_constants(const std::vector<RouteResult>& routes, const ConstantsQuery& q);

}  // namespace villani::theory
