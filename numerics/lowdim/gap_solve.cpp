// C_P on grids: the 1-D Sturm-count chain, the 2-D Spectra shift-invert, Richardson and box growth (gap.hpp).
#include "numerics/lowdim/gap.hpp"

#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <Spectra/SymEigsSolver.h>
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

// x ↦ M^{1/2} K⁺ M^{1/2} x on mean-zero functions (Spectra's operator concept).
class PseudoInverseOp {
 public:
  using Scalar = double;
  PseudoInverseOp(std::vector<double> mass, std::function<void(const std::vector<double>&, std::vector<double>&)> solve)
      : m_(std::move(mass)), solve_(std::move(solve)), sq_(m_.size()), g_(m_.size()), u_(m_.size()) {
    msum_ = 0;
    for (std::size_t i = 0; i < m_.size(); ++i) {
      sq_[i] = std::sqrt(m_[i]);
      msum_ += m_[i];
    }
  }
  Eigen::Index rows() const { return Eigen::Index(m_.size()); }
  Eigen::Index cols() const { return Eigen::Index(m_.size()); }
  void perform_op(const double* x, double* y) const {
    const std::size_t n = m_.size();
    // b = M·(g − mean_M g) with g = M^{−1/2}x, i.e. b = √m·x − m·(Σ√m·x)/Σm.
    double s = 0;
    for (std::size_t i = 0; i < n; ++i) s += sq_[i] * x[i];
    const double mean = s / msum_;
    for (std::size_t i = 0; i < n; ++i) g_[i] = sq_[i] * x[i] - m_[i] * mean;
    solve_(g_, u_);
    double um = 0;
    for (std::size_t i = 0; i < n; ++i) um += m_[i] * u_[i];
    um /= msum_;
    for (std::size_t i = 0; i < n; ++i) y[i] = sq_[i] * (u_[i] - um);
  }

 private:
  std::vector<double> m_;
  std::function<void(const std::vector<double>&, std::vector<double>&)> solve_;
  std::vector<double> sq_;
  mutable std::vector<double> g_, u_;
  double msum_ = 0;
};

}  // namespace

