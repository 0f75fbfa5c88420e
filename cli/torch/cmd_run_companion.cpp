// villani run boursier | mechanisms | l2-vs-decoupled: the companion claims of THEORY.md §6.
// The work is in experiments/companion/; this file parses options, writes run records, tables
// and plots (no LibTorch include).
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "cli/command.hpp"
#include "cli/finite.hpp"
#include "cli/strict_integers.hpp"
#include "cli/lists.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/run_registry.hpp"
#include "experiments/companion/boursier.hpp"
#include "experiments/companion/torch_checks.hpp"
#include "experiments/run_record.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

// A run whose numbers left the finite range diverged: name the step-size flag that drove the
// part of the result that did (issue 15: exit 2 naming the input, never nan with exit 0).
void blame_divergence(const nlohmann::json& r, const std::vector<std::pair<std::string, std::string>>& part_flag,
                      const std::string& fallback) {
  try {
    require_finite(r, "result");
  } catch (const NonFiniteOutput& e) {
    const std::string msg = e.what();
    std::string flag = fallback;
    for (const auto& [part, f] : part_flag)
      if (msg.find(" /" + part) != std::string::npos || msg.find(" /" + part + "/") != std::string::npos) {
        flag = f;
        break;
      }
    throw InputError(flag, "the run diverged (" + msg.substr(msg.find("the ")) + "): lower " + flag);
  }
}

namespace comp = experiments::companion;

// "4:8" (inclusive integer range) or "4,6,8" or a mixture; empty text gives an empty list.
std::vector<int> int_list(const std::string& arg, const std::string& text) {
  std::vector<int> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    pos = comma + 1;
    // Checked integers (issue 15): no leading spaces, no trailing junk, no wrap.
    const std::size_t colon = item.find(':');
    const std::int64_t lim = 1000000;
    if (colon == std::string::npos) {
      out.push_back(static_cast<int>(parse_integer(arg, item, -lim, lim)));
    } else {
      const auto a = parse_integer(arg, item.substr(0, colon), -lim, lim);
      const auto b = parse_integer(arg, item.substr(colon + 1), -lim, lim);
      if (b < a || b - a > 1000)
        throw InputError(arg, "range '" + item + "' must run upwards over at most 1000 integers");
      for (auto k = a; k <= b; ++k) out.push_back(static_cast<int>(k));
    }
  }
  return out;
}

std::vector<double> num_list(const std::string& arg, const std::string& text) {
  std::vector<double> out;
  for (const auto& v : parse_list(arg, text)) out.push_back(static_cast<double>(v.value));
  return out;
}

nlohmann::json hardware() {
  nlohmann::json h = experiments::host_info();
  h["git_revision"] = experiments::git_revision();
  h["device"] = "cpu";
  return h;
}

bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

std::string g4(double x) { return fmt::format("{:.4g}", x); }
std::string e2(double x) { return fmt::format("{:.2e}", x); }

