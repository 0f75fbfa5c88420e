// The engine behind run_check (validators/villani_check.hpp), one file per part: check_engine.cpp
// (sampling the shells, precision escalation, the report), check_smoothness.cpp (1), check_coercivity.cpp
// (2, 3), check_growth.cpp (4), check_constants.cpp (5). Internal to validators/.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "numerics/objective.hpp"
#include "numerics/precision.hpp"
#include "numerics/psi.hpp"
#include "numerics/sampling.hpp"
#include "validators/villani_check.hpp"

namespace villani::validators::check_detail {

using numerics::Vec;

using numerics::derive_seed;
using numerics::Random;
using numerics::sample_sphere;

struct Point {
  double r = 0, norm = 0, f = 0, lap = 0, g2 = 0, se = 0;
  bool finite = true;
  Rung rung = Rung::Double;
  double psi(double s) const { return numerics::psi_value(lap, g2, s); }
};

double median(std::vector<double> v);

std::string num(double x);

/// Sets a criterion's verdict, evidence and (when inconclusive) reason: the evidence when none is given.
void set_verdict(CriterionResult& c, Verdict v, const std::string& evidence, const std::string& reason = "");

class Engine {
 public:
  Engine(const CheckInput& in, const CheckOptions& o);
  CheckReport run();

 private:
  const CheckInput& in_;
  const CheckOptions& o_;
  numerics::Regularized f_;
  Eigen::Index d_;
  Vec center_;
  std::vector<double> radii_;
  double r0_ = 0;
  Point center_pt_;
  std::vector<std::vector<Point>> shells_;
  std::vector<std::vector<Vec>> thetas_;
  std::vector<Rung> shell_rung_;
  GrowthSummary growth_summary_;
  int k2s_ = -1, ks_ = -1;  // first shell index from which Ψ_{2s} (Ψ_s) exceed the threshold
  int escalations_ = 0;
  int escalation_skipped_ = 0;  // near-threshold points left to double by max_escalations
  bool estimated_ = false;      // ΔF estimated by XTrace (else exact)
  bool diagonal_laplacian_ = false;  // exact ΔF as the sum of d HVPs (no native Laplacian)
  std::vector<std::string> eval_errors_;
  std::vector<double> ratio_;  // per shell min F/‖θ‖²
  struct GQ { double g, q; bool ok; };

  std::string laplacian_label() const;
  // The centre's own F, ΔF, ‖∇F‖ and Ψ (computed for the constants; reported too).
  CenterValues center_values() const;
  Point evaluate(const Vec& theta, double r, std::uint64_t seed);
  void sample();
  // Auto precision (docs/design.md "Precision"). On each shell the points deciding the growth
  // criterion (least Ψ_{2s}, least Ψ_s) are candidates. A candidate climbs the ladder when double
  // cannot be trusted to decide it: its Ψ sits within 1e-6 of the cancellation scale
  // |ΔF| + ‖∇F‖²/s of the threshold (or within 3 standard errors when ΔF is estimated).
  // With an exact Laplacian, the candidate nearest the threshold is also re-evaluated once as a
  // spot check of double. At 50 digits, disagreement with double beyond 1e-9 of the scale, or a
  // value still near the threshold, sends it to 100 digits. The highest rung needed decides; at
  // most max_escalations points climb (the report counts those left to double).
  void escalate();
  std::vector<Point> finite_points(std::size_t k) const;
  bool all_finite() const;
  std::string nonfinite_reason() const;
  GrowthCriterion growth_criterion();
  CoercivityCriterion coercivity_criterion();
  IntegrabilityCriterion integrability_criterion();
  GQ line_eval(const Vec& x, const Vec& u, double t);
  SmoothnessCriterion smoothness_criterion();
  CheckConstants constants();
  PrecisionSummary precision_summary() const;
};

}  // namespace villani::validators::check_detail
