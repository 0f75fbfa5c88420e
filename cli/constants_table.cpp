#include "cli/constants_table.hpp"

#include <fmt/format.h>

#include <boost/multiprecision/cpp_bin_float.hpp>

namespace villani::cli {

namespace {

nlohmann::json route_json(const theory::RouteResult& r) {
  nlohmann::json j;
  j["name"] = r.name;
  j["kind"] = theory::to_string(r.kind);
  j["applies"] = r.applies;
  j["assumption"] = r.assumption;
  if (!r.unmet.empty()) j["unmet"] = r.unmet;
  j["c_p"] = r.c_p ? wide_json(*r.c_p) : nlohmann::json("n/a");
  j["c_ls"] = r.c_ls ? wide_json(*r.c_ls) : nlohmann::json("n/a");
  j["log10_c_p"] = r.c_p ? log10_json(*r.c_p) : nlohmann::json(nullptr);
  j["log10_c_ls"] = r.c_ls ? log10_json(*r.c_ls) : nlohmann::json(nullptr);
  j["source"] = r.source;
  if (!r.note.empty()) j["note"] = r.note;
  return j;
}

// Dynamics predicted from (C_P, C_LS): continuous-time rates and the SGLD plan.
nlohmann::json dynamics_json(const theory::DynamicsPrediction& p) {
  nlohmann::json j;
  j["basis"] = p.basis;
  j["kl_rate"] = wide_json(p.rates.kl_rate);
  j["variance_rate"] = wide_json(p.rates.var_rate);
  j["relaxation_time"] = wide_json(p.rates.relaxation_time);
  j["time_to_epsilon"] = wide_json(p.time_to_epsilon);
  if (p.sgld && p.hessian_bound_f) {
    const auto& plan = *p.sgld;
    j["sgld"] = {{"applies", true},
                 {"hessian_bound_f", wide_json(*p.hessian_bound_f)},
                 {"alpha", wide_json(plan.alpha)},
                 {"max_step", wide_json(plan.max_step)},
                 {"step", wide_json(plan.step)},
                 {"eta", wide_json(plan.eta)},
                 {"bias_floor", wide_json(plan.bias_floor)},
                 {"steps", wide_json(plan.steps)},
                 {"log10_steps", log10_json(plan.steps)},
                 {"time", wide_json(plan.time)},
                 {"source", "Vempala–Wibisono 2019, Thm 1; docs/theory.md §4"}};
  } else {
    j["sgld"] = {{"applies", false},
                 {"unmet", "no bound on ‖∇²L‖ given (--hessian-bound); L_F = λ + H is needed"}};
  }
  return j;
}

// A table cell for a wide number: 4 significant digits; a word where the number left the wide
// range ("overflow") or is undefined ("n/a (nan)"), as wide_json marks them in the JSON.
std::string num_cell(const Wide& x) {
  if ((boost::multiprecision::isnan)(x)) return "n/a (nan)";
  if ((boost::multiprecision::isinf)(x)) return "overflow";
  if (fits_double(x)) return fmt::format("{:.4g}", static_cast<double>(x));
  return to_decimal(x, 4);
}

// A route's constant: n/a when the route does not apply (overflow when that is why) or gives none.
std::string cell(const theory::RouteResult& route, const std::optional<Wide> theory::RouteResult::*field) {
  if (!route.applies) return route.unmet.rfind("overflow", 0) == 0 ? "overflow" : "n/a";
  const auto& v = route.*field;
  return v ? num_cell(*v) : "n/a";
}

}  // namespace

nlohmann::json constants_json(const std::vector<theory::ConstantsRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json row;
    row["lambda"] = wide_json(r.lambda);
    row["dim"] = wide_json(r.dim);
    row["temperature"] = wide_json(r.temperature);
    row["model"] = r.pure_regularizer ? "L ≡ 0 (pure regularizer; no assumption on L given)"
                                      : "L satisfying the given assumptions";
    nlohmann::json rj = nlohmann::json::object();
    for (const auto& route : r.routes) rj[route.id] = route_json(route);
    row["routes"] = rj;
    row["best"] = {{"c_p", r.best_c_p ? wide_json(*r.best_c_p) : nlohmann::json("n/a")},
                   {"c_p_route", r.best_c_p ? r.best_c_p_route : "none"},
                   {"c_ls", r.best_c_ls ? wide_json(*r.best_c_ls) : nlohmann::json("n/a")},
                   {"c_ls_route", r.best_c_ls ? r.best_c_ls_route : "none"}};
    row["claim_vs_gaussian"] = {{"exact_c_ls_at_L0", wide_json(r.exact_c_ls_at_l0)},
                                {"claimed_c_ls", wide_json(r.claimed_c_ls)},
                                {"ratio_exact_over_claim", wide_json(r.ratio_exact_over_claim)},
                                {"violated_at_L0", r.violated_at_l0}};
    if (r.dynamics) row["dynamics"] = dynamics_json(*r.dynamics);
    else row["dynamics"] = {{"basis", "none"}, {"unmet", "no rigorous C_P and C_LS for this model"}};
    row["dynamics_claim"] = dynamics_json(r.dynamics_claim);
    out.push_back(row);
  }
  return out;
}

