#include "experiments/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <limits>
#include <map>

#include "experiments/fit.hpp"
#include "experiments/run_record.hpp"
#include "numerics/errors.hpp"
#include "theory/routes.hpp"

namespace villani::experiments {

namespace fs = std::filesystem;

std::vector<std::string> find_records(const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  for (const auto& d : dirs) {
    // Non-throwing forms throughout: a symbolic-link loop or an unreadable directory is bad input
    // (exit 2), not a filesystem_error (exit 3) (issue 26).
    std::error_code ec;
    if (!fs::is_directory(d, ec))
      throw InputError("DIR", "'" + d + "' is not a directory" + (ec ? " (" + ec.message() + ")" : std::string()));
    std::size_t before = out.size();
    if (fs::exists(fs::path(d) / "config.json", ec)) out.push_back(d);
    fs::recursive_directory_iterator it(d, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) throw InputError("DIR", "cannot list '" + d + "': " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) throw InputError("DIR", "cannot list '" + d + "': " + ec.message());
      if (it.depth() >= 3) it.disable_recursion_pending();
      std::error_code e2;
      if (it->is_directory(e2) && fs::exists(it->path() / "config.json", e2)) out.push_back(it->path().string());
    }
    if (out.size() == before) throw InputError("DIR", "'" + d + "' holds no run record (no config.json)");
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {
std::string g(double x, int p = 4) {
  if (!std::isfinite(x)) return "—";
  return fmt::format("{:.{}g}", x, p);
}
TextTable table(TextTable::Kind kind, const std::string& title, std::vector<TextTable::Column> cols) {
  TextTable t;
  t.kind = kind;
  t.title = title;
  t.columns = std::move(cols);
  return t;
}
double num(const nlohmann::json& j, const char* k, double dflt = NAN) {
  return j.contains(k) && j.at(k).is_number() ? j.at(k).get<double>() : dflt;
}

}  // namespace

LambdaCurve lambda_curve(std::vector<std::pair<double, double>> v, double tol) {
  LambdaCurve c;
  std::sort(v.begin(), v.end());
  if (v.empty()) return c;
  std::size_t k = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i].second < v[k].second) k = i;
  bool down = true, up = true;
  for (std::size_t i = 1; i <= k; ++i) down = down && v[i].second <= v[i - 1].second;
  for (std::size_t i = k + 1; i < v.size(); ++i) up = up && v[i].second >= v[i - 1].second;
  c.best_lambda = v[k].first;
  c.best_value = v[k].second;
  c.tightens = k > 0 && v[0].second - v[k].second > tol;
  c.decreasing_to_best = down;
  c.increasing_after_best = up;
  c.tolerance = tol;
  for (const auto& p : v) {
    c.lambda.push_back(p.first);
    c.value.push_back(p.second);
  }
  const std::string shape = std::string(down ? "" : " (not monotonically)");
  if (k > 0 && !c.tightens)
    c.text = fmt::format("is flat within {} from λ = {} ({:.4g}) to its minimum {:.4g} at λ = {}: it does not tighten "
                         "as λ grows by more than the tolerance; it ends at {:.4g} at λ = {}", tol, v[0].first,
                         v[0].second, v[k].second, v[k].first, v.back().second, v.back().first);
  else if (k == 0)
    c.text = fmt::format("is smallest at the smallest λ = {} ({:.4g}): it does not tighten as λ grows", v[0].first, v[0].second);
  else if (k + 1 == v.size())
    c.text = fmt::format("decreases{} over the whole grid, from {:.4g} at λ = {} to {:.4g} at λ = {}", shape,
                         v[0].second, v[0].first, v[k].second, v[k].first);
  else
    c.text = fmt::format("decreases{} with λ from {:.4g} at λ = {} to its minimum {:.4g} at λ* = {}, then grows{} to "
                         "{:.4g} at λ = {}", shape, v[0].second, v[0].first, v[k].second, v[k].first,
                         up ? "" : " (not monotonically)", v.back().second, v.back().first);
  return c;
}

