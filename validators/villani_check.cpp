#include "validators/villani_check.hpp"

#include <cmath>
#include <fmt/format.h>

#include "numerics/errors.hpp"
#include "validators/check_engine.hpp"

namespace villani::validators {

using numerics::Vec;

PrecisionMode parse_precision(const std::string& t) {
  if (t == "double") return PrecisionMode::Double;
  if (t == "50") return PrecisionMode::Digits50;
  if (t == "100") return PrecisionMode::Digits100;
  if (t == "auto") return PrecisionMode::Auto;
  throw InputError("--precision", "expected double, 50, 100 or auto; got '" + t + "'");
}

const char* to_string(PrecisionMode m) {
  switch (m) {
    case PrecisionMode::Double: return "double";
    case PrecisionMode::Digits50: return "50";
    case PrecisionMode::Digits100: return "100";
    case PrecisionMode::Auto: return "auto";
  }
  return "auto";
}

const char* to_string(Rung r) {
  switch (r) {
    case Rung::Double: return "double";
    case Rung::Digits50: return "50";
    case Rung::Digits100: return "100";
  }
  return "double";
}

const char* to_string(CheckCriterion c) {
  switch (c) {
    case CheckCriterion::Smoothness: return "smoothness";
    case CheckCriterion::Coercivity: return "coercivity";
    case CheckCriterion::Integrability: return "integrability";
    case CheckCriterion::Growth: return "growth";
  }
  return "growth";
}

const CriterionResult& criterion(const CheckCriteria& c, CheckCriterion which) {
  switch (which) {
    case CheckCriterion::Smoothness: return c.smoothness;
    case CheckCriterion::Coercivity: return c.coercivity;
    case CheckCriterion::Integrability: return c.integrability;
    case CheckCriterion::Growth: return c.growth;
  }
  return c.growth;
}

void validate(const CheckOptions& o, Eigen::Index dim) {
  check_positive("--lambda", o.lambda);
  check_positive("--temperature", o.s);
  if (dim < 1) throw InputError("--model", "the model has no parameters");
  if (o.directions < 2 || o.directions > 100000)
    throw InputError("--directions", fmt::format("expected 2 … 100000 points per shell; got {}", o.directions));
  if (o.probes < 0 || o.probes > 1000)
    throw InputError("--probes", fmt::format("expected 0 … 1000 probe lines; got {}", o.probes));
  if (o.probe_points < 4) throw InputError("--probes", "need at least 4 points per probe line");
  if (o.matvecs < 4) throw InputError("--matvecs", fmt::format("expected ≥ 4 (XTrace); got {}", o.matvecs));
  if (o.laplacian != "auto" && o.laplacian != "exact" && o.laplacian != "estimated")
    throw InputError("--laplacian", "expected auto, exact or estimated; got '" + o.laplacian + "'");
  check_open_interval("--confidence", o.confidence, 0.0, 1.0);
  check_finite("--threshold", o.threshold);
  if (o.radii.size() > 200) throw InputError("--radii", "at most 200 radii");
  for (double r : o.radii)
    if (!(r > 0) || !std::isfinite(r))
      throw InputError("--radii", "every radius must be finite and > 0; got " + describe_value(r));
  if (o.center.size() != 0 && o.center.size() != dim)
    throw InputError("--center", fmt::format("expected {} coordinates; got {}", dim, o.center.size()));
  if (o.center.size() != 0 && !o.center.allFinite())
    throw InputError("--center", "the centre contains NaN or inf");
}

std::vector<double> default_radii(double lambda, double s, double dim) {
  const double r0 = std::sqrt(s * dim / lambda);
  std::vector<double> r;
  const int n = 10;
  for (int k = 0; k < n; ++k) r.push_back(r0 * std::pow(10.0, -1.0 + 2.0 * k / (n - 1)));
  return r;
}

CheckReport run_check(const CheckInput& in, const CheckOptions& o) {
  if (!in.loss) throw DomainError("run_check: null model");
  validate(o, in.loss->dim());
  if ((o.precision == PrecisionMode::Digits50 || o.precision == PrecisionMode::Digits100) && !in.precise)
    throw InputError("--precision", std::string("50/100-digit evaluation exists only for the reference "
                                                "models (presets and JSON specs); use double or auto"));
  check_detail::Engine e(in, o);
  return e.run();
}

}  // namespace villani::validators
