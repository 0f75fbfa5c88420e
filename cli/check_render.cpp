// Rendering of `villani check`'s typed report (cli/check_render.hpp).
#include "cli/check_render.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>

#include "numerics/io.hpp"
#include "numerics/precision.hpp"
#include "validators/check_details.hpp"

namespace villani::cli {

using nlohmann::json;
using namespace villani::validators;

namespace {

json opt(const std::optional<double>& x) { return x ? json(*x) : json(nullptr); }

// A route constant: a number when it fits a double, else its decimal string (8 digits).
json wide8(const std::optional<Wide>& x) {
  if (!x) return nullptr;
  if (fits_double(*x)) return static_cast<double>(*x);
  return to_decimal(*x, 8);
}

json mmm(const MinMedianMax& m) { return {{"min", m.min}, {"median", m.median}, {"max", m.max}}; }

json shell_json(const GrowthShell& s) {
  json j = {{"radius", s.radius}, {"points", s.points}, {"rung", to_string(s.rung)},
            {"predicted_psi_s", s.predicted_psi_s}};
  if (!s.psi) return j;
  const ShellPsi& p = *s.psi;
  j["psi_s"] = mmm(p.psi_s);
  j["psi_2s"] = mmm(p.psi_2s);
  j["standard_error"] = p.standard_error;
  j["laplacian"] = p.laplacian_estimated ? "estimated" : "exact";
  j["violations_2s"] = p.violations_2s;
  j["violations_s"] = p.violations_s;
  j["violating_fraction_upper"] = p.violating_fraction_upper;
  return j;
}

json growth_json(const GrowthSummary& g) {
  json j;
  j["predicted_coefficient"] = g.predicted_coefficient;
  j["predicted_offset"] = g.predicted_offset;
  j["crossing_radius_predicted"] = g.crossing_radius_predicted;
  j["shells"] = json::array();
  for (const auto& s : g.shells) j["shells"].push_back(shell_json(s));
  j["exponent"] = nullptr;
  j["coefficient"] = nullptr;
  if (!g.fit_note.empty()) j["fit_note"] = g.fit_note;
  if (g.radii_searched) {
    j["radius_psi_s"] = opt(g.radius_psi_s);
    j["radius_psi_2s"] = opt(g.radius_psi_2s);
  }
  if (const auto& f = g.fit) {
    j["exponent"] = f->exponent;
    j["coefficient"] = f->coefficient;
    j["offset"] = f->offset;
    j["free_fit_coefficient"] = f->free_fit_coefficient;
    j["free_fit_offset"] = f->free_fit_offset;
    j["fit_rms_relative"] = f->fit_rms_relative;
    j["fit_radii"] = f->fit_radii;
    j["fit"] = f->fit;
    if (const auto& d = f->direction_exponent)
      j["direction_exponent"] = {
          {"median", d->median}, {"min", d->min}, {"max", d->max}, {"directions", d->directions}, {"fit", d->fit}};
    j["coefficient_ratio"] = f->coefficient_ratio;
    j["matches_prediction"] = f->matches_prediction;
    if (f->loglog) {
      j["loglog_exponent"] = f->loglog->exponent;
      j["loglog_coefficient"] = f->loglog->coefficient;
    }
  }
  if (const auto& c = g.certificate)
    j["certificate"] = {{"shells_from_radius", c->shells_from_radius},
                        {"points", c->points},
                        {"violations", c->violations},
                        {"confidence", c->confidence},
                        {"per_shell_violating_fraction_upper", c->per_shell_violating_fraction_upper},
                        {"meaning", c->meaning}};
  return j;
}

json center_json(const CenterValues& c) {
  if (!c.finite) return {{"label", c.label}, {"finite", false}};
  return {{"label", c.label},  {"finite", true},       {"norm", c.norm},
          {"F", c.F},          {"laplacian", c.laplacian}, {"grad_norm", c.grad_norm},
          {"psi_s", c.psi_s},  {"psi_2s", c.psi_2s},   {"standard_error", c.standard_error},
          {"rung", to_string(c.rung)}};
}

json route_json(const theory::RouteResult& r, const CheckConstants& c) {
  if (r.id == "lyapunov" && !c.lyapunov_note.empty())
    return {{"id", r.id}, {"name", r.name}, {"applies", false}, {"unmet", c.lyapunov_note},
            {"c_p", nullptr}, {"c_ls", nullptr}};
  return {{"id", r.id},
          {"name", r.name},
          {"kind", theory::to_string(r.kind)},
          {"applies", r.applies},
          {"unmet", r.unmet},
          {"c_p", wide8(r.c_p)},
          {"c_ls", wide8(r.c_ls)},
          {"log10_c_p", r.c_p ? json(static_cast<double>(log10_abs(*r.c_p))) : json(nullptr)},
          {"source", r.source},
          {"note", r.note}};
}

json constants_json(const CheckConstants& c) {
  json j;
  j["estimate"] = c.estimate;
  if (!c.computed) {
    j["note"] = c.note;
    return j;
  }
  j["radius"] = opt(c.radius);
  j["sup_f_ball"] = c.sup_f_ball;
  j["inf_f_ball"] = c.inf_f_ball;
  j["sup_neg_psi_2s_ball"] = c.sup_neg_psi_2s_ball;
  j["inf_psi_2s_outside"] = opt(c.inf_psi_2s_outside);
  j["oscillation_l_ball"] = c.oscillation_l_ball;
  if (const auto& k = c.curvature) {
    j["curvature_floor"] = k->floor;
    j["curvature_points"] = k->points;
    j["curvature_hvps"] = k->hvps;
    j["curvature_converged"] = k->converged;
    j["min_eigenvalue_hessian_l"] = k->min_eigenvalue_hessian_l;
  }
  if (c.curvature_skipped) j["curvature_floor"] = nullptr;
  if (!c.curvature_note.empty()) j["curvature_note"] = c.curvature_note;
  if (!c.lyapunov_note.empty()) j["lyapunov_note"] = c.lyapunov_note;
  j["routes"] = json::array();
  for (const auto& r : c.routes) j["routes"].push_back(route_json(r, c));
  j["oscillation_caveat"] = c.oscillation_caveat;
  return j;
}

json precision_json(const PrecisionSummary& p) {
  json j;
  j["mode"] = to_string(p.mode);
  j["high_precision_available"] = p.high_precision_available;
  j["escalations"] = p.escalations;
  j["escalations_skipped"] = p.escalations_skipped;
  j["policy"] = p.policy;
  j["decided_by"] = to_string(p.decided_by);
  j["shell_rungs"] = json::array();
  for (const Rung r : p.shell_rungs) j["shell_rungs"].push_back(to_string(r));
  if (!p.note.empty()) j["note"] = p.note;
  return j;
}

// Table and Markdown cells: numbers to 4 significant digits, "—" for a value that is absent.
std::string cell(double x) { return fmt::format("{:.4g}", x); }
std::string cell(const std::optional<double>& x) { return x ? cell(*x) : "—"; }
std::string cell(const std::optional<Wide>& x) {
  if (!x) return "—";
  return fits_double(*x) ? cell(static_cast<double>(*x)) : to_decimal(*x, 8);
}
std::string finite_cell(double x) { return std::isfinite(x) ? cell(x) : "—"; }

std::optional<double> fit_value(const GrowthSummary& g, double GrowthFit::*field) {
  return g.fit ? std::optional<double>((*g.fit).*field) : std::nullopt;
}

}  // namespace

json check_json(const CheckReport& r) {
  json rep;
  rep["model"] = {{"name", r.model.name}, {"objective", r.model.objective}, {"dim", r.model.dim},
                  {"laplacian", r.model.laplacian}};
  const CheckOptionsEcho& o = r.options;
  rep["options"] = {{"lambda", o.lambda},         {"temperature", o.temperature},
                    {"radii", o.radii},           {"directions", o.directions},
                    {"probes", o.probes},         {"precision", to_string(o.precision)},
                    {"center", o.center},         {"seed", o.seed},
                    {"threshold", o.threshold},   {"confidence", o.confidence},
                    {"matvecs", o.matvecs},       {"r0", o.r0}};
  for (const CheckCriterion k : kCheckCriteria) rep["criteria"][to_string(k)] = criterion_json(r.criteria, k);
  rep["growth"] = growth_json(r.growth);
  rep["center"] = center_json(r.center);
  rep["constants"] = constants_json(r.constants);
  rep["precision"] = precision_json(r.precision);
  return rep;
}

std::string check_markdown(const CheckReport& rep) {
  std::string md = "# villani check\n\n";
  const auto& m = rep.model;
  const auto& o = rep.options;
  md += fmt::format("Model **{}**, d = {}, F = {}; λ = {}, s = {}, centre {}, {} directions per shell, "
                    "Laplacian {}.\n\n",
                    m.name, cell(static_cast<double>(m.dim)), m.objective, cell(o.lambda), cell(o.temperature),
                    o.center, cell(o.directions), m.laplacian);
  md += "## Criteria\n\n| criterion | verdict | evidence |\n|:---|:---|:---|\n";
  for (const CheckCriterion k : kCheckCriteria) {
    const CriterionResult& c = criterion(rep.criteria, k);
    std::string ev = c.evidence;
    if (c.verdict == Verdict::Inconclusive) ev += " — inconclusive because: " + c.reason;
    md += fmt::format("| {} | **{}** | {} |\n", to_string(k), to_string(c.verdict, VerdictWords::Criterion), ev);
  }
  const auto& g = rep.growth;
  md += fmt::format("\n## Growth of Ψ_s\n\nFitted exponent {} (predicted 2), coefficient {} (predicted λ²/s = {}), "
                    "offset {} (predicted −λd = {}); radius where Ψ_s > threshold: {}, Ψ_2s: {}.\n\n",
                    cell(fit_value(g, &GrowthFit::exponent)), cell(fit_value(g, &GrowthFit::coefficient)),
                    cell(g.predicted_coefficient), cell(fit_value(g, &GrowthFit::offset)), cell(g.predicted_offset),
                    cell(g.radius_psi_s), cell(g.radius_psi_2s));
  md += "| r | Ψ_s min | Ψ_s median | Ψ_s max | Ψ_2s min | predicted Ψ_s | std. error | violations (Ψ_2s) | CP upper | rung |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n";
  for (const auto& sh : g.shells) {
    if (!sh.psi) { md += fmt::format("| {} | not evaluated |||||||||\n", cell(sh.radius)); continue; }
    const ShellPsi& p = *sh.psi;
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", cell(sh.radius), cell(p.psi_s.min),
                      cell(p.psi_s.median), cell(p.psi_s.max), cell(p.psi_2s.min), cell(sh.predicted_psi_s),
                      cell(p.standard_error), cell(p.violations_2s), cell(p.violating_fraction_upper),
                      to_string(sh.rung));
  }
  if (g.certificate) md += "\nSampling certificate: " + g.certificate->meaning + ".\n";
  const auto& c = rep.constants;
  md += "\n## Constants (sampled estimates fed to theory/'s routes)\n\n";
  const auto some = [&](double x) { return c.computed ? std::optional<double>(x) : std::nullopt; };
  const std::pair<const char*, std::optional<double>> rows[] = {
      {"radius", c.radius},
      {"sup_f_ball", some(c.sup_f_ball)},
      {"inf_f_ball", some(c.inf_f_ball)},
      {"sup_neg_psi_2s_ball", some(c.sup_neg_psi_2s_ball)},
      {"inf_psi_2s_outside", c.inf_psi_2s_outside},
      {"oscillation_l_ball", some(c.oscillation_l_ball)},
      {"curvature_floor", c.curvature ? std::optional<double>(c.curvature->floor) : std::nullopt}};
  for (const auto& [k, v] : rows) md += fmt::format("- {}: {}\n", k, cell(v));
  if (c.computed) {
    md += "\n| route | applies | C_P | C_LS | why not |\n|:---|:---|---:|---:|:---|\n";
    for (const auto& r : c.routes)
      md += fmt::format("| {} | {} | {} | {} | {} |\n", r.name, r.applies ? "yes" : "no", cell(r.c_p),
                        cell(r.c_ls), r.unmet);
  }
  md += fmt::format("\nPrecision: mode {}, decided by {} ({} high-precision evaluations).\n",
                    to_string(rep.precision.mode), to_string(rep.precision.decided_by),
                    cell(rep.precision.escalations));
  return md;
}