// What the three kinds share: --format and --out, parsing (--help, bad input → exit 2), the run
// record (config.json, hardware.json, metrics.jsonl, summary.json) and the printed/written tables.
class Session {
 public:
  Session(CLI::App& app, std::string kind) : app_(app), kind_(std::move(kind)) {
    app.add_option("--format", format_, "table|markdown|csv|json|latex")->capture_default_str();
    app.add_option("--out", out_, "run record directory");
    add_quiet_flag(app, quiet_);
  }
  /// False when the command is done (help printed or a parse error); exit_code() then says how.
  bool parse(int argc, char** argv) {
    try {
      strict_integers(app_);
      app_.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      code_ = app_.exit(e);
      return false;
    } catch (const CLI::ParseError& e) {
      std::cerr << app_.get_name() << ": bad input: " << e.what() << "\n";
      code_ = kBadInput;
      return false;
    }
    fmt_ = parse_format(format_);
    progress_ = std::make_unique<Progress>(quiet_);
    return true;
  }
  int exit_code() const { return code_; }
  const std::string& out() const { return out_; }
  bool recording() const { return rec_.has_value(); }
  /// Opens the run record when --out was given; config gets "kind".
  void open(nlohmann::json config) {
    if (out_.empty()) return;
    config["kind"] = kind_;
    rec_ = experiments::RunRecord::open(out_, config, false);
    rec_->write_hardware(hardware());
  }
  /// Appends one metrics line (numbered when it has no "step").
  void append(nlohmann::json m) {
    if (!rec_) return;
    if (!m.contains("step")) m["step"] = rec_->last_step() + 1;
    rec_->append(m);
  }
  std::function<void(const nlohmann::json&)> recorder() {
    return [this](const nlohmann::json& m) {
      progress_->update("[" + kind_ + "]", ++records_, 0, "record");  // results so far, on stderr
      append(m);
    };
  }
  /// Writes summary.json and <stem>.md/.csv per table to the record; prints the tables (or the
  /// summary for --format json).
  int finish(const nlohmann::json& summary, const std::vector<std::pair<std::string, Table>>& tables) {
    progress_->end();
    if (rec_) {
      rec_->write_summary(summary);
      for (const auto& [stem, t] : tables) {
        write_file_atomic(out_ + "/" + stem + ".md", render_markdown(t));
        write_file_atomic(out_ + "/" + stem + ".csv", render_csv(t));
      }
    }
    if (fmt_ == Format::Json) {
      std::cout << summary.dump(2) << "\n";
    } else {
      bool first = true;
      for (const auto& [stem, t] : tables) {
        if (!first) std::cout << "\n";
        first = false;
        std::cout << render(t, fmt_);
      }
    }
    return kOk;
  }

 private:
  CLI::App& app_;
  std::string kind_, format_ = "table", out_;
  Format fmt_ = Format::Table;
  std::optional<experiments::RunRecord> rec_;
  int code_ = kOk;
  bool quiet_ = false;
  std::unique_ptr<Progress> progress_;
  long records_ = 0;
};

