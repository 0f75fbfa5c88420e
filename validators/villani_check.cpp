#include "validators/villani_check.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "numerics/errors.hpp"
#include "numerics/precision.hpp"
#include "numerics/curvature.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/psi.hpp"
#include "numerics/sampling.hpp"
#include "numerics/trace.hpp"
#include "theory/routes.hpp"
#include "validators/check_stats.hpp"

namespace villani::validators {

using numerics::Vec;
using nlohmann::json;

const char* to_string(CheckVerdict v) {
  switch (v) {
    case CheckVerdict::Holds: return "holds";
    case CheckVerdict::Fails: return "fails";
    case CheckVerdict::Inconclusive: return "inconclusive";
  }
  return "inconclusive";
}

PrecisionMode parse_precision(const std::string& t) {
  if (t == "double") return PrecisionMode::Double;
  if (t == "50") return PrecisionMode::Digits50;
  if (t == "100") return PrecisionMode::Digits100;
  if (t == "auto") return PrecisionMode::Auto;
  throw InputError("--precision", "expected double, 50, 100 or auto; got '" + t + "'");
}

const char* to_string(PrecisionMode m) {
  switch (m) {
    case PrecisionMode::Double: return "double";
    case PrecisionMode::Digits50: return "50";
    case PrecisionMode::Digits100: return "100";
    case PrecisionMode::Auto: return "auto";
  }
  return "auto";
}

void validate(const CheckOptions& o, Eigen::Index dim) {
  check_positive("--lambda", o.lambda);
  check_positive("--temperature", o.s);
  if (dim < 1) throw InputError("--model", "the model has no parameters");
  if (o.directions < 2 || o.directions > 100000)
    throw InputError("--directions", fmt::format("expected 2 … 100000 points per shell; got {}", o.directions));
  if (o.probes < 0 || o.probes > 1000)
    throw InputError("--probes", fmt::format("expected 0 … 1000 probe lines; got {}", o.probes));
  if (o.probe_points < 4) throw InputError("--probes", "need at least 4 points per probe line");
  if (o.matvecs < 4) throw InputError("--matvecs", fmt::format("expected ≥ 4 (XTrace); got {}", o.matvecs));
  if (o.laplacian != "auto" && o.laplacian != "exact" && o.laplacian != "estimated")
    throw InputError("--laplacian", "expected auto, exact or estimated; got '" + o.laplacian + "'");
  check_open_interval("--confidence", o.confidence, 0.0, 1.0);
  check_finite("--threshold", o.threshold);
  if (o.radii.size() > 200) throw InputError("--radii", "at most 200 radii");
  for (double r : o.radii)
    if (!(r > 0) || !std::isfinite(r))
      throw InputError("--radii", "every radius must be finite and > 0; got " + describe_value(r));
  if (o.center.size() != 0 && o.center.size() != dim)
    throw InputError("--center", fmt::format("expected {} coordinates; got {}", dim, o.center.size()));
  if (o.center.size() != 0 && !o.center.allFinite())
    throw InputError("--center", "the centre contains NaN or inf");
}

std::vector<double> default_radii(double lambda, double s, double dim) {
  const double r0 = std::sqrt(s * dim / lambda);
  std::vector<double> r;
  const int n = 10;
  for (int k = 0; k < n; ++k) r.push_back(r0 * std::pow(10.0, -1.0 + 2.0 * k / (n - 1)));
  return r;
}

namespace {

using numerics::derive_seed;
using numerics::Random;
using numerics::sample_sphere;

struct Point {
  double r = 0, norm = 0, f = 0, lap = 0, g2 = 0, se = 0;
  bool finite = true;
  std::string rung = "double";
  double psi(double s) const { return numerics::psi_value(lap, g2, s); }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string num(double x) { return fmt::format("{:.4g}", x); }

json jnum(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json wide(const std::optional<Wide>& x) {
  if (!x) return nullptr;
  if (fits_double(*x)) return static_cast<double>(*x);
  return to_decimal(*x, 8);
}

json criterion(CheckVerdict v, const std::string& evidence, const std::string& reason = "") {
  json j = {{"verdict", to_string(v)}, {"evidence", evidence}};
  if (v == CheckVerdict::Inconclusive) j["reason"] = reason.empty() ? evidence : reason;
  return j;
}

class Engine {
 public:
  Engine(const CheckInput& in, const CheckOptions& o)
      : in_(in), o_(o), f_(in.loss, o.lambda), d_(in.loss->dim()) {
    center_ = o.center.size() ? o.center : Vec(Vec::Zero(d_));
    radii_ = o.radii.empty() ? default_radii(o.lambda, o.s, static_cast<double>(d_)) : o.radii;
    std::sort(radii_.begin(), radii_.end());
    radii_.erase(std::unique(radii_.begin(), radii_.end()), radii_.end());
    r0_ = std::sqrt(o.s * static_cast<double>(d_) / o.lambda);
    // "exact" works for every source: the model's own exact Laplacian where it has one, else the
    // trace of ∇²F from d HVPs (Σ eᵢᵀ∇²F eᵢ, numerics/curvature.hpp). Auto picks exact only where
    // the model has it natively and d ≤ exact_laplacian_max_dim.
    const bool native = in.loss->has_exact_laplacian();
    estimated_ = o.laplacian == "estimated" ||
                 (o.laplacian == "auto" && (!native || d_ > o.exact_laplacian_max_dim));
    diagonal_laplacian_ = !estimated_ && !native;
  }

  json run() {
    json rep;
    rep["model"] = {{"name", in_.model.empty() ? in_.loss->name() : in_.model},
                    {"objective", f_.name()},
                    {"dim", d_},
                    {"laplacian", laplacian_label()}};
    rep["options"] = {{"lambda", o_.lambda},         {"temperature", o_.s},
                      {"radii", radii_},             {"directions", o_.directions},
                      {"probes", o_.probes},         {"precision", to_string(o_.precision)},
                      {"center", o_.center_label},   {"seed", o_.seed},
                      {"threshold", o_.threshold},   {"confidence", o_.confidence},
                      {"matvecs", o_.matvecs},       {"r0", r0_}};
    sample();
    json growth = growth_criterion();
    json& crit = rep["criteria"];
    crit["smoothness"] = smoothness_criterion();
    crit["coercivity"] = coercivity_criterion();
    crit["integrability"] = integrability_criterion();
    crit["growth"] = growth;
    rep["growth"] = growth_summary_;
    rep["center"] = center_values();
    rep["constants"] = constants();
    rep["precision"] = precision_summary();
    return rep;
  }

 private:
  const CheckInput& in_;
  const CheckOptions& o_;
  numerics::Regularized f_;
  Eigen::Index d_;
  Vec center_;
  std::vector<double> radii_;
  double r0_ = 0;
  Point center_pt_;
  std::vector<std::vector<Point>> shells_;
  std::vector<std::vector<Vec>> thetas_;
  std::vector<std::string> shell_rung_;
  json growth_summary_;
  int k2s_ = -1, ks_ = -1;  // first shell index from which Ψ_{2s} (Ψ_s) exceed the threshold
  int escalations_ = 0;
  int escalation_skipped_ = 0;  // near-threshold points left to double by max_escalations
  bool estimated_ = false;      // ΔF estimated by XTrace (else exact)
  bool diagonal_laplacian_ = false;  // exact ΔF as the sum of d HVPs (no native Laplacian)
  std::vector<std::string> eval_errors_;

  std::string laplacian_label() const {
    if (estimated_) return fmt::format("estimated (XTrace, {} HVPs per point; λd added exactly)", o_.matvecs);
    return diagonal_laplacian_ ? fmt::format("exact (Σ eᵢᵀ∇²F eᵢ, {} HVPs per point)", d_) : "exact";
  }

  // The centre's own F, ΔF, ‖∇F‖ and Ψ (computed for the constants; reported too).
  json center_values() const {
    const Point& c = center_pt_;
    if (!c.finite) return {{"label", o_.center_label}, {"finite", false}};
    return {{"label", o_.center_label},      {"finite", true},         {"norm", c.norm},
            {"F", c.f},                      {"laplacian", c.lap},     {"grad_norm", std::sqrt(c.g2)},
            {"psi_s", c.psi(o_.s)},          {"psi_2s", c.psi(2 * o_.s)}, {"standard_error", c.se},
            {"rung", c.rung}};
  }

  Point evaluate(const Vec& theta, double r, std::uint64_t seed) {
    Point p;
    p.r = r;
    p.norm = theta.norm();
    try {
      if (o_.precision == PrecisionMode::Digits50 || o_.precision == PrecisionMode::Digits100) {
        const int digits = o_.precision == PrecisionMode::Digits50 ? 50 : 100;
        const PrecisePoint q = in_.precise(theta, o_.lambda, digits);
        p.f = q.value; p.lap = q.laplacian; p.g2 = q.grad_norm_sq;
        p.rung = std::to_string(digits);
      } else {
        p.f = f_.value(theta);
        p.g2 = f_.gradient(theta).squaredNorm();
        if (diagonal_laplacian_) {
          p.lap = numerics::diagonal(*f_.hessian_at(theta)).sum();
        } else if (!estimated_) {
          p.lap = f_.laplacian(theta);
        } else {
          // XTrace (numerics/trace.hpp) on ∇²L; λd added exactly (THEORY.md §0). hessian_at
          // lets a LibTorch loss build its gradient graph once for the point's HVPs.
          const auto h = in_.loss->hessian_at(theta);
          const auto t = numerics::xtrace(*h, o_.matvecs, numerics::Probe::Rademacher, seed);
          p.lap = t.estimate + o_.lambda * static_cast<double>(d_);
          p.se = t.standard_error;
        }
      }
    } catch (const std::exception& e) {
      p.finite = false;
      if (eval_errors_.size() < 3) eval_errors_.push_back(fmt::format("at r = {}: {}", num(r), e.what()));
      return p;
    }
    p.finite = std::isfinite(p.f) && std::isfinite(p.lap) && std::isfinite(p.g2) && std::isfinite(p.se);
    if (!p.finite && eval_errors_.size() < 3)
      eval_errors_.push_back(fmt::format("non-finite F, ΔF or ‖∇F‖² at r = {}", num(r)));
    return p;
  }

  void sample() {
    center_pt_ = evaluate(center_, 0.0, derive_seed(o_.seed, 999999));
    // The same N directions on every shell: the growth along each direction is compared like
    // with like across radii (per-direction exponents below). Each shell's sample is still N
    // uniform directions, so the per-shell Clopper–Pearson statement is unchanged.
    for (std::size_t k = 0; k < radii_.size(); ++k) {
      Random rng(derive_seed(o_.seed, 0));
      std::vector<Point> pts;
      std::vector<Vec> th;
      for (int j = 0; j < o_.directions; ++j) {
        const Vec theta = center_ + radii_[k] * sample_sphere(d_, rng);
        pts.push_back(evaluate(theta, radii_[k], derive_seed(o_.seed, 1000000 + k * 100000 + j)));
        th.push_back(theta);
      }
      shells_.push_back(std::move(pts));
      thetas_.push_back(std::move(th));
      shell_rung_.push_back(o_.precision == PrecisionMode::Digits50    ? "50"
                            : o_.precision == PrecisionMode::Digits100 ? "100"
                                                                       : "double");
    }
    if (o_.precision == PrecisionMode::Auto && in_.precise) escalate();
  }

  // Auto precision (DESIGN.md "Precision"). On each shell the points deciding the growth
  // criterion (least Ψ_{2s}, least Ψ_s) are candidates. A candidate climbs the ladder when double
  // cannot be trusted to decide it: its Ψ sits within 1e-6 of the cancellation scale
  // |ΔF| + ‖∇F‖²/s of the threshold (or within 3 standard errors when ΔF is estimated).
  // With an exact Laplacian, the candidate nearest the threshold is also re-evaluated once as a
  // spot check of double. At 50 digits, disagreement with double beyond 1e-9 of the scale, or a
  // value still near the threshold, sends it to 100 digits. The highest rung needed decides; at
  // most max_escalations points climb (the report counts those left to double).
  void escalate() {
    struct Cand { std::size_t k; int j; double closeness; bool near; };
    std::vector<Cand> cands;
    for (std::size_t k = 0; k < shells_.size(); ++k) {
      auto& pts = shells_[k];
      for (double sc : {2 * o_.s, o_.s}) {
        int best = -1;
        for (int j = 0; j < static_cast<int>(pts.size()); ++j)
          if (pts[j].finite && (best < 0 || pts[j].psi(sc) < pts[best].psi(sc))) best = j;
        if (best < 0) continue;
        bool dup = false;
        for (const auto& c : cands) dup = dup || (c.k == k && c.j == best);
        if (dup) continue;
        const Point& p = pts[best];
        const double scale = std::abs(p.lap) + p.g2 / o_.s + 1e-300;
        const double gap = std::abs(p.psi(sc) - o_.threshold);
        const bool near = gap <= 1e-6 * scale || (estimated_ && gap <= 3 * p.se);
        cands.push_back({k, best, gap / scale, near});
      }
    }
    std::vector<Cand> chosen;
    for (const auto& c : cands) if (c.near) chosen.push_back(c);
    if (!estimated_ && !cands.empty()) {
      auto spot = *std::min_element(cands.begin(), cands.end(),
                                    [](const Cand& a, const Cand& b) { return a.closeness < b.closeness; });
      bool have = false;
      for (const auto& c : chosen) have = have || (c.k == spot.k && c.j == spot.j);
      if (!have) chosen.insert(chosen.begin(), spot);
    }
    if (static_cast<int>(chosen.size()) > o_.max_escalations) {
      escalation_skipped_ = static_cast<int>(chosen.size()) - o_.max_escalations;
      chosen.resize(static_cast<std::size_t>(o_.max_escalations));
    }
    for (const auto& c : chosen) {
      const std::size_t k = c.k;
      Point& p = shells_[k][c.j];
      std::string& rung = shell_rung_[k];
      try {
        const PrecisePoint q50 = in_.precise(thetas_[k][c.j], o_.lambda, 50);
        ++escalations_;
        Point p50 = p;
        p50.f = q50.value; p50.lap = q50.laplacian; p50.g2 = q50.grad_norm_sq; p50.se = 0;
        const double scale = std::abs(p50.lap) + p50.g2 / o_.s + 1e-300;
        bool need100 = false;
        for (double sc : {o_.s, 2 * o_.s}) {
          if (!estimated_ && std::abs(p.psi(sc) - p50.psi(sc)) > 1e-9 * scale) need100 = true;
          if (std::abs(p50.psi(sc) - o_.threshold) < 1e-6 * scale) need100 = true;
        }
        if (!need100) {
          p.f = p50.f; p.lap = p50.lap; p.g2 = p50.g2; p.se = 0;
          // Double confirmed (exact Laplacian) or the estimate replaced by the exact value.
          if (estimated_ && rung == "double") rung = "50";
          continue;
        }
        const PrecisePoint q100 = in_.precise(thetas_[k][c.j], o_.lambda, 100);
        ++escalations_;
        const bool agree = std::abs(q100.laplacian - q50.laplacian) + std::abs(q100.grad_norm_sq - q50.grad_norm_sq) / o_.s <= 1e-30 * scale;
        p.f = q100.value; p.lap = q100.laplacian; p.g2 = q100.grad_norm_sq; p.se = 0;
        p.rung = agree ? "50" : "100";
        if (rung == "double" || (rung == "50" && p.rung == "100")) rung = p.rung;
      } catch (const std::exception& e) {
        if (eval_errors_.size() < 3) eval_errors_.push_back(std::string("high-precision evaluation: ") + e.what());
      }
    }
  }

  std::vector<Point> finite_points(std::size_t k) const {
    std::vector<Point> v;
    for (const auto& p : shells_[k]) if (p.finite) v.push_back(p);
    return v;
  }

  bool all_finite() const {
    if (!center_pt_.finite) return false;
    for (const auto& s : shells_) for (const auto& p : s) if (!p.finite) return false;
    return true;
  }

  std::string nonfinite_reason() const {
    std::string r = "the objective could not be evaluated everywhere";
    for (const auto& e : eval_errors_) r += "; " + e;
    return r;
  }

  // ---- 4. growth -----------------------------------------------------------------------
  json growth_criterion() {
    const double lam = o_.lambda, s = o_.s, dd = static_cast<double>(d_);
    const double pred = lam * lam / s;
    json shells = json::array();
    std::vector<double> med_s, med_2s, min_2s_minus, min_s_minus, rr;
    for (std::size_t k = 0; k < shells_.size(); ++k) {
      const auto pts = finite_points(k);
      json sh = {{"radius", radii_[k]}, {"points", pts.size()}, {"rung", shell_rung_[k]},
                 {"predicted_psi_s", pred * radii_[k] * radii_[k] - lam * dd}};
      if (pts.empty()) { shells.push_back(sh); continue; }
      std::vector<double> ps, p2, fr;
      double se = 0;
      int viol = 0, viol_s = 0;
      double mins = 1e300, min2s = 1e300;
      for (const auto& p : pts) {
        ps.push_back(p.psi(s));
        p2.push_back(p.psi(2 * s));
        se = std::max(se, p.se);
        if (p.psi(2 * s) - 2 * p.se <= o_.threshold) ++viol;
        if (p.psi(s) - 2 * p.se <= o_.threshold) ++viol_s;
        mins = std::min(mins, p.psi(s) - 2 * p.se);
        min2s = std::min(min2s, p.psi(2 * s) - 2 * p.se);
      }
      const auto mm = [](std::vector<double> v) {
        return json{{"min", *std::min_element(v.begin(), v.end())}, {"median", median(v)},
                    {"max", *std::max_element(v.begin(), v.end())}};
      };
      sh["psi_s"] = mm(ps);
      sh["psi_2s"] = mm(p2);
      sh["standard_error"] = se;
      sh["laplacian"] = estimated_ ? "estimated" : "exact";
      sh["violations_2s"] = viol;
      sh["violations_s"] = viol_s;
      sh["violating_fraction_upper"] = clopper_pearson_upper(viol, static_cast<std::int64_t>(pts.size()), o_.confidence);
      shells.push_back(sh);
      rr.push_back(radii_[k]);
      med_s.push_back(median(ps));
      med_2s.push_back(median(p2));
      min_s_minus.push_back(mins);
      min_2s_minus.push_back(min2s);
    }
    json g;
    g["predicted_coefficient"] = pred;
    g["predicted_offset"] = -lam * dd;
    g["crossing_radius_predicted"] = r0_;
    g["shells"] = shells;
    g["exponent"] = nullptr;
    g["coefficient"] = nullptr;
    growth_summary_ = g;
    if (!all_finite() || rr.size() != shells_.size()) {
      growth_summary_["fit_note"] = nonfinite_reason();
      return criterion(CheckVerdict::Inconclusive, "Ψ could not be evaluated on every shell",
                       nonfinite_reason());
    }
    // Radius where Ψ exceeds the threshold on every sampled point of every shell beyond.
    const int n = static_cast<int>(rr.size());
    auto first_beyond = [&](const std::vector<double>& mins) {
      int k = n;
      while (k > 0 && mins[k - 1] > o_.threshold) --k;
      return k < n ? k : -1;
    };
    ks_ = first_beyond(min_s_minus);
    k2s_ = first_beyond(min_2s_minus);
    growth_summary_["radius_psi_s"] = ks_ >= 0 ? json(rr[ks_]) : json(nullptr);
    growth_summary_["radius_psi_2s"] = k2s_ >= 0 ? json(rr[k2s_]) : json(nullptr);
    // Fit window: shells at r ≥ 2·r0 (prediction dominated by its quadratic term), at least 3.
    std::vector<double> wr, wy;
    for (int k = 0; k < n; ++k)
      if (rr[k] >= 2 * r0_) { wr.push_back(rr[k]); wy.push_back(med_s[k]); }
    if (wr.size() < 3) {
      wr.clear(); wy.clear();
      for (int k = std::max(0, n - 3); k < n; ++k) { wr.push_back(rr[k]); wy.push_back(med_s[k]); }
      growth_summary_["fit_note"] = "fewer than 3 shells at r ≥ 2·sqrt(s·d/λ): fitted on the outermost 3";
    }
    if (wr.size() >= 3) {
      const PowerFit pf = power_offset_fit(wr, wy, lam * dd + 1e-300);
      growth_summary_["exponent"] = pf.exponent;
      // The coefficient against λ²/s comes from the fit with the exponent fixed at 2 (a·r² + b),
      // so that a slight exponent error does not leak into it; the free fit's is kept beside it.
      const PowerFit p2 = power_offset_fit(wr, wy, lam * dd + 1e-300, 2.0, 2.0);
      growth_summary_["coefficient"] = p2.coefficient;
      growth_summary_["offset"] = p2.offset;
      growth_summary_["free_fit_coefficient"] = pf.coefficient;
      growth_summary_["free_fit_offset"] = pf.offset;
      growth_summary_["fit_rms_relative"] = pf.rms_relative;
      growth_summary_["fit_radii"] = wr;
      growth_summary_["fit"] = "weighted least squares of median Ψ_s ≈ a·r^p + b (variable projection)";
      // Per direction (the directions are shared by the shells): the same fit on Ψ_s along
      // that direction alone. Its median is robust to the spread of the growth rate over
      // directions, which moves the median over a shell from radius to radius.
      std::vector<double> pdir;
      for (int j = 0; j < o_.directions; ++j) {
        std::vector<double> yj;
        for (int k = 0; k < n; ++k)
          if (rr[k] >= wr.front()) yj.push_back(shells_[k][j].psi(s));
        if (yj.size() == wr.size()) pdir.push_back(power_offset_fit(wr, yj, lam * dd + 1e-300).exponent);
      }
      if (!pdir.empty())
        growth_summary_["direction_exponent"] = {
            {"median", median(pdir)},
            {"min", *std::min_element(pdir.begin(), pdir.end())},
            {"max", *std::max_element(pdir.begin(), pdir.end())},
            {"directions", pdir.size()},
            {"fit", "a·r^p + b along each sampled direction over the fit radii"}};
      growth_summary_["coefficient_ratio"] = p2.coefficient / pred;
      growth_summary_["matches_prediction"] =
          std::abs(pf.exponent - 2) <= 0.1 && std::abs(p2.coefficient / pred - 1) <= 0.1;
      bool pos = true;
      for (double y : wy) pos = pos && y > 0;
      if (pos) {
        const LogLogFit lf = loglog_fit(wr, wy);
        growth_summary_["loglog_exponent"] = lf.exponent;
        growth_summary_["loglog_coefficient"] = lf.coefficient;
      }
    } else {
      growth_summary_["fit_note"] = "fewer than 3 shells: no fit";
    }
    // Sampling certificate on the shells beyond R_{2s}.
    if (k2s_ >= 0) {
      std::int64_t total = 0;
      for (int k = k2s_; k < n; ++k) total += static_cast<std::int64_t>(shells_[k].size());
      growth_summary_["certificate"] = {
          {"shells_from_radius", rr[k2s_]},
          {"points", total},
          {"violations", 0},
          {"confidence", o_.confidence},
          {"per_shell_violating_fraction_upper",
           clopper_pearson_upper(0, static_cast<std::int64_t>(o_.directions), o_.confidence)},
          {"meaning", fmt::format("each shell r ≥ {}: with {} uniform directions and no violation, "
                                  "the fraction of the shell where Ψ_2s ≤ {} is ≤ {} at confidence {}",
                                  num(rr[k2s_]), o_.directions, num(o_.threshold),
                                  num(clopper_pearson_upper(0, o_.directions, o_.confidence)),
                                  o_.confidence)}};
    }
    // Verdict: Villani's condition is Ψ_{2s} → +∞ (THEORY.md §1).
    const double last = med_2s[n - 1];
    const double se_last = shells[n - 1].value("standard_error", 0.0);
    std::string fit_text = growth_summary_["exponent"].is_null()
                               ? "no fit"
                               : fmt::format("fitted exponent {1} (free fit), Ψ_s ≈ {0}·r² + {2} vs predicted {3}·r² − {4}",
                                             num(growth_summary_["coefficient"].get<double>()),
                                             num(growth_summary_["exponent"].get<double>()),
                                             num(growth_summary_["offset"].get<double>()),
                                             num(pred), num(lam * dd));
    if (last <= o_.threshold + 2 * se_last)
      return criterion(CheckVerdict::Fails,
                       fmt::format("median Ψ_2s = {} ≤ threshold {} on the outermost shell r = {}; {}",
                                   num(last), num(o_.threshold), num(rr[n - 1]), fit_text));
    if (n >= 2 && med_2s[n - 1] < med_2s[n - 2] - 2 * se_last)
      return criterion(CheckVerdict::Fails,
                       fmt::format("median Ψ_2s decreases on the outermost shells ({} at r = {} → {} at "
                                   "r = {}): no growth to +∞; {}",
                                   num(med_2s[n - 2]), num(rr[n - 2]), num(last), num(rr[n - 1]), fit_text));
    if (k2s_ < 0 || k2s_ > n - 2)
      return criterion(CheckVerdict::Inconclusive,
                       fmt::format("Ψ_2s exceeds {} on every sampled point only on the outermost shell or "
                                   "not at all; {}", num(o_.threshold), fit_text),
                       "extend --radii past the outermost shell so that ≥ 2 shells lie beyond the "
                       "crossing, or raise --directions");
    for (int k = k2s_ + 1; k < n; ++k)
      if (med_2s[k] < med_2s[k - 1])
        return criterion(CheckVerdict::Inconclusive,
                         fmt::format("median Ψ_2s is positive beyond r = {} but not increasing (r = {}); {}",
                                     num(rr[k2s_]), num(rr[k]), fit_text),
                         "Ψ_2s is not monotone on the sampled shells; sample more radii");
    if (!growth_summary_["exponent"].is_null() && growth_summary_["exponent"].get<double>() < 0.5)
      return criterion(CheckVerdict::Inconclusive,
                       fmt::format("Ψ_2s positive beyond r = {} but the fitted exponent is {}", num(rr[k2s_]),
                                   num(growth_summary_["exponent"].get<double>())),
                       "growth too slow to tell on these radii");
    return criterion(CheckVerdict::Holds,
                     fmt::format("Ψ_2s > {} at all {} sampled points on every shell r ≥ {} and its median "
                                 "grows ({} → {}); {}; per-shell violating fraction ≤ {} ({}% confidence)",
                                 num(o_.threshold), (n - k2s_) * o_.directions, num(rr[k2s_]),
                                 num(med_2s[k2s_]), num(last), fit_text,
                                 num(clopper_pearson_upper(0, o_.directions, o_.confidence)),
                                 num(100 * o_.confidence)));
  }

  // ---- 2. coercivity -------------------------------------------------------------------
  std::vector<double> ratio_;  // per shell min F/‖θ‖²
  json coercivity_criterion() {
    const double half = o_.lambda / 2;
    json per = json::array();
    ratio_.assign(shells_.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < shells_.size(); ++k) {
      double m = std::numeric_limits<double>::infinity();
      for (const auto& p : shells_[k])
        if (p.finite && p.norm > 0) m = std::min(m, p.f / (p.norm * p.norm));
      ratio_[k] = m;
      per.push_back({{"radius", radii_[k]}, {"min_f_over_norm2", jnum(m)}, {"ratio_to_half_lambda", jnum(m / half)}});
    }
    json j;
    if (!all_finite()) {
      j = criterion(CheckVerdict::Inconclusive, "F could not be evaluated on every shell", nonfinite_reason());
    } else {
      const double outer = ratio_.back();
      const std::string ev = fmt::format(
          "min F/‖θ‖² on the outermost shell (r = {}) is {} = {} × λ/2", num(radii_.back()), num(outer),
          num(outer / half));
      if (outer >= 0.5 * half) j = criterion(CheckVerdict::Holds, ev + " ≥ λ/4 (sampled estimate of a quadratic lower bound)");
      else if (outer <= 0) j = criterion(CheckVerdict::Fails, ev + " ≤ 0: F is not bounded below by a positive quadratic there");
      else j = criterion(CheckVerdict::Inconclusive, ev + ", between 0 and λ/4",
                         "F/‖θ‖² has not reached λ/4 on the sampled radii; extend --radii");
    }
    j["shells"] = per;
    j["half_lambda"] = half;
    return j;
  }

  // ---- 3. integrability ----------------------------------------------------------------
  json integrability_criterion() {
    if (!all_finite())
      return criterion(CheckVerdict::Inconclusive, "F could not be evaluated on every shell", nonfinite_reason());
    const double a = ratio_.back();
    double rmin = std::numeric_limits<double>::infinity();
    for (const auto& p : shells_.back()) rmin = std::min(rmin, p.norm);
    if (!(a > 0))
      return criterion(CheckVerdict::Fails,
                       fmt::format("min F/‖θ‖² = {} ≤ 0 on the outermost shell: no Gaussian bound on the tail of "
                                   "e^(−F/s)", num(a)));
    const double dd = static_cast<double>(d_);
    const GaussianTail t = gaussian_tail(a, o_.s, rmin, dd);
    // Mass near the centre (estimate): vol B(c, r_1)·exp(−sup F/s) over the centre and shell 1.
    double fsup = center_pt_.f;
    for (const auto& p : shells_.front()) fsup = std::max(fsup, p.f);
    const double r1 = radii_.front();
    const double log_vol = 0.5 * dd * std::log(M_PI) - std::lgamma(0.5 * dd + 1) + dd * std::log(r1);
    const double log_z_lower = log_vol - fsup / o_.s;
    const double log_tail = t.log_total + t.log_fraction;
    const double rel10 = (log_tail - log_z_lower) / std::log(10.0);
    json j = criterion(
        CheckVerdict::Holds,
        fmt::format("F ≥ {}·‖θ‖² on the outermost shell (sampled) gives ∫_(‖θ‖>{}) e^(−F/s) ≤ 10^{} "
                    "(Gaussian tail fraction 10^{}), i.e. 10^{} of the mass near the centre (estimate)",
                    num(a), num(rmin), num(log_tail / std::log(10.0)), num(t.log_fraction / std::log(10.0)),
                    num(rel10)));
    j["quadratic_floor"] = a;
    j["tail_radius"] = rmin;
    j["log10_tail_mass_bound"] = log_tail / std::log(10.0);
    j["log10_gaussian_tail_fraction"] = t.log_fraction / std::log(10.0);
    j["log10_tail_over_core_mass"] = rel10;
    j["assumption"] = "F(θ) ≥ a‖θ‖² for ‖θ‖ ≥ R, a = min F/‖θ‖² sampled on the outermost shell";
    return j;
  }

  // ---- 1. smoothness -------------------------------------------------------------------
  struct GQ { double g, q; bool ok; };
  GQ line_eval(const Vec& x, const Vec& u, double t) {
    try {
      const Vec th = x + t * u;
      const double g = f_.gradient(th).dot(u);
      const double q = u.dot(f_.hvp(th, u));
      return {g, q, std::isfinite(g) && std::isfinite(q)};
    } catch (const std::exception&) {
      return {0, 0, false};
    }
  }

  json smoothness_criterion() {
    const std::vector<std::string> audit = in_.audit ? *in_.audit : in_.loss->nonsmooth_ops();
    json kinks = json::array();
    int lines_done = 0, bad_lines = 0;
    const double half = 0.5 * std::min(r0_, radii_.back());
    for (int i = 0; i < o_.probes; ++i) {
      Random rng(derive_seed(o_.seed ^ 0x5EED5EEDULL, i));
      const Vec x = center_ + (0.2 + 0.8 * rng.uniform()) * half * sample_sphere(d_, rng);
      const Vec u = sample_sphere(d_, rng);
      const int m = o_.probe_points;
      std::vector<double> t(m);
      std::vector<GQ> v(m);
      bool ok = true;
      for (int k = 0; k < m; ++k) {
        t[k] = -half + 2 * half * k / (m - 1);
        v[k] = line_eval(x, u, t[k]);
        ok = ok && v[k].ok;
      }
      if (!ok) { ++bad_lines; continue; }
      ++lines_done;
      int found = 0;
      for (int k = 0; k + 1 < m && found < 3; ++k) {
        double a = t[k], b = t[k + 1];
        GQ ga = v[k], gb = v[k + 1];
        auto resid = [](double a, double b, const GQ& ga, const GQ& gb) {
          return std::abs(gb.g - ga.g - (b - a) * 0.5 * (ga.q + gb.q));
        };
        const double e0 = resid(a, b, ga, gb);
        const double sc = std::abs(gb.g - ga.g) + (b - a) * 0.5 * (std::abs(ga.q) + std::abs(gb.q));
        if (!(e0 > 0.2 * sc) || !(e0 > 1e-9 * (1 + std::abs(ga.g)))) continue;
        // Bisect towards the larger residual: a jump in the directional derivative keeps its
        // size, a smooth residual falls like (b − a)³.
        double e = e0;
        for (int it = 0; it < 40 && b - a > 1e-14 * (1 + std::abs(a)); ++it) {
          const double mid = 0.5 * (a + b);
          const GQ gm = line_eval(x, u, mid);
          if (!gm.ok) break;
          const double el = resid(a, mid, ga, gm), er = resid(mid, b, gm, gb);
          if (el >= er) { b = mid; gb = gm; e = el; } else { a = mid; ga = gm; e = er; }
        }
        if (e >= 0.25 * e0 && e > 1e-7 * (1 + std::abs(ga.g))) {
          ++found;
          kinks.push_back({{"line", i}, {"t", 0.5 * (a + b)}, {"jump", gb.g - ga.g},
                           {"distance_from_centre", (x + 0.5 * (a + b) * u - center_).norm()}});
        }
      }
    }
    json j;
    std::string ops;
    for (const auto& a : audit) ops += (ops.empty() ? "" : "; ") + a;
    const std::string probe_text =
        o_.probes == 0 ? "kink probe not run (--probes 0)"
                       : fmt::format("kink probe: {} of {} random lines of length {} evaluated, {} kinks found",
                                     lines_done, o_.probes, num(2 * half), kinks.size());
    if (!audit.empty()) {
      j = criterion(CheckVerdict::Fails, fmt::format("not C^∞: {} ({}); {}", ops, in_.audit_source, probe_text));
    } else if (!kinks.empty()) {
      j = criterion(CheckVerdict::Fails,
                    fmt::format("the {} name no non-smooth operation, but the {} — first jump of the "
                                "directional derivative {} at distance {} from the centre",
                                in_.audit_source, probe_text, num(kinks[0]["jump"].get<double>()),
                                num(kinks[0]["distance_from_centre"].get<double>())));
    } else if (bad_lines > 0 && lines_done == 0 && o_.probes > 0) {
      j = criterion(CheckVerdict::Inconclusive,
                    fmt::format("no non-smooth operation in the {}, but the probe lines could not be evaluated",
                                in_.audit_source),
                    nonfinite_reason());
    } else {
      j = criterion(CheckVerdict::Holds,
                    fmt::format("no non-smooth operation in the {}; {}", in_.audit_source, probe_text));
    }
    j["offending_ops"] = audit;
    j["audit_source"] = in_.audit_source;
    j["kinks"] = kinks;
    j["probe_lines"] = lines_done;
    return j;
  }

  // ---- 5. constants --------------------------------------------------------------------
  json constants() {
    json c;
    const double lam = o_.lambda, s = o_.s, dd = static_cast<double>(d_);
    c["estimate"] = "sup/inf over sampled points (estimates, not bounds)";
    if (!all_finite()) {
      c["note"] = nonfinite_reason();
      return c;
    }
    const int kR = k2s_;
    const double R = kR >= 0 ? radii_[kR] : radii_.back();
    c["radius"] = kR >= 0 ? json(R) : json(nullptr);
    // Points of the ball B(c, R): the centre and every shell with r ≤ R.
    double fsup = center_pt_.f, finf = center_pt_.f, neg = std::max(0.0, -center_pt_.psi(2 * s));
    double lsup = center_pt_.f - 0.5 * lam * center_pt_.norm * center_pt_.norm, linf = lsup;
    for (std::size_t k = 0; k < shells_.size() && radii_[k] <= R; ++k)
      for (const auto& p : shells_[k]) {
        fsup = std::max(fsup, p.f);
        finf = std::min(finf, p.f);
        neg = std::max(neg, -(p.psi(2 * s) - 2 * p.se));
        const double l = p.f - 0.5 * lam * p.norm * p.norm;
        lsup = std::max(lsup, l);
        linf = std::min(linf, l);
      }
    double psi_out = std::numeric_limits<double>::infinity();
    if (kR >= 0)
      for (std::size_t k = kR; k < shells_.size(); ++k)
        for (const auto& p : shells_[k]) psi_out = std::min(psi_out, p.psi(2 * s) - 2 * p.se);
    c["sup_f_ball"] = fsup;
    c["inf_f_ball"] = finf;
    c["sup_neg_psi_2s_ball"] = neg;
    c["inf_psi_2s_outside"] = kR >= 0 ? json(psi_out) : json(nullptr);
    c["oscillation_l_ball"] = lsup - linf;
    // Curvature floor K: ∇²L ≥ −K·I, from the smallest eigenvalue of ∇²L at a few points of the
    // ball (Lanczos with full reorthogonalization, numerics/lanczos.hpp; converged to 1e-10, or
    // exact once the Krylov space fills ℝ^d — never more HVPs than a dense Hessian).
    std::optional<double> kfloor;
    if (d_ <= o_.curvature_max_dim) {
      double lmin = std::numeric_limits<double>::infinity();
      std::vector<Vec> at{center_};
      for (std::size_t k = 0; k < shells_.size() && static_cast<int>(at.size()) < o_.curvature_points; ++k)
        if (radii_[k] <= R) at.push_back(thetas_[k][0]);
      try {
        numerics::LanczosOptions lo;
        lo.method = numerics::EigenMethod::FullLanczos;
        lo.tolerance = 1e-10;
        lo.seed = o_.seed;
        std::int64_t hvps = 0;
        bool converged = true;
        for (const auto& th : at) {
          const auto h = in_.loss->hessian_at(th);
          const auto e = numerics::extreme_eigenvalues(*h, 1, numerics::EigenWhich::Smallest, lo);
          if (e.values.size() < 1) throw DomainError("Lanczos returned no eigenvalue");
          converged = converged && e.status == numerics::EigenStatus::Converged;
          hvps += e.matvecs;
          lmin = std::min(lmin, e.values[0]);
        }
        kfloor = std::max(0.0, -lmin);
        c["curvature_floor"] = *kfloor;
        c["curvature_points"] = at.size();
        c["curvature_hvps"] = hvps;
        c["curvature_converged"] = converged;
        c["min_eigenvalue_hessian_l"] = lmin;
      } catch (const std::exception& e) {
        c["curvature_note"] = std::string("Hessian failed: ") + e.what();
      }
    } else {
      c["curvature_floor"] = nullptr;
      c["curvature_note"] = fmt::format("d = {} > {}: curvature floor not computed", d_, o_.curvature_max_dim);
    }
    theory::ConstantsQuery q;
    q.lambda = Wide(lam);
    q.dim = Wide(dd);
    q.temperature = Wide(s);
    if (kfloor) q.curvature_floor = Wide(*kfloor);
    q.oscillation = Wide(lsup - linf);
    const bool at_origin = center_.norm() == 0;
    if (kR >= 0 && at_origin && psi_out > 0 && finf >= 0) {
      theory::LyapunovInputs li;
      li.radius = Wide(R);
      li.psi2s_inf_outside = Wide(psi_out);
      li.f_sup_ball = Wide(fsup);
      li.f_inf_ball = Wide(finf);
      li.neg_psi2s_sup_ball = Wide(neg);
      li.provenance = "sampled by villani check (estimates of inf/sup)";
      q.lyapunov = li;
    } else {
      c["lyapunov_note"] = !at_origin ? "shells not centred at the origin: the Lyapunov route needs ‖θ‖ > R"
                           : kR < 0   ? "no radius beyond which Ψ_2s > 0 was found"
                                      : "F < 0 or Ψ_2s ≤ 0 outside the ball on the samples";
    }
    json routes = json::array();
    for (const auto& r : theory::all_routes(q)) {
      if (r.id == "lyapunov" && !q.lyapunov) {
        routes.push_back({{"id", r.id}, {"name", r.name}, {"applies", false},
                          {"unmet", c.value("lyapunov_note", "")}, {"c_p", nullptr}, {"c_ls", nullptr}});
        continue;
      }
      routes.push_back({{"id", r.id},
                        {"name", r.name},
                        {"kind", theory::to_string(r.kind)},
                        {"applies", r.applies},
                        {"unmet", r.unmet},
                        {"c_p", wide(r.c_p)},
                        {"c_ls", wide(r.c_ls)},
                        {"log10_c_p", r.c_p ? json(static_cast<double>(log10_abs(*r.c_p))) : json(nullptr)},
                        {"source", r.source},
                        {"note", r.note}});
    }
    c["routes"] = routes;
    c["oscillation_caveat"] = "Holley–Stroock needs osc L over all of R^d; the value here is the sampled oscillation on the ball";
    return c;
  }

  json precision_summary() const {
    json j;
    j["mode"] = to_string(o_.precision);
    j["high_precision_available"] = static_cast<bool>(in_.precise);
    j["escalations"] = escalations_;
    j["escalations_skipped"] = escalation_skipped_;
    j["policy"] = "points within 1e-6 of the cancellation scale of the threshold (3 standard errors when ΔF is "
                  "estimated) climb to 50/100 digits; with an exact Laplacian the point nearest the threshold is "
                  "also spot-checked";
    std::string decided = o_.precision == PrecisionMode::Digits50    ? "50"
                          : o_.precision == PrecisionMode::Digits100 ? "100"
                                                                     : "double";
    for (const auto& r : shell_rung_)
      if (r == "100" || (r == "50" && decided == "double")) decided = r;
    j["decided_by"] = decided;
    j["shell_rungs"] = shell_rung_;
    if (o_.precision == PrecisionMode::Auto && !in_.precise)
      j["note"] = "double only: this model has no 50/100-digit evaluation";
    return j;
  }
};

}  // namespace

json run_check(const CheckInput& in, const CheckOptions& o) {
  if (!in.loss) throw DomainError("run_check: null model");
  validate(o, in.loss->dim());
  if ((o.precision == PrecisionMode::Digits50 || o.precision == PrecisionMode::Digits100) && !in.precise)
    throw InputError("--precision", std::string("50/100-digit evaluation exists only for the reference "
                                                "models (presets and JSON specs); use double or auto"));
  Engine e(in, o);
  return e.run();
}

}  // namespace villani::validators
