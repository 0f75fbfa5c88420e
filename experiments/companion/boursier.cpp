#include "experiments/companion/boursier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <exception>
#include <mutex>
#include <thread>

#include "numerics/errors.hpp"

namespace villani::experiments::companion {

void validate(const BoursierOptions& o) {
  for (int n : o.orthogonal_n)
    if (n < 2 || n > 12) throw InputError("--n", "orthogonal n must be in 2…12; got " + std::to_string(n));
  for (int n : o.planar_n)
    if (n < 2 || n > 32) throw InputError("--planar-n", "planar n must be in 2…32; got " + std::to_string(n));
  if (o.seeds < 1 || o.seeds > 10000) throw InputError("--seeds", "expected 1…10000");
  check_positive("--beta", o.beta);
  for (double s : o.init_scales) check_positive("--init-scale", s);
  if (o.init_scales.empty()) throw InputError("--init-scale", "expected at least one scale");
  if (o.m_extra < 0 || o.m_extra > 6) throw InputError("--m-extra", "expected 0…6");
  check_positive("--lr", o.gd.lr);
  if (o.gd.max_steps < 1 || o.gd.max_steps > 1000000000) throw InputError("--steps", "expected 1…1e9");
  if (o.threads < 1 || o.threads > 64) throw InputError("--threads", "expected 1…64");
  if (o.labels != "ones" && o.labels != "signs")
    throw InputError("--labels", "expected ones|signs; got '" + o.labels + "'");
}

double predicted_success(int n_pos, int n_neg, double m) {
  auto cover = [m](int k) {
    if (k == 0) return 1.0;
    const double p = std::ldexp(1.0, -k - 1);
    return 1 - std::exp(m * std::log1p(-p));
  };
  return cover(n_pos) * cover(n_neg);
}

double half_width(const std::vector<double>& widths, const std::vector<double>& fractions) {
  for (std::size_t k = 0; k < widths.size(); ++k) {
    if (fractions[k] < 0.5) continue;
    if (k == 0) return widths[0];
    const double l0 = std::log2(widths[k - 1]), l1 = std::log2(widths[k]);
    const double f0 = fractions[k - 1], f1 = fractions[k];
    const double t = f1 > f0 ? (0.5 - f0) / (f1 - f0) : 1.0;
    return std::exp2(l0 + t * (l1 - l0));
  }
  return std::numeric_limits<double>::quiet_NaN();
}

double fitted_half_width(const std::vector<double>& widths, const std::vector<double>& fractions,
                         int seeds) {
  // Maximum likelihood for P(success at m) = 1 − (1 − p)^m over p ∈ (0, 1), in log p
  // (golden-section search; the log-likelihood is unimodal in p for this family).
  auto loglik = [&](double lp) {
    const double p = std::exp(lp), l1 = std::log1p(-p);
    double ll = 0;
    for (std::size_t k = 0; k < widths.size(); ++k) {
      const double s = fractions[k] * seeds, f = seeds - s;
      const double q = -std::expm1(widths[k] * l1);  // 1 − (1 − p)^m
      ll += s * std::log(std::max(q, 1e-300)) + f * widths[k] * l1;
    }
    return ll;
  };
  bool any = false, all = true;
  for (double f : fractions) { any |= f > 0; all &= f >= 1; }
  if (!any || all || widths.empty()) return std::numeric_limits<double>::quiet_NaN();
  double a = std::log(1e-9), b = std::log(0.999);
  const double g = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 200; ++it) {
    const double c = b - g * (b - a), d = a + g * (b - a);
    (loglik(c) > loglik(d) ? b : a) = (loglik(c) > loglik(d) ? d : c);
  }
  const double p = std::exp(0.5 * (a + b));
  return std::log(2.0) / -std::log1p(-p);
}

namespace {
std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 6) + (a >> 2));
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return x;
}

std::optional<double> finite(double x) {
  return std::isfinite(x) ? std::optional<double>(x) : std::nullopt;
}
}  // namespace