namespace {

// 1-D: the pencil K f = μ M f of the finite-volume chain (a birth–death chain) by Sturm-count
// bisection on ℓ = log μ. The count of eigenvalues below μ is the inertia of K − μM, read off a
// twisted factorization at the cell k holding the median of the masses: from the left,
//   J̃_i = J̃_{i−1} − m_i f_i   (J̃ = flux/μ),   f_{i+1} = f_i + μ·J̃_i/c_i,   f_0 = 1, J̃_{−1} = 0,
// whose pivots c_i f_{i+1}/f_i (i < k) have the signs of f's sign changes; from the right the
// mirror recursion (f_{n−1} = 1, no flux out); and the twisted pivot at k,
//   γ_k/μ = J̃^L_{k−1}/f^L_k − J̃^R_k/f^R_k − m_k.
// Only sums of like-signed terms and products of positive numbers enter until each side passes
// the eigenfunction's node (near the median), so no diagonal c_{i−1} + c_i − μm_i is ever formed
// and no cancelled flux is ever multiplied by a large 1/c_i: the count — and μ_1 — is relatively
// accurate however small μ_1 is (metastability, C_P ≈ e^{ΔV}) and however far V rises at the box
// edges (e^{−V} ≈ 1e-49 on --box 15). One-sided shooting is not: past the node its flux is a
// cancelled sum, and in tails where 1/c ≫ C_P the sign of f becomes noise. Arithmetic: long double
// (x87 on x86-64: exponent range ±16382 bits ≈ e^{±11356}); V ranges and log C_P to kChainLogMax.
constexpr long double kChainLogMax = std::numeric_limits<long double>::max_exponent >= 16384 ? 11000.0L : 700.0L;

struct Chain {
  std::vector<long double> mass;  // h·e^{−(V_i − Vmin)}
  std::vector<long double> inv_c; // 1/c_i = h·e^{V_face,i − Vmin}
  std::size_t split = 0;          // k: the cell holding the median of the masses
};

int chain_count(const Chain& c, long double ell) {
  const long double mu = std::exp(ell);
  const std::size_t n = c.mass.size(), k = c.split;
  int cnt = 0;
  auto rescale = [](long double& f, long double& J) {  // the recursions are linear in (f, J̃)
    if (std::fabs(f) > 1e1000L || std::fabs(J) > 1e1000L) {
      f *= 1e-1000L;
      J *= 1e-1000L;
    }
  };
  long double f = 1, J = 0;
  for (std::size_t i = 0; i < k; ++i) {
    J -= c.mass[i] * f;
    const long double fn = f + J * (mu * c.inv_c[i]);
    if (std::signbit(fn) != std::signbit(f)) ++cnt;
    f = fn;
    rescale(f, J);
  }
  long double g = 1, K = 0;
  for (std::size_t i = n - 1; i > k; --i) {
    K += c.mass[i] * g;
    const long double gn = g - K * (mu * c.inv_c[i - 1]);
    if (std::signbit(gn) != std::signbit(g)) ++cnt;
    g = gn;
    rescale(g, K);
  }
  const long double gamma = J / f - K / g - c.mass[k];
  if (gamma < 0) ++cnt;
  return cnt;
}

// log C_P = −ℓ_1 of the chain; `steps` counts Sturm evaluations.
long double chain_log_cp(const Chain& c, int& steps) {
  const std::size_t n = c.mass.size();
  // Upper end: the Rayleigh quotient of f_i = i (mean-zero part) bounds μ_1 from above.
  long double Z = 0, m1 = 0, E = 0;
  for (std::size_t i = 0; i < n; ++i) { Z += c.mass[i]; m1 += c.mass[i] * (long double)i; }
  m1 /= Z;
  long double var = 0;
  for (std::size_t i = 0; i < n; ++i) var += c.mass[i] * ((long double)i - m1) * ((long double)i - m1);
  var /= Z;
  for (std::size_t i = 0; i + 1 < n; ++i) E += 1.0L / c.inv_c[i];
  long double hi = std::log(E / Z / var) + 1e-6L;
  steps = 0;
  auto count = [&](long double ell) { ++steps; return chain_count(c, ell); };
  for (int k = 0; count(hi) < 2; ++k) {
    if (k > 60) throw NotConverged("Sturm bisection: no upper bracket for μ_1 (rounding in the chain?)");
    hi += 1;
  }
  long double step = 1, lo = hi - step;
  while (count(lo) >= 2) {
    step *= 2;
    lo = hi - step;
    if (step > 4 * kChainLogMax)
      throw NotConverged("Sturm bisection: μ_1 below e^{−" + std::to_string(int(kChainLogMax)) + "}");
  }
  while (hi - lo > 1e-15L * std::max<long double>(1, std::fabs(hi)) && steps < 400) {
    const long double mid = 0.5L * (lo + hi);
    if (count(mid) >= 2) hi = mid;
    else lo = mid;
  }
  return -0.5L * (lo + hi);
}

}  // namespace

