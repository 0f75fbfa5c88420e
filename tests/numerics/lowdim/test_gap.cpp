// True Poincaré constants in 1-D/2-D (issue 4): closed forms, bracket consistency, separability,
// and an independent shooting computation for the double-well-like loss.
#include <catch2/catch.hpp>
#include <cmath>

#include "numerics/errors.hpp"
#include "numerics/lowdim/gap.hpp"
#include "numerics/lowdim/gibbs.hpp"
#include "numerics/symbolic/energy.hpp"
#include "numerics/symbolic/program.hpp"

using namespace villani::numerics;

namespace {
// V = F/s of the Gibbs measure (the potential `villani gap` builds).
lowdim::Potential potential_of(const symbolic::Energy& e, double lambda, double s) {
  return lowdim::gibbs_potential(e, lambda, s);
}

// Independent route: shooting for the odd eigenfunction of u'' − V'u' + μu = 0 on [0, a] with
// u(0) = 0, flux w = e^{−V}u' vanishing at a (RK4 in (u, w), bisection on μ). Symmetric V only.
double shooting_gap(const std::function<double(double)>& V, double a, double mu_hi, int steps) {
  auto flux_at_end = [&](double mu) {
    double u = 0, w = std::exp(-V(0.0));  // u'(0) = 1
    const double h = a / steps;
    auto f = [&](double x, double uu, double ww, double& du, double& dw) {
      du = std::exp(V(x)) * ww;
      dw = -mu * std::exp(-V(x)) * uu;
    };
    double x = 0;
    for (int i = 0; i < steps; ++i) {
      double k1u, k1w, k2u, k2w, k3u, k3w, k4u, k4w;
      f(x, u, w, k1u, k1w);
      f(x + h / 2, u + h / 2 * k1u, w + h / 2 * k1w, k2u, k2w);
      f(x + h / 2, u + h / 2 * k2u, w + h / 2 * k2w, k3u, k3w);
      f(x + h, u + h * k3u, w + h * k3w, k4u, k4w);
      u += h / 6 * (k1u + 2 * k2u + 2 * k3u + k4u);
      w += h / 6 * (k1w + 2 * k2w + 2 * k3w + k4w);
      x += h;
    }
    return w;
  };
  // The flux at a is positive for μ below the first odd eigenvalue and changes sign there.
  double lo = 0, hi = mu_hi;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (flux_at_end(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
}  // namespace

TEST_CASE("symbolic energy: derivatives against finite differences", "[lowdim]") {
  symbolic::Energy e("10*exp(-t1^2/2)*cos(t2) + log(1+exp(t1*t2))");
  REQUIRE(e.dim() == 2);
  CHECK(e.rewrote_softplus());
  const double th[2] = {0.7, -1.3}, lambda = 0.5, s = 2.0, h = 1e-5;
  auto F = [&](double a, double b) { const double x[2] = {a, b}; return symbolic::eval_double(e.energy(), x, 2, lambda, s); };
  const double g0 = (F(th[0] + h, th[1]) - F(th[0] - h, th[1])) / (2 * h);
  const double g1 = (F(th[0], th[1] + h) - F(th[0], th[1] - h)) / (2 * h);
  CHECK(symbolic::eval_double(e.gradient(0), th, 2, lambda, s) == Approx(g0).epsilon(1e-8));
  CHECK(symbolic::eval_double(e.gradient(1), th, 2, lambda, s) == Approx(g1).epsilon(1e-8));
  const double lap = (F(th[0] + h, th[1]) + F(th[0] - h, th[1]) + F(th[0], th[1] + h) +
                      F(th[0], th[1] - h) - 4 * F(th[0], th[1])) / (h * h);
  CHECK(symbolic::eval_double(e.laplacian(), th, 2, lambda, s) == Approx(lap).epsilon(1e-4));
  const double psi = -lap + (g0 * g0 + g1 * g1) / s;
  CHECK(symbolic::eval_double(e.psi(false), th, 2, lambda, s) == Approx(psi).epsilon(1e-4));
  CHECK(symbolic::eval_double(e.psi(true), th, 2, lambda, s) ==
        Approx(-lap + (g0 * g0 + g1 * g1) / (2 * s)).epsilon(1e-4));
}

TEST_CASE("symbolic energy: bad expressions are InputError", "[lowdim]") {
  CHECK_THROWS_AS(symbolic::Energy("exp(t"), villani::InputError);
  CHECK_THROWS_AS(symbolic::Energy("t + x"), villani::InputError);
  CHECK_THROWS_AS(symbolic::Energy("t + t1"), villani::InputError);
  CHECK_THROWS_AS(symbolic::Energy("t", 2), villani::InputError);
}

TEST_CASE("Gaussian: C_P = s/λ to 1e-6 in 1-D and 2-D, at ordinary and extreme scales", "[lowdim]") {
  struct Case { double lambda, s; int dim; };
  for (const Case c : {Case{1, 1, 1}, Case{0.3, 2.5, 1}, Case{1e-6, 1, 1}, Case{1, 1e6, 1},
                       Case{2, 0.5, 2}}) {
    symbolic::Energy e("0", c.dim);
    const auto p = potential_of(e, c.lambda, c.s);
    const auto box = lowdim::choose_box(p, std::sqrt(c.s / c.lambda));
    CHECK(box.tail_mass < 1e-12);
    const auto r = lowdim::poincare_estimate(p, box.box, c.dim == 1 ? 2000 : 160);
    INFO("lambda " << c.lambda << " s " << c.s << " dim " << c.dim << " method " << r.method);
    CHECK(r.value == Approx(c.s / c.lambda).epsilon(1e-6));
    CHECK(r.error_estimate < 1e-6 * r.value);
  }
}

TEST_CASE("L = 10·exp(−t²/2), λ = s = 1: C_P ≈ 437.8 by discretization, shooting and Muckenhoupt", "[lowdim]") {
  symbolic::Energy e("10*exp(-t^2/2)");
  const auto p = potential_of(e, 1, 1);
  const auto box = lowdim::choose_box(p, 1.0);
  const auto r = lowdim::poincare_estimate(p, box.box, 4000);
  CHECK(r.value == Approx(437.8).epsilon(2e-4));
  // Independent: shooting on the half line (V symmetric, the gap mode is odd).
  const double a = box.box.hi[0];
  auto V = [&](double x) { return 10 * std::exp(-x * x / 2) + x * x / 2; };
  const double mu = shooting_gap(V, a, 0.05, 40000);
  CHECK(1 / mu == Approx(r.value).epsilon(1e-6));
  // Muckenhoupt bracket contains it; the variance is a lower bound.
  const auto b = lowdim::brackets_1d(p, box.box.lo[0], box.box.hi[0]);
  CHECK(b.muck_lower <= r.value);
  CHECK(r.value <= b.muck_upper);
  CHECK(std::fabs(b.median) < 1e-6);
  const auto var = lowdim::coordinate_variances(p, box.box);
  CHECK(var[0] < r.value);
  CHECK(var[0] > 2.0);  // already above the preprint's 1/λ + d/λ² = 2
}

TEST_CASE("1-D discretization lies inside the Muckenhoupt bracket", "[lowdim]") {
  for (const char* loss : {"0", "t^4/4 - t^2", "3*tanh(t)^2", "softplus(3*t) - t"}) {
    symbolic::Energy e(loss);
    const auto p = potential_of(e, 0.7, 0.8);
    const auto box = lowdim::choose_box(p, std::sqrt(0.8 / 0.7));
    const auto r = lowdim::poincare_estimate(p, box.box, 1200);
    const auto b = lowdim::brackets_1d(p, box.box.lo[0], box.box.hi[0], 2000);
    INFO(loss << ": C_P " << r.value << " in [" << b.muck_lower << ", " << b.muck_upper << "]");
    CHECK(b.muck_lower <= r.value);
    CHECK(r.value <= b.muck_upper);
  }
}

TEST_CASE("separable 2-D energy has the C_P of its 1-D factor", "[lowdim]") {
  symbolic::Energy e1("2*exp(-t^2/2)"), e2("2*exp(-t1^2/2) + 2*exp(-t2^2/2)");
  const auto p1 = potential_of(e1, 1, 1), p2 = potential_of(e2, 1, 1);
  const auto b1 = lowdim::choose_box(p1, 1.0);
  lowdim::Box b2;
  b2.lo = {b1.box.lo[0], b1.box.lo[0]};
  b2.hi = {b1.box.hi[0], b1.box.hi[0]};
  // Same grid: the discrete spectra add exactly (K2 = K1⊗M1 + M1⊗K1).
  const auto g1 = lowdim::poincare_on_grid(p1, b1.box, 48);
  const auto g2 = lowdim::poincare_on_grid(p2, b2, 48);
  CHECK(g2.c_p == Approx(g1.c_p).epsilon(1e-8));
  // Extrapolated values agree as well.
  const auto r1 = lowdim::poincare_estimate(p1, b1.box, 2000);
  const auto r2 = lowdim::poincare_estimate(p2, b2, 160);
  CHECK(r2.value == Approx(r1.value).epsilon(1e-5));
}

TEST_CASE("non-normalizable measure and non-finite loss are InputError", "[lowdim]") {
  symbolic::Energy flat("tanh(t)");
  CHECK_THROWS_AS(lowdim::choose_box(potential_of(flat, -1e-3, 1), 1.0), villani::InputError);
  symbolic::Energy bad("log(t)");
  CHECK_THROWS_AS(lowdim::choose_box(potential_of(bad, 1, 1), 1.0), villani::InputError);
  // λ ≤ 0 with a growing loss is fine.
  symbolic::Energy quartic("t^4");
  CHECK_NOTHROW(lowdim::choose_box(potential_of(quartic, -0.5, 1), 1.0));
}

TEST_CASE("Bobkov–Götze log-Sobolev bracket: Gaussian exact, non-Gaussian against independent brackets", "[lowdim]") {
  // Gaussian N(0, s/λ): C_LS = s/λ exactly (docs/theory.md §0); D± scale exactly with s/λ.
  double d_std = 0;
  for (auto [lambda, s] : {std::pair{1.0, 1.0}, std::pair{0.3, 2.5}, std::pair{4.0, 0.5}}) {
    symbolic::Energy e("0");
    const auto p = potential_of(e, lambda, s);
    const double sigma2 = s / lambda;
    const auto box = lowdim::choose_box(p, std::sqrt(sigma2));
    const auto b = lowdim::brackets_1d(p, box.box.lo[0], box.box.hi[0]);
    INFO("λ = " << lambda << ", s = " << s << ": D+ = " << b.d_plus << ", D− = " << b.d_minus
                << ", bracket [" << b.ls_lower << ", " << b.ls_upper << "]");
    CHECK(b.ls_lower <= sigma2);
    CHECK(sigma2 <= b.ls_upper);
    CHECK(b.d_plus == Approx(b.d_minus).epsilon(1e-8));  // symmetric
    if (d_std == 0) d_std = b.d_plus / sigma2;
    CHECK(b.d_plus / sigma2 == Approx(d_std).epsilon(1e-8));
    // e^{βx} attains the Gaussian constant for every β.
    const auto t = lowdim::ls_lower_exponential(p, box.box.lo[0], box.box.hi[0]);
    CHECK(t.value == Approx(sigma2).epsilon(1e-8));
  }
  // D+ of N(0,1), sup_x Φ̄(x)·log(1/Φ̄(x))·√(2π)∫_0^x e^{u²/2}du, by brute force on a grid.
  {
    double best = 0, integral = 0;
    const double h = 1e-4;
    for (int i = 1; i <= 80000; ++i) {
      const double x = i * h, xm = x - h / 2;
      integral += h * std::sqrt(2 * M_PI) * std::exp(xm * xm / 2);
      const double tail = 0.5 * std::erfc(x / std::sqrt(2.0));
      best = std::max(best, tail * std::log(1 / tail) * integral);
    }
    CHECK(d_std == Approx(best).epsilon(1e-4));
  }
  // Non-Gaussian, independent brackets of the true C_LS:
  //  lower: C_LS ≥ C_P (discretized) and ≥ the e^{βx} test-function bound;
  //  upper: t⁴/4 + t²/2 has V'' ≥ 1 ⇒ C_LS ≤ 1 (Bakry–Émery); 10·e^{−t²/2} + t²/2 is the Gaussian
  //  perturbed by osc = 10 ⇒ C_LS ≤ e^{10} (Holley–Stroock).
  struct Case { const char* loss; double upper; };
  for (const Case c : {Case{"t^4/4", 1.0}, Case{"10*exp(-t^2/2)", std::exp(10.0)}}) {
    symbolic::Energy e(c.loss);
    const auto p = potential_of(e, 1, 1);
    const auto box = lowdim::choose_box(p, 1.0);
    const auto cp = lowdim::poincare_estimate(p, box.box, 2000);
    const auto t = lowdim::ls_lower_exponential(p, box.box.lo[0], box.box.hi[0]);
    const auto b = lowdim::brackets_1d(p, box.box.lo[0], box.box.hi[0]);
    const double lower = std::max(cp.value - cp.error_estimate, t.value);
    INFO(c.loss << ": C_P " << cp.value << ", e^{βx} bound " << t.value << " (β " << t.beta << "), upper "
                << c.upper << "; Bobkov–Götze [" << b.ls_lower << ", " << b.ls_upper << "], D± " << b.d_plus);
    CHECK(lower <= c.upper);           // the independent bracket is consistent
    CHECK(t.value <= c.upper);
    CHECK(b.ls_lower <= c.upper);      // and meets the Bobkov–Götze bracket
    CHECK(b.ls_upper >= lower);
    CHECK(b.ls_lower <= b.ls_upper);
  }
}

TEST_CASE("log-Sobolev constant by discrete maximization: Gaussian s/λ, tilted double well inside every bracket", "[lowdim]") {
  {  // N(0, 2): the supremum is only approached (linearization / e^{βt}), from below.
    symbolic::Energy e("0");
    const auto p = potential_of(e, 0.5, 1);
    const auto box = lowdim::choose_box(p, std::sqrt(2.0));
    const auto ls = lowdim::log_sobolev_estimate_1d(p, box.box.lo[0], box.box.hi[0], 400);
    INFO("Gaussian: " << ls.value << " (coarse " << ls.coarse << ", " << ls.iterations << " steps)");
    CHECK(ls.value <= 2 * (1 + 1e-6));
    CHECK(ls.value >= 2 * (1 - 2e-3));
  }
  // L = 6·e^{−t²/2} + t: unequal wells, so C_LS > C_P (the log-mean mass-ratio factor of
  // Menz–Schlichting). Independent bracket: C_P ≤ C_LS ≤ e^{osc} = e^6 (Holley–Stroock: F is
  // (t+1)²/2 − 1/2 plus 6·e^{−t²/2} ∈ (0, 6]).
  symbolic::Energy e("6*exp(-t^2/2) + t");
  const auto p = potential_of(e, 1, 1);
  const auto box = lowdim::choose_box(p, 1.0);
  const auto cp = lowdim::poincare_estimate(p, box.box, 2000);
  const auto ls = lowdim::log_sobolev_estimate_1d(p, box.box.lo[0], box.box.hi[0], 800);
  const auto b = lowdim::brackets_1d(p, box.box.lo[0], box.box.hi[0]);
  INFO("C_P " << cp.value << ", C_LS " << ls.value << " ± " << ls.error_estimate << " (coarse " << ls.coarse
              << "), Bobkov–Götze [" << b.ls_lower << ", " << b.ls_upper << "], D+ " << b.d_plus << ", D− " << b.d_minus);
  CHECK(ls.value >= cp.value * (1 - 1e-3));
  CHECK(ls.value <= std::exp(6.0));
  CHECK(ls.error_estimate < 1e-3 * ls.value);
  CHECK(b.ls_lower <= ls.value);
  CHECK(ls.value <= b.ls_upper);
}