int run_boursier(int argc, char** argv) {
  CLI::App app{
      "Two-layer ReLU networks with an ℓ2 penalty (Boursier, Bowditch, Englert, Lazić,\n"
      "arXiv:2505.22578; THEORY.md §6). f(x) = Σ_j a_j relu(w_j·x), no biases,\n"
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
  app.add_option("--n", n, "orthogonal data sizes (4:8 or 4,6,8; empty: none)")->capture_default_str();
  app.add_option("--planar-n", planar_n, "planar data sizes (empty: none)")->capture_default_str();
  app.add_option("--labels", o.labels, "orthogonal labels: ones | signs")->capture_default_str();
  app.add_option("--seeds", o.seeds, "runs per cell")->capture_default_str();
  app.add_option("--beta", o.beta, "ℓ2 coefficient β > 0")->capture_default_str();
  app.add_option("--init-scale", scales, "init scales σ (LIST)")->capture_default_str();
  app.add_option("--m-extra", o.m_extra, "largest width 2^(n + m-extra)")->capture_default_str();
  app.add_option("--steps", o.gd.max_steps, "GD step budget (orthogonal)")->capture_default_str();
  app.add_option("--lr", o.gd.lr, "initial GD step (orthogonal)")->capture_default_str();
  app.add_option("--seed", o.seed, "master seed")->capture_default_str();
  app.add_option("--threads", o.threads, "worker threads over seeds (results do not depend on it)")->capture_default_str();
  Session session(app, "boursier");
  if (!session.parse(argc, argv)) return session.exit_code();
  o.orthogonal_n = int_list("--n", n);
  o.planar_n = int_list("--planar-n", planar_n);
  o.init_scales = num_list("--init-scale", scales);
  comp::validate(o);
  session.open({{"orthogonal_n", o.orthogonal_n}, {"planar_n", o.planar_n}, {"labels", o.labels},
                {"seeds", o.seeds}, {"beta", o.beta}, {"init_scales", o.init_scales},
                {"m_extra", o.m_extra}, {"steps", o.gd.max_steps}, {"lr", o.gd.lr}, {"seed", o.seed},
                {"threads", o.threads}});
  const nlohmann::json r = comp::run_boursier(o, session.recorder());

  // Pivot: one row per (family, n, σ), one column per width.
  int max_k = 1;
  for (const auto& c : r["cells"]) max_k = std::max(max_k, static_cast<int>(std::log2(c["m"].get<double>()) + 0.5));
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
  for (const auto& c : r["cells"]) {
    const std::string key = fmt::format("{}|{}|{}", c["family"].get<std::string>(), c["n"].get<int>(), c["init_scale"].get<double>());
    if (!rows.count(key)) {
      order.push_back(key);
      rows[key] = {c["family"].get<std::string>(), std::to_string(c["n"].get<int>()), g4(c["init_scale"].get<double>())};
      rows[key].resize(3 + max_k, "");
    }
    const int k = static_cast<int>(std::log2(c["m"].get<double>()) + 0.5);
    rows[key][2 + k] = fmt::format("{:.2f}", c["success_fraction"].get<double>());
  }
  for (const auto& tr : r["transitions"]) {
    const std::string key = fmt::format("{}|{}|{}", tr["family"].get<std::string>(), tr["n"].get<int>(), tr["init_scale"].get<double>());
    auto& row = rows[key];
    row.push_back(tr["m_half"].is_null() ? "> max" : g4(tr["m_half"].get<double>()));
    row.push_back(tr["m_half_fit"].is_null() ? "n/a" : g4(tr["m_half_fit"].get<double>()));
    row.push_back(tr.contains("m_half_predicted") ? g4(tr["m_half_predicted"].get<double>()) : "");
    row.push_back(g4(tr["two_pow_n"].get<double>()));
    row.push_back(g4(tr["pattern_count"].get<double>()));
  }
  for (const auto& k : order) t.rows.push_back(rows[k]);
  for (const auto& f : r["fit"])
    if (f.contains("slope_log2_m_half_vs_n"))
      t.notes.push_back(fmt::format("orthogonal, σ = {}: slope of log2 m½ against n = {:.3f} (2^n scaling: 1)",
                                    f["init_scale"].get<double>(), f["slope_log2_m_half_vs_n"].get<double>()));
  for (const auto& c : r["convex"])
    t.notes.push_back(fmt::format("{} n = {}: p* = {:.10g} (convex, {} patterns, certified gap {:.1e}, {} neurons)",
                                  c["family"].get<std::string>(), c["n"].get<int>(), c["value"].get<double>(),
                                  c["patterns"].get<int>(), c["gap"].get<double>(), c["active_neurons"].get<int>()));
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
      for (const auto& c : r["cells"])
        if (fmt::format("{}|{}|{}", c["family"].get<std::string>(), c["n"].get<int>(), c["init_scale"].get<double>()) == key)
          dat += fmt::format("{} {} {}\n", c["m"].get<int>(), c["success_fraction"].get<double>(),
                             c.value("predicted_success", -1.0));
      dat += "\n\n";
      plot += fmt::format("{}'success.dat' index {} using 1:2 with linespoints title '{}'", idx ? ", " : "", idx, key);
      ++idx;
    }
    plot += "\n";
    write_file_atomic(out + "/success.dat", dat);
    write_file_atomic(out + "/success.gp", plot);
    if (have_gnuplot()) std::system(("cd '" + out + "' && gnuplot success.gp 2>/dev/null").c_str());
  }
  return session.finish(r, {{"table", t}});
}