BoursierResult run_boursier(const BoursierOptions& o, const std::function<void(const BoursierCell&)>& on_cell) {
  validate(o);
  BoursierResult result;
  struct Family { DataKind kind; int n; };
  std::vector<Family> fams;
  for (int n : o.orthogonal_n) fams.push_back({DataKind::Orthogonal, n});
  for (int n : o.planar_n) fams.push_back({DataKind::Planar, n});

  for (const auto& fam : fams) {
    const bool orth = fam.kind == DataKind::Orthogonal;
    const ReluData data = orth ? orthogonal_data(fam.n, o.labels, mix(o.seed, 101))
                               : planar_data(fam.n, mix(o.seed, 202 + static_cast<std::uint64_t>(fam.n)));
    const int d = static_cast<int>(data.X.cols());
    const int n_pos = static_cast<int>((data.y.array() > 0).count());
    const int n_neg = static_cast<int>((data.y.array() < 0).count());
    const ConvexResult cvx = solve_convex(data, o.beta, o.convex_iters, 1e-10);
    const double closed = orth ? orthogonal_optimum(data.y, o.beta) : std::nan("");
    const double p_star = orth ? closed : cvx.value;
    result.convex.push_back({fam.kind, fam.n, d, cvx.patterns, cover_count(fam.n, d), cvx.value, cvx.dual_lower,
                          cvx.gap, cvx.iterations, cvx.active_neurons, finite(closed),
                          finite(orth ? std::fabs(cvx.value - closed) : std::nan(""))});
    for (double scale : o.init_scales) {
      std::vector<double> widths, fracs;
      for (int k = 1; k <= fam.n + o.m_extra; ++k) {
        const int m = 1 << k;
        int global = 0, spurious = 0, undecided = 0;
        double max_grad = 0, max_gap_global = 0, min_excess_spurious = std::numeric_limits<double>::infinity();
        long steps = 0;
        // Seeds are independent: run them on o.threads workers, then tally in seed order.
        struct SeedResult { GdResult gd; Outcome out; double p_lower; };
        std::vector<SeedResult> res(static_cast<std::size_t>(o.seeds));
        auto work = [&](int s) {
          const std::uint64_t sd = mix(mix(mix(o.seed, static_cast<std::uint64_t>(fam.n) + (orth ? 0 : 1000)),
                                           static_cast<std::uint64_t>(m)),
                                       static_cast<std::uint64_t>(s) + static_cast<std::uint64_t>(scale * 1e6));
          const ReluNet net0 = init_balanced(m, d, scale, sd);
          GdResult gd = gradient_descent(data, net0, o.beta, orth ? o.gd : o.planar_gd);
          const Certificate c = certify(data, predict(data, gd.net), gd.objective, o.beta);
          const double p_lower = std::max(c.dual_lower, orth ? closed : cvx.dual_lower);
          const double p_upper = orth ? closed : cvx.value;
          const Outcome out = classify(gd.objective, p_lower, p_upper, orth ? o.rel_tol : o.planar_rel_tol, gd.stalled);
          res[static_cast<std::size_t>(s)] = {std::move(gd), out, p_lower};
        };
        const int nt = std::min(o.threads, o.seeds);
        if (nt <= 1) {
          for (int s = 0; s < o.seeds; ++s) work(s);
        } else {
          std::vector<std::thread> pool;
          std::exception_ptr err;
          std::mutex err_mu;
          for (int t = 0; t < nt; ++t)
            pool.emplace_back([&, t] {
              try {
                for (int s = t; s < o.seeds; s += nt) work(s);
              } catch (...) {
                std::lock_guard<std::mutex> lk(err_mu);
                if (!err) err = std::current_exception();
              }
            });
          for (auto& th : pool) th.join();
          if (err) std::rethrow_exception(err);
        }
        for (const SeedResult& r : res) {
          const GdResult& gd = r.gd;
          steps += gd.steps;
          max_grad = std::max(max_grad, gd.grad_norm);
          if (r.out == Outcome::Global) { ++global; max_gap_global = std::max(max_gap_global, gd.objective - r.p_lower); }
          else if (r.out == Outcome::Spurious) { ++spurious; min_excess_spurious = std::min(min_excess_spurious, gd.objective - p_star); }
          else ++undecided;
        }
        const double frac = static_cast<double>(global) / o.seeds;
        widths.push_back(m);
        fracs.push_back(frac);
        BoursierCell cell;
        cell.family = fam.kind;
        cell.n = fam.n;
        cell.d = d;
        cell.m = m;
        cell.init_scale = scale;
        cell.seeds = o.seeds;
        cell.global = global;
        cell.spurious = spurious;
        cell.undecided = undecided;
        cell.success_fraction = frac;
        cell.p_star = p_star;
        cell.max_certified_gap_global = max_gap_global;
        cell.rel_tol = orth ? o.rel_tol : o.planar_rel_tol;
        cell.min_excess_spurious = finite(min_excess_spurious);
        cell.max_final_grad_norm = max_grad;
        cell.mean_steps = static_cast<double>(steps) / o.seeds;
        if (orth) cell.predicted_success = predicted_success(n_pos, n_neg, m);
        result.cells.push_back(cell);
        if (on_cell) on_cell(cell);
      }
      BoursierTransition tr;
      tr.family = fam.kind;
      tr.n = fam.n;
      tr.d = d;
      tr.init_scale = scale;
      tr.m_half = finite(half_width(widths, fracs));
      tr.m_half_fit = finite(fitted_half_width(widths, fracs, o.seeds));
      tr.two_pow_n = std::ldexp(1.0, fam.n);
      tr.n_pow_d = std::pow(static_cast<double>(fam.n), d);
      tr.pattern_count = cover_count(fam.n, d);
      if (orth) {
        std::vector<double> pred;
        for (double m : widths) pred.push_back(predicted_success(n_pos, n_neg, m));
        // The exact half-width of the coverage prediction (continuous m).
        double lo = 1, hi = std::ldexp(1.0, 20);
        for (int it = 0; it < 200; ++it) {
          const double mid = std::sqrt(lo * hi);
          (predicted_success(n_pos, n_neg, mid) >= 0.5 ? hi : lo) = mid;
        }
        tr.coverage = CoveragePrediction{hi, finite(half_width(widths, pred))};
      }
      result.transitions.push_back(tr);
    }
  }

  // Does the orthogonal transition track 2^n? Least-squares slope of log2 m_half against n.
  for (double scale : o.init_scales) {
    std::vector<double> xs, ys;
    for (const auto& t : result.transitions)
      if (t.family == DataKind::Orthogonal && t.init_scale == scale && t.m_half_fit) {
        xs.push_back(t.n);
        ys.push_back(std::log2(*t.m_half_fit));
      }
    BoursierFit f;
    f.init_scale = scale;
    f.points = xs.size();
    if (xs.size() >= 2) {
      const double mx = std::accumulate(xs.begin(), xs.end(), 0.0) / xs.size();
      const double my = std::accumulate(ys.begin(), ys.end(), 0.0) / ys.size();
      double sxy = 0, sxx = 0;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        sxy += (xs[i] - mx) * (ys[i] - my);
        sxx += (xs[i] - mx) * (xs[i] - mx);
      }
      f.line = BoursierFit::Line{sxy / sxx, my - sxy / sxx * mx};
    }
    result.fit.push_back(f);
  }
  result.beta = o.beta;
  result.labels = o.labels;
  return result;
}

}  // namespace villani::experiments::companion