Table check_criteria_table(const CheckReport& rep) {
  Table t;
  t.title = fmt::format("villani check: {} (d = {}), λ = {}, s = {}", rep.model.name,
                        cell(static_cast<double>(rep.model.dim)), cell(rep.options.lambda),
                        cell(rep.options.temperature));
  t.columns = {{"criterion", "", false}, {"verdict", "", false}, {"evidence", "", false}};
  for (const CheckCriterion k : kCheckCriteria) {
    const CriterionResult& c = criterion(rep.criteria, k);
    std::string ev = c.evidence;
    if (c.verdict == Verdict::Inconclusive) ev += " [inconclusive: " + c.reason + "]";
    t.rows.push_back({to_string(k), to_string(c.verdict, VerdictWords::Criterion), ev});
  }
  if (const CenterValues& c = rep.center; c.finite)
    t.notes.push_back(fmt::format("centre ({}): F = {}, ΔF = {}, ‖∇F‖ = {}, Ψ_s = {}, Ψ_2s = {}{}", c.label, cell(c.F),
                                  cell(c.laplacian), cell(c.grad_norm), cell(c.psi_s), cell(c.psi_2s),
                                  c.standard_error > 0 ? " (ΔF ± " + cell(c.standard_error) + " s.e.)"
                                                       : std::string()));
  const auto& g = rep.growth;
  t.notes.push_back(fmt::format("growth: exponent {} (predicted 2), coefficient {} (predicted λ²/s = {}); "
                                "R(Ψ_s > thr) = {}, R(Ψ_2s > thr) = {}; precision decided by {}",
                                cell(fit_value(g, &GrowthFit::exponent)), cell(fit_value(g, &GrowthFit::coefficient)),
                                cell(g.predicted_coefficient), cell(g.radius_psi_s), cell(g.radius_psi_2s),
                                to_string(rep.precision.decided_by)));
  return t;
}