GridSolve poincare_on_grid(const Potential& p, const Box& box, int n) {
  const auto t0 = std::chrono::steady_clock::now();
  if (n < 4) throw InputError("--grid", "expected at least 4 cells; got " + std::to_string(n));
  GridSolve gs;
  gs.n = n;
  const int d = p.dim;
  const double hx = (box.hi[0] - box.lo[0]) / n;
  const double hy = d == 2 ? (box.hi[1] - box.lo[1]) / n : 1.0;
  auto X = [&](double i) { return box.lo[0] + i * hx; };
  auto Y = [&](double j) { return d == 2 ? box.lo[1] + j * hy : 0.0; };
  const std::size_t N = d == 1 ? std::size_t(n) : std::size_t(n) * n;
  std::vector<double> vn(N), vx(d == 1 ? n - 1 : std::size_t(n - 1) * n), vy(d == 2 ? std::size_t(n) * (n - 1) : 0);
  double vmin = kInf;
  for (std::size_t k = 0; k < N; ++k) {
    double x[2] = {X(double(k % n) + 0.5), Y(double(k / n) + 0.5)};
    vn[k] = eval_checked(p, x, false);
    vmin = std::min(vmin, vn[k]);
  }
  // x-faces: between (i, j) and (i+1, j), index i + (n−1)·j.
  for (std::size_t k = 0; k < vx.size(); ++k) {
    const std::size_t i = k % (n - 1), j = k / (n - 1);
    double x[2] = {X(double(i) + 1.0), Y(double(j) + 0.5)};
    vx[k] = eval_checked(p, x, false);
    vmin = std::min(vmin, vx[k]);
  }
  // y-faces: between (i, j) and (i, j+1), index i + n·j.
  for (std::size_t k = 0; k < vy.size(); ++k) {
    const std::size_t i = k % n, j = k / n;
    double x[2] = {X(double(i) + 0.5), Y(double(j) + 1.0)};
    vy[k] = eval_checked(p, x, false);
    vmin = std::min(vmin, vy[k]);
  }
  if (d == 1) {
    double vrange = 0;
    for (double v : vx) vrange = std::max(vrange, v - vmin);
    if (vrange > double(kChainLogMax))
      throw NotConverged(fmt::format("V = F/s rises by {:.4g} above its minimum inside the box, beyond the "
                                    "e^{{±{}}} range of the 1-D solver's arithmetic", vrange, int(kChainLogMax)));
    Chain c;
    c.mass.resize(N);
    c.inv_c.resize(vx.size());
    for (std::size_t k = 0; k < N; ++k) c.mass[k] = hx * std::exp(-(long double)(vn[k] - vmin));
    for (std::size_t k = 0; k < vx.size(); ++k) c.inv_c[k] = hx * std::exp((long double)(vx[k] - vmin));
    {
      long double total = 0, acc = 0;
      for (const auto m : c.mass) total += m;
      while (c.split + 1 < N && acc + c.mass[c.split] < 0.5L * total) acc += c.mass[c.split++];
    }
    int steps = 0;
    const long double lc = chain_log_cp(c, steps);
    gs.log_c_p = double(lc);
    gs.c_p = lc < 709.0L ? double(std::exp(lc)) : kInf;
    gs.iterations = steps;
    gs.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return gs;
  }
  std::vector<double> mass(N), cx(vx.size()), cy(vy.size());
  for (std::size_t k = 0; k < N; ++k) mass[k] = hx * hy * std::exp(-(vn[k] - vmin));
  const double min_c = 1e-300;
  for (std::size_t k = 0; k < cx.size(); ++k) {
    cx[k] = (hy / hx) * std::exp(-(vx[k] - vmin));
    if (!(cx[k] > min_c)) throw NotConverged("a conductance underflows double range: C_P beyond ~e^700");
  }
  for (std::size_t k = 0; k < cy.size(); ++k) {
    cy[k] = (hx / hy) * std::exp(-(vy[k] - vmin));
    if (!(cy[k] > min_c)) throw NotConverged("a conductance underflows double range: C_P beyond ~e^700");
  }

  std::function<void(const std::vector<double>&, std::vector<double>&)> solve;
  std::shared_ptr<Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>> ldlt;
  if (d == 1) {
    // Path graph: flux F_i = c_i(u_{i+1} − u_i) = −Σ_{j≤i} b_j.
    solve = [cx](const std::vector<double>& b, std::vector<double>& u) {
      double S = 0;
      u[0] = 0;
      for (std::size_t i = 0; i + 1 < b.size(); ++i) {
        S += b[i];
        u[i + 1] = u[i] - S / cx[i];
      }
    };
  } else {
    std::size_t pin = 0;
    for (std::size_t k = 1; k < N; ++k)
      if (mass[k] > mass[pin]) pin = k;
    auto idx = [pin](std::size_t k) { return Eigen::Index(k < pin ? k : k - 1); };
    std::vector<Eigen::Triplet<double>> trip;
    trip.reserve(5 * N);
    std::vector<double> diag(N, 0.0);
    auto edge = [&](std::size_t a, std::size_t b, double c) {
      diag[a] += c;
      diag[b] += c;
      if (a != pin && b != pin) {
        trip.emplace_back(idx(a), idx(b), -c);
        trip.emplace_back(idx(b), idx(a), -c);
      }
    };
    for (std::size_t k = 0; k < cx.size(); ++k) {
      const std::size_t i = k % (n - 1), j = k / (n - 1);
      edge(i + std::size_t(n) * j, i + 1 + std::size_t(n) * j, cx[k]);
    }
    for (std::size_t k = 0; k < cy.size(); ++k) {
      const std::size_t i = k % n, j = k / n;
      edge(i + std::size_t(n) * j, i + std::size_t(n) * (j + 1), cy[k]);
    }
    for (std::size_t k = 0; k < N; ++k)
      if (k != pin) trip.emplace_back(idx(k), idx(k), diag[k]);
    Eigen::SparseMatrix<double> K(Eigen::Index(N - 1), Eigen::Index(N - 1));
    K.setFromTriplets(trip.begin(), trip.end());
    ldlt = std::make_shared<Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>>(K);
    if (ldlt->info() != Eigen::Success) throw NotConverged("sparse LDLT of the pinned generator failed");
    solve = [ldlt, pin, N](const std::vector<double>& b, std::vector<double>& u) {
      Eigen::VectorXd rhs(Eigen::Index(N - 1));
      for (std::size_t k = 0, r = 0; k < N; ++k)
        if (k != pin) rhs[Eigen::Index(r++)] = b[k];
      const Eigen::VectorXd x = ldlt->solve(rhs);
      for (std::size_t k = 0, r = 0; k < N; ++k) u[k] = k == pin ? 0.0 : x[Eigen::Index(r++)];
    };
  }
  PseudoInverseOp op(mass, solve);
  const Eigen::Index ncv = std::min<Eigen::Index>(Eigen::Index(N), 20);
  Spectra::SymEigsSolver<PseudoInverseOp> eigs(op, 1, ncv);
  eigs.init();
  eigs.compute(Spectra::SortRule::LargestAlge, 2000, 1e-12);
  if (eigs.info() != Spectra::CompInfo::Successful)
    throw NotConverged(fmt::format("Spectra did not converge on the {}-cell grid", n));
  gs.c_p = eigs.eigenvalues()[0];
  gs.log_c_p = std::log(gs.c_p);
  gs.iterations = int(eigs.num_iterations());
  // Warrant: the Ritz value of the shift-invert solve against the Rayleigh quotient Var_M(f)/E(f)
  // of its vector, formed from sums of positive terms only (a lower bound on the discrete C_P).
  // They agree to second order in the vector's error; where conductances or masses span too many
  // orders of magnitude for double (metastability, large boxes) they part, and the value is refused.
  {
    const Eigen::VectorXd y = eigs.eigenvectors().col(0);
    long double Z = 0, mean = 0, var = 0, E = 0;
    std::vector<long double> f(N);
    for (std::size_t k = 0; k < N; ++k) {
      f[k] = mass[k] > 0 ? (long double)y[Eigen::Index(k)] / std::sqrt((long double)mass[k]) : 0.0L;
      Z += mass[k];
      mean += mass[k] * f[k];
    }
    mean /= Z;
    for (std::size_t k = 0; k < N; ++k) var += mass[k] * (f[k] - mean) * (f[k] - mean);
    for (std::size_t k = 0; k < cx.size(); ++k) {
      const std::size_t i = k % (n - 1), j = k / (n - 1);
      const long double df = f[i + 1 + std::size_t(n) * j] - f[i + std::size_t(n) * j];
      E += cx[k] * df * df;
    }
    for (std::size_t k = 0; k < cy.size(); ++k) {
      const std::size_t i = k % n, j = k / n;
      const long double df = f[i + std::size_t(n) * (j + 1)] - f[i + std::size_t(n) * j];
      E += cy[k] * df * df;
    }
    gs.rayleigh_lower = double(var / E);
    if (!(std::fabs(gs.rayleigh_lower - gs.c_p) <= 1e-7 * gs.c_p))
      throw NotConverged(fmt::format(
          "the {0}×{0} eigen-solve is not warranted in double: its Ritz value {1:.10g} and the Rayleigh "
          "quotient {2:.10g} of its vector differ by {3:.2g} (relative); C_P ≥ {2:.6g} on this grid. V = F/s "
          "varies too much over the box for this arithmetic (metastable wells or a large --box)",
          n, gs.c_p, gs.rayleigh_lower, std::fabs(gs.rayleigh_lower - gs.c_p) / gs.c_p));
  }
  gs.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return gs;
}

