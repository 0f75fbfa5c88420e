// The typed report of run_check (validators/villani_check.hpp): what `villani check` found,
// criterion by criterion, as plain values. The engine (check_engine.hpp) fills it; the CLI
// renders it (cli/check_render.hpp: JSON, Markdown, tables, the Ψ plot); the claims
// (villani_claims.cpp) read its fields. Field names follow the JSON keys of `villani check
// --format json` (docs/check.md), which the renderer prints unchanged.
// Sampled sup/inf are estimates, never bounds. A double that could not be computed is NaN/inf
// only where the JSON wrote it as a number before; optional where the JSON writes null.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "theory/routes.hpp"
#include "validators/verdict.hpp"

namespace villani::validators {

enum class PrecisionMode { Double, Digits50, Digits100, Auto };
/// "double" | "50" | "100" | "auto" (InputError("--precision") otherwise).
PrecisionMode parse_precision(const std::string& text);
const char* to_string(PrecisionMode m);

/// The precision a value was decided at, in ladder order (double < 50 < 100 digits).
enum class Rung { Double, Digits50, Digits100 };
/// "double" | "50" | "100".
const char* to_string(Rung r);

/// What every criterion carries. `reason` is non-empty exactly when the verdict is Inconclusive.
struct CriterionResult {
  Verdict verdict = Verdict::Inconclusive;
  std::string evidence;
  std::string reason;
};

/// A jump of the directional derivative found by the kink probe.
struct Kink {
  int line = 0;                      ///< probe line index
  double t = 0;                      ///< position along the line
  double jump = 0;                   ///< jump of the directional derivative
  double distance_from_centre = 0;
};

/// 1. Smoothness: the operation audit and the numerical kink probe.
struct SmoothnessCriterion : CriterionResult {
  std::vector<std::string> offending_ops;
  std::string audit_source;
  std::vector<Kink> kinks;
  int probe_lines = 0;               ///< probe lines evaluated
};

struct CoercivityShell {
  double radius = 0;
  double min_f_over_norm2 = 0;       ///< +inf when no finite point (JSON null)
  double ratio_to_half_lambda = 0;   ///< min_f_over_norm2 / (λ/2) (JSON null when not finite)
};

/// 2. Coercivity: per shell min F/‖θ‖² against λ/2.
struct CoercivityCriterion : CriterionResult {
  std::vector<CoercivityShell> shells;
  double half_lambda = 0;
};

/// The Gaussian tail bound behind a "holds" integrability verdict (log10 of masses).
struct GaussianTailBound {
  double quadratic_floor = 0;        ///< a = min F/‖θ‖² on the outermost shell
  double tail_radius = 0;
  double log10_tail_mass_bound = 0;
  double log10_gaussian_tail_fraction = 0;
  double log10_tail_over_core_mass = 0;
  std::string assumption;
};

/// 3. Integrability of e^{−F/s}; `tail` is present when the verdict holds.
struct IntegrabilityCriterion : CriterionResult {
  std::optional<GaussianTailBound> tail;
};

/// 4. Growth: the verdict; its numbers are CheckReport::growth.
struct GrowthCriterion : CriterionResult {};

struct MinMedianMax {
  double min = 0, median = 0, max = 0;
};

/// Ψ over the finite points of one shell.
struct ShellPsi {
  MinMedianMax psi_s, psi_2s;
  double standard_error = 0;         ///< largest XTrace standard error of ΔF (0 when exact)
  bool laplacian_estimated = false;  ///< JSON "laplacian": "estimated" | "exact"
  int violations_2s = 0;             ///< points with Ψ_2s − 2·s.e. ≤ threshold
  int violations_s = 0;
  double violating_fraction_upper = 0;  ///< Clopper–Pearson upper bound from violations_2s
};

struct GrowthShell {
  double radius = 0;
  std::size_t points = 0;            ///< finite points
  Rung rung = Rung::Double;
  double predicted_psi_s = 0;        ///< (λ²/s)r² − λd
  std::optional<ShellPsi> psi;       ///< absent when no point of the shell is finite
};

struct DirectionExponent {
  double median = 0, min = 0, max = 0;
  std::size_t directions = 0;
  std::string fit;                   ///< what was fitted
};

struct LogLogFitResult {
  double exponent = 0, coefficient = 0;
};

/// The fit of median Ψ_s ≈ a·r^p + b on the fit radii.
struct GrowthFit {
  double exponent = 0;               ///< p of the free fit
  double coefficient = 0, offset = 0;  ///< a, b with p fixed at 2
  double free_fit_coefficient = 0, free_fit_offset = 0, fit_rms_relative = 0;
  std::vector<double> fit_radii;
  std::string fit;                   ///< what was fitted
  std::optional<DirectionExponent> direction_exponent;
  double coefficient_ratio = 0;      ///< coefficient / (λ²/s)
  bool matches_prediction = false;
  std::optional<LogLogFitResult> loglog;  ///< when every fitted median is > 0
};

/// Clopper–Pearson statement on the shells beyond R_{2s}.
struct SamplingCertificate {
  double shells_from_radius = 0;
  std::int64_t points = 0;
  int violations = 0;
  double confidence = 0;
  double per_shell_violating_fraction_upper = 0;
  std::string meaning;
};

struct GrowthSummary {
  double predicted_coefficient = 0;  ///< λ²/s
  double predicted_offset = 0;       ///< −λd
  double crossing_radius_predicted = 0;
  std::vector<GrowthShell> shells;
  /// Every point was finite: the radii below were looked for (their JSON keys are present).
  bool radii_searched = false;
  std::optional<double> radius_psi_s, radius_psi_2s;
  std::optional<GrowthFit> fit;
  std::string fit_note;              ///< empty: none
  std::optional<SamplingCertificate> certificate;
};

/// The centre's own F, ΔF, ‖∇F‖ and Ψ; the numbers only when `finite`.
struct CenterValues {
  std::string label;
  bool finite = false;
  double norm = 0, F = 0, laplacian = 0, grad_norm = 0, psi_s = 0, psi_2s = 0, standard_error = 0;
  Rung rung = Rung::Double;
};

/// Curvature floor K (∇²L ≥ −K·I) from Lanczos at a few points of the ball.
struct CurvatureFloor {
  double floor = 0;
  std::size_t points = 0;
  std::int64_t hvps = 0;
  bool converged = false;
  double min_eigenvalue_hessian_l = 0;
};

/// 5. Constants measured on the ball and theory/'s routes fed with them.
struct CheckConstants {
  std::string estimate;              ///< what the numbers are
  /// False when the objective was not finite everywhere: only `estimate` and `note` are set.
  bool computed = false;
  std::string note;
  std::optional<double> radius;      ///< R (none: no radius beyond which Ψ_2s > threshold)
  double sup_f_ball = 0, inf_f_ball = 0, sup_neg_psi_2s_ball = 0, oscillation_l_ball = 0;
  std::optional<double> inf_psi_2s_outside;
  std::optional<CurvatureFloor> curvature;
  bool curvature_skipped = false;    ///< d above curvature_max_dim (JSON curvature_floor: null)
  std::string curvature_note;        ///< empty: none
  /// Empty when the Lyapunov route got measured inputs; else why not, and its entry in `routes`
  /// does not apply (unmet = this note, no constants; the JSON shows it in short form).
  std::string lyapunov_note;
  std::vector<theory::RouteResult> routes;
  std::string oscillation_caveat;
};

struct PrecisionSummary {
  PrecisionMode mode = PrecisionMode::Auto;
  bool high_precision_available = false;
  int escalations = 0, escalations_skipped = 0;
  std::string policy;
  Rung decided_by = Rung::Double;
  std::vector<Rung> shell_rungs;
  std::string note;                  ///< empty: none
};

struct CheckModelInfo {
  std::string name, objective;
  std::int64_t dim = 0;
  std::string laplacian;             ///< how ΔF was computed
};

/// The options as run (radii after defaults, sorting and deduplication).
struct CheckOptionsEcho {
  double lambda = 0, temperature = 0;
  std::vector<double> radii;
  int directions = 0, probes = 0;
  PrecisionMode precision = PrecisionMode::Auto;
  std::string center;
  std::uint64_t seed = 0;
  double threshold = 0, confidence = 0;
  int matvecs = 0;
  double r0 = 0;                     ///< sqrt(s·d/λ)
};

struct CheckCriteria {
  SmoothnessCriterion smoothness;
  CoercivityCriterion coercivity;
  IntegrabilityCriterion integrability;
  GrowthCriterion growth;
};

/// The four criteria, in report order.
enum class CheckCriterion { Smoothness, Coercivity, Integrability, Growth };
inline constexpr CheckCriterion kCheckCriteria[] = {CheckCriterion::Smoothness, CheckCriterion::Coercivity,
                                                    CheckCriterion::Integrability, CheckCriterion::Growth};
/// "smoothness" | "coercivity" | "integrability" | "growth" (the JSON keys under "criteria").
const char* to_string(CheckCriterion c);
/// The verdict, evidence and reason of one criterion.
const CriterionResult& criterion(const CheckCriteria& c, CheckCriterion which);

struct CheckReport {
  CheckModelInfo model;
  CheckOptionsEcho options;
  CheckCriteria criteria;
  GrowthSummary growth;
  CenterValues center;
  CheckConstants constants;
  PrecisionSummary precision;
};

}  // namespace villani::validators
