#include "cli/compare_render.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "experiments/compare_json.hpp"
#include "experiments/run_record.hpp"

namespace villani::cli {

namespace fs = std::filesystem;

nlohmann::json comparison_json(const experiments::Comparison& c) {
  nlohmann::json res;
  res["tables"] = nlohmann::json::array();
  for (const auto& t : c.tables) {
    nlohmann::json j = {{"title", t.title}, {"columns", nlohmann::json::array()}, {"rows", t.rows}, {"notes", t.notes}};
    for (const auto& col : t.columns) j["columns"].push_back({col.text, col.right});
    res["tables"].push_back(std::move(j));
  }
  res["records"] = nlohmann::json::array();
  for (const auto& r : c.records) res["records"].push_back(experiments::to_json(r));
  res["consistent"] = c.consistent;
  res["inconsistent"] = c.inconsistent;
  for (const auto& d : c.incomplete) res["notes_incomplete"].push_back(d);
  if (c.pacbayes) {
    res["pacbayes_trend"] = c.pacbayes->text;
    res["pacbayes_vacuous"] = c.pacbayes->vacuous;
    res["pacbayes_tightens"] = c.pacbayes->tightens;
    res["pacbayes_best_lambda"] = c.pacbayes->best_lambda;
    res["pacbayes_curve"] = experiments::to_json(c.pacbayes->curve);
  }
  return res;
}

Table to_table(const experiments::TextTable& t) {
  Table out;
  out.title = t.title;
  for (const auto& c : t.columns) out.columns.push_back({c.text, "", c.right});
  out.rows = t.rows;
  out.notes = t.notes;
  return out;
}

std::vector<std::string> write_plots(const experiments::Comparison& cmp, const std::string& out_dir) {
  std::vector<std::string> files;
  fs::create_directories(out_dir);
  // SGLD: ‖θ‖² against t with the fitted curve, one panel line per λ.
  std::string gp_norm = "set terminal svg size 900,600 dynamic\nset output '" + out_dir + "/sgld_norm2.svg'\n"
                        "set xlabel 't = kη'\nset ylabel '‖θ‖²'\nset logscale x\nset key outside\n";
  std::string plots;
  int k = 0;
  for (const auto& r : cmp.records) {
    if (r.kind != "sgld" || !r.sgld) continue;
    const std::string dat = out_dir + "/sgld_" + std::to_string(k) + ".dat";
    std::ofstream f(dat);
    for (const auto& m : experiments::RunRecord::load(r.dir).at("metrics"))
      f << m.value("t", 0.0) << " " << m.value("norm2", 0.0) << " " << m.value("loss", 0.0) << "\n";
    files.push_back(dat);
    const auto& fn = r.sgld->norm2;
    const double lambda = r.lambda.value_or(0.0);
    if (!plots.empty()) plots += ", ";
    plots += fmt::format("'{}' u ($1>0?$1:1/0):2 w l t 'λ={}', ({} + {}*exp(-{}*(x-{}))) w l dt 2 t 'fit λ={}'", dat,
                         lambda, fn.asymptote, fn.amplitude, fn.rate, r.sgld->t0, lambda);
    ++k;
  }
  auto render = [&](const std::string& name, const std::string& script) {
    const std::string gp = out_dir + "/" + name + ".gp";
    std::ofstream(gp) << script;
    files.push_back(gp);
    const std::string cmd = "gnuplot '" + gp + "' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0 && fs::exists(out_dir + "/" + name + ".svg")) files.push_back(out_dir + "/" + name + ".svg");
  };
  if (!plots.empty()) render("sgld_norm2", gp_norm + "plot " + plots + "\n");
  // PAC-Bayes: certificate, train risk and test error of Q against λ (0–1 loss).
  std::string pbd;
  for (const auto& t : cmp.tables)
    if (t.kind == experiments::TextTable::Kind::PacBayes)
      for (const auto& row : t.rows)
        if (row.at(1) == "zero_one") pbd += row.at(0) + " " + row.at(2) + " " + row.at(5) + " " + row.at(4) + "\n";
  if (!pbd.empty()) {
    const std::string dat = out_dir + "/pacbayes.dat";
    std::ofstream(dat) << pbd;
    files.push_back(dat);
    render("pacbayes", "set terminal svg size 800,500 dynamic\nset output '" + out_dir + "/pacbayes.svg'\n"
                       "set logscale x\nset xlabel 'λ (weight decay)'\nset ylabel '0–1 token error'\nset key outside\n"
                       "plot '" + dat + "' u 1:3 w lp t 'certificate (Seeger kl⁻¹)', '' u 1:2 w lp t 'test error of Q', "
                       "'' u 1:4 w lp t 'train risk of Q'\n");
  }
  return files;
}

}  // namespace villani::cli