int run_l2(int argc, char** argv) {
  CLI::App app{
      "L2 regularization versus decoupled weight decay (Loshchilov–Hutter; THEORY.md §6), float64\n"
      "on a small tanh MLP with LibTorch's own optimizers: torch::optim::SGD(weight_decay = λ)\n"
      "against θ ← (1 − λη)θ then SGD (identical up to rounding), torch::optim::Adam(weight_decay\n"
      "= λ) against torch::optim::AdamW(weight_decay = λ) (different), and LibTorch's AdamW\n"
      "convention checked on one step. --out writes a run record.",
      "villani run l2-vs-decoupled"};
  comp::DecoupledOptions o;
  app.add_option("--steps", o.steps, "optimizer steps")->capture_default_str();
  app.add_option("--lr", o.lr, "SGD learning rate η")->capture_default_str();
  app.add_option("--adam-lr", o.adam_lr, "Adam/AdamW learning rate")->capture_default_str();
  app.add_option("--lambda", o.lambda, "L2 coefficient λ")->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden width")->capture_default_str();
  app.add_option("--samples", o.samples, "training points")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  Session session(app, "l2-vs-decoupled");
  if (!session.parse(argc, argv)) return session.exit_code();
  comp::validate(o);
  session.open({{"steps", o.steps}, {"lr", o.lr}, {"adam_lr", o.adam_lr}, {"lambda", o.lambda},
                {"hidden", o.hidden}, {"samples", o.samples}, {"seed", o.seed}});
  const nlohmann::json r = comp::run_l2_vs_decoupled(o, session.recorder());
  blame_divergence(r, {{"adam", "--adam-lr"}, {"adamw_convention", "--adam-lr"}, {"sgd", "--lr"}}, "--lr");
  Table t;
  t.title = fmt::format("L2 vs decoupled decay, float64, {} steps, λ = {}", o.steps, o.lambda);
  t.columns = {{"comparison", "", false}, {"relative distance", ""}, {"note", "", false}};
  t.rows.push_back({"SGD L2 λ vs decay λη (max over steps)", fmt::format("{:.3e}", r["sgd"]["max_rel_distance"].get<double>()),
                    "identical up to rounding"});
  t.rows.push_back({"Adam L2 vs AdamW (final)", fmt::format("{:.3e}", r["adam"]["final_rel_distance"].get<double>()),
                    fmt::format("‖θ‖ {:.5g} vs {:.5g}; F {:.6g} vs {:.6g}", r["adam"]["norm_adam_l2"].get<double>(),
                                r["adam"]["norm_adamw"].get<double>(), r["adam"]["objective_adam_l2"].get<double>(),
                                r["adam"]["objective_adamw"].get<double>())});
  t.rows.push_back({"AdamW step vs θ(1−lr·wd) − lr·dir", fmt::format("{:.3e}", r["adamw_convention"]["rel_distance_to_theta_times_1_minus_lr_wd"].get<double>()), "LibTorch's convention"});
  t.rows.push_back({"AdamW step vs θ(1−wd) − lr·dir", fmt::format("{:.3e}", r["adamw_convention"]["rel_distance_to_theta_times_1_minus_wd"].get<double>()), "not LibTorch's"});
  t.notes.push_back("LibTorch AdamW: " + r["adamw_convention"]["convention"].get<std::string>());
  return session.finish(r, {{"table", t}});
}

