#include "cli/constants_table.hpp"

#include <fmt/format.h>

#include "theory/dynamics.hpp"

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
nlohmann::json dynamics_json(const std::string& basis, const Wide& c_p, const Wide& c_ls,
                             const Wide& s, const Wide& d, const std::optional<Wide>& lf,
                             const ConstantsOptions& o) {
  nlohmann::json j;
  j["basis"] = basis;
  const auto rates = theory::langevin_rates(c_p, c_ls, s);
  j["kl_rate"] = wide_json(rates.kl_rate);
  j["variance_rate"] = wide_json(rates.var_rate);
  j["relaxation_time"] = wide_json(rates.relaxation_time);
  j["time_to_epsilon"] = wide_json(theory::langevin_time_to_kl(c_ls, s, o.kl0, o.epsilon));
  if (lf) {
    const auto p = theory::ula_plan(c_ls, *lf, s, d, o.kl0, o.epsilon);
    j["sgld"] = {{"applies", true},
                 {"hessian_bound_f", wide_json(*lf)},
                 {"alpha", wide_json(p.alpha)},
                 {"max_step", wide_json(p.max_step)},
                 {"step", wide_json(p.step)},
                 {"eta", wide_json(p.eta)},
                 {"bias_floor", wide_json(p.bias_floor)},
                 {"steps", wide_json(p.steps)},
                 {"log10_steps", log10_json(p.steps)},
                 {"time", wide_json(p.time)},
                 {"source", "Vempala–Wibisono 2019, Thm 1; THEORY.md §4"}};
  } else {
    j["sgld"] = {{"applies", false},
                 {"unmet", "no bound on ‖∇²L‖ given (--hessian-bound); L_F = λ + H is needed"}};
  }
  return j;
}

// A number that left the wide range is carried as a string "overflow (…)" / "undefined (…)"
// (cli/output.hpp wide_json): the table says so in a word.
std::string special(const std::string& s) {
  if (s.rfind("overflow", 0) == 0) return "overflow";
  if (s.rfind("undefined", 0) == 0) return "n/a (nan)";
  return "";
}

std::string cell(const nlohmann::json& route, const char* key) {
  if (!route.value("applies", false))
    return route.value("unmet", std::string()).rfind("overflow", 0) == 0 ? "overflow" : "n/a";
  const auto& v = route.at(key);
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "n/a") return s;
    if (!special(s).empty()) return special(s);
    // Shorten wide decimals to 4 significant digits.
    return to_decimal(wide_from_string(s), 4);
  }
  return fmt::format("{:.4g}", v.get<double>());
}

std::string num_cell(const nlohmann::json& v) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (!special(s).empty()) return special(s);
    return to_decimal(wide_from_string(s), 4);
  }
  if (v.is_number()) return fmt::format("{:.4g}", v.get<double>());
  return "n/a";
}

}  // namespace

nlohmann::json constants_rows(const ConstantsOptions& o) {
  nlohmann::json rows = nlohmann::json::array();
  for (const Wide& lambda : o.lambdas)
    for (const Wide& d : o.dims)
      for (const Wide& s : o.temperatures) {
        theory::ConstantsQuery q{lambda, d, s, o.curvature_floor, o.oscillation, o.lyapunov};
        const auto routes = theory::all_routes(q);
        nlohmann::json row;
        row["lambda"] = wide_json(lambda);
        row["dim"] = wide_json(d);
        row["temperature"] = wide_json(s);
        const bool about_l0 = theory::about_pure_regularizer(q);
        row["model"] = about_l0 ? "L ≡ 0 (pure regularizer; no assumption on L given)"
                                : "L satisfying the given assumptions";
        nlohmann::json rj = nlohmann::json::object();
        for (const auto& r : routes) rj[r.id] = route_json(r);
        const auto chosen = theory::best_constants(routes, q);
        const auto& best_p = chosen.c_p;
        const auto& best_ls = chosen.c_ls;
        const std::string& best_p_id = chosen.c_p_route;
        const std::string& best_ls_id = chosen.c_ls_route;
        const theory::RouteResult* claim = chosen.claim;
        row["routes"] = rj;
        nlohmann::json best;
        best["c_p"] = best_p ? wide_json(*best_p) : nlohmann::json("n/a");
        best["c_p_route"] = best_p ? best_p_id : "none";
        best["c_ls"] = best_ls ? wide_json(*best_ls) : nlohmann::json("n/a");
        best["c_ls_route"] = best_ls ? best_ls_id : "none";
        row["best"] = best;
        // The claim against the exact value at L ≡ 0 (always computable).
        const Wide exact = s / lambda;
        row["claim_vs_gaussian"] = {
            {"exact_c_ls_at_L0", wide_json(exact)},
            {"claimed_c_ls", wide_json(*claim->c_ls)},
            {"ratio_exact_over_claim", wide_json(exact / *claim->c_ls)},
            {"violated_at_L0", exact > *claim->c_ls}};
        std::optional<Wide> lf;
        if (o.hessian_bound) lf = lambda + *o.hessian_bound;
        else if (about_l0) lf = lambda;
        if (best_p && best_ls)
          row["dynamics"] = dynamics_json(best_ls_id, *best_p, *best_ls, s, d, lf, o);
        else
          row["dynamics"] = {{"basis", "none"},
                             {"unmet", "no rigorous C_P and C_LS for this model"}};
        row["dynamics_claim"] =
            dynamics_json("paper_claim", *claim->c_p, *claim->c_ls, s, d, lf, o);
        rows.push_back(row);
      }
  return rows;
}

Table constants_table(const nlohmann::json& rows) {
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
  for (const auto& r : rows) {
    const auto& routes = r.at("routes");
    const auto& cmp = r.at("claim_vs_gaussian");
    std::string verdict = "consistent";
    if (cmp.at("violated_at_L0").get<bool>())
      verdict = "violated ×" + num_cell(cmp.at("ratio_exact_over_claim"));
    const auto& dyn = r.at("dynamics");
    std::string relax = "n/a", steps = "n/a", eta = "n/a";
    if (dyn.contains("relaxation_time")) {
      relax = num_cell(dyn.at("relaxation_time"));
      if (dyn.at("sgld").at("applies").get<bool>()) {
        steps = num_cell(dyn.at("sgld").at("steps"));
        eta = num_cell(dyn.at("sgld").at("eta"));
      }
    }
    t.rows.push_back({num_cell(r.at("lambda")), num_cell(r.at("dim")),
                      num_cell(r.at("temperature")), cell(routes.at("gaussian_reference"), "c_ls"),
                      cell(routes.at("paper_claim"), "c_ls"), verdict,
                      cell(routes.at("bakry_emery"), "c_ls"),
                      cell(routes.at("holley_stroock"), "c_ls"), cell(routes.at("lyapunov"), "c_p"),
                      relax, steps, eta});
  }
  t.notes = {
      "Conventions (THEORY.md §0): Var ≤ C_P·E(f), Ent(f²) ≤ 2·C_LS·E(f), E(f) = ∫‖∇f‖² dμ_s.",
      "n/a: the route's assumption was not supplied or fails (see --format json for the reason).",
      "overflow: the number is finite but beyond the wide range 10^±8.6e16 (see --format json).",
      "Relaxation time = C_P/s; SGLD steps/η: Vempala–Wibisono plan to KL ≤ ε from the best "
      "rigorous C_LS of the row's model."};
  return t;
}

}  // namespace villani::cli
