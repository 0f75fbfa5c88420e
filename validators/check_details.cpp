// One criterion of a CheckReport as JSON (validators/check_details.hpp).
#include "validators/check_details.hpp"

#include <cmath>

namespace villani::validators {

using nlohmann::json;

namespace {

// A number that may be ±inf or NaN (no finite point on a shell): null.
json finite_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json common(const CriterionResult& c) {
  json j = {{"verdict", to_string(c.verdict, VerdictWords::Criterion)}, {"evidence", c.evidence}};
  if (c.verdict == Verdict::Inconclusive) j["reason"] = c.reason;
  return j;
}

json smoothness(const SmoothnessCriterion& c) {
  json j = common(c);
  json kinks = json::array();
  for (const auto& k : c.kinks)
    kinks.push_back({{"line", k.line}, {"t", k.t}, {"jump", k.jump}, {"distance_from_centre", k.distance_from_centre}});
  j["offending_ops"] = c.offending_ops;
  j["audit_source"] = c.audit_source;
  j["kinks"] = kinks;
  j["probe_lines"] = c.probe_lines;
  return j;
}

json coercivity(const CoercivityCriterion& c) {
  json j = common(c);
  json shells = json::array();
  for (const auto& s : c.shells)
    shells.push_back({{"radius", s.radius},
                      {"min_f_over_norm2", finite_or_null(s.min_f_over_norm2)},
                      {"ratio_to_half_lambda", finite_or_null(s.ratio_to_half_lambda)}});
  j["shells"] = shells;
  j["half_lambda"] = c.half_lambda;
  return j;
}

json integrability(const IntegrabilityCriterion& c) {
  json j = common(c);
  if (const auto& t = c.tail) {
    j["quadratic_floor"] = t->quadratic_floor;
    j["tail_radius"] = t->tail_radius;
    j["log10_tail_mass_bound"] = t->log10_tail_mass_bound;
    j["log10_gaussian_tail_fraction"] = t->log10_gaussian_tail_fraction;
    j["log10_tail_over_core_mass"] = t->log10_tail_over_core_mass;
    j["assumption"] = t->assumption;
  }
  return j;
}

}  // namespace

json criterion_json(const CheckCriteria& criteria, CheckCriterion which) {
  switch (which) {
    case CheckCriterion::Smoothness: return smoothness(criteria.smoothness);
    case CheckCriterion::Coercivity: return coercivity(criteria.coercivity);
    case CheckCriterion::Integrability: return integrability(criteria.integrability);
    case CheckCriterion::Growth: return common(criteria.growth);
  }
  return common(criteria.growth);
}

}  // namespace villani::validators