Table constants_table(const std::vector<theory::ConstantsRow>& rows) {
  Table t;
  t.title = "Explicit Poincaré / log-Sobolev constants of μ_s ∝ exp(−F/s), F = L + (λ/2)‖θ‖²";
  t.columns = {{"λ", "$\\lambda$"},
               {"d", "$d$"},
               {"s", "$s$"},
               {"C_LS exact L≡0", "$C_{LS}$ ($L\\equiv0$)"},
               {"claim 1/λ+d/λ²", "claim $1/\\lambda+d/\\lambda^2$"},
               {"claim vs L≡0", "claim vs $L\\equiv0$", false},
               {"C_LS Bakry–Émery", "$C_{LS}$ BE"},
               {"C_LS Holley–Stroock", "$C_{LS}$ HS"},
               {"C_P Lyapunov", "$C_P$ Lyapunov"},
               {"relax. time", "relax.\\ time"},
               {"SGLD steps", "SGLD steps"},
               {"SGLD η", "SGLD $\\eta$"}};
  using theory::RouteResult;
  for (const auto& r : rows) {
    const std::string verdict =
        r.violated_at_l0 ? "violated ×" + num_cell(r.ratio_exact_over_claim) : "consistent";
    std::string relax = "n/a", steps = "n/a", eta = "n/a";
    if (r.dynamics) {
      relax = num_cell(r.dynamics->rates.relaxation_time);
      if (r.dynamics->sgld) {
        steps = num_cell(r.dynamics->sgld->steps);
        eta = num_cell(r.dynamics->sgld->eta);
      }
    }
    t.rows.push_back({num_cell(r.lambda), num_cell(r.dim), num_cell(r.temperature),
                      cell(r.route("gaussian_reference"), &RouteResult::c_ls),
                      cell(r.route("paper_claim"), &RouteResult::c_ls), verdict,
                      cell(r.route("bakry_emery"), &RouteResult::c_ls),
                      cell(r.route("holley_stroock"), &RouteResult::c_ls),
                      cell(r.route("lyapunov"), &RouteResult::c_p), relax, steps, eta});
  }
  t.notes = {
      "Conventions (docs/theory.md §0): Var ≤ C_P·E(f), Ent(f²) ≤ 2·C_LS·E(f), E(f) = ∫‖∇f‖² dμ_s.",
      "n/a: the route's assumption was not supplied or fails (see --format json for the reason).",
      "overflow: the number is finite but beyond the wide range 10^±8.6e16 (see --format json).",
      "Relaxation time = C_P/s; SGLD steps/η: Vempala–Wibisono plan to KL ≤ ε from the best "
      "rigorous C_LS of the row's model."};
  return t;
}

}  // namespace villani::cli
