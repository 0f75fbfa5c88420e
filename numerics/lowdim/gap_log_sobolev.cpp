// The discrete log-Sobolev maximization and coordinate variances (gap.hpp).
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

namespace {

struct LsGrid {
  std::vector<double> x, w, c;  // nodes, masses (Σ w = 1), face conductances (same normalization)
};

LsGrid ls_grid(const Potential& p, double lo, double hi, int n) {
  LsGrid g;
  const double h = (hi - lo) / n;
  std::vector<double> v(n), vf(n - 1);
  double vmin = kInf;
  for (int i = 0; i < n; ++i) {
    double x = lo + h * (i + 0.5);
    g.x.push_back(x);
    v[i] = eval_checked(p, &x, false);
    vmin = std::min(vmin, v[i]);
  }
  for (int i = 0; i + 1 < n; ++i) {
    double x = lo + h * (i + 1);
    vf[i] = eval_checked(p, &x, true);
  }
  double Z = 0;
  for (int i = 0; i < n; ++i) {
    g.w.push_back(h * std::exp(-(v[i] - vmin)));
    Z += g.w.back();
  }
  for (auto& w : g.w) w /= Z;
  for (int i = 0; i + 1 < n; ++i) g.c.push_back(std::exp(-(vf[i] - vmin)) / h / Z);
  return g;
}

// Ent_w(f²)/(2E(f)) and, if asked, its gradient.
double ls_ratio(const LsGrid& g, const std::vector<double>& f, std::vector<double>* grad) {
  const std::size_t n = f.size();
  double S = 0, A = 0, E = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double f2 = f[i] * f[i];
    S += g.w[i] * f2;
    if (f2 > 0) A += g.w[i] * f2 * std::log(f2);
  }
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double df = f[i + 1] - f[i];
    E += g.c[i] * df * df;
  }
  const double ent = A - S * std::log(S);
  if (grad) {
    grad->assign(n, 0.0);
    std::vector<double> Kf(n, 0.0);
    for (std::size_t i = 0; i + 1 < n; ++i) {
      const double df = f[i + 1] - f[i];
      Kf[i] -= g.c[i] * df;
      Kf[i + 1] += g.c[i] * df;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const double f2 = f[i] * f[i];
      const double dent = 2 * g.w[i] * f[i] * (f2 > 0 ? std::log(f2 / S) : 0.0);
      (*grad)[i] = (dent * E - ent * 2 * Kf[i]) / (2 * E * E);
    }
  }
  return ent / (2 * E);
}

// Solves (K + W) y = r (tridiagonal, Thomas): the discrete H¹ Riesz map.
std::vector<double> h1_solve(const LsGrid& g, const std::vector<double>& r) {
  const std::size_t n = r.size();
  std::vector<double> a(g.w), cp(n, 0.0), dp(n, 0.0), y(n);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    a[i] += g.c[i];
    a[i + 1] += g.c[i];
  }
  cp[0] = n > 1 ? -g.c[0] / a[0] : 0.0;
  dp[0] = r[0] / a[0];
  for (std::size_t i = 1; i < n; ++i) {
    const double m = a[i] + g.c[i - 1] * cp[i - 1];
    if (i + 1 < n) cp[i] = -g.c[i] / m;
    dp[i] = (r[i] + g.c[i - 1] * dp[i - 1]) / m;
  }
  y[n - 1] = dp[n - 1];
  for (std::size_t i = n - 1; i-- > 0;) y[i] = dp[i] - cp[i] * y[i + 1];
  return y;
}

double ls_ascend(const LsGrid& g, std::vector<double> f, int max_it, int& used) {
  std::vector<double> grad;
  double R = ls_ratio(g, f, &grad), step = 1;
  for (int it = 0; it < max_it; ++it) {
    ++used;
    const auto dir = h1_solve(g, grad);
    double slope = 0;
    for (std::size_t i = 0; i < f.size(); ++i) slope += grad[i] * dir[i];
    if (!(slope > 0)) break;
    double t = step;
    bool ok = false;
    std::vector<double> fn(f.size());
    for (int k = 0; k < 60 && !ok; ++k, t *= 0.5) {
      for (std::size_t i = 0; i < f.size(); ++i) fn[i] = f[i] + t * dir[i];
      const double Rn = ls_ratio(g, fn, nullptr);
      if (std::isfinite(Rn) && Rn >= R + 1e-4 * t * slope) ok = true;
    }
    if (!ok) break;
    step = std::min(1e12, 8 * t);  // t was halved once past the accepted step
    double S = 0;
    for (std::size_t i = 0; i < f.size(); ++i) S += g.w[i] * fn[i] * fn[i];
    for (std::size_t i = 0; i < f.size(); ++i) f[i] = fn[i] / std::sqrt(S);
    const double old = R;
    R = ls_ratio(g, f, &grad);
    if (it > 100 && std::fabs(R - old) < 1e-13 * R) break;
  }
  return R;
}