PoincareResult poincare_estimate(const Potential& p, const Box& box, int n) {
  n = std::max(16, (n + 3) / 4 * 4);
  PoincareResult r;
  r.box = box;
  for (int m : {n / 4, n / 2, n}) r.grids.push_back(poincare_on_grid(p, box, m));
  // Extrapolate C_P / C_P(finest), so that values beyond double range (metastability) keep their
  // relative accuracy; log_value carries ln C_P.
  const double ref = r.grids[2].log_c_p;
  const double c1 = std::exp(r.grids[0].log_c_p - ref), c2 = std::exp(r.grids[1].log_c_p - ref), c3 = 1.0;
  const double d1 = c2 - c1, d2 = c3 - c2;
  const double floor = 1e-11 * std::fabs(c3);
  r.observed_order = (d1 != 0 && d2 != 0 && d1 / d2 > 0) ? std::log2(d1 / d2) : 0.0;
  const double ra = c2 + d1 / 3, rb = c3 + d2 / 3;
  double v = c3, e = floor;
  if (std::fabs(d2) <= floor) {
    r.method = "converged on the finest grid (successive grids agree to 1e-11)";
  } else if (r.observed_order > 1.5 && r.observed_order < 2.6) {
    v = rb + (rb - ra) / 15;
    e = std::max(std::fabs(v - rb), floor);
    r.method = "Richardson extrapolation (h², h⁴) over three grids";
  } else if (r.observed_order > 3.4 && r.observed_order < 4.6) {
    // The h² term vanishes (e.g. the Gaussian): the leading error is h⁴.
    const double qa = c2 + d1 / 15, qb = c3 + d2 / 15;
    v = qb;
    e = std::max(std::fabs(qb - qa), floor);
    r.method = "Richardson extrapolation (leading error h⁴ observed) over three grids";
  } else {
    e = std::max(std::fabs(d2), floor);
    r.method = fmt::format("finest grid (observed order {:.2f} ≠ 2: no extrapolation)", r.observed_order);
  }
  // 2-D: the Richardson estimate was up to 11× smaller than the actual error (issue 25). The
  // extrapolations from the coarse pair and from the fine pair must agree within it; where they
  // do not, their difference is the estimate.
  if (p.dim == 2 && r.method.rfind("Richardson", 0) == 0) {
    const bool h4 = r.method.find("h⁴ observed") != std::string::npos;
    const double xa = h4 ? c2 + d1 / 15 : ra, xb = h4 ? c3 + d2 / 15 : rb;
    if (std::fabs(xb - xa) > e) {
      e = std::fabs(xb - xa);
      r.method += " (estimate widened to the two extrapolations' difference)";
    }
  }
  r.log_value = ref + std::log(v);
  r.relative_error = e / v;
  r.value = r.log_value < 709.0 ? std::exp(r.log_value) : kInf;
  r.error_estimate = r.value * r.relative_error;
  if (p.dim == 1) r.method += "; 1-D: Sturm-count bisection on log μ (flux recursion, long double)";
  else r.method += "; 2-D: Spectra shift-invert, checked against the Rayleigh quotient of its vector";
  return r;
}

