// Criterion 1, smoothness: the operation audit and the numerical kink probe (check_engine.hpp).
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

// ---- 1. smoothness -------------------------------------------------------------------
Engine::GQ Engine::line_eval(const Vec& x, const Vec& u, double t) {
  try {
    const Vec th = x + t * u;
    const double g = f_.gradient(th).dot(u);
    const double q = u.dot(f_.hvp(th, u));
    return {g, q, std::isfinite(g) && std::isfinite(q)};
  } catch (const std::exception&) {
    return {0, 0, false};
  }
}

SmoothnessCriterion Engine::smoothness_criterion() {
  const std::vector<std::string> audit = in_.audit ? *in_.audit : in_.loss->nonsmooth_ops();
  std::vector<Kink> kinks;
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
        kinks.push_back({i, 0.5 * (a + b), gb.g - ga.g, (x + 0.5 * (a + b) * u - center_).norm()});
      }
    }
  }
  SmoothnessCriterion j;
  std::string ops;
  for (const auto& a : audit) ops += (ops.empty() ? "" : "; ") + a;
  const std::string probe_text =
      o_.probes == 0 ? "kink probe not run (--probes 0)"
                     : fmt::format("kink probe: {} of {} random lines of length {} evaluated, {} kinks found",
                                   lines_done, o_.probes, num(2 * half), kinks.size());
  if (!audit.empty()) {
    set_verdict(j, Verdict::Violated, fmt::format("not C^∞: {} ({}); {}", ops, in_.audit_source, probe_text));
  } else if (!kinks.empty()) {
    set_verdict(j, Verdict::Violated,
                fmt::format("the {} name no non-smooth operation, but the {} — first jump of the "
                              "directional derivative {} at distance {} from the centre",
                              in_.audit_source, probe_text, num(kinks[0].jump), num(kinks[0].distance_from_centre)));
  } else if (bad_lines > 0 && lines_done == 0 && o_.probes > 0) {
    set_verdict(j, Verdict::Inconclusive,
                  fmt::format("no non-smooth operation in the {}, but the probe lines could not be evaluated",
                              in_.audit_source),
                  nonfinite_reason());
  } else {
    set_verdict(j, Verdict::Holds,
                  fmt::format("no non-smooth operation in the {}; {}", in_.audit_source, probe_text));
  }
  j.offending_ops = audit;
  j.audit_source = in_.audit_source;
  j.kinks = std::move(kinks);
  j.probe_lines = lines_done;
  return j;
}

}  // namespace villani::validators::check_detail