namespace {
using validators::Verdict;
// Verdict on a lower bound r_pred for the relaxation rate: the measured rate must not be slower.
RateVerdict lower_bound_verdict(const ExpFit& f, double r_pred, bool applies, const std::string& unmet) {
  if (!applies) return {Verdict::NotApplicable, "n/a (" + unmet + ")"};
  if (!f.ok) return {Verdict::Inconclusive, "inconclusive (" + f.why + ")"};
  return f.rate_hi >= r_pred ? RateVerdict{Verdict::Holds, "consistent"} : RateVerdict{Verdict::Violated, "INCONSISTENT"};
}

// The SGLD record's fits, predictions and verdicts, and its table row.
SgldComparison compare_sgld(const nlohmann::json& cfg, const nlohmann::json& sum, const std::vector<nlohmann::json>& M,
                            double lambda, std::vector<std::string>& row) {
  SgldComparison c;
  std::vector<double> t, n2, l;
  for (const auto& m : M) {
    t.push_back(num(m, "t"));
    n2.push_back(num(m, "norm2"));
    l.push_back(num(m, "loss"));
  }
  const ExpFit fn = fit_exponential(t, n2), fl = fit_exponential(t, l);
  const double s = num(cfg, "temperature"), eta = num(cfg, "lr"), d = num(cfg, "d");
  const double gauss = -2.0 * std::log1p(-eta * lambda) / eta;
  const auto claim = theory::paper_claim(Wide(lambda), Wide(d));
  const double r_claim = s / static_cast<double>(*claim.c_ls);
  std::optional<Wide> K;
  if (sum.contains("hessian_L")) K = Wide(std::max(0.0, -num(sum["hessian_L"], "bottom")));
  const auto be = theory::bakry_emery(Wide(lambda), Wide(s), K);
  const double r_be = be.applies ? s / static_cast<double>(*be.c_p) : NAN;
  if (!fn.ok) c.gaussian = {Verdict::Inconclusive, "inconclusive (" + fn.why + ")"};
  else if (fn.rate >= 0.5 * gauss && fn.rate <= 2 * gauss) c.gaussian = {Verdict::Holds, "consistent (within ×2)"};
  else c.gaussian = {Verdict::Violated, "differs (L shapes it)"};
  c.claim = lower_bound_verdict(fn, r_claim, true, "");
  c.bakry_emery = lower_bound_verdict(fn, r_be, be.applies, K ? "K ≥ λ" : "no curvature estimate");
  c.loss_vs_claim = lower_bound_verdict(fl, r_claim, true, "");
  c.norm2 = fn;
  c.loss = fl;
  c.gaussian_norm2_rate = gauss;
  c.claim_rate_lower = r_claim;
  if (be.applies) c.bakry_emery_rate_lower = r_be;
  if (K) c.curvature_K = static_cast<double>(*K);
  c.t0 = t.empty() ? 0.0 : t.front();
  row = {g(lambda), g(s), g(d, 6), std::to_string(M.empty() ? 0 : M.back().value("step", 0L)),
         fn.ok || fn.rate > 0 ? fmt::format("{} [{}, {}]", g(fn.rate), g(fn.rate_lo, 3), g(fn.rate_hi, 3)) : "—",
         g(gauss), c.gaussian.text, g(r_claim), c.claim.text, g(r_be), c.bakry_emery.text, g(fl.rate),
         c.loss_vs_claim.text, g(num(sum, "test_ce")), g(num(cfg, "entropy_rate"))};
  return c;
}

// McAllester's trend in words; dir: -1 tightens, 1 loosens, 0 flat, 2 not monotone.
std::string trend_of(std::vector<std::pair<double, double>> v, int& dir) {
  std::sort(v.begin(), v.end());
  bool inc = true, dec = true;
  for (std::size_t i = 1; i < v.size(); ++i) {
    inc = inc && v[i].second >= v[i - 1].second;
    dec = dec && v[i].second <= v[i - 1].second;
  }
  dir = (dec && !inc) ? -1 : (inc && !dec) ? 1 : (inc && dec) ? 0 : 2;
  return dir == -1 ? "tightens as λ grows" : dir == 1 ? "loosens as λ grows" : dir == 0 ? "does not move with λ"
                                                                                         : "is not monotone in λ";
}
}  // namespace