namespace {
// A growth that multiplies C_P beyond double's range: no finite error can be warranted on any box.
std::string unbounded_note(const Box& big, double log10_factor) {
  return fmt::format("growing the box to [{:.6g}, {:.6g}] multiplies C_P by 10^{:.4g}: C_P grows with the box "
                     "without settling, so the box truncates it and no finite error is warranted (the measure "
                     "may satisfy no Poincaré inequality at all)",
                     big.lo[0], big.hi[0], log10_factor);
}
}  // namespace

GrownPoincare poincare_estimate_grown(const Potential& p, const Box& box, int n, bool adopt, double tol,
                                      int max_growths) {
  if (p.dim != 1 && p.dim != 2) throw DomainError("poincare_estimate_grown needs a 1-D or 2-D potential");
  GrownPoincare g;
  g.box = box;
  g.result = poincare_estimate(p, box, n);
  // 2-D: the doubled box keeps the cell size up to 480 cells per side (a 480² solve is about a
  // second); beyond that its cells are coarser, and the move then includes that change.
  const long cap = p.dim == 1 ? 2000000 : 480;
  for (int k = 0; k <= max_growths; ++k) {
    Box big = g.box;
    for (int c = 0; c < p.dim; ++c) {
      const double w = g.box.hi[c] - g.box.lo[c];
      big.lo[c] -= 0.5 * w;
      big.hi[c] += 0.5 * w;
    }
    const int nb = int(std::min<long>(cap, 2L * ((long(n) * 2 + 3) / 4 * 4)));
    PoincareResult r2;
    try {
      r2 = poincare_estimate(p, big, nb);
    } catch (const std::exception& e) {
      g.note = fmt::format("box growth to [{:.6g}, {:.6g}] not evaluated ({})", big.lo[0], big.hi[0], e.what());
      if (!std::isfinite(g.truncation_relative))  // the growth before already moved C_P beyond any bound
        g.note = unbounded_note(g.box, g.truncation_log10_factor) + "; " + g.note;
      break;
    }
    g.checked = true;
    const double move = std::fabs(std::expm1(r2.log_value - g.result.log_value));
    g.truncation_relative = move;
    g.truncation_log10_factor = (r2.log_value - g.result.log_value) / std::log(10.0);
    if (move <= tol || !adopt || k == max_growths) {
      if (std::isfinite(move))
        g.note = fmt::format("growing the box to [{:.6g}, {:.6g}]{} moves C_P by {:.2g} (relative){}", big.lo[0],
                             big.hi[0], p.dim == 2 ? fmt::format(" × [{:.6g}, {:.6g}]", big.lo[1], big.hi[1]) : "",
                             move, move > tol ? " — more than the tolerance: the box truncates C_P" : "");
      else
        g.note = unbounded_note(big, g.truncation_log10_factor);
      break;
    }
    g.box = big;
    g.result = r2;
    n = nb;
    ++g.growths;
  }
  // Truncation enters the error estimate (beyond the discretization's).
  g.result.relative_error += g.truncation_relative;
  g.result.error_estimate = g.result.value * g.result.relative_error;
  if (g.growths > 0)
    g.note += fmt::format("; box grown {} time{}{}", g.growths, g.growths == 1 ? "" : "s",
                          g.truncation_relative <= tol ? " until C_P stopped moving" : "");
  return g;
}

}  // namespace villani::numerics::lowdim
