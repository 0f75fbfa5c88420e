// Markdown report and gnuplot plot of `villani check` (validators/villani_check.hpp).
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>

#include "numerics/io.hpp"
#include "validators/villani_check.hpp"

namespace villani::validators {

using nlohmann::json;

namespace {
std::string cell(const json& j) {
  if (j.is_null()) return "—";
  if (j.is_number()) return fmt::format("{:.4g}", j.get<double>());
  if (j.is_string()) return j.get<std::string>();
  return j.dump();
}
}  // namespace

std::string check_markdown(const json& rep) {
  std::string md = "# villani check\n\n";
  const auto& m = rep.at("model");
  const auto& o = rep.at("options");
  md += fmt::format("Model **{}**, d = {}, F = {}; λ = {}, s = {}, centre {}, {} directions per shell, "
                    "Laplacian {}.\n\n",
                    cell(m["name"]), cell(m["dim"]), cell(m["objective"]), cell(o["lambda"]),
                    cell(o["temperature"]), cell(o["center"]), cell(o["directions"]), cell(m["laplacian"]));
  md += "## Criteria\n\n| criterion | verdict | evidence |\n|:---|:---|:---|\n";
  for (const char* k : {"smoothness", "coercivity", "integrability", "growth"}) {
    const auto& c = rep["criteria"][k];
    std::string ev = c.value("evidence", "");
    if (c.contains("reason")) ev += " — inconclusive because: " + c["reason"].get<std::string>();
    md += fmt::format("| {} | **{}** | {} |\n", k, c.value("verdict", ""), ev);
  }
  const auto& g = rep["growth"];
  md += fmt::format("\n## Growth of Ψ_s\n\nFitted exponent {} (predicted 2), coefficient {} (predicted λ²/s = {}), "
                    "offset {} (predicted −λd = {}); radius where Ψ_s > threshold: {}, Ψ_2s: {}.\n\n",
                    cell(g["exponent"]), cell(g["coefficient"]), cell(g["predicted_coefficient"]),
                    cell(g.value("offset", json())), cell(g["predicted_offset"]), cell(g.value("radius_psi_s", json())),
                    cell(g.value("radius_psi_2s", json())));
  md += "| r | Ψ_s min | Ψ_s median | Ψ_s max | Ψ_2s min | predicted Ψ_s | std. error | violations (Ψ_2s) | CP upper | rung |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---|\n";
  for (const auto& sh : g["shells"]) {
    if (!sh.contains("psi_s")) { md += fmt::format("| {} | not evaluated |||||||||\n", cell(sh["radius"])); continue; }
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", cell(sh["radius"]),
                      cell(sh["psi_s"]["min"]), cell(sh["psi_s"]["median"]), cell(sh["psi_s"]["max"]),
                      cell(sh["psi_2s"]["min"]), cell(sh["predicted_psi_s"]), cell(sh["standard_error"]),
                      cell(sh["violations_2s"]), cell(sh["violating_fraction_upper"]), cell(sh["rung"]));
  }
  if (g.contains("certificate")) md += "\nSampling certificate: " + g["certificate"]["meaning"].get<std::string>() + ".\n";
  const auto& c = rep["constants"];
  md += "\n## Constants (sampled estimates fed to theory/'s routes)\n\n";
  for (const char* k : {"radius", "sup_f_ball", "inf_f_ball", "sup_neg_psi_2s_ball", "inf_psi_2s_outside",
                        "oscillation_l_ball", "curvature_floor"})
    md += fmt::format("- {}: {}\n", k, cell(c.value(k, json())));
  if (c.contains("routes")) {
    md += "\n| route | applies | C_P | C_LS | why not |\n|:---|:---|---:|---:|:---|\n";
    for (const auto& r : c["routes"])
      md += fmt::format("| {} | {} | {} | {} | {} |\n", cell(r["name"]), r.value("applies", false) ? "yes" : "no",
                        cell(r["c_p"]), cell(r["c_ls"]), cell(r.value("unmet", json(""))));
  }
  md += fmt::format("\nPrecision: mode {}, decided by {} ({} high-precision evaluations).\n",
                    cell(rep["precision"]["mode"]), cell(rep["precision"]["decided_by"]),
                    cell(rep["precision"]["escalations"]));
  return md;
}

std::string write_psi_plot(const json& rep, const std::string& dir) {
  const auto& g = rep.at("growth");
  const double lam = rep["options"]["lambda"].get<double>(), s = rep["options"]["temperature"].get<double>();
  std::string dat = "# r  psi_s_median psi_s_min psi_s_max psi_2s_median predicted_lambda2_r2_over_s\n";
  auto pos = [](const json& v) { return v.is_number() && v.get<double>() > 0 ? fmt::format("{:.10g}", v.get<double>()) : std::string("?"); };
  int usable = 0;
  for (const auto& sh : g["shells"]) {
    if (!sh.contains("psi_s")) continue;
    const double r = sh["radius"].get<double>();
    dat += fmt::format("{:.10g} {} {} {} {} {:.10g}\n", r, pos(sh["psi_s"]["median"]), pos(sh["psi_s"]["min"]),
                       pos(sh["psi_s"]["max"]), pos(sh["psi_2s"]["median"]), lam * lam * r * r / s);
    if (sh["psi_s"]["median"].get<double>() > 0) ++usable;
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
      rep["model"]["name"].get<std::string>(), lam, s);
  write_file_atomic((fs::path(dir) / "psi.gp").string(), gp);
  if (usable == 0) return "no shell with Ψ_s > 0: nothing to draw on a log scale (psi.gp written)";
  const std::string cmd = "cd '" + dir + "' && gnuplot psi.gp 2>/dev/null";
  if (std::system(cmd.c_str()) != 0 || !fs::exists(fs::path(dir) / "psi.svg"))
    return "gnuplot failed or is not installed (psi.gp and psi.dat written)";
  return "";
}

}  // namespace villani::validators
