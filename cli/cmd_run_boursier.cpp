// villani run boursier: two-layer ReLU networks with an ℓ2 penalty (docs/theory.md §6). The work
// is in experiments/companion/boursier.cpp (Eigen double, no LibTorch), so this kind is in every build,
// the one without LibTorch included; this file parses options, writes the run record, the table
// and the plot.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <map>

#include "cli/command.hpp"
#include "cli/run_registry.hpp"
#include "cli/run_session.hpp"
#include "experiments/companion/boursier.hpp"
#include "experiments/companion/boursier_record.hpp"

namespace villani::cli {
namespace {

namespace comp = experiments::companion;

int run_boursier(int argc, char** argv) {
  CLI::App app{
      "Two-layer ReLU networks with an ℓ2 penalty (Boursier, Bowditch, Englert, Lazić,\n"
      "arXiv:2505.22578; docs/theory.md §6). f(x) = Σ_j a_j relu(w_j·x), no biases,\n"
      "P = ½Σ(f(x_i) − y_i)² + (β/2)(‖W‖² + ‖a‖²). For each data set and each width m = 2^1 …\n"
      "2^(n+m-extra) and init scale σ, gradient descent runs from --seeds balanced random inits;\n"
      "each end point is classified global (certified: P − p* ≤ tol with p* from the convex\n"
      "reformulation over all activation patterns, Pilanci–Ergen, and a dual certificate),\n"
      "spurious (stalled above p*) or undecided. Orthogonal data X = I_n (monotone GD; the\n"
      "coverage prediction of the transition, 1.39·2^n for y = 1, is printed beside it) and\n"
      "planar data in general position (d = 2, fixed-step GD: ReLU is not C¹ and monotone steps\n"
      "stall at kinks; tolerance 1e-2·p*). Prints the success fraction per width; --out writes a\n"
      "run record (config.json, hardware.json, metrics.jsonl one line per cell, summary.json),\n"
      "table.{md,csv} and success.gp (+ success.svg when gnuplot is on PATH).",
      "villani run boursier"};
  comp::BoursierOptions o;
  std::string n = "4:8", planar_n = "4,6", scales = "0.01,0.5";
  app.add_option("--n", n, "orthogonal data sizes (4:8 or 4,6,8; at most 1000 values; empty: none)")->capture_default_str();
  app.add_option("--planar-n", planar_n, "planar data sizes (empty: none)")->capture_default_str();
  app.add_option("--labels", o.labels, "orthogonal labels: ones | signs")->capture_default_str();
  app.add_option("--seeds", o.seeds, "runs per cell")->capture_default_str();
  app.add_option("--beta", o.beta, "ℓ2 coefficient β > 0")->capture_default_str();
  app.add_option("--init-scale", scales, "init scales σ (LIST)")->capture_default_str();
  app.add_option("--m-extra", o.m_extra, "largest width 2^(n + m-extra)")->capture_default_str();
  app.add_option("--steps", o.gd.max_steps, "GD step budget (orthogonal), 1…1e9")->capture_default_str();
  app.add_option("--lr", o.gd.lr, "initial GD step (orthogonal)")->capture_default_str();
  app.add_option("--seed", o.seed, "master seed")->capture_default_str();
  app.add_option("--threads", o.threads, "worker threads over seeds (results do not depend on it)")->capture_default_str();
  RunSession session(app, "boursier");
  if (!session.parse(argc, argv)) return session.exit_code();
  o.orthogonal_n = int_list("--n", n);
  o.planar_n = int_list("--planar-n", planar_n);
  o.init_scales = num_list("--init-scale", scales);
  comp::validate(o);
  session.open({{"orthogonal_n", o.orthogonal_n}, {"planar_n", o.planar_n}, {"labels", o.labels},
                {"seeds", o.seeds}, {"beta", o.beta}, {"init_scales", o.init_scales},
                {"m_extra", o.m_extra}, {"steps", o.gd.max_steps}, {"lr", o.gd.lr}, {"seed", o.seed},
                {"threads", o.threads}});
  const comp::BoursierResult r = comp::run_boursier(o, session.recorder_for<comp::BoursierCell>());

  // Pivot: one row per (family, n, σ), one column per width.
  auto key_of = [](const auto& c) { return fmt::format("{}|{}|{}", comp::to_string(c.family), c.n, c.init_scale); };
  int max_k = 1;
  for (const auto& c : r.cells) max_k = std::max(max_k, static_cast<int>(std::log2(static_cast<double>(c.m)) + 0.5));
  Table t;
  t.title = fmt::format("Success fraction of gradient descent (global end points / {} seeds), β = {}", o.seeds, o.beta);
  t.columns = {{"data", "", false}, {"n", ""}, {"σ", "$\\sigma$"}};
  for (int k = 1; k <= max_k; ++k) t.columns.push_back({fmt::format("m={}", 1 << k), fmt::format("$m={}$", 1 << k)});
  t.columns.push_back({"m½", "$m_{1/2}$"});
  t.columns.push_back({"fit m½", "fit $m_{1/2}$"});
  t.columns.push_back({"coverage m½", "coverage $m_{1/2}$"});
  t.columns.push_back({"2^n", "$2^n$"});
  t.columns.push_back({"patterns", "patterns"});
  std::map<std::string, std::vector<std::string>> rows;
  std::vector<std::string> order;
  for (const auto& c : r.cells) {
    const std::string key = key_of(c);
    if (!rows.count(key)) {
      order.push_back(key);
      rows[key] = {comp::to_string(c.family), std::to_string(c.n), g4(c.init_scale)};
      rows[key].resize(3 + max_k, "");
    }
    const int k = static_cast<int>(std::log2(static_cast<double>(c.m)) + 0.5);
    rows[key][2 + k] = fmt::format("{:.2f}", c.success_fraction);
  }
  for (const auto& tr : r.transitions) {
    auto& row = rows[key_of(tr)];
    row.push_back(tr.m_half ? g4(*tr.m_half) : "> max");
    row.push_back(tr.m_half_fit ? g4(*tr.m_half_fit) : "n/a");
    row.push_back(tr.coverage ? g4(tr.coverage->m_half) : "");
    row.push_back(g4(tr.two_pow_n));
    row.push_back(g4(tr.pattern_count));
  }
  for (const auto& k : order) t.rows.push_back(rows[k]);
  for (const auto& f : r.fit)
    if (f.line)
      t.notes.push_back(fmt::format("orthogonal, σ = {}: slope of log2 m½ against n = {:.3f} (2^n scaling: 1)",
                                    f.init_scale, f.line->slope_log2_m_half_vs_n));
  for (const auto& c : r.convex)
    t.notes.push_back(fmt::format("{} n = {}: p* = {:.10g} (convex, {} patterns, certified gap {:.1e}, {} neurons)",
                                  comp::to_string(c.family), c.n, c.value, c.patterns, c.gap, c.active_neurons));
  t.notes.push_back("m½: width where the success fraction reaches 1/2 (log-linear interpolation); "
                    "fit m½: half-width of the maximum-likelihood fit of 1 − (1 − p)^m to all widths; "
                    "coverage m½: the width at which a neuron with the needed pattern exists with probability 1/2.");

  if (session.recording()) {
    const std::string& out = session.out();
    std::string dat, plot = "set terminal svg size 800,500\nset output 'success.svg'\nset logscale x 2\n"
                            "set xlabel 'width m'\nset ylabel 'fraction of runs at a global minimum'\n"
                            "set key left top\nset yrange [0:1.05]\nplot ";
    int idx = 0;
    for (const auto& key : order) {
      dat += "# " + key + "\n";
      for (const auto& c : r.cells)
        if (key_of(c) == key)
          dat += fmt::format("{} {} {}\n", c.m, c.success_fraction, c.predicted_success.value_or(-1.0));
      dat += "\n\n";
      plot += fmt::format("{}'success.dat' index {} using 1:2 with linespoints title '{}'", idx ? ", " : "", idx, key);
      ++idx;
    }
    plot += "\n";
    write_file_atomic(out + "/success.dat", dat);
    write_file_atomic(out + "/success.gp", plot);
    if (have_gnuplot()) std::system(("cd '" + out + "' && gnuplot success.gp 2>/dev/null").c_str());
  }
  return session.finish(comp::to_json(r), {{"table", t}});
}

const RunKindRegistrar reg_b{{"boursier", "two-layer ReLU + ℓ2: global vs spurious end points against width",
                              [](int c, char** v) { return run_guarded("run boursier", [&] { return run_boursier(c, v); }); }}};

}  // namespace
}  // namespace villani::cli