double ls_best(const Potential& p, double lo, double hi, int n, int max_it, int& used) {
  const LsGrid g = ls_grid(p, lo, hi, n);
  double mean = 0, var = 0;
  for (int i = 0; i < n; ++i) mean += g.w[i] * g.x[i];
  for (int i = 0; i < n; ++i) var += g.w[i] * (g.x[i] - mean) * (g.x[i] - mean);
  const double sd = std::sqrt(var);
  double best = 0;
  std::vector<double> f(n);
  for (int start = 0; start < 5; ++start) {
    for (int i = 0; i < n; ++i) {
      const double z = (g.x[i] - mean) / sd;
      switch (start) {
        case 0: f[i] = std::exp(0.05 * z); break;
        case 1: f[i] = std::exp(0.5 * z); break;
        case 2: f[i] = 1 + 0.2 * std::tanh(z); break;
        case 3: f[i] = 1 + 0.9 * std::tanh(z); break;
        default: f[i] = 1 + 0.9 * std::tanh(-z); break;
      }
    }
    best = std::max(best, ls_ascend(g, f, max_it, used));
  }
  return best;
}

}  // namespace

LogSobolevEstimate log_sobolev_estimate_1d(const Potential& p, double lo, double hi, int n, int max_iterations) {
  if (p.dim != 1) throw DomainError("log_sobolev_estimate_1d needs a 1-D potential");
  if (n < 16) throw DomainError("log_sobolev_estimate_1d needs n ≥ 16");
  LogSobolevEstimate e;
  e.n = n;
  int coarse_used = 0;
  e.value = ls_best(p, lo, hi, n, max_iterations, e.iterations);
  e.coarse = ls_best(p, lo, hi, n / 2, max_iterations, coarse_used);
  e.error_estimate = std::fabs(e.value - e.coarse);
  return e;
}

std::vector<double> coordinate_variances(const Potential& p, const Box& box, int panels) {
  const auto& g = gl();
  const int d = p.dim;
  std::vector<double> xs[2], ws[2];
  for (int c = 0; c < d; ++c) {
    const double h = (box.hi[c] - box.lo[c]) / panels;
    for (int k = 0; k < panels; ++k)
      for (std::size_t q = 0; q < g.x.size(); ++q) {
        xs[c].push_back(box.lo[c] + h * (k + 0.5 + 0.5 * g.x[q]));
        ws[c].push_back(0.5 * h * g.w[q]);
      }
  }
  const std::size_t nx = xs[0].size(), ny = d == 2 ? xs[1].size() : 1;
  std::vector<double> v(nx * ny), w(nx * ny);
  double vmin = kInf;
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      double x[2] = {xs[0][i], d == 2 ? xs[1][j] : 0.0};
      v[i + nx * j] = eval_checked(p, x, false);
      vmin = std::min(vmin, v[i + nx * j]);
    }
  long double Z = 0, s1[2] = {0, 0};
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      const double wt = ws[0][i] * (d == 2 ? ws[1][j] : 1.0) * std::exp(-(v[i + nx * j] - vmin));
      w[i + nx * j] = wt;
      Z += wt;
      s1[0] += wt * xs[0][i];
      if (d == 2) s1[1] += wt * xs[1][j];
    }
  std::vector<double> out;
  for (int c = 0; c < d; ++c) {
    const long double mean = s1[c] / Z;
    long double s2 = 0;
    for (std::size_t j = 0; j < ny; ++j)
      for (std::size_t i = 0; i < nx; ++i) {
        const long double dx = (c == 0 ? xs[0][i] : xs[1][j]) - mean;
        s2 += w[i + nx * j] * dx * dx;
      }
    out.push_back(double(s2 / Z));
  }
  return out;
}

}  // namespace villani::numerics::lowdim
