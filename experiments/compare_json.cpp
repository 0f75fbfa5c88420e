#include "experiments/compare_json.hpp"

namespace villani::experiments {

namespace {
nlohmann::json or_null(const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(); }
}  // namespace

nlohmann::json to_json(const RecordComparison& r) {
  nlohmann::json j = {{"dir", r.dir}, {"kind", r.kind}, {"complete", r.complete}};
  if (r.lambda) j["lambda"] = *r.lambda;
  if (r.sgld) {
    const auto& c = *r.sgld;
    const auto& fn = c.norm2;
    const auto& fl = c.loss;
    j["measured"] = {{"norm2_rate", fn.rate}, {"norm2_rate_lo", fn.rate_lo}, {"norm2_rate_hi", fn.rate_hi},
                     {"norm2_fit_ok", fn.ok}, {"norm2_fit_why", fn.why}, {"norm2_asymptote", fn.asymptote},
                     {"norm2_amplitude", fn.amplitude}, {"loss_rate", fl.rate}, {"loss_fit_ok", fl.ok},
                     {"loss_asymptote", fl.asymptote}, {"loss_amplitude", fl.amplitude}};
    j["predicted"] = {{"gaussian_norm2_rate", c.gaussian_norm2_rate}, {"claim_rate_lower", c.claim_rate_lower},
                      {"bakry_emery_rate_lower", or_null(c.bakry_emery_rate_lower)},
                      {"curvature_K", or_null(c.curvature_K)}};
    j["verdicts"] = {{"gaussian", c.gaussian.text}, {"claim", c.claim.text}, {"bakry_emery", c.bakry_emery.text},
                     {"loss_vs_claim", c.loss_vs_claim.text}};
    j["t0"] = c.t0;
  }
  return j;
}

nlohmann::json to_json(const LambdaCurve& c) {
  return {{"lambda", c.lambda},
          {"value", c.value},
          {"best_lambda", c.best_lambda},
          {"best_value", c.best_value},
          {"decreasing_to_best", c.decreasing_to_best},
          {"increasing_after_best", c.increasing_after_best},
          {"tolerance", c.tolerance}};
}

}  // namespace villani::experiments
