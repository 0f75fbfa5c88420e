// The box of the gap solvers: its tail mass under μ and the wells it must hold (gap.hpp).
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

}  // namespace villani::numerics::lowdim
