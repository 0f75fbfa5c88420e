// villani check: the Villani criteria on sampled shells (docs/theory.md §1–§2, docs/check.md).
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/check_render.hpp"
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

int run_check(int argc, char** argv) {
  CLI::App app{
      "Checks the hypotheses of Villani's criterion for F = L + (λ/2)‖θ‖² on a model and the\n"
      "explicit constants that follow (docs/theory.md §1–§2; docs/check.md). Criteria, each holds |\n"
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
      const double r = wide_to_double("--radii", v.value, v.text);
      if (!(r > 0)) throw InputError("--radii", "radii must be > 0; got " + v.text);
      o.radii.push_back(r);
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
  const validators::CheckReport rep = validators::run_check(m.input, o);
  progress.end();
  const nlohmann::json doc = check_json(rep);
  const Table ct = check_criteria_table(rep), st = check_shells_table(rep);
  // Printed before the files are written: a full disk loses no result (issue 26).
  if (fmt == Format::Json) std::cout << dump_checked(doc, "check") << "\n";
  else if (fmt == Format::Markdown) std::cout << check_markdown(rep);
  else std::cout << render(ct, fmt) << "\n" << render(st, fmt);
  if (!out.empty()) {
    write_file_atomic(out + "/check.json", dump_checked(doc, "check") + "\n");
    write_file_atomic(out + "/check.md", check_markdown(rep));
    const std::string why = write_psi_plot(rep, out);
    if (!why.empty()) std::cerr << "villani check: no plot: " << why << "\n";
  }
  bool failed = false;
  for (const validators::CheckCriterion k : validators::kCheckCriteria)
    failed = failed || criterion(rep.criteria, k).verdict == validators::Verdict::Violated;
  return strict && failed ? kViolation : kOk;
}

const Registrar reg{{"check", run_check}};

}  // namespace
}  // namespace villani::cli