Table check_shells_table(const CheckReport& rep) {
  Table t;
  t.title = "Ψ on shells (r = distance from the centre)";
  t.columns = {{"r", "$r$"}, {"Ψ_s min", "$\\min\\Psi_s$"}, {"Ψ_s median", "median $\\Psi_s$"},
               {"Ψ_s max", "$\\max\\Psi_s$"}, {"Ψ_2s min", "$\\min\\Psi_{2s}$"},
               {"predicted", "$\\lambda^2r^2/s-\\lambda d$"}, {"std err", ""},
               {"min F/‖θ‖²", "$\\min F/\\|\\theta\\|^2$"}, {"rung", "", false}};
  const auto& coer = rep.criteria.coercivity.shells;
  std::size_t i = 0;
  for (const auto& sh : rep.growth.shells) {
    const std::string ratio = i < coer.size() ? finite_cell(coer[i].min_f_over_norm2) : "—";
    ++i;
    if (!sh.psi) { t.rows.push_back({cell(sh.radius), "—", "—", "—", "—", "—", "—", ratio, "—"}); continue; }
    const ShellPsi& p = *sh.psi;
    t.rows.push_back({cell(sh.radius), cell(p.psi_s.min), cell(p.psi_s.median), cell(p.psi_s.max),
                      cell(p.psi_2s.min), cell(sh.predicted_psi_s), cell(p.standard_error), ratio,
                      to_string(sh.rung)});
  }
  return t;
}

