// villani check: the Villani criteria on sampled shells (THEORY.md §1–§2, docs/check.md).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/check_sources.hpp"
#include "cli/command.hpp"
#include "cli/finite.hpp"
#include "cli/strict_integers.hpp"
#include "cli/lists.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "validators/villani_check.hpp"

namespace villani::cli {
namespace {

std::string cell(const nlohmann::json& j) {
  if (j.is_null()) return "—";
  if (j.is_number()) return fmt::format("{:.4g}", j.get<double>());
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}

Table criteria_table(const nlohmann::json& rep) {
  Table t;
  t.title = fmt::format("villani check: {} (d = {}), λ = {}, s = {}", cell(rep["model"]["name"]),
                        cell(rep["model"]["dim"]), cell(rep["options"]["lambda"]), cell(rep["options"]["temperature"]));
  t.columns = {{"criterion", "", false}, {"verdict", "", false}, {"evidence", "", false}};
  for (const char* k : {"smoothness", "coercivity", "integrability", "growth"}) {
    const auto& c = rep["criteria"][k];
    std::string ev = c.value("evidence", "");
    if (c.contains("reason")) ev += " [inconclusive: " + c["reason"].get<std::string>() + "]";
    t.rows.push_back({k, c.value("verdict", ""), ev});
  }
  if (rep.contains("center") && rep["center"].value("finite", false)) {
    const auto& c = rep["center"];
    t.notes.push_back(fmt::format("centre ({}): F = {}, ΔF = {}, ‖∇F‖ = {}, Ψ_s = {}, Ψ_2s = {}{}", cell(c["label"]),
                                  cell(c["F"]), cell(c["laplacian"]), cell(c["grad_norm"]), cell(c["psi_s"]),
                                  cell(c["psi_2s"]),
                                  c["standard_error"].get<double>() > 0
                                      ? " (ΔF ± " + cell(c["standard_error"]) + " s.e.)"
                                      : std::string()));
  }
  const auto& g = rep["growth"];
  t.notes.push_back(fmt::format("growth: exponent {} (predicted 2), coefficient {} (predicted λ²/s = {}); "
                                "R(Ψ_s > thr) = {}, R(Ψ_2s > thr) = {}; precision decided by {}",
                                cell(g["exponent"]), cell(g["coefficient"]), cell(g["predicted_coefficient"]),
                                cell(g.value("radius_psi_s", nlohmann::json())),
                                cell(g.value("radius_psi_2s", nlohmann::json())),
                                cell(rep["precision"]["decided_by"])));
  return t;
}

Table shells_table(const nlohmann::json& rep) {
  Table t;
  t.title = "Ψ on shells (r = distance from the centre)";
  t.columns = {{"r", "$r$"}, {"Ψ_s min", "$\\min\\Psi_s$"}, {"Ψ_s median", "median $\\Psi_s$"},
               {"Ψ_s max", "$\\max\\Psi_s$"}, {"Ψ_2s min", "$\\min\\Psi_{2s}$"},
               {"predicted", "$\\lambda^2r^2/s-\\lambda d$"}, {"std err", ""},
               {"min F/‖θ‖²", "$\\min F/\\|\\theta\\|^2$"}, {"rung", "", false}};
  const auto& coer = rep["criteria"]["coercivity"]["shells"];
  std::size_t i = 0;
  for (const auto& sh : rep["growth"]["shells"]) {
    const std::string ratio = i < coer.size() ? cell(coer[i]["min_f_over_norm2"]) : "—";
    ++i;
    if (!sh.contains("psi_s")) { t.rows.push_back({cell(sh["radius"]), "—", "—", "—", "—", "—", "—", ratio, "—"}); continue; }
    t.rows.push_back({cell(sh["radius"]), cell(sh["psi_s"]["min"]), cell(sh["psi_s"]["median"]),
                      cell(sh["psi_s"]["max"]), cell(sh["psi_2s"]["min"]), cell(sh["predicted_psi_s"]),
                      cell(sh["standard_error"]), ratio, cell(sh["rung"])});
  }
  return t;
}

int run_check(int argc, char** argv) {
  CLI::App app{
      "Checks the hypotheses of Villani's criterion for F = L + (λ/2)‖θ‖² on a model and the\n"
      "explicit constants that follow (THEORY.md §1–§2; docs/check.md). Criteria, each holds |\n"
      "fails | inconclusive with its evidence: smoothness (operation audit + kink probe),\n"
      "coercivity (min F/‖θ‖² vs λ/2 per shell), Gaussian integrability (tail mass of e^(−F/s)),\n"
      "growth (Ψ_s = −ΔF + ‖∇F‖²/s and Ψ_2s on shells, fitted exponent and coefficient vs λ²/s,\n"
      "Clopper–Pearson certificate); then the measured constants fed to theory/'s routes.\n"
      "Sampled sup/inf are estimates, not bounds.\n\n"
      "MODEL: a preset (logistic, mlp-gelu, mlp-relu, mlp-tanh, mlp-softplus, tiny-transformer),\n"
      "a JSON spec (docs/models.md), and with LibTorch a TorchScript file or a GPT-Neo config.json.",
      "villani check"};
  std::string model, tokens, weights, lambda, temperature = "1", radii, precision = "auto", center = "origin",
                                               format = "table", out, laplacian = "auto";
  int directions = 32, probes = 4, matvecs = 32;
  double threshold = 0, confidence = 0.95;
  std::uint64_t seed = 1;
  bool strict = false, quiet = false;
  app.add_option("--model", model, "preset name, spec.json, model.pt or config.json")->required();
  app.add_option("--tokens", tokens, "token file for a TorchScript model");
  app.add_option("--weights", weights, "safetensors weights for a GPT-Neo config.json");
  app.add_option("--lambda", lambda, "weight decay λ > 0")->required();
  app.add_option("--temperature,-s", temperature, "temperature s > 0")->capture_default_str();
  app.add_option("--radii", radii, "shell radii (LIST; default 10 log-spaced from 0.1 to 10 × sqrt(s·d/λ))");
  app.add_option("--directions", directions, "points per shell")->capture_default_str();
  app.add_option("--probes", probes, "random lines of the kink probe (0: audit only)")->capture_default_str();
  app.add_option("--matvecs", matvecs, "XTrace products (HVPs) per point when ΔF is estimated")->capture_default_str();
  app.add_option("--laplacian", laplacian,
                 "auto | exact | estimated (auto: exact when the model has it and d ≤ 256, else XTrace; "
                 "exact on any model: the sum of d HVPs per point)")
      ->capture_default_str();
  app.add_option("--precision", precision,
                 "double | 50 | 100 | auto (double, escalating to 50/100 digits near a threshold or when "
                 "double and 50 digits disagree; reference models only)")->capture_default_str();
  app.add_option("--center", center, "origin | init | FILE of d numbers")->capture_default_str();
  app.add_option("--threshold", threshold, "Ψ threshold defining the radius R")->capture_default_str();
  app.add_option("--confidence", confidence, "Clopper–Pearson confidence")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_option("--format", format, "table|markdown|csv|json|latex")->capture_default_str();
  app.add_option("--out", out, "write check.json, check.md, psi.dat, psi.gp and psi.svg here");
  app.add_flag("--strict", strict, "exit 1 when a criterion fails");
  add_quiet_flag(app, quiet);
  std::string max_memory;
  app.add_option("--max-memory", max_memory, "memory limit in GiB for models sized by the input (default: the machine's)");
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  const Format fmt = parse_format(format);
  set_memory_limit_from_flag("--max-memory", max_memory);
  validators::CheckOptions o;
  const Wide lam = parse_number("--lambda", lambda);
  // λ and s in [1e-100, 1e100]: λ²r²/s and the Gaussian tail mass stay finite in double.
  if (!(lam >= Wide("1e-100")) || !(lam <= Wide("1e100")))
    throw InputError("--lambda", "expected a number in [1e-100, 1e100]; got " + lambda);
  o.lambda = static_cast<double>(lam);
  const Wide s = parse_number("--temperature", temperature);
  if (!(s >= Wide("1e-100")) || !(s <= Wide("1e100")))
    throw InputError("--temperature", "expected a number in [1e-100, 1e100]; got " + temperature);
  o.s = static_cast<double>(s);
  if (!radii.empty())
    for (const auto& v : parse_list("--radii", radii)) {
      if (!(v.value > 0) || !fits_double(v.value)) throw InputError("--radii", "radii must be > 0; got " + v.text);
      o.radii.push_back(static_cast<double>(v.value));
    }
  o.directions = directions;
  o.probes = probes;
  o.matvecs = matvecs;
  o.laplacian = laplacian;
  o.precision = validators::parse_precision(precision);
  o.threshold = threshold;
  o.confidence = confidence;
  o.seed = seed;
  if (!out.empty()) ensure_dir(out);

  Progress progress(quiet);
  progress.update("check: loading " + model, 0, 0, "");
  o.progress = progress.fn();
  LoadedModel m = load_check_model({model, tokens, weights});
  const Eigen::Index d = m.input.loss->dim();
  if (center == "origin") {
    o.center_label = "origin";
  } else if (center == "init") {
    if (m.init.size() != d) throw InputError("--center", "this model has no initial parameters; use origin or a FILE");
    o.center = m.init;
    o.center_label = "init";
  } else {
    o.center = read_parameters("--center", center, d);
    o.center_label = center;
  }
  const nlohmann::json rep = validators::run_check(m.input, o);
  progress.end();
  const Table ct = criteria_table(rep), st = shells_table(rep);
  if (!out.empty()) {
    write_file_atomic(out + "/check.json", dump_checked(rep, "check") + "\n");
    write_file_atomic(out + "/check.md", validators::check_markdown(rep));
    const std::string why = validators::write_psi_plot(rep, out);
    if (!why.empty()) std::cerr << "villani check: no plot: " << why << "\n";
  }
  if (fmt == Format::Json) std::cout << dump_checked(rep, "check") << "\n";
  else if (fmt == Format::Markdown) std::cout << validators::check_markdown(rep);
  else std::cout << render(ct, fmt) << "\n" << render(st, fmt);
  bool failed = false;
  for (const auto& [k, c] : rep["criteria"].items()) failed = failed || validators::parse_verdict(c.value("verdict", "")) == validators::Verdict::Violated;
  return strict && failed ? kViolation : kOk;
}

const Registrar reg{{"check", run_check}};

}  // namespace
}  // namespace villani::cli
