// Certificates for inequalities of a symbolic energy on an annulus (issue 4; docs/theory.md §1–§2).
//
// Two statements, for F = L + (λ/2)‖θ‖² in 1-D or 2-D (numerics/symbolic/energy.hpp):
//   "psi>=M on r in [r0,r1]"             Ψ_s(θ) = −ΔF + ‖∇F‖²/s ≥ M   for r0 ≤ ‖θ‖ ≤ r1
//   "psi2s>=M on r in [r0,r1]"           the same with Ψ_{2s}
//   "coercive c=..,C=.. on r in [r0,r1]" F(θ) ≥ c‖θ‖² − C            for r0 ≤ ‖θ‖ ≤ r1
// The numbers M, c, C, r0, r1 may be decimals or fractions; M, c, C enter the margin program
// exactly (GiNaC rationals), r0, r1 are rounded outward to doubles.
//
// Method: the margin g = (left side) − (right side) is compiled once (GiNaC) and evaluated with
// MPFI intervals at 50 digits over boxes of the region. 1-D: the two intervals [−r1, −r0] and
// [r0, r1]. 2-D: polar boxes [a, b] × [φ0, φ1] mapped to θ = (r cos φ, r sin φ) by interval cos
// and sin (the angle boxes cover [0, 6.2832] ⊃ [0, 2π], so the union is the whole annulus).
// Boxes are processed smallest lower enclosure first: a box whose enclosure of g has lower end
// ≥ 0 is certified; otherwise its midpoint is evaluated as a point interval and, if the upper
// end there is < 0 (and the point provably lies in the annulus), that point is a
// counterexample; otherwise the box is bisected (1-D: in r; 2-D: along the longer of the radial
// width and the arc length r·Δφ). A budget of boxes and of bisection depth bounds the work;
// when it runs out the verdict is inconclusive with the smallest box left undecided.
#pragma once
#include <string>
#include <vector>


#include "numerics/progress.hpp"
#include "numerics/symbolic/energy.hpp"
#include "validators/verdict.hpp"

namespace villani::validators {

struct CertifyStatement {
  enum class Kind { Psi, Psi2s, Coercive };
  Kind kind = Kind::Psi;
  std::string text;              ///< as typed
  std::string M, c, C;           ///< numbers as typed (M for psi; c, C for coercive)
  std::string r0_text, r1_text;  ///< radii as typed
  double r0 = 0, r1 = 0;         ///< radii rounded outward to doubles
};

/// Parses "psi>=M on r in [r0,r1]", "psi2s>=M on r in [r0,r1]" or
/// "coercive c=..,C=.. on r in [r0,r1]" (spaces optional). Throws InputError(argument, ...)
/// for anything else, for 0 ≤ r0 ≤ r1 < ∞ violated, or for a number that does not parse.
CertifyStatement parse_certify(const std::string& text, const std::string& argument = "--certify");

struct CertifyOptions {
  long max_boxes = 200000;  ///< interval evaluations of boxes (midpoint checks not counted)
  int max_depth = 60;       ///< bisections of one initial box
  ProgressFn progress;      ///< boxes evaluated of max_boxes, boxes decided (empty: none)
};

struct CertifyResult {
  /// Holds: certified; Violated: a counterexample; Inconclusive: the budget ran out (JSON words:
  /// VerdictWords::Certificate, "certified" | "counterexample" | "inconclusive").
  Verdict verdict = Verdict::Inconclusive;
  std::string statement;           ///< readable form of the inequality
  int dim = 1;
  long boxes_evaluated = 0;
  long boxes_certified = 0;        ///< leaves of the certified cover
  int max_depth = 0;               ///< deepest bisection reached (any box)
  double min_lower_margin = 0;     ///< min over certified boxes of the lower end of g (certified)
  // counterexample
  std::vector<double> point;       ///< θ (doubles; exact as given)
  double point_radius = 0;         ///< ‖θ‖
  double value = 0;                ///< left side at θ (Ψ_s(θ) or F(θ))
  double rhs = 0;                  ///< right side at θ (M or c‖θ‖² − C)
  double margin = 0;               ///< value − rhs (< 0), midpoint of its 50-digit enclosure
  std::string margin_enclosure_50; ///< the 50-digit interval of the margin at θ
  bool confirmed_100 = false;      ///< the margin's 100-digit enclosure is < 0 too
  // inconclusive: the smallest box that could not be decided (r range; 2-D: also φ range)
  double box_r_lo = 0, box_r_hi = 0, box_phi_lo = 0, box_phi_hi = 0;
  std::string box_margin_enclosure;
  std::string budget_note;
  double seconds = 0;
  CertifyOptions options;
};

/// The well certificate of `villani gap` (issue 25): F has no critical point with ‖θ‖ ≥ R (with R
/// the distance from 0 to the box's nearest face, every point outside the box is such a θ). Proved by θ·∇F > (λ/4)‖θ‖² on R ≤ ‖θ‖ ≤ 4R (interval boxes, as
/// certify) and on ‖θ‖ ≥ 4R through u = 1/‖θ‖ ∈ [0, 1/(4R)] (Energy::radial_margin). Holds: no
/// well beyond R; Inconclusive: `region` could not be excluded (a well may lie there);
/// NotApplicable: λ ≤ 0.
struct WellCertificate {
  Verdict verdict = Verdict::Inconclusive;
  double radius = 0, far_radius = 0;
  std::string region;  ///< what could not be excluded (empty when certified)
  std::string text;    ///< one sentence for reports
  long boxes_evaluated = 0;
  double seconds = 0;
};
WellCertificate certify_no_wells(const numerics::symbolic::Energy& energy, const std::string& lambda,
                                 const std::string& s, double radius, const CertifyOptions& o = {});

/// The Bakry–Émery curvature floor certified on all of ℝ^d (issue 25): λ_min(∇²L) ≥ −K for every θ,
/// by interval boxes on ‖θ‖ ≤ 4R (polar in 2-D, from the origin) and in u = 1/‖θ‖ beyond.
/// Holds: certified; Violated: a point where λ_min(∇²L) < −K; Inconclusive: undecided (budget,
/// or an expression the far field cannot enclose). `text` says which.
struct CurvatureCertificate {
  Verdict verdict = Verdict::Inconclusive;
  std::string K;       ///< the floor certified (decimal text)
  std::string text;
  long boxes_evaluated = 0;
  double seconds = 0;
};
CurvatureCertificate certify_curvature_floor(const numerics::symbolic::Energy& energy, const std::string& K,
                                             double radius, const CertifyOptions& o = {});

/// Decides the statement for `energy` at λ and s given as decimal text (enclosed exactly by
/// 50-digit intervals). Throws InputError("--lambda"/"--temperature") if they do not parse.
CertifyResult certify(const numerics::symbolic::Energy& energy, const std::string& lambda,
                      const std::string& s, const CertifyStatement& st, const CertifyOptions& o = {});

}  // namespace villani::validators
