#include "experiments/companion/boursier_record.hpp"

namespace villani::experiments::companion {

namespace {
nlohmann::json or_null(const std::optional<double>& x) { return x ? nlohmann::json(*x) : nlohmann::json(nullptr); }

template <class T>
nlohmann::json array_of(const std::vector<T>& xs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& x : xs) a.push_back(to_json(x));
  return a;
}
}  // namespace

nlohmann::json to_json(const BoursierCell& c) {
  nlohmann::json j = {{"family", to_string(c.family)}, {"n", c.n}, {"d", c.d}, {"m", c.m},
                      {"init_scale", c.init_scale}, {"seeds", c.seeds}, {"global", c.global},
                      {"spurious", c.spurious}, {"undecided", c.undecided},
                      {"success_fraction", c.success_fraction}, {"p_star", c.p_star},
                      {"max_certified_gap_global", c.max_certified_gap_global}, {"rel_tol", c.rel_tol},
                      {"min_excess_spurious", or_null(c.min_excess_spurious)},
                      {"max_final_grad_norm", c.max_final_grad_norm}, {"mean_steps", c.mean_steps}};
  if (c.predicted_success) j["predicted_success"] = *c.predicted_success;
  return j;
}

nlohmann::json to_json(const BoursierTransition& t) {
  nlohmann::json j = {{"family", to_string(t.family)}, {"n", t.n}, {"d", t.d}, {"init_scale", t.init_scale},
                      {"m_half", or_null(t.m_half)}, {"m_half_fit", or_null(t.m_half_fit)},
                      {"two_pow_n", t.two_pow_n}, {"n_pow_d", t.n_pow_d}, {"pattern_count", t.pattern_count}};
  if (t.coverage) {
    j["m_half_predicted"] = t.coverage->m_half;
    j["m_half_predicted_grid"] = or_null(t.coverage->m_half_grid);
  }
  return j;
}

nlohmann::json to_json(const BoursierConvex& c) {
  return {{"family", to_string(c.family)}, {"n", c.n}, {"d", c.d}, {"patterns", c.patterns},
          {"cover_count", c.cover_count}, {"value", c.value}, {"dual_lower", c.dual_lower}, {"gap", c.gap},
          {"iterations", c.iterations}, {"active_neurons", c.active_neurons},
          {"closed_form", or_null(c.closed_form)}, {"abs_error_vs_closed_form", or_null(c.abs_error_vs_closed_form)}};
}

nlohmann::json to_json(const BoursierFit& f) {
  nlohmann::json j = {{"init_scale", f.init_scale}, {"points", f.points}};
  if (f.line) {
    j["slope_log2_m_half_vs_n"] = f.line->slope_log2_m_half_vs_n;
    j["intercept"] = f.line->intercept;
  }
  return j;
}

nlohmann::json to_json(const BoursierResult& r) {
  return {{"cells", array_of(r.cells)}, {"transitions", array_of(r.transitions)},
          {"convex", array_of(r.convex)}, {"fit", array_of(r.fit)}, {"beta", r.beta}, {"labels", r.labels}};
}

}  // namespace villani::experiments::companion
