// villani constants: tables of explicit Poincaré / log-Sobolev constants (docs/theory.md §2, §4).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/command.hpp"
#include "cli/strict_integers.hpp"
#include "cli/finite.hpp"
#include "cli/constants_table.hpp"
#include "cli/lists.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

std::vector<Wide> values(const std::string& arg, const std::string& text) {
  std::vector<Wide> v;
  for (const auto& x : parse_list(arg, text)) v.push_back(x.value);
  return v;
}

int run_constants(int argc, char** argv) {
  CLI::App app{
      "Explicit Poincaré (C_P) and log-Sobolev (C_LS) constants of μ_s ∝ exp(−F/s),\n"
      "F = L + (λ/2)‖θ‖², by every route of docs/theory.md §2, with the preprint's claim\n"
      "C_LS ≤ 1/λ + d/λ² beside them, the predicted Langevin relaxation time and the SGLD\n"
      "step count to KL ≤ ε. All arithmetic in 50-digit wide-exponent multiprecision.\n\n"
      "LIST: comma list and ranges: 0.1,1  1e-4:1:9 (geometric start:stop:count)\n"
      "      lin:0.5:2:4 (linear); at most 10000 values, ranges of at most 10000 points",
      "villani constants"};
  std::string lambda, dim, temperature = "1", curvature, oscillation, hessian, epsilon = "0.01",
                          kl0 = "1", lyap, format = "table", out;
  app.add_option("--lambda", lambda, "weight decay λ > 0 (LIST; the grid λ × d × s has at most 100000 rows)")
      ->required();
  app.add_option("--dim", dim, "parameter dimension d ≥ 1 (LIST; up to 1e12 and beyond)")->required();
  app.add_option("--temperature,-s", temperature, "temperature s > 0 (LIST)")->capture_default_str();
  app.add_option("--curvature-floor", curvature,
                 "K with ∇²L ≥ −K·I (enables Bakry–Émery when K < λ)");
  app.add_option("--oscillation", oscillation, "Ω ≥ sup L − inf L (enables Holley–Stroock)");
  app.add_option("--hessian-bound", hessian,
                 "H ≥ ‖∇²L‖ (SGLD smoothness L_F = λ + H; 0 assumed for L ≡ 0)");
  app.add_option("--epsilon", epsilon, "target KL for the SGLD plan")->capture_default_str();
  app.add_option("--kl0", kl0, "initial KL for the SGLD plan")->capture_default_str();
  app.add_option("--lyapunov", lyap,
                 "measured Lyapunov inputs R,psi_inf,F_sup,negpsi_sup[,F_inf] for Ψ_{2s} "
                 "(inf outside B_R; sups on B_R)");
  app.add_option("--format", format, "table|markdown|csv|json|latex")->capture_default_str();
  app.add_option("--out", out, "also write constants.{json,md,csv,tex} into this directory");
  if (const auto done = parse_command_line(app, argc, argv)) return *done;
  const Format fmt = parse_format(format);
  ConstantsOptions o;
  o.lambdas = values("--lambda", lambda);
  o.dims = values("--dim", dim);
  o.temperatures = values("--temperature", temperature);
  if (!curvature.empty()) o.curvature_floor = parse_number("--curvature-floor", curvature);
  if (!oscillation.empty()) o.oscillation = parse_number("--oscillation", oscillation);
  if (!hessian.empty()) {
    o.hessian_bound = parse_number("--hessian-bound", hessian);
    if (*o.hessian_bound < 0) throw InputError("--hessian-bound", "expected a number >= 0; got " + hessian);
  }
  o.epsilon = parse_number("--epsilon", epsilon);
  if (!(o.epsilon > 0)) throw InputError("--epsilon", "expected a number > 0; got " + epsilon);
  o.kl0 = parse_number("--kl0", kl0);
  if (o.kl0 < 0) throw InputError("--kl0", "expected a number >= 0; got " + kl0);
  if (!lyap.empty()) {
    const auto v = parse_list("--lyapunov", lyap);
    if (v.size() != 4 && v.size() != 5)
      throw InputError("--lyapunov", "expected R,psi_inf,F_sup,negpsi_sup[,F_inf]; got '" + lyap + "'");
    theory::LyapunovInputs in;
    in.radius = v[0].value;
    in.psi2s_inf_outside = v[1].value;
    in.f_sup_ball = v[2].value;
    in.neg_psi2s_sup_ball = v[3].value;
    in.f_inf_ball = v.size() == 5 ? v[4].value : Wide(0);
    in.provenance = "given with --lyapunov";
    if (!(in.radius > 0)) throw InputError("--lyapunov", "radius R must be > 0");
    o.lyapunov = in;
  }
  const auto rows = theory::constants_rows(o);
  const nlohmann::json doc = {{"rows", constants_json(rows)}};
  const Table table = constants_table(rows);
  // Printed before the files are written: a full disk loses no result (issue 26).
  if (fmt == Format::Json) std::cout << dump_checked(doc, "constants") << "\n";
  else std::cout << render(table, fmt);
  if (!out.empty()) {
    ensure_dir(out);
    write_file_atomic(out + "/constants.json", dump_checked(doc, "constants") + "\n");
    write_file_atomic(out + "/constants.md", render_markdown(table));
    write_file_atomic(out + "/constants.csv", render_csv(table));
    write_file_atomic(out + "/constants.tex", render_latex(table));
  }
  return kOk;
}

const Registrar reg{{"constants", run_constants}};

}  // namespace
}  // namespace villani::cli
