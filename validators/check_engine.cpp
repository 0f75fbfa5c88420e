// The check engine: sampling the shells, precision escalation and the report (check_engine.hpp).
#include "validators/check_engine.hpp"

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

namespace villani::validators::check_detail {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string num(double x) { return fmt::format("{:.4g}", x); }

void set_verdict(CriterionResult& c, Verdict v, const std::string& evidence, const std::string& reason) {
  c.verdict = v;
  c.evidence = evidence;
  c.reason = v == Verdict::Inconclusive ? (reason.empty() ? evidence : reason) : std::string();
}

Engine::Engine(const CheckInput& in, const CheckOptions& o)
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

CheckReport Engine::run() {
  CheckReport rep;
  rep.model = {in_.model.empty() ? in_.loss->name() : in_.model, f_.name(), static_cast<std::int64_t>(d_),
               laplacian_label()};
  rep.options = {o_.lambda,  o_.s,          radii_,       o_.directions, o_.probes,   o_.precision,
                 o_.center_label, o_.seed,  o_.threshold, o_.confidence, o_.matvecs, r0_};
  sample();
  progress_update(o_.progress, "check: criteria and constants", 0, 0, "");
  rep.criteria.growth = growth_criterion();
  rep.criteria.smoothness = smoothness_criterion();
  rep.criteria.coercivity = coercivity_criterion();
  rep.criteria.integrability = integrability_criterion();
  rep.growth = growth_summary_;
  rep.center = center_values();
  rep.constants = constants();
  rep.precision = precision_summary();
  return rep;
}

std::string Engine::laplacian_label() const {
  if (estimated_) return fmt::format("estimated (XTrace, {} HVPs per point; λd added exactly)", o_.matvecs);
  return diagonal_laplacian_ ? fmt::format("exact (Σ eᵢᵀ∇²F eᵢ, {} HVPs per point)", d_) : "exact";
}

// The centre's own F, ΔF, ‖∇F‖ and Ψ (computed for the constants; reported too).
CenterValues Engine::center_values() const {
  const Point& c = center_pt_;
  CenterValues v;
  v.label = o_.center_label;
  v.finite = c.finite;
  if (!c.finite) return v;
  v.norm = c.norm;
  v.F = c.f;
  v.laplacian = c.lap;
  v.grad_norm = std::sqrt(c.g2);
  v.psi_s = c.psi(o_.s);
  v.psi_2s = c.psi(2 * o_.s);
  v.standard_error = c.se;
  v.rung = c.rung;
  return v;
}

Point Engine::evaluate(const Vec& theta, double r, std::uint64_t seed) {
  Point p;
  p.r = r;
  p.norm = theta.norm();
  try {
    if (o_.precision == PrecisionMode::Digits50 || o_.precision == PrecisionMode::Digits100) {
      const int digits = o_.precision == PrecisionMode::Digits50 ? 50 : 100;
      const PrecisePoint q = in_.precise(theta, o_.lambda, digits);
      p.f = q.value; p.lap = q.laplacian; p.g2 = q.grad_norm_sq;
      p.rung = digits == 50 ? Rung::Digits50 : Rung::Digits100;
    } else {
      p.f = f_.value(theta);
      p.g2 = f_.gradient(theta).squaredNorm();
      if (diagonal_laplacian_) {
        p.lap = numerics::diagonal(*f_.hessian_at(theta)).sum();
      } else if (!estimated_) {
        p.lap = f_.laplacian(theta);
      } else {
        // XTrace (numerics/trace.hpp) on ∇²L; λd added exactly (docs/theory.md §0). hessian_at
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

void Engine::sample() {
  center_pt_ = evaluate(center_, 0.0, derive_seed(o_.seed, 999999));
  // The same N directions on every shell: the growth along each direction is compared like
  // with like across radii (per-direction exponents below). Each shell's sample is still N
  // uniform directions, so the per-shell Clopper–Pearson statement is unchanged.
  for (std::size_t k = 0; k < radii_.size(); ++k) {
    Random rng(derive_seed(o_.seed, 0));
    std::vector<Point> pts;
    std::vector<Vec> th;
    for (int j = 0; j < o_.directions; ++j) {
      progress_update(o_.progress, "check: Ψ on shells", static_cast<long>(k) * o_.directions + j,
                      static_cast<long>(radii_.size()) * o_.directions, "point",
                      fmt::format("shell {}/{} (r = {:.4g})", k + 1, radii_.size(), radii_[k]));
      const Vec theta = center_ + radii_[k] * sample_sphere(d_, rng);
      pts.push_back(evaluate(theta, radii_[k], derive_seed(o_.seed, 1000000 + k * 100000 + j)));
      th.push_back(theta);
    }
    shells_.push_back(std::move(pts));
    thetas_.push_back(std::move(th));
    shell_rung_.push_back(o_.precision == PrecisionMode::Digits50    ? Rung::Digits50
                          : o_.precision == PrecisionMode::Digits100 ? Rung::Digits100
                                                                     : Rung::Double);
  }
  if (o_.precision == PrecisionMode::Auto && in_.precise) escalate();
}

// Auto precision (docs/design.md "Precision"). On each shell the points deciding the growth
// criterion (least Ψ_{2s}, least Ψ_s) are candidates. A candidate climbs the ladder when double
// cannot be trusted to decide it: its Ψ sits within 1e-6 of the cancellation scale
// |ΔF| + ‖∇F‖²/s of the threshold (or within 3 standard errors when ΔF is estimated).
// With an exact Laplacian, the candidate nearest the threshold is also re-evaluated once as a
// spot check of double. At 50 digits, disagreement with double beyond 1e-9 of the scale, or a
// value still near the threshold, sends it to 100 digits. The highest rung needed decides; at
// most max_escalations points climb (the report counts those left to double).
void Engine::escalate() {
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
    progress_update(o_.progress, "check: 50/100-digit re-evaluation", &c - chosen.data(),
                    static_cast<long>(chosen.size()), "point");
    const std::size_t k = c.k;
    Point& p = shells_[k][c.j];
    Rung& rung = shell_rung_[k];
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
        if (estimated_ && rung == Rung::Double) rung = Rung::Digits50;
        continue;
      }
      const PrecisePoint q100 = in_.precise(thetas_[k][c.j], o_.lambda, 100);
      ++escalations_;
      const bool agree = std::abs(q100.laplacian - q50.laplacian) + std::abs(q100.grad_norm_sq - q50.grad_norm_sq) / o_.s <= 1e-30 * scale;
      p.f = q100.value; p.lap = q100.laplacian; p.g2 = q100.grad_norm_sq; p.se = 0;
      p.rung = agree ? Rung::Digits50 : Rung::Digits100;
      rung = std::max(rung, p.rung);
    } catch (const std::exception& e) {
      if (eval_errors_.size() < 3) eval_errors_.push_back(std::string("high-precision evaluation: ") + e.what());
    }
  }
}

std::vector<Point> Engine::finite_points(std::size_t k) const {
  std::vector<Point> v;
  for (const auto& p : shells_[k]) if (p.finite) v.push_back(p);
  return v;
}

bool Engine::all_finite() const {
  if (!center_pt_.finite) return false;
  for (const auto& s : shells_) for (const auto& p : s) if (!p.finite) return false;
  return true;
}

std::string Engine::nonfinite_reason() const {
  std::string r = "the objective could not be evaluated everywhere";
  for (const auto& e : eval_errors_) r += "; " + e;
  return r;
}

PrecisionSummary Engine::precision_summary() const {
  PrecisionSummary j;
  j.mode = o_.precision;
  j.high_precision_available = static_cast<bool>(in_.precise);
  j.escalations = escalations_;
  j.escalations_skipped = escalation_skipped_;
  j.policy = "points within 1e-6 of the cancellation scale of the threshold (3 standard errors when ΔF is "
             "estimated) climb to 50/100 digits; with an exact Laplacian the point nearest the threshold is "
             "also spot-checked";
  // The highest rung any shell needed (at least the forced one).
  Rung decided = o_.precision == PrecisionMode::Digits50    ? Rung::Digits50
                 : o_.precision == PrecisionMode::Digits100 ? Rung::Digits100
                                                            : Rung::Double;
  for (const Rung r : shell_rung_) decided = std::max(decided, r);
  j.decided_by = decided;
  j.shell_rungs = shell_rung_;
  if (o_.precision == PrecisionMode::Auto && !in_.precise)
    j.note = "double only: this model has no 50/100-digit evaluation";
  return j;
}

}  // namespace villani::validators::check_detail