Comparison compare_records(const std::vector<std::string>& records, bool allow_incomplete) {
  Comparison res;
  using K = TextTable::Kind;
  auto sg = table(K::Sgld, "SGLD relaxation: measured rates vs predicted (docs/theory.md §2, §4)",
                  {{"λ", true}, {"s", true}, {"d", true}, {"steps", true}, {"measured ‖θ‖² rate [95%]", true},
                   {"Gaussian 2λ (L≡0)", true}, {"", false}, {"claim ≥ s/(1/λ+d/λ²)", true}, {"", false},
                   {"Bakry–Émery ≥ λ−K", true}, {"", false}, {"measured loss rate", true}, {"", false},
                   {"test CE", true}, {"H (Bayes)", true}});
  auto pb = table(K::PacBayes, "PAC-Bayes certificates vs measured test error (docs/theory.md §5; δ = 0.05 in all)",
                  {{"λ", true}, {"loss", false}, {"test err Q", true}, {"test err μ", true}, {"train risk Q", true},
                   {"certificate (Seeger kl⁻¹)", true}, {"McAllester", true}, {"KL", true}, {"n_bound", true},
                   {"mean σ²", true}, {"σp²", true}, {"cert ≥ test", false}});
  auto sp = table(K::Spectrum, "Hessian spectral inflation: eig(∇²F) − eig(∇²L) = λ (docs/theory.md §0)",
                  {{"λ", true}, {"top ∇²L", true}, {"top ∇²F", true}, {"shift", true}, {"rel. err", true},
                   {"bottom ∇²L", true}, {"bottom ∇²F", true}, {"bottom shift", true}, {"≤ 1e-6", false}});
  auto ps = table(K::Psi, "Ψ_s growth on shells (docs/theory.md §1): slope of Ψ_s against ‖θ‖²",
                  {{"λ", true}, {"s", true}, {"d", true}, {"measured slope", true}, {"predicted λ²/s", true},
                   {"ratio", true}});
  auto tr = table(K::Train, "Training runs", {{"λ", true}, {"optimizer", false}, {"steps", true}, {"final loss", true},
                                              {"test CE", true}, {"test token error", true}, {"H (Bayes)", true}, {"‖θ‖²", true}});
  std::vector<std::pair<double, double>> pb_trend, pb_trend_mc;  // λ, Seeger / McAllester (0–1)
  auto inconsistent = [&](const std::string& what) {
    res.consistent = false;
    res.inconsistent.push_back(what);
  };
  for (const auto& dir : records) try {
    const auto R = RunRecord::load(dir);
    const auto& cfg = R.at("config");
    // A kind that is not a string (a number, null, an array) is named, not a json type_error (exit 3).
    if (!cfg.is_object() || !cfg.contains("kind") || !cfg.at("kind").is_string())
      throw InputError("DIR", "'" + dir + "/config.json' has no string \"kind\" (not a run record, or an edited one)");
    if (R.contains("summary") && !R.at("summary").is_object())
      throw InputError("DIR", "'" + dir + "/summary.json' is not a JSON object");
    if (R.contains("summary") && R.at("summary").contains("complete") && !R.at("summary").at("complete").is_boolean())
      throw InputError("DIR", "'" + dir + "/summary.json': \"complete\" is not true or false");
    const std::string kind = cfg.at("kind").get<std::string>();
    const auto& sum = R.contains("summary") ? R.at("summary") : nlohmann::json::object();
    const auto M = R.at("metrics").get<std::vector<nlohmann::json>>();
    // Refuse what cannot be tabled honestly (issue 15): kinds without a comparison table, and
    // interrupted runs unless asked for (their tables would look like finished ones).
    static const std::vector<std::string> tabled = {"sgld", "pacbayes", "spectrum", "psi", "train"};
    if (std::find(tabled.begin(), tabled.end(), kind) == tabled.end())
      throw InputError("DIR", "'" + dir + "' is a record of kind '" + kind +
                                  "', which compare does not table (it tables sgld, pacbayes, spectrum, psi and "
                                  "train records); its results are in " + dir + "/summary.json");
    if (!sum.value("complete", false) && !allow_incomplete)
      throw InputError("DIR", "'" + dir + "' is incomplete (its summary.json is missing or not complete: the run "
                                  "was interrupted or is still running); finish it with `villani run " + kind +
                                  " --resume --out …`, or pass --allow-incomplete to table what it holds");
    if (M.empty()) throw InputError("DIR", "'" + dir + "' holds no metrics (metrics.jsonl is missing or empty)");
    // The content must be of the kind config.json names: a kind edited to another one made
    // compare print no table and "every prediction is consistent" (issue 26).
    struct Content {
      std::vector<const char*> metrics, summary;  // keys of the first metrics line, of a complete summary
    };
    static const std::map<std::string, Content> content = {
        {"sgld", {{"t", "loss", "norm2"}, {}}},
        {"train", {{"t", "loss", "norm2"}, {"final_loss", "test_ce"}}},
        {"pacbayes", {{}, {"zero_one", "clipped_ce"}}},
        {"spectrum", {{"lambda", "top_L", "top_F", "top_shift"}, {}}},
        {"psi", {{"radius", "psi_s", "lap_L"}, {"psi_slope_measured", "psi_slope_predicted"}}}};
    const Content& want = content.at(kind);
    for (const char* k : want.metrics)
      if (!M.front().contains(k))
        throw InputError("DIR", fmt::format("'{}': config.json says kind '{}', but metrics.jsonl has no '{}' (a record "
                                            "of another kind, or an edited config.json?)",
                                            dir, kind, k));
    if (sum.value("complete", false))
      for (const char* k : want.summary)
        if (!sum.contains(k))
          throw InputError("DIR", fmt::format("'{}': config.json says kind '{}', but its complete summary.json has no "
                                              "'{}' (a record of another kind, or an edited config.json?)",
                                              dir, kind, k));
    // The inputs of every prediction, checked before any table uses them: λ ≤ 0, s ≤ 0 or d ≤ 0
    // were tabled as "consistent", a missing λ stopped compare with exit 3 (issue 26).
    auto require = [&](const char* key, bool needed) {
      if (!cfg.contains(key)) {
        if (needed)
          throw InputError("DIR", fmt::format("'{}/config.json' (kind '{}') has no \"{}\" (an edited record?)", dir, kind, key));
        return;
      }
      const auto& v = cfg.at(key);
      const double x = v.is_number() ? v.get<double>() : NAN;
      if (!std::isfinite(x) || !(x >= std::numeric_limits<double>::min()))
        throw InputError("DIR", fmt::format("'{}/config.json': \"{}\" is {}, where a run needs a finite number {} (an "
                                            "edited record?)",
                                            dir, key, v.dump(), "> 0 (and not subnormal)"));
    };
    require("lambda", kind != "spectrum");  // every `villani run` kind refuses λ ≤ 0
    require("temperature", kind == "sgld" || kind == "psi");
    require("d", kind == "sgld" || kind == "psi");
    RecordComparison rec{dir, kind, sum.value("complete", false), std::nullopt, std::nullopt};
    const double lambda = num(cfg, "lambda");
    if (kind == "sgld") {
      std::vector<std::string> row;
      rec.sgld = compare_sgld(cfg, sum, M, lambda, row);
      for (const auto* v : {&rec.sgld->claim, &rec.sgld->bakry_emery, &rec.sgld->loss_vs_claim})
        if (v->verdict == Verdict::Violated) inconsistent(dir + ": " + v->text);
      sg.rows.push_back(std::move(row));
      rec.lambda = lambda;
    } else if (kind == "pacbayes" && sum.contains("zero_one")) {
      for (const char* l : {"zero_one", "clipped_ce"}) {
        const auto& b = sum.at(l);
        const bool ok = b.value("bounds_above_test", false);
        if (!ok) inconsistent(dir + ": a PAC-Bayes bound is below the measured test error (" + l + ")");
        const auto& at = b.at("at_seeger");
        pb.rows.push_back({g(lambda), l, g(num(b, "test_risk_Q")), g(num(b, "test_risk_deterministic")),
                           g(num(at, "train_risk_mc")), g(num(b, "seeger")), g(num(b, "mcallester")), g(num(at, "kl")),
                           g(num(sum, "n"), 7), g(num(at, "posterior_var"), 3), g(num(at, "prior_var"), 3),
                           ok ? "yes" : "NO (bug)"});
        if (std::string(l) == "zero_one") {
          pb_trend.emplace_back(lambda, num(b, "seeger"));
          pb_trend_mc.emplace_back(lambda, num(b, "mcallester"));
        }
      }
      rec.lambda = lambda;
    } else if (kind == "spectrum") {
      for (const auto& m : M) {
        const bool ok = m.value("shift_ok", false);
        if (!ok) inconsistent(dir + ": λ-shift off by more than 1e-6 relative");
        sp.rows.push_back({g(num(m, "lambda")), g(num(m, "top_L"), 10), g(num(m, "top_F"), 10), g(num(m, "top_shift"), 10),
                           fmt::format("{:.2e}", num(m, "top_rel_err")), g(num(m, "bottom_L"), 6), g(num(m, "bottom_F"), 6),
                           g(num(m, "bottom_shift"), 10), ok ? "yes" : "NO"});
      }
    } else if (kind == "psi" && sum.contains("psi_slope_measured")) {
      const double a = num(sum, "psi_slope_measured"), p = num(sum, "psi_slope_predicted");
      ps.rows.push_back({g(lambda), g(num(sum, "temperature")), g(num(sum, "d"), 6), g(a), g(p), g(a / p)});
    } else if (kind == "train") {
      tr.rows.push_back({g(lambda), cfg.value("optimizer", ""), std::to_string(num(cfg, "steps", 0)),
                         g(num(sum, "final_loss")), g(num(sum, "test_ce")), g(num(sum, "test_token_error")),
                         g(num(cfg, "entropy_rate")), g(num(sum, "final_norm2"))});
    }
    if (!rec.complete) res.incomplete.push_back(dir);
    res.records.push_back(std::move(rec));
  } catch (const nlohmann::json::exception& e) {
    // Record files are input: a key that is missing or of another type (a pacbayes summary
    // without "at_seeger" was exit 3; fuzz_record) names the record, not an internal error.
    throw InputError("DIR", fmt::format("'{}': a value compare reads is missing or of the wrong type in its record "
                                        "files ({}); an edited or damaged record?",
                                        dir, e.what()));
  }
  sg.notes = {"rates per unit time t = kη; measured by a least-squares fit y ≈ a + b·e^{−rt} (interval: profile, approximate)",
              "a proven bound C ≥ C_P guarantees mean relaxation at rate ≥ s/C: 'consistent' when the measured rate is not slower",
              "the preprint's C_LS ≤ 1/λ + d/λ² is read at temperature s (it states no s): a CLAIM, not a theorem",
              "K = −(bottom eigenvalue of ∇²L at the final point): a local estimate, so the Bakry–Émery row is an estimate too",
              "Gaussian 2λ: exact relaxation rate of E‖θ‖² for L ≡ 0 with the discrete step (−2 ln(1−ηλ)/η)"};
  // rows in λ order (records come sorted by path), so that tables and plots read as curves
  std::stable_sort(pb.rows.begin(), pb.rows.end(), [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return std::strtod(a.at(0).c_str(), nullptr) < std::strtod(b.at(0).c_str(), nullptr);
  });
  if (pb_trend.size() >= 2) {
    int dm = 0;
    const std::string tm = trend_of(pb_trend_mc, dm);
    PacBayesTrend t;
    t.curve = lambda_curve(pb_trend);
    t.vacuous = true;
    for (const auto& p : pb_trend) t.vacuous = t.vacuous && p.second >= 0.999;
    t.text = "the 0–1 certificate " + t.curve.text + (t.vacuous ? " (every certificate is vacuous, ≥ 0.999)" : "") +
             "; the uncapped McAllester bound " + tm;
    pb.notes.push_back(t.text);
    // Decided on the certificate (the λ minimising it lies above the smallest λ); when it is
    // vacuous everywhere, on the uncapped McAllester form.
    t.tightens = t.vacuous ? dm == -1 : t.curve.tightens;
    t.best_lambda = t.curve.best_lambda;
    res.pacbayes = std::move(t);
  }
  pb.notes.push_back("certificates on the risk of the Gaussian posterior Q = N(μ, diag σ²): Seeger kl⁻¹ of the Monte "
                     "Carlo train risk (Langford–Caruana) on the n_bound sequences not used for the prior; every δ in "
                     "one union bound (summary.json: delta_note)");
  for (auto* t : {&sg, &pb, &sp, &ps, &tr})
    if (!t->rows.empty()) res.tables.push_back(std::move(*t));
  return res;
}

}  // namespace villani::experiments
