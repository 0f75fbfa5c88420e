// The computation behind `villani gap` and the gap claims (issue 4; docs/theory.md §1–§3): one
// function that, for a symbolic loss L at (λ, s), chooses the box, computes the Poincaré constant with its
// brackets and lower bounds, and decides the preprint's C_LS ≤ 1/λ + d/λ² against it. The command
// parses, calls gap_report and renders; the claims call it and read the same verdict
// (paper_bound_json is the "claims.paper_c_ls_bound" object of both).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "numerics/lowdim/gap.hpp"
#include "numerics/progress.hpp"
#include "numerics/symbolic/energy.hpp"
#include "theory/routes.hpp"
#include "validators/certify.hpp"
#include "validators/verdict.hpp"

namespace villani::validators {

struct GapRequest {
  double lambda = 1;                   ///< weight decay (λ ≤ 0 allowed when L grows)
  double s = 1;                        ///< temperature > 0
  std::optional<double> box_half_width;  ///< --box a: [−a, a]^d; nullopt: from the tail mass of μ_s
  int grid = 0;                        ///< finest cells per dimension; 0: 4000 (1-D) or 240 (2-D)
  bool grid_given = false;             ///< keep `grid` even when the narrowest well needs more cells
  bool log_sobolev = true;             ///< 1-D: also the discrete C_LS maximization (the slow part)
  ProgressFn progress;                 ///< told the finest grid before the solves (empty: nothing)
};

/// The preprint's bound against the computed C_P (C_LS ≥ C_P). `lower` is the largest lower
/// bound on C_P that is trusted: the coordinate variance and the Muckenhoupt B/2 (1-D) always,
/// C_P − error when the discretization is warranted (1-D: inside its Muckenhoupt bracket).
///   violated       lower > claim (λ > 0)
///   inconclusive   not violated, and the 1-D value lies outside its Muckenhoupt bracket, or
///                  a well outside the box is not excluded (GapReport::wells)
///   not-applicable λ ≤ 0 (the bound is stated for λ > 0)
///   holds          otherwise ("consistent")
struct PaperBound {
  Verdict verdict = Verdict::Inconclusive;
  double claim = 0;   ///< 1/λ + d/λ²
  double lower = 0;   ///< the trusted lower bound on C_P compared with it
  double factor = 0;  ///< C_P / claim
  std::string text;   ///< "consistent" | "violated by a factor …" | why inconclusive / not applicable
};

/// {"value", "violated", "factor", "verdict" (text), "status" (claim words)}.
nlohmann::json paper_bound_json(const PaperBound& b);

struct GapReport {
  int dim = 1;
  double lambda = 0, s = 1;
  int grid = 0;  ///< finest grid used (raised for a narrow well when not given)
  numerics::lowdim::Box box;
  double tail_mass = 0, scan_radius = 0;
  int wells_added = 0;
  std::string box_note;
  numerics::lowdim::PoincareResult poincare;
  double truncation = 0;           ///< relative move of C_P when the box grows; +inf: C_P has no finite error
  double truncation_log10_factor = 0;  ///< log10 of that move's factor (finite where `truncation` is not)
  bool truncation_checked = false;
  std::string truncation_note;
  std::vector<double> variances;  ///< Var_μ(θ_k), lower bounds on C_P
  double variance_max = 0;
  double curvature_floor = 0;     ///< K: on a grid of the box, raised slightly and certified on ℝ^d where possible
  /// λ_min(∇²L) ≥ −K proved for every θ (λ > 0; issue 25); otherwise K is the grid's estimate.
  CurvatureCertificate curvature;
  /// C_P − error when the error is finite; else (the box truncates C_P without bound) the trusted
  /// lower bounds: the largest coordinate variance and, in 1-D, Muckenhoupt's B/2.
  double c_p_minus_error = 0;
  // 1-D only
  std::optional<numerics::lowdim::Bracket1D> brackets;
  bool bracket_contains_poincare = true;
  std::optional<numerics::lowdim::EyringKramers> eyring_kramers;
  std::optional<numerics::lowdim::ExpTestBound> ls_test_functions;
  std::optional<numerics::lowdim::LogSobolevEstimate> log_sobolev;  ///< raised to C_P − error if below
  bool log_sobolev_raised = false;
  std::string log_sobolev_note;
  /// No critical point of F outside the box (λ > 0; issue 25): a shallow well far from the mass
  /// can set C_P while the box leaves it out, so "holds" on the bound needs this certificate.
  WellCertificate wells;
  PaperBound paper_bound;
  // λ > 0 only
  std::optional<double> gaussian_c_p;                   ///< s/λ
  std::optional<theory::RouteResult> bakry_emery;
};

/// Computes everything above for `energy` (its dim). Throws InputError for a bad request (naming
/// --box, --lambda, --loss) and NotConverged when C_P cannot be warranted on the box (the caller
/// says what to change, or reads it as inconclusive).
GapReport gap_report(const numerics::symbolic::Energy& energy, const GapRequest& req);

}  // namespace villani::validators
