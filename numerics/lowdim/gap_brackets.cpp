// 1-D brackets of C_P and C_LS, critical points and Eyring–Kramers (gap.hpp).
#include "numerics/lowdim/gap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "numerics/errors.hpp"
#include "numerics/lowdim/gap_detail.hpp"

namespace villani::numerics::lowdim {

using namespace detail;

Bracket1D brackets_1d(const Potential& p, double lo, double hi, int panels) {
  if (p.dim != 1) throw DomainError("brackets_1d needs a 1-D potential");
  Bracket1D b;
  // One side: sup_{x>m} of T(x)·I(x) (and ·log(Z/T)) on [lo, hi] for V; returns {B, D}.
  auto side = [&](const Potential& q, double a, double c, double& median, bool want_median) {
    const int P = panels;
    const double h = (c - a) / P;
    std::vector<double> edge(P + 1), lm(P), lp(P);
    for (int k = 0; k <= P; ++k) edge[k] = a + h * k;
    for (int k = 0; k < P; ++k) {
      lm[k] = log_int(q, edge[k], edge[k + 1], -1.0);
      lp[k] = log_int(q, edge[k], edge[k + 1], +1.0);
    }
    std::vector<double> left(P + 1, -kInf), right(P + 1, -kInf);
    for (int k = 0; k < P; ++k) left[k + 1] = logaddexp(left[k], lm[k]);
    for (int k = P - 1; k >= 0; --k) right[k] = logaddexp(right[k + 1], lm[k]);
    const double logZ = left[P];
    auto panel = [&](double x) { return std::min(P - 1, std::max(0, int((x - a) / h))); };
    if (want_median) {
      // Median in log space: g(x) = log μ(−∞, x] − log μ[x, ∞) rises through 0. Where μ has
      // (numerically) no mass between two equal halves — a symmetric double well at low
      // temperature — g stays within rounding of 0 on a whole interval; the median is then the
      // midpoint of {|g| ≤ tol}, which is 0 for a symmetric measure.
      auto g = [&](double x) {
        const int j = panel(x);
        return logaddexp(left[j], log_int(q, edge[j], x, -1.0)) -
               logaddexp(log_int(q, x, edge[j + 1], -1.0), right[j + 1]);
      };
      auto crossing = [&](double level) {
        double x0 = a, x1 = c;
        for (int it = 0; it < 200 && x1 - x0 > 1e-15 * (std::fabs(x0) + std::fabs(x1)); ++it) {
          const double xm = 0.5 * (x0 + x1);
          if (g(xm) < level) x0 = xm;
          else x1 = xm;
        }
        return 0.5 * (x0 + x1);
      };
      const double tol = 1e-12;
      const double xa = crossing(-tol), xb = crossing(tol);
      median = 0.5 * (xa + xb);
      if (xb - xa > 1e-9 * (c - a)) {
        // A tie interval: the CDF is flat to rounding, and any point of it is a median as far as
        // double can tell. Take the point of least density in it (the top of the barrier between
        // the equal halves): exact for a symmetric measure, and it splits the barrier evenly for B±.
        auto V = [&](double x) { return eval_checked(q, &x, false); };
        double u = xa, w = xb;
        const double gr = 0.5 * (std::sqrt(5.0) - 1);
        for (int it = 0; it < 100 && w - u > 1e-15 * (std::fabs(u) + std::fabs(w) + 1e-300); ++it) {
          const double x1g = w - gr * (w - u), x2g = u + gr * (w - u);
          if (V(x1g) > V(x2g)) w = x2g;
          else u = x1g;
        }
        double x0 = 0.5 * (u + w);
        // One parabolic step: golden section resolves a smooth maximum only to √eps.
        const double dlt = 1e-4 * (xb - xa);
        const double vp = V(x0 + dlt), vm = V(x0 - dlt), v0 = V(x0);
        const double curv = vp - 2 * v0 + vm;
        if (curv < 0) {
          const double step = -0.5 * dlt * (vp - vm) / curv;
          if (std::fabs(step) < dlt) x0 += step;
        }
        median = x0;
      }
    }
    const double m = median;
    const int km = panel(m);
    // logT(x), logI(x) for x in panel j ≥ km.
    auto logT = [&](double x) {
      const int j = std::min(P - 1, std::max(0, int((x - a) / h)));
      return logaddexp(log_int(q, x, edge[j + 1], -1.0), right[j + 1]);
    };
    std::vector<double> cumI(P + 1, -kInf);  // log ∫_m^{edge_k} e^{V}, k > km
    cumI[km + 1] = log_int(q, m, edge[km + 1], +1.0);
    for (int k = km + 1; k < P; ++k) cumI[k + 1] = logaddexp(cumI[k], lp[k]);
    auto logI = [&](double x) {
      const int j = std::min(P - 1, std::max(km, int((x - a) / h)));
      if (j == km) return log_int(q, m, x, +1.0);
      return logaddexp(cumI[j], log_int(q, edge[j], x, +1.0));
    };
    auto phi = [&](double x) { return logT(x) + logI(x); };
    auto psi = [&](double x) {
      const double lt = logT(x);
      const double l = logZ - lt;  // log(1/μ[x,∞)) > 0
      return l > 0 ? lt + logI(x) + std::log(l) : -kInf;
    };
    auto sup = [&](const std::function<double(double)>& f) {
      int best = km + 1;
      double bv = -kInf;
      for (int k = km + 1; k < P; ++k) {
        const double v = f(edge[k]);
        if (v > bv) { bv = v; best = k; }
      }
      double u = edge[std::max(km + 1, best - 1)], w = edge[std::min(P, best + 1)];
      const double gr = 0.5 * (std::sqrt(5.0) - 1);
      for (int it = 0; it < 80; ++it) {
        const double x1g = w - gr * (w - u), x2g = u + gr * (w - u);
        if (f(x1g) > f(x2g)) w = x2g; else u = x1g;
      }
      return std::max(bv, f(0.5 * (u + w)));
    };
    return std::make_pair(sup(phi) - logZ, sup(psi) - logZ);  // log(μ-normalized sups)
  };
  // The sups carry Z: T·I/Z... T(x)/Z · Z·I(x) = T·I, so add logZ back.
  double med = 0;
  // Right side on V; the left side on the mirror image, about the same median.
  auto rp = side(p, lo, hi, med, true);
  Potential mirror{1, [&p](const double* x) { double y = -x[0]; return p.V(&y); }, p.argument};
  double mirrored = -med;
  auto lp = side(mirror, -hi, -lo, mirrored, false);
  b.median = med;
  // side() returns log(sup)−logZ; the Muckenhoupt product is (T/Z)·(Z·I) = T·I: add logZ.
  // Recompute logZ cheaply: the same on both sides.
  {
    double logZ = -kInf;
    const int P = panels;
    const double h = (hi - lo) / P;
    for (int k = 0; k < P; ++k) logZ = logaddexp(logZ, log_int(p, lo + h * k, lo + h * (k + 1), -1.0));
    const double lbp = rp.first + logZ, lbm = lp.first + logZ;
    const double ldp = rp.second + logZ, ldm = lp.second + logZ;
    b.b_plus = std::exp(lbp);
    b.b_minus = std::exp(lbm);
    b.d_plus = std::exp(ldp);
    b.d_minus = std::exp(ldm);
    const double lB = std::max(lbp, lbm);
    b.log10_b = lB / std::log(10.0);
    b.muck_lower = std::exp(lB) / 2;
    b.muck_upper = 4 * std::exp(lB);
    // Valid under every reading of the normalization (see gap.hpp): the smallest lower end
    // (max D, Ent ≤ C∫ ⇒ C_LS = C/2) and the largest upper end (D+ + D−, Ent ≤ 2C∫ ⇒ C_LS = C).
    b.ls_lower = std::max(b.d_plus, b.d_minus) / 150.0 / 2.0;
    b.ls_upper = 468.0 * (b.d_plus + b.d_minus);
  }
  return b;
}

std::vector<CriticalPoint> critical_points_1d(const Potential& p, double lo, double hi, int samples) {
  if (p.dim != 1) throw DomainError("critical_points_1d needs a 1-D potential");
  const double H = (hi - lo) / (samples - 1);
  std::vector<double> v(samples);
  for (int i = 0; i < samples; ++i) {
    double x = lo + H * i;
    v[i] = eval_checked(p, &x, true);
  }
  auto V = [&](double x) { return eval_checked(p, &x, true); };
  std::vector<CriticalPoint> out;
  for (int i = 1; i + 1 < samples; ++i) {
    const bool mn = v[i] < v[i - 1] && v[i] <= v[i + 1];
    const bool mx = v[i] > v[i - 1] && v[i] >= v[i + 1];
    if (!mn && !mx) continue;
    const double sg = mn ? 1.0 : -1.0;
    double u = lo + H * (i - 1), w = lo + H * (i + 1);
    const double gr = 0.5 * (std::sqrt(5.0) - 1);
    for (int it = 0; it < 80 && w - u > 1e-15 * (std::fabs(u) + std::fabs(w)); ++it) {
      const double a = w - gr * (w - u), b = u + gr * (w - u);
      if (sg * V(a) < sg * V(b)) w = b;
      else u = a;
    }
    const double x = 0.5 * (u + w);
    const double d = std::max(H, 1e-6 * (std::fabs(x) + 1));
    const double c = (-V(x + 2 * d) + 16 * V(x + d) - 30 * V(x) + 16 * V(x - d) - V(x - 2 * d)) / (12 * d * d);
    out.push_back({x, V(x), c, mn});
  }
  return out;
}

EyringKramers eyring_kramers_1d(const Potential& p, double lo, double hi, int samples) {
  EyringKramers ek;
  const auto cps = critical_points_1d(p, lo, hi, samples);
  std::vector<CriticalPoint> mins, maxs;
  for (const auto& c : cps) (c.minimum ? mins : maxs).push_back(c);
  ek.minima = int(mins.size());
  ek.maxima = int(maxs.size());
  if (mins.size() < 2) {
    ek.note = fmt::format("not applicable: {} local minimum of V in the box (needs two wells)", mins.size());
    return ek;
  }
  for (const auto& c : cps)
    if (!(std::fabs(c.curvature) > 0) || !std::isfinite(c.curvature)) {
      ek.note = fmt::format("not applicable: degenerate critical point at t = {:.6g} (V'' = {:.3g})", c.x, c.curvature);
      return ek;
    }
  const double half_log_2pi = 0.5 * std::log(6.283185307179586);
  auto lmass = [&](const CriticalPoint& m) { return half_log_2pi - 0.5 * std::log(m.curvature) - m.v; };
  auto lbar = [&](const CriticalPoint& z) { return half_log_2pi - 0.5 * std::log(-z.curvature) + z.v; };
  double best = -kInf;
  for (const auto& z : maxs) {
    double zl = -kInf, zr = -kInf;
    const CriticalPoint *ml = nullptr, *mr = nullptr;
    for (const auto& m : mins) {
      if (m.x < z.x) {
        zl = logaddexp(zl, lmass(m));
        if (!ml || m.v < ml->v) ml = &m;
      } else {
        zr = logaddexp(zr, lmass(m));
        if (!mr || m.v < mr->v) mr = &m;
      }
    }
    if (!ml || !mr) continue;
    double li = -kInf;
    for (const auto& y : maxs)
      if (y.x > ml->x && y.x < mr->x) li = logaddexp(li, lbar(y));
    const double lc = li + zl + zr - logaddexp(zl, zr);
    if (lc > best) {
      best = lc;
      ek.saddle = z.x;
      ek.barrier = z.v - (zl < zr ? ml->v : mr->v);
    }
  }
  if (best == -kInf) {
    ek.note = "not applicable: no maximum of V between two minima";
    return ek;
  }
  ek.applies = true;
  ek.log_value = best;
  ek.value = best < 709 ? std::exp(best) : kInf;
  ek.note = fmt::format("Eyring–Kramers leading order (Laplace at {} minima and {} maxima of V = F/s on the box); "
                        "relative correction O(s), i.e. O(1/ΔV) with ΔV = {:.4g}", mins.size(), maxs.size(), ek.barrier);
  return ek;
}

ExpTestBound ls_lower_exponential(const Potential& p, double lo, double hi, int panels) {
  if (p.dim != 1) throw DomainError("ls_lower_exponential needs a 1-D potential");
  const auto& g = gl();
  const double h = (hi - lo) / panels;
  std::vector<double> x, lw;  // nodes and log(weight · e^{−V})
  for (int k = 0; k < panels; ++k)
    for (std::size_t q = 0; q < g.x.size(); ++q) {
      const double xq = lo + h * (k + 0.5 + 0.5 * g.x[q]);
      x.push_back(xq);
      lw.push_back(std::log(0.5 * h * g.w[q]) - eval_checked(p, &xq, false));
    }
  auto logsum = [&](double beta, double& mean) {
    double m = -kInf;
    for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, lw[i] + 2 * beta * x[i]);
    long double z = 0, zx = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const long double e = std::exp(lw[i] + 2 * beta * x[i] - m);
      z += e;
      zx += e * x[i];
    }
    mean = double(zx / z);
    return m + std::log(double(z));
  };
  double mean0 = 0;
  const double logZ = logsum(0.0, mean0);
  long double var = 0;
  {
    long double z = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const long double e = std::exp(lw[i] - logZ);
      z += e;
      var += e * (x[i] - mean0) * (x[i] - mean0);
    }
    var /= z;
  }
  const double sd = std::sqrt(double(var));
  // The tilted measure e^{2βt}μ must keep its mass inside the box: its mass in the outer 1% of
  // the box (a proxy for what lies beyond) must stay ≤ 1e-10 of Z_β, else truncation would matter.
  // (This used to bound the largest node weight times the number of nodes, which no β — not even
  // β → 0 — passed on the default box: the search stopped at its first step.)
  auto admissible = [&](double beta, double logZb) {
    const double edge = 0.01 * (hi - lo);
    double m = -kInf;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (x[i] < lo + edge || x[i] > hi - edge) m = logaddexp(m, lw[i] + 2 * beta * x[i]);
    return m == -kInf || m - logZb < std::log(1e-10);
  };
  auto ratio = [&](double beta, bool& ok) {
    double mb = 0;
    const double lzb = logsum(beta, mb);
    ok = admissible(beta, lzb);
    return (2 * beta * mb - (lzb - logZ)) / (2 * beta * beta);
  };
  ExpTestBound best{double(var), 0.0};  // β → 0: Var_μ(x)
  for (int sign : {-1, 1})
    for (int k = 0; k <= 120; ++k) {
      const double beta = sign * std::pow(10.0, -2 + 4.0 * k / 120) / sd;
      bool ok = false;
      const double r = ratio(beta, ok);
      if (!ok) break;  // larger |β| tilts further out (monotone in |β| on each side)
      if (std::isfinite(r) && r > best.value) best = {r, beta};
    }
  return best;
}

}  // namespace villani::numerics::lowdim