int run_mech(int argc, char** argv) {
  CLI::App app{
      "Three mechanisms of weight decay (Zhang, Wang, Xu, Grosse, arXiv:1810.12281; THEORY.md §6),\n"
      "float64 LibTorch on small MLPs: (1) a layer followed by a normalization: ∇L ⟂ W, ‖W‖² growth\n"
      "by η²‖g‖² per SGD step without decay, effective learning rate η/‖W‖² with and without decay;\n"
      "(2) bias-free ReLU MLP of depth 3: Gauss–Newton norm = 9·E f² = 9·E (J_x x)² and the\n"
      "input–output Jacobian norm with and without decay; (3) K-FAC: Δ(αW; γ) = α·Δ(W; γα²), i.e.\n"
      "effective damping γ‖W‖², tracked during training; (4) minimizer path: θ*(λ) of\n"
      "F = L + (λ/2)‖θ‖² for multinomial logistic regression on the --path-lambdas grid (LBFGS +\n"
      "Newton to ‖∇F‖ ≈ 1e-16): ‖θ*‖, dθ*/dλ = −(∇²F)⁻¹θ* against a central difference, the fixed\n"
      "point θ* = −∇L(θ*)/λ. --out writes a run record, table.{md,csv} and minimizer_path.{md,csv}.",
      "villani run mechanisms"};
  comp::MechanismOptions o;
  std::string path_lambdas = "1e-3:1:10";
  app.add_option("--steps", o.steps, "SGD steps per run")->capture_default_str();
  app.add_option("--lr", o.lr, "learning rate η")->capture_default_str();
  app.add_option("--lambda", o.lambda, "weight decay λ (the ReLU MLP uses 10λ)")->capture_default_str();
  app.add_option("--hidden", o.hidden, "hidden width")->capture_default_str();
  app.add_option("--samples", o.samples, "training points")->capture_default_str();
  app.add_option("--kfac-damping", o.kfac_damping, "K-FAC damping γ")->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--path-lambdas", path_lambdas, "minimizer path: λ grid (LIST, ≥ 2 values)")->capture_default_str();
  app.add_option("--path-samples", o.path.samples, "minimizer path: training points N")->capture_default_str();
  app.add_option("--path-features", o.path.features, "minimizer path: features d")->capture_default_str();
  app.add_option("--path-classes", o.path.classes, "minimizer path: classes K")->capture_default_str();
  app.add_option("--path-fd-step", o.path.fd_step, "minimizer path: difference step h in log λ")->capture_default_str();
  app.add_option("--path-seed", o.path.seed, "minimizer path: data seed")->capture_default_str();
  Session session(app, "mechanisms");
  if (!session.parse(argc, argv)) return session.exit_code();
  o.path.lambdas = num_list("--path-lambdas", path_lambdas);
  comp::validate(o);
  session.open({{"steps", o.steps}, {"lr", o.lr}, {"lambda", o.lambda}, {"hidden", o.hidden},
                {"samples", o.samples}, {"kfac_damping", o.kfac_damping}, {"seed", o.seed},
                {"path", {{"lambdas", o.path.lambdas}, {"samples", o.path.samples},
                          {"features", o.path.features}, {"classes", o.path.classes},
                          {"grad_tol", o.path.grad_tol}, {"fd_step", o.path.fd_step},
                          {"seed", o.path.seed}}}});
  const nlohmann::json r = comp::run_mechanisms(o, session.recorder());
  blame_divergence(r, {{"minimizer_path", "--path-lambdas"}}, "--lr");
  const auto& si = r["scale_invariant"];
  const auto& gn = r["gauss_newton"];
  Table t;
  t.title = fmt::format("Mechanisms of weight decay, float64, {} steps, λ = {}", o.steps, o.lambda);
  t.columns = {{"quantity", "", false}, {"without decay", ""}, {"with decay", ""}};
  auto row = [&](const std::string& name, const nlohmann::json& a, const nlohmann::json& b, const char* key) {
    t.rows.push_back({name, g4(a[key].get<double>()), g4(b[key].get<double>())});
  };
  const auto& sr = si["runs"];
  row("‖W‖² final (normalized layer)", sr["without_decay"], sr["with_decay"], "w_norm_sq_final");
  row("effective lr η/‖W‖² final", sr["without_decay"], sr["with_decay"], "effective_lr_final");
  row("K-FAC effective damping γ‖W‖²", sr["without_decay"], sr["with_decay"], "kfac_effective_damping_final");
  row("loss (normalized net)", sr["without_decay"], sr["with_decay"], "final_loss");
  const auto& gr = gn["runs"];
  row("Gauss–Newton norm E‖J_θθ‖²", gr["without_decay"], gr["with_decay"], "gauss_newton_norm_sq");
  row("9·E f²", gr["without_decay"], gr["with_decay"], "depth_sq_mean_f_sq");
  row("input–output Jacobian E‖J_x‖²", gr["without_decay"], gr["with_decay"], "input_output_jacobian_fro_sq");
  row("loss (ReLU MLP)", gr["without_decay"], gr["with_decay"], "train_loss");
  t.notes.push_back(fmt::format("max |cos(∇L, W)| = {:.2e}; norm-growth identity relative error {:.2e}; "
                                "K-FAC scaling identity relative error {:.2e}",
                                si["max_cos_grad_w"].get<double>(), si["max_norm_growth_rel_error"].get<double>(),
                                si["kfac_scaling_rel_error"].get<double>()));
  t.notes.push_back(fmt::format("Euler J_θθ = 3f relative error {:.2e}; f = J_x x relative error {:.2e}",
                                gn["euler_rel_error"].get<double>(), gn["jx_identity_rel_error"].get<double>()));

  // (4) Minimizer path θ*(λ).
  const auto& mp = r["minimizer_path"];
  Table p;
  p.title = "Minimizer path θ*(λ) of F = L + (λ/2)‖θ‖², " + mp["model"].get<std::string>() + ", float64";
  p.columns = {{"λ", "$\\lambda$"}, {"‖θ*‖", "$\\|\\theta^*\\|$"}, {"F(θ*)", "$F(\\theta^*)$"},
               {"L(θ*)", "$L(\\theta^*)$"}, {"‖∇F‖", "$\\|\\nabla F\\|$"},
               {"λmin(∇²F)", "$\\lambda_{\\min}(\\nabla^2 F)$"}, {"d‖θ*‖²/dλ", "$d\\|\\theta^*\\|^2/d\\lambda$"},
               {"FD vs IFT", "FD vs IFT"}, {"θ*+∇L/λ", "$\\theta^*+\\nabla L/\\lambda$"},
               {"‖∇L(0)‖/λ", "$\\|\\nabla L(0)\\|/\\lambda$"}};
  for (const auto& row : mp["rows"])
    p.rows.push_back({g4(row["lambda"].get<double>()), fmt::format("{:.6g}", row["theta_norm"].get<double>()),
                      fmt::format("{:.6g}", row["objective"].get<double>()), fmt::format("{:.6g}", row["data_loss"].get<double>()),
                      e2(row["grad_norm"].get<double>()), g4(row["hessian_min_eig"].get<double>()),
                      g4(row["dnorm_sq_dlambda_ift"].get<double>()), e2(row["fd_vs_ift_rel_error"].get<double>()),
                      e2(row["fixed_point_rel_error"].get<double>()), g4(row["norm_bound_grad0_over_lambda"].get<double>())});
  p.notes.push_back(fmt::format("‖θ*‖ {} in λ; d‖θ*‖²/dλ = −2θ*ᵀ(∇²F)⁻¹θ* {} 0 at every λ (matches a central "
                                "difference to {:.1e})",
                                mp["monotone_decreasing"].get<bool>() ? "strictly decreasing" : "NOT monotone",
                                mp["derivative_negative"].get<bool>() ? "<" : "not <",
                                mp["max_dnorm_sq_fd_rel_error"].get<double>()));
  p.notes.push_back(fmt::format("FD vs IFT: ‖Δθ*/Δλ + (∇²F)⁻¹θ*‖/‖(∇²F)⁻¹θ*‖ with λe^{{±{}}}; largest {:.1e}; "
                                "Hessian autograd vs closed form {:.1e}; largest ‖∇F(θ*)‖ {:.1e}",
                                o.path.fd_step, mp["max_fd_rel_error"].get<double>(),
                                mp["max_hessian_closed_form_rel_error"].get<double>(), mp["max_grad_norm"].get<double>()));
  return session.finish(r, {{"table", t}, {"minimizer_path", p}});
}

const RunKindRegistrar reg_b{{"boursier", "two-layer ReLU + ℓ2: global vs spurious end points against width",
                              [](int c, char** v) { return run_guarded("run boursier", [&] { return run_boursier(c, v); }); }}};
const RunKindRegistrar reg_l{{"l2-vs-decoupled", "SGD L2 = decoupled decay; Adam L2 ≠ AdamW (LibTorch optimizers)",
                              [](int c, char** v) { return run_guarded("run l2-vs-decoupled", [&] { return run_l2(c, v); }); }}};
const RunKindRegistrar reg_m{{"mechanisms", "scale invariance, Gauss–Newton/Jacobian norm, K-FAC damping",
                              [](int c, char** v) { return run_guarded("run mechanisms", [&] { return run_mech(c, v); }); }}};

}  // namespace
}  // namespace villani::cli
