#include "numerics/lowdim/gap.hpp"

#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <Spectra/SymEigsSolver.h>
#include <boost/math/quadrature/gauss.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "numerics/errors.hpp"

namespace villani::numerics::lowdim {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double eval_checked(const Potential& p, const double* x, bool allow_plus_inf) {
  const double v = p.V(x);
  if (std::isnan(v) || v == -kInf || (!allow_plus_inf && v == kInf)) {
    const std::string at = p.dim == 1 ? fmt::format("t = {}", x[0])
                                      : fmt::format("(t1, t2) = ({}, {})", x[0], x[1]);
    throw InputError(p.argument, "F/s is not finite at " + at + " (value " + describe_value(v) + ")");
  }
  return v;
}

struct Search {
  double R = 0, h = 0;
  int n = 0;                  // points per dimension
  std::vector<double> w;      // exp(−(V − Vmin)) at grid points (row-major, x fastest)
  bool decayed = false;
};

Search measure(const Potential& p, double R) {
  Search s;
  s.R = R;
  s.n = p.dim == 1 ? 20001 : 601;
  s.h = 2 * R / (s.n - 1);
  const std::size_t total = p.dim == 1 ? s.n : std::size_t(s.n) * s.n;
  std::vector<double> v(total);
  double vmin = kInf;
  for (std::size_t k = 0; k < total; ++k) {
    double x[2] = {-R + s.h * double(k % s.n), p.dim == 2 ? -R + s.h * double(k / s.n) : 0.0};
    v[k] = eval_checked(p, x, true);
    vmin = std::min(vmin, v[k]);
  }
  s.w.resize(total);
  for (std::size_t k = 0; k < total; ++k) s.w[k] = std::exp(-(v[k] - vmin));
  double edge = 0;
  for (std::size_t k = 0; k < total; ++k) {
    const std::size_t i = k % s.n, j = k / s.n;
    const bool boundary = i == 0 || i + 1 == std::size_t(s.n) ||
                          (p.dim == 2 && (j == 0 || j + 1 == std::size_t(s.n)));
    if (boundary) edge = std::max(edge, s.w[k]);
  }
  s.decayed = edge <= 1e-20;
  return s;
}

Search decayed_search(const Potential& p, double scale, double min_radius, const std::string& arg_norm) {
  double R = std::max(8 * scale, min_radius);
  for (int k = 0; k < 42; ++k, R *= 2) {
    Search s = measure(p, R);
    if (s.decayed) return s;
  }
  throw InputError(arg_norm,
                   "μ_s ∝ exp(−F/s) is not normalizable as far as villani can tell: exp(−F/s) has "
                   "not decayed by 1e-20 within |θ| ≤ " + fmt::format("{:.3g}", R / 2) +
                       " (λ ≤ 0 with a loss that does not grow?)");
}

// Marginal masses of the search grid along coordinate c.
std::vector<double> marginal(const Search& s, int dim, int c) {
  std::vector<double> m(s.n, 0.0);
  for (std::size_t k = 0; k < s.w.size(); ++k) m[c == 0 ? k % s.n : k / s.n] += s.w[k];
  (void)dim;
  return m;
}

double outside_mass(const Search& s, int dim, const Box& b) {
  double total = 0, inside = 0;
  for (std::size_t k = 0; k < s.w.size(); ++k) {
    const double x = -s.R + s.h * double(k % s.n);
    const double y = dim == 2 ? -s.R + s.h * double(k / s.n) : 0.0;
    total += s.w[k];
    if (x >= b.lo[0] && x <= b.hi[0] && (dim == 1 || (y >= b.lo[1] && y <= b.hi[1]))) inside += s.w[k];
  }
  return std::max(0.0, (total - inside) / total);
}

// Gauss–Legendre 10-point nodes/weights on [−1, 1].
struct GL {
  std::vector<double> x, w;
  GL() {
    using G = boost::math::quadrature::gauss<double, 10>;
    const auto& a = G::abscissa();
    const auto& ww = G::weights();
    for (std::size_t i = 0; i < a.size(); ++i) {
      x.push_back(a[i]);
      w.push_back(ww[i]);
      if (a[i] != 0) {
        x.push_back(-a[i]);
        w.push_back(ww[i]);
      }
    }
  }
};
const GL& gl() {
  static const GL g;
  return g;
}

double logaddexp(double a, double b) {
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

// log ∫_a^b exp(sign·V(x)) dx by 10-point Gauss–Legendre.
double log_int(const Potential& p, double a, double b, double sign) {
  if (!(b > a)) return -kInf;
  const auto& g = gl();
  double vals[10], m = -kInf;
  for (std::size_t q = 0; q < g.x.size(); ++q) {
    double x = 0.5 * (a + b) + 0.5 * (b - a) * g.x[q];
    vals[q] = sign * eval_checked(p, &x, false) + std::log(0.5 * (b - a) * g.w[q]);
    m = std::max(m, vals[q]);
  }
  double sum = 0;
  for (std::size_t q = 0; q < g.x.size(); ++q) sum += std::exp(vals[q] - m);
  return m + std::log(sum);
}

}  // namespace

BoxChoice choose_box(const Potential& p, double scale, double tail_tol, const std::string& arg_norm,
                     const std::string& arg_loss) {
  Potential q = p;
  q.argument = arg_loss;
  const Search s = decayed_search(q, scale, 0.0, arg_norm);
  BoxChoice bc;
  bc.search_radius = s.R;
  for (int c = 0; c < p.dim; ++c) {
    const auto m = marginal(s, p.dim, c);
    double total = 0;
    for (double v : m) total += v;
    const double cut = tail_tol / (2.0 * p.dim) * total;
    int lo = 0, hi = s.n - 1;
    double acc = 0;
    while (lo < s.n - 1 && acc + m[lo] <= cut) acc += m[lo++];
    acc = 0;
    while (hi > 0 && acc + m[hi] <= cut) acc += m[hi--];
    lo = std::max(0, lo - 1);
    hi = std::min(s.n - 1, hi + 1);
    bc.box.lo[c] = -s.R + s.h * lo;
    bc.box.hi[c] = -s.R + s.h * hi;
  }
  bc.tail_mass = outside_mass(s, p.dim, bc.box);
  bc.note = fmt::format("box from the tail mass of μ measured on a {}-point grid over [−{:.4g}, {:.4g}]^{}",
                        s.n, s.R, s.R, p.dim);
  if (p.dim == 1) {
    // Wells the mass criterion would drop: every local minimum of V on a 4× wider range.
    bc.scan_radius = 4 * s.R;
    const int samples = 400001;
    std::vector<CriticalPoint> cps;
    try {
      cps = critical_points_1d(q, -bc.scan_radius, bc.scan_radius, samples);
    } catch (const InputError&) {
      // V not finite somewhere on the wider range: scan only the measured one.
      bc.scan_radius = s.R;
      cps = critical_points_1d(q, -s.R, s.R, samples);
    }
    double narrowest = kInf, vmin_scan = kInf;
    for (const auto& c : cps) vmin_scan = std::min(vmin_scan, c.v);
    std::string added;
    for (const auto& c : cps) {
      if (!c.minimum || !(c.curvature > 0)) continue;
      const double width = 1 / std::sqrt(c.curvature);
      if (c.x >= bc.box.lo[0] && c.x <= bc.box.hi[0]) {
        narrowest = std::min(narrowest, width);  // kept; the grid must resolve it
        continue;
      }
      // Margin: 8 local widths, and on the far side on until V has risen by 46 (e^{−46} ≈ 1e-20)
      // above the well's bottom, so that the box does not cut the well's own mass.
      double far = 8 * width;
      const double dir = c.x > bc.box.hi[0] ? 1.0 : -1.0;
      for (double step = width; far < bc.scan_radius; far += step, step *= 1.5) {
        const double y = c.x + dir * far;
        const double vy = p.V(&y);
        if (!(vy - c.v < 46)) break;  // also stops at +inf or NaN
      }
      bc.box.lo[0] = std::min(bc.box.lo[0], c.x - (dir < 0 ? far : 8 * width));
      bc.box.hi[0] = std::max(bc.box.hi[0], c.x + (dir > 0 ? far : 8 * width));
      narrowest = std::min(narrowest, width);
      ++bc.wells_added;
      added += fmt::format("{}t = {:.6g} (V − min V = {:.4g}, width {:.3g})", added.empty() ? "" : ", ", c.x,
                           c.v - vmin_scan, width);
    }
    if (std::isfinite(narrowest)) bc.min_cells = long(std::ceil(16 * (bc.box.hi[0] - bc.box.lo[0]) / narrowest));
    if (bc.wells_added > 0) {
      bc.tail_mass = outside_mass(s, p.dim, bc.box);
      bc.note += fmt::format("; extended to {} local minim{} of V outside it (scan of [−{:.4g}, {:.4g}], {} points): {}",
                             bc.wells_added, bc.wells_added == 1 ? "um" : "a", bc.scan_radius, bc.scan_radius,
                             samples, added);
    } else {
      bc.note += fmt::format("; no other local minimum of V on [−{:.4g}, {:.4g}] ({}-point scan)", bc.scan_radius,
                             bc.scan_radius, samples);
    }
  }
  return bc;
}

double tail_mass_outside(const Potential& p, const Box& box, double scale, const std::string& arg_norm,
                         const std::string& arg_loss) {
  Potential q = p;
  q.argument = arg_loss;
  double r = 0;
  for (int c = 0; c < p.dim; ++c) r = std::max({r, std::fabs(box.lo[c]), std::fabs(box.hi[c])});
  const Search s = decayed_search(q, scale, 1.25 * r, arg_norm);
  return outside_mass(s, p.dim, box);
}

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
    if (k > 60) throw DomainError("Sturm bisection: no upper bracket for μ_1 (rounding in the chain?)");
    hi += 1;
  }
  long double step = 1, lo = hi - step;
  while (count(lo) >= 2) {
    step *= 2;
    lo = hi - step;
    if (step > 4 * kChainLogMax)
      throw DomainError("Sturm bisection: μ_1 below e^{−" + std::to_string(int(kChainLogMax)) + "}");
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
      throw DomainError(fmt::format("V = F/s rises by {:.4g} above its minimum inside the box, beyond the "
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
    if (!(cx[k] > min_c)) throw DomainError("a conductance underflows double range: C_P beyond ~e^700");
  }
  for (std::size_t k = 0; k < cy.size(); ++k) {
    cy[k] = (hx / hy) * std::exp(-(vy[k] - vmin));
    if (!(cy[k] > min_c)) throw DomainError("a conductance underflows double range: C_P beyond ~e^700");
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
    if (ldlt->info() != Eigen::Success) throw DomainError("sparse LDLT of the pinned generator failed");
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
    throw DomainError(fmt::format("Spectra did not converge on the {}-cell grid", n));
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
      throw DomainError(fmt::format(
          "the {0}×{0} eigen-solve is not warranted in double: its Ritz value {1:.10g} and the Rayleigh "
          "quotient {2:.10g} of its vector differ by {3:.2g} (relative); C_P ≥ {2:.6g} on this grid. V = F/s "
          "varies too much over the box for this arithmetic (metastable wells or a large --box)",
          n, gs.c_p, gs.rayleigh_lower, std::fabs(gs.rayleigh_lower - gs.c_p) / gs.c_p));
  }
  gs.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return gs;
}

PoincareResult poincare_constant(const Potential& p, const Box& box, int n) {
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
  r.log_value = ref + std::log(v);
  r.relative_error = e / v;
  r.value = r.log_value < 709.0 ? std::exp(r.log_value) : kInf;
  r.error_estimate = r.value * r.relative_error;
  if (p.dim == 1) r.method += "; 1-D: Sturm-count bisection on log μ (flux recursion, long double)";
  else r.method += "; 2-D: Spectra shift-invert, checked against the Rayleigh quotient of its vector";
  return r;
}

GrownPoincare poincare_constant_grown(const Potential& p, const Box& box, int n, bool adopt, double tol,
                                      int max_growths) {
  if (p.dim != 1) throw DomainError("poincare_constant_grown needs a 1-D potential");
  GrownPoincare g;
  g.box = box;
  g.result = poincare_constant(p, box, n);
  for (int k = 0; k <= max_growths; ++k) {
    const double w = g.box.hi[0] - g.box.lo[0];
    Box big = g.box;
    big.lo[0] -= 0.5 * w;
    big.hi[0] += 0.5 * w;
    const int nb = int(std::min<long>(2000000, 2L * ((long(n) * 2 + 3) / 4 * 4)));
    PoincareResult r2;
    try {
      r2 = poincare_constant(p, big, nb);
    } catch (const std::exception& e) {
      g.note = fmt::format("box growth to [{:.6g}, {:.6g}] not evaluated ({})", big.lo[0], big.hi[0], e.what());
      break;
    }
    g.checked = true;
    const double move = std::fabs(std::expm1(r2.log_value - g.result.log_value));
    g.truncation_relative = move;
    if (move <= tol || !adopt || k == max_growths) {
      g.note = fmt::format("growing the box to [{:.6g}, {:.6g}] moves C_P by {:.2g} (relative){}", big.lo[0],
                           big.hi[0], move, move > tol ? " — more than the tolerance: the box truncates C_P" : "");
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
  if (g.growths > 0) g.note += fmt::format("; box grown {} time{} until C_P stopped moving", g.growths, g.growths == 1 ? "" : "s");
  return g;
}

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

LogSobolevEstimate log_sobolev_1d(const Potential& p, double lo, double hi, int n, int max_iterations) {
  if (p.dim != 1) throw DomainError("log_sobolev_1d needs a 1-D potential");
  if (n < 16) throw DomainError("log_sobolev_1d needs n ≥ 16");
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
