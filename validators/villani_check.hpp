// The Villani criteria on sampled shells (docs/theory.md §1–§2; docs/check.md), run on any
// Objective: a researcher brings a loss L, villani forms F = L + (λ/2)‖θ‖² and asks whether the hypotheses
// of Villani's criterion hold and what explicit constants follow.
//
//   1. smoothness     audit of the operations for anything not C^∞ + a numerical kink probe
//   2. coercivity     per shell min F/‖θ‖² against λ/2
//   3. integrability  from the shell minima, a bound on the tail mass of e^{−F/s}
//   4. growth         Ψ_s and Ψ_{2s} on shells, fitted exponent/coefficient vs λ²/s, the radius
//                     where Ψ exceeds the threshold, a Clopper–Pearson sampling certificate
//   5. constants      measured R, sup F, sup(−Ψ_{2s})_+ on the ball, curvature floor, fed to
//                     theory/'s routes beside the preprint's claim
// Every number that comes from sampling is an ESTIMATE of a sup/inf, never a bound; the report
// says so. Verdicts (validators/verdict.hpp, criterion words): holds | fails | inconclusive
// (with the reason).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "numerics/objective.hpp"
#include "numerics/progress.hpp"
#include "validators/check_report.hpp"
#include "validators/verdict.hpp"

namespace villani::validators {

/// F, ΔF and ‖∇F‖² of F = L + (λ/2)‖θ‖² at θ, computed with `digits` decimal digits (50 or 100)
/// and rounded to double. Reference models provide it (numerics/models); user models do not.
struct PrecisePoint {
  double value = 0, laplacian = 0, grad_norm_sq = 0;
};
using PreciseEvaluator =
    std::function<PrecisePoint(const numerics::Vec& theta, double lambda, int digits)>;

struct CheckOptions {
  double lambda = 0;                ///< weight decay λ > 0
  double s = 1;                     ///< temperature s > 0
  std::vector<double> radii;        ///< shell radii around the centre; empty: automatic
  int directions = 32;              ///< points per shell
  int probes = 4;                   ///< random lines of the kink probe
  int probe_points = 48;            ///< grid points per probe line
  PrecisionMode precision = PrecisionMode::Auto;
  numerics::Vec center;             ///< shell centre; empty: the origin
  std::string center_label = "origin";
  std::uint64_t seed = 1;
  int matvecs = 32;                 ///< XTrace products (HVPs) per point when ΔF is estimated
  /// "auto": the objective's exact Laplacian when it has one and d ≤ exact_laplacian_max_dim
  /// (an exact Laplacian costs d HVPs), else estimated; "exact" | "estimated" force it.
  std::string laplacian = "auto";
  int exact_laplacian_max_dim = 256;
  /// Auto precision: at most this many 50/100-digit re-evaluations (each costs d autodiff passes).
  int max_escalations = 6;
  double threshold = 0;             ///< Ψ threshold defining the radius R
  double confidence = 0.95;         ///< Clopper–Pearson confidence
  int curvature_max_dim = 400;      ///< curvature floor (Lanczos, smallest eigenvalue of ∇²L) only up to this d
  int curvature_points = 4;         ///< points where the Hessian spectrum is computed
  ProgressFn progress;              ///< points evaluated on the shells, escalations (empty: none)
};

/// Throws InputError naming the option (--lambda, --temperature, --radii, --directions, ...).
void validate(const CheckOptions& o, Eigen::Index dim);

/// Automatic radii: 10 log-spaced shells from 0.1·r0 to 10·r0, r0 = sqrt(s·d/λ) (the radius
/// where the prediction (λ²/s)r² − λd turns positive).
std::vector<double> default_radii(double lambda, double s, double dim);

struct CheckInput {
  std::shared_ptr<const numerics::Objective> loss;  ///< L (the data loss), without λ
  std::string model;                 ///< what was checked ("preset mlp-gelu", "model.pt")
  /// Offending operations and where they sit ("aten::relu at forward line 3"). nullopt: use
  /// loss->nonsmooth_ops().
  std::optional<std::vector<std::string>> audit;
  std::string audit_source = "operations declared by the objective";
  PreciseEvaluator precise;          ///< empty: double only
};

/// Runs every criterion and returns the typed report (validators/check_report.hpp): the model,
/// the options as run, the four criteria (each a verdict, its evidence and the reason when
/// inconclusive), the growth numbers with their shells, the centre, the constants and the
/// precision summary. Never throws on a model that cannot be decided; throws InputError for bad
/// options. The CLI renders it (cli/check_render.hpp).
CheckReport run_check(const CheckInput& in, const CheckOptions& o);

}  // namespace villani::validators
