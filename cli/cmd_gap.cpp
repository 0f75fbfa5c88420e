// villani gap: true Poincaré constants in 1-D/2-D for a symbolic loss (issue 4;
// docs/theory.md §1–§3).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <cmath>
#include <iostream>
#include <optional>

#include "cli/certificate_render.hpp"
#include "cli/command.hpp"
#include "cli/lists.hpp"
#include "cli/finite.hpp"
#include "cli/strict_integers.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "numerics/errors.hpp"
#include "numerics/symbolic/energy.hpp"
#include "theory/routes.hpp"
#include "validators/certify.hpp"
#include "validators/gap_report.hpp"

namespace villani::cli {
namespace {

using namespace villani::numerics;

// Why C_P has no finite error: the box truncates it, a well outside the box is not excluded, or both.
std::string unbounded_why(const validators::GapReport& g) {
  const bool well = g.wells.verdict == validators::Verdict::Inconclusive;
  const bool truncated = !well || !std::isfinite(g.truncation);
  std::string why = truncated ? "the box truncates C_P (see truncation)" : "";
  if (well)
    why += std::string(truncated ? ", and " : "") + "a well outside the box is not excluded (see wells outside the box)";
  return why;
}

nlohmann::json route_json(const theory::RouteResult& r) {
  nlohmann::json j = {{"applies", r.applies}, {"source", r.source}};
  if (r.applies && r.c_p) j["value"] = wide_json(*r.c_p);
  else j["value"] = "n/a";
  if (!r.unmet.empty()) j["unmet"] = r.unmet;
  return j;
}

// The lower end of the 1-D C_LS bracket: Bobkov–Götze, C_LS ≥ C_P (− error), the e^{βt} tests.
double ls_bracket_lower(const validators::GapReport& g) {
  return std::max({g.brackets->ls_lower, g.c_p_minus_error, g.ls_test_functions->value});
}

int run_gap(int argc, char** argv) {
  CLI::App app{
      "The true Poincaré constant C_P of μ_s ∝ exp(−F/s), F = L + (λ/2)‖θ‖², for a loss L typed\n"
      "as an expression in t (1-D) or t1, t2 (2-D), e.g. '10*exp(-t^2/2)' or\n"
      "'softplus(t1*t2) + tanh(t1)^2'. Computes C_P by a finite-volume discretization of the\n"
      "Langevin generator (Richardson-extrapolated, with an error estimate), the 1-D Muckenhoupt\n"
      "and Bobkov–Götze brackets, coordinate variances (lower bounds), and sets the result against\n"
      "the preprint's C_LS ≤ 1/λ + d/λ², the Gaussian reference s/λ and Bakry–Émery. Normalization:\n"
      "Var ≤ C_P·∫‖∇f‖²dμ_s (docs/theory.md §0). With --certify, proves Ψ_s ≥ M or\n"
      "F ≥ c‖θ‖² − C on an annulus with MPFI intervals, or returns a counterexample.\n"
      "See docs/gap.md for every JSON key.",
      "villani gap"};
  std::string loss, lambda_s, temp_s = "1", box_s, format = "table", out, certify_s;
  long certify_boxes = 200000;
  int certify_depth = 60;
  int dim = 0, grid = 0;
  bool show = false, quiet = false;
  app.add_option("--loss", loss, "the data loss L as an expression in t, or t1 and t2")->required();
  app.add_option("--lambda", lambda_s, "weight decay λ (λ ≤ 0 allowed when L grows)")->required();
  app.add_option("--temperature,-s", temp_s, "temperature s > 0")->capture_default_str();
  app.add_option("--dim", dim, "1 or 2 (default: inferred from the variables)");
  app.add_option("--box", box_s, "half-width a of the box [−a, a]^d (default: from the tail mass of μ_s)");
  app.add_option("--grid", grid, "cells per dimension of the finest grid (default 4000 in 1-D, 240 in 2-D)");
  app.add_flag("--show-derivation", show, "print F, ∇F, ΔF, Ψ_s, Ψ_2s and the curvature as derived");
  app.add_option("--format", format, "table|markdown|json")->capture_default_str();
  app.add_option("--out", out, "also write gap.json and gap.md into this directory");
  app.add_option("--certify", certify_s,
                 "prove \"psi>=M on r in [r0,r1]\" (also psi2s>=M) or \"coercive c=..,C=.. on r in [r0,r1]\" "
                 "(F ≥ c‖θ‖² − C) on r0 ≤ ‖θ‖ ≤ r1 by interval bisection, or find a counterexample");
  app.add_option("--certify-max-boxes", certify_boxes, "box budget of --certify")->capture_default_str();
  app.add_option("--certify-max-depth", certify_depth, "bisection depth budget of --certify")->capture_default_str();
  add_quiet_flag(app, quiet);
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  const Format fmt_ = parse_format(format, {Format::Table, Format::Markdown, Format::Json});
  const double lambda = parse_double_number("--lambda", lambda_s);
  const double s = parse_double_number("--temperature", temp_s);
  check_positive("--temperature", s);
  if (dim != 0 && dim != 1 && dim != 2) throw InputError("--dim", "expected 1 or 2");
  symbolic::Energy energy(loss, dim, "--loss");
  const int d = energy.dim();
  std::optional<validators::CertifyStatement> cert_st;
  if (!certify_s.empty() || app.count("--certify") > 0) cert_st = validators::parse_certify(certify_s, "--certify");
  validators::CertifyOptions cert_opt;
  cert_opt.max_boxes = certify_boxes;
  cert_opt.max_depth = certify_depth;
  if (certify_boxes < 1) throw InputError("--certify-max-boxes", "expected ≥ 1");
  if (certify_depth < 1 || certify_depth > 200) throw InputError("--certify-max-depth", "expected 1 … 200");
  if (grid == 0) grid = d == 1 ? 4000 : 240;
  if (grid < 16 || grid > (d == 1 ? 2000000 : 2000))
    throw InputError("--grid", fmt::format("expected 16 ≤ N ≤ {}; got {}", d == 1 ? 2000000 : 2000, grid));

  validators::GapRequest req;
  req.lambda = lambda;
  req.s = s;
  if (!box_s.empty()) {
    req.box_half_width = parse_double_number("--box", box_s);
    check_positive("--box", *req.box_half_width);
  }
  req.grid = grid;
  req.grid_given = app.count("--grid") > 0;
  Progress progress(quiet);
  req.progress = progress.fn();
  validators::GapReport g;
  try {
    g = validators::gap_report(energy, req);
  } catch (const NotConverged& e) {
    // A solver that cannot warrant its value is an inconclusive answer naming what would settle it
    // (exit 2), never an internal error.
    throw e.with_remedy("C_P: ", d == 2 ? "a smaller --box, a higher --temperature, or the 1-D problem (its "
                                          "solver has no such limit)"
                                        : "a smaller --box or a higher --temperature");
  }
  const auto& pr = g.poincare;
  const auto& box = g.box;
  const double var_max = g.variance_max, K = g.curvature_floor, tail = g.tail_mass;

  nlohmann::json j;
  j["loss"] = loss;
  j["dim"] = d;
  j["lambda"] = lambda;
  j["temperature"] = s;
  nlohmann::json grids = nlohmann::json::array();
  for (const auto& gs : pr.grids)
    grids.push_back({{"n", gs.n}, {"c_p", gs.c_p}, {"log10_c_p", gs.log_c_p / std::log(10.0)}, {"seconds", gs.seconds}});
  const double log10_cp = pr.log_value / std::log(10.0);
  // A box that truncates C_P without bound leaves no finite error: null, and the truncation's factor
  // as log10 (docs/gap.md).
  const auto finite_or_null = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  j["poincare"] = {{"value", pr.value}, {"error_estimate", finite_or_null(pr.error_estimate)}, {"method", pr.method},
                   {"observed_order", pr.observed_order}, {"grids", grids}, {"log10_value", log10_cp},
                   {"relative_error", finite_or_null(pr.relative_error)},
                   {"truncation", {{"relative", finite_or_null(g.truncation)}, {"checked", g.truncation_checked},
                                   {"note", g.truncation_note}}}};
  if (!std::isfinite(g.truncation)) j["poincare"]["truncation"]["log10_factor"] = g.truncation_log10_factor;
  j["box"] = {{"lo", std::vector<double>(box.lo.begin(), box.lo.begin() + d)},
              {"hi", std::vector<double>(box.hi.begin(), box.hi.begin() + d)},
              {"tail_mass", tail}, {"note", g.box_note}, {"wells_added", g.wells_added}, {"scan_radius", g.scan_radius}};
  {
    const auto& w = g.wells;
    const char* status = w.verdict == validators::Verdict::Holds           ? "certified"
                         : w.verdict == validators::Verdict::NotApplicable ? "not applicable"
                                                                           : "not excluded";
    j["box"]["well_certificate"] = {{"status", status},     {"radius", w.radius},
                                    {"far_radius", w.far_radius}, {"region", w.region},
                                    {"text", w.text},       {"boxes", w.boxes_evaluated},
                                    {"seconds", w.seconds}};
  }
  j["variance_lower_bound"] = {{"value", var_max}, {"per_coordinate", g.variances}};
  if (d == 1) {
    const auto& b = *g.brackets;
    j["muckenhoupt"] = {{"lower", b.muck_lower}, {"upper", b.muck_upper}, {"B_plus", b.b_plus},
                        {"B_minus", b.b_minus}, {"median", b.median}, {"log10_B", b.log10_b},
                        {"contains_poincare", g.bracket_contains_poincare}};
    const auto& ek = *g.eyring_kramers;
    if (ek.applies)
      j["eyring_kramers"] = {{"applies", true}, {"value", ek.value}, {"log10_value", ek.log_value / std::log(10.0)},
                             {"ratio", std::exp(pr.log_value - ek.log_value)}, {"barrier", ek.barrier},
                             {"saddle", ek.saddle}, {"minima", ek.minima}, {"note", ek.note}};
    else
      j["eyring_kramers"] = {{"applies", false}, {"value", "n/a"}, {"minima", ek.minima}, {"note", ek.note}};
    const auto& et = *g.ls_test_functions;
    const auto& ls = *g.log_sobolev;
    // Where K is certified and below λ, Bakry–Émery's s/(λ − K) bounds C_LS too (issue 25).
    double ls_upper = b.ls_upper;
    std::string upper_from = "Bobkov–Götze";
    if (g.curvature.verdict == validators::Verdict::Holds && g.bakry_emery && g.bakry_emery->applies &&
        g.bakry_emery->c_ls && static_cast<double>(*g.bakry_emery->c_ls) < ls_upper) {
      ls_upper = static_cast<double>(*g.bakry_emery->c_ls);
      upper_from = "Bakry–Émery (K certified)";
    }
    j["log_sobolev_bracket"] = {
        {"lower", ls_bracket_lower(g)},
        {"upper", ls_upper}, {"upper_from", upper_from}, {"D_plus", b.d_plus}, {"D_minus", b.d_minus},
        {"bobkov_gotze_lower", b.ls_lower}, {"bobkov_gotze_upper", b.ls_upper},
        {"test_function_lower", et.value}, {"test_function_beta", et.beta},
        {"computed", {{"value", ls.value}, {"error_estimate", ls.error_estimate}, {"n", ls.n},
                      {"method", g.log_sobolev_note}, {"raised_to_c_p", g.log_sobolev_raised},
                      {"statement", "one-sided: C_LS ≥ value (a discrete maximization from below); the only upper "
                                    "side is the Bobkov–Götze upper end"}}},
        {"note", "Bobkov–Götze 1999 Thm 5.3 (1/150, 468) in the form valid under every unresolved "
                 "normalization: max(D+,D−)/300 ≤ C_LS ≤ 468·(D+ + D−) with Ent ≤ 2·C_LS·E; the lower end "
                 "also uses C_LS ≥ C_P and the test functions e^{βt} (exact for Gaussians). See docs/gap.md."}};
  }
  const double claim_v = g.paper_bound.claim;
  j["claims"]["paper_c_ls_bound"] = validators::paper_bound_json(g.paper_bound);
  if (g.bakry_emery) {
    j["gaussian_reference"] = {{"value", *g.gaussian_c_p}, {"ratio", pr.value / *g.gaussian_c_p}};
    const auto& be = *g.bakry_emery;
    j["bakry_emery"] = route_json(be);
    j["bakry_emery"]["curvature_floor_K"] = K;
    const bool certified = g.curvature.verdict == validators::Verdict::Holds;
    j["bakry_emery"]["curvature_floor_certified"] = certified;
    j["bakry_emery"]["note"] =
        certified ? "K: " + g.curvature.text
                  : "K = max(0, −min λ_min(∇²L)) on a grid of the box (an estimate; the route needs it globally: " +
                        g.curvature.text + ")";
    if (be.applies && be.c_p)
      j["bakry_emery"]["consistent"] = pr.value <= static_cast<double>(*be.c_p) * (1 + 1e-6);
  } else {
    j["gaussian_reference"] = {{"value", "n/a"}, {"unmet", "needs λ > 0"}};
    j["bakry_emery"] = {{"value", "n/a"}, {"applies", false}, {"unmet", "needs λ > 0"}};
  }
  std::string cert_line;
  if (cert_st) {
    cert_opt.progress = progress.fn();
    const auto cr = validators::certify(energy, lambda_s, temp_s, *cert_st, cert_opt);
    j["certificate"] = certificate_json(cr, *cert_st);
    cert_line = certificate_line(cr);
  }
  if (show) {
    const auto dv = energy.derivation();
    j["derivation"] = {{"loss", dv.loss}, {"F", dv.energy}, {"grad_F", dv.gradient},
                       {"laplacian_F", dv.laplacian}, {"psi_s", dv.psi_s}, {"psi_2s", dv.psi_2s},
                       {"hessian_L", dv.hessian_loss}, {"curvature_min_L", dv.curvature_min}};
  }

  Table t;
  t.title = fmt::format("villani gap: L = {}, λ = {}, s = {}, d = {}", loss, lambda, s, d);
  t.columns = {{"quantity", "", false}, {"value", ""}, {"note", "", false}};
  const std::string cp_text = std::isfinite(pr.value) ? fmt::format("{:.10g}", pr.value)
                                                      : fmt::format("10^{:.10g}", log10_cp);
  const bool unbounded = !std::isfinite(pr.relative_error);
  t.rows.push_back({"C_P (true)", cp_text,
                    unbounded ? fmt::format("± unbounded: {}; {}", unbounded_why(g), pr.method)
                              : fmt::format("± {:.2g} (relative); {}", pr.relative_error, pr.method)});
  t.rows.push_back({"truncation",
                    std::isfinite(g.truncation) ? fmt::format("{:.2g}", g.truncation)
                                                : fmt::format("×10^{:.4g}", g.truncation_log10_factor),
                    g.truncation_note});
  t.rows.push_back({"wells outside the box",
                    g.wells.verdict == validators::Verdict::Holds           ? "none (certified)"
                    : g.wells.verdict == validators::Verdict::NotApplicable ? "n/a"
                                                                            : "not excluded",
                    g.wells.text});
  // Metastable values leave double's range (C_P ≈ e^{ΔV/s}): such a cell is 10^x from its log10 where
  // one is known, else says so.
  const auto big = [](double v, std::optional<double> log10v, const char* f = "{:.6g}") {
    if (std::isfinite(v)) return fmt::format(fmt::runtime(f), v);
    if (log10v && std::isfinite(*log10v)) return fmt::format("10^{:.6g}", *log10v);
    return std::string("beyond double range");
  };
  if (d == 1 && g.eyring_kramers->applies) {
    const auto& ek = *g.eyring_kramers;
    t.rows.push_back({"Eyring–Kramers", fmt::format("10^{:.8g}", ek.log_value / std::log(10.0)),
                      fmt::format("C_P / EK = {:.6g}; {}", std::exp(pr.log_value - ek.log_value), ek.note)});
  }
  t.rows.push_back({"Var_μ(θ_i) max", fmt::format("{:.10g}", var_max), "lower bound on C_P"});
  if (d == 1) {
    const auto& b = *g.brackets;
    const double l2 = std::log10(2.0);
    t.rows.push_back({"Muckenhoupt [B/2, 4B]",
                      fmt::format("[{}, {}]", big(b.muck_lower, b.log10_b - l2), big(b.muck_upper, b.log10_b + 2 * l2)),
                      "brackets C_P"});
    const auto& ls = *g.log_sobolev;
    // C_LS ≥ C_P: beyond double range, the lower end is C_P's own log10.
    const std::optional<double> cp_log10 = std::isfinite(pr.value) ? std::nullopt : std::optional<double>(log10_cp);
    t.rows.push_back({"C_LS (discrete max)", big(ls.value, cp_log10, "{:.8g}"),
                      std::isfinite(ls.error_estimate)
                          ? fmt::format("± {:.2g}; Ent/2E over grid functions, from below", ls.error_estimate)
                          : std::string("C_LS ≥ C_P (the discrete ascent is beyond double range); from below")});
    t.rows.push_back({"C_LS bracket",
                      fmt::format("[{}, {}]", big(ls_bracket_lower(g), cp_log10),
                                  big(j["log_sobolev_bracket"]["upper"].get<double>(), std::nullopt)),
                      "lower: Bobkov–Götze (robust form), ≥ C_P, e^{βt} tests; upper: " +
                          j["log_sobolev_bracket"]["upper_from"].get<std::string>()});
  }
  t.rows.push_back({"claim 1/λ + d/λ²", std::isfinite(claim_v) ? fmt::format("{:.6g}", claim_v) : "n/a",
                    g.paper_bound.text});
  t.rows.push_back({"Gaussian s/λ", g.gaussian_c_p ? fmt::format("{:.10g}", *g.gaussian_c_p) : "n/a",
                    "reference (exact for L ≡ 0)"});
  const bool be_value = g.bakry_emery && g.bakry_emery->applies && g.bakry_emery->c_p;
  t.rows.push_back({"Bakry–Émery", be_value ? to_decimal(*g.bakry_emery->c_p, 10) : "n/a",
                    g.curvature.verdict == validators::Verdict::Holds
                        ? fmt::format("K = {:.4g}, certified on ℝ^{}", K, d)
                        : fmt::format("K = {:.4g} on a grid of the box (estimate)", K)});
  if (cert_st) {
    t.rows.push_back({"certificate", j["certificate"]["verdict"].get<std::string>(), cert_st->text});
    t.notes.push_back("certificate: " + cert_line);
  }
  t.notes.push_back(fmt::format("box [{:.4g}, {:.4g}]{}; tail mass outside {:.2g}", box.lo[0], box.hi[0],
                                d == 2 ? fmt::format(" × [{:.4g}, {:.4g}]", box.lo[1], box.hi[1]) : "", tail));
  if (show) {
    const auto dv = energy.derivation();
    t.notes.push_back("F = " + dv.energy);
    for (int k = 0; k < d; ++k) t.notes.push_back(fmt::format("dF/dθ{} = {}", k + 1, dv.gradient[k]));
    t.notes.push_back("ΔF = " + dv.laplacian);
    t.notes.push_back("Ψ_s = " + dv.psi_s);
    t.notes.push_back("Ψ_2s = " + dv.psi_2s + "  (the Lyapunov quantity for μ_s, docs/theory.md §1)");
  }
  // Values beyond double range are null in the JSON, listed here; their log10 siblings carry them.
  const auto beyond = null_beyond_double(j);
  if (!beyond.empty())
    j["beyond_double_range"] = {{"paths", beyond},
                                {"note", "these values exceed double's range (metastability: C_P ≈ e^{ΔV/s}); "
                                         "each is null, and log10_value / log10_B / log10_c_p give the magnitude"}};
  const std::string doc = dump_checked(j, "gap");
  // Printed before the files are written: a full disk loses no result (issue 26).
  progress.end();
  if (fmt_ == Format::Json) std::cout << doc << "\n";
  else std::cout << render(t, fmt_);
  if (!out.empty()) {
    ensure_dir(out);
    write_file_atomic(out + "/gap.json", doc + "\n");
    write_file_atomic(out + "/gap.md", render_markdown(t));
  }
  return kOk;
}

const Registrar reg{{"gap", run_gap}};

}  // namespace
}  // namespace villani::cli