std::string write_psi_plot(const CheckReport& rep, const std::string& dir) {
  const double lam = rep.options.lambda, s = rep.options.temperature;
  std::string dat = "# r  psi_s_median psi_s_min psi_s_max psi_2s_median predicted_lambda2_r2_over_s\n";
  auto pos = [](double v) { return v > 0 ? fmt::format("{:.10g}", v) : std::string("?"); };
  int usable = 0;
  for (const auto& sh : rep.growth.shells) {
    if (!sh.psi) continue;
    const double r = sh.radius;
    const ShellPsi& p = *sh.psi;
    dat += fmt::format("{:.10g} {} {} {} {} {:.10g}\n", r, pos(p.psi_s.median), pos(p.psi_s.min), pos(p.psi_s.max),
                       pos(p.psi_2s.median), lam * lam * r * r / s);
    if (p.psi_s.median > 0) ++usable;
  }
  namespace fs = std::filesystem;
  write_file_atomic((fs::path(dir) / "psi.dat").string(), dat);
  const std::string gp = fmt::format(
      "set terminal svg size 800,560 dynamic enhanced font 'sans,12'\n"
      "set output 'psi.svg'\nset datafile missing '?'\nset logscale xy\nset key top left\n"
      "set xlabel 'r (distance from the centre)'\nset ylabel 'Ψ'\n"
      "set title 'Ψ_s on shells: {}, λ = {}, s = {}'\n"
      "plot 'psi.dat' using 1:3:4 with filledcurves lc rgb '#cfe2f3' title 'Ψ_s min–max', \\\n"
      "     'psi.dat' using 1:2 with linespoints pt 7 lc rgb '#1f77b4' title 'Ψ_s median', \\\n"
      "     'psi.dat' using 1:5 with linespoints pt 5 lc rgb '#ff7f0e' title 'Ψ_{{2s}} median', \\\n"
      "     'psi.dat' using 1:6 with lines dt 2 lc rgb 'black' title 'predicted λ²r²/s'\n",
      rep.model.name, lam, s);
  write_file_atomic((fs::path(dir) / "psi.gp").string(), gp);
  if (usable == 0) return "no shell with Ψ_s > 0: nothing to draw on a log scale (psi.gp written)";
  const std::string cmd = "cd '" + dir + "' && gnuplot psi.gp 2>/dev/null";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(fs::path(dir) / "psi.svg"))
    return "gnuplot failed or is not installed (psi.gp and psi.dat written)";
  return "";
}

}  // namespace villani::cli
