// PAC-Bayes with backprop (issue 16): bound objectives, the Seeger certificate with the Monte
// Carlo correction, the δ split, and the KL of diagonal Gaussians, each against an independent
// 100-digit MPFR evaluation or a closed form.
#include <boost/multiprecision/mpfr.hpp>
#include <catch2/catch.hpp>
#include <random>

#include "theory/pac_bayes.hpp"
#include "theory/pac_bayes_objectives.hpp"
#include "tests/theory/mpfr_kl.hpp"

using namespace villani;
using namespace villani::theory;
using villani::test::R100;
using villani::test::kl_inv_upper_100;

namespace {
R100 r100(const Wide& x) { return R100(x.str(50)); }
// Written out from the papers' statements, in 100 digits.
R100 rhs100(const R100& kl, const R100& n, const R100& delta) { return (kl + log(2 * sqrt(n) / delta)) / n; }
}  // namespace

TEST_CASE("bound objectives match their closed forms in 100 digits", "[theory][pac]") {
  const double n = 30000, delta = 0.004;
  for (const char* r : {"0", "0.02", "0.3", "0.7"})
    for (const char* kl : {"0", "3.5", "250", "40000"}) {
      const Wide R(r), K(kl);
      const R100 b = rhs100(R100(kl), R100(n), R100(delta));
      const R100 classic = R100(r) + sqrt(b / 2);
      const R100 quad = R100(r) + b + sqrt(b * b + 2 * R100(r) * b);  // expanded square
      INFO("r=" << r << " kl=" << kl);
      // double is only as exact as ln(2√n/δ) in double: compare at 1e-14 relative.
      CHECK(abs(r100(objective_classic(R, K, n, delta)) - classic) < R100("1e-14") * classic);
      CHECK(abs(r100(objective_quad(R, K, n, delta)) - quad) < R100("1e-14") * quad);
      for (const char* l : {"0.1", "0.5", "1", "1.9"}) {
        const R100 L(l);
        const R100 lam = R100(r) / (1 - L / 2) + b / (L * (1 - L / 2));
        CHECK(abs(r100(objective_lambda(R, K, n, delta, Wide(l))) - lam) < R100("1e-14") * lam);
      }
      // double and Wide instantiations agree (the same template the LibTorch loop uses).
      CHECK(std::abs(objective_quad(std::stod(r), std::stod(kl), n, delta) -
                     static_cast<double>(objective_quad(R, K, n, delta))) < 1e-12);
    }
}

TEST_CASE("every objective is at least the exact kl inverse, and the λ-form at its optimum is quad",
          "[theory][pac]") {
  const double n = 5000, delta = 0.01;
  for (const char* r : {"0", "0.01", "0.1", "0.4", "0.8"})
    for (const char* kl : {"0", "1", "20", "300", "3000"}) {
      const Wide R(r), K(kl);
      const Wide inv = kl_inverse_upper(R, pac_bayes_rhs(K, n, delta));
      INFO("r=" << r << " kl=" << kl);
      CHECK(objective_classic(R, K, n, delta) >= inv);
      CHECK(objective_quad(R, K, n, delta) >= inv);
      const Wide lstar = objective_lambda_optimum(R, K, n, delta);
      CHECK(lstar > 0);
      CHECK(lstar <= 1);
      const Wide at_opt = objective_lambda(R, K, n, delta, lstar);
      CHECK(abs(at_opt - objective_quad(R, K, n, delta)) < Wide("1e-40") * (1 + at_opt));
      for (const char* l : {"0.05", "0.3", "0.9", "1.5"}) {
        const Wide v = objective_lambda(R, K, n, delta, Wide(l));
        CHECK(v >= inv);
        CHECK(v >= at_opt - Wide("1e-40"));  // λ* minimises it
      }
    }
}

TEST_CASE("Seeger certificate with the Monte Carlo correction against 100-digit bisection", "[theory][pac]") {
  const Wide risk("0.137"), dmc("0.001"), db("0.004"), kl("123.4"), n(40000);
  const long long m = 10;
  const auto c = seeger_certificate(risk, m, dmc, kl, n, db);
  // Independent: both inverses by 100-digit bisection.
  const R100 up = kl_inv_upper_100(R100("0.137"), log(1 / R100("0.001")) / m);
  const R100 b = kl_inv_upper_100(up, rhs100(R100("123.4"), R100(40000), R100("0.004")));
  CHECK(abs(r100(c.train_risk_upper) - up) < R100("1e-40"));
  CHECK(abs(r100(c.bound) - b) < R100("1e-40"));
  CHECK(c.bound >= c.train_risk_upper);
  CHECK(c.train_risk_upper >= c.train_risk_mc);
  // More draws tighten the Monte Carlo step; a zero KL still leaves ln(2√n/δ)/n.
  CHECK(seeger_certificate(risk, 1000, dmc, kl, n, db).bound < c.bound);
  CHECK(seeger_certificate(risk, m, dmc, Wide(0), n, db).bound > c.train_risk_upper);
  CHECK_THROWS(seeger_certificate(risk, 0, dmc, kl, n, db));
  CHECK_THROWS(seeger_certificate(Wide("1.5"), m, dmc, kl, n, db));
}

TEST_CASE("δ split: every part of the union bound adds up to δ", "[theory][pac]") {
  const Wide delta("0.05");
  const auto s = delta_split(delta, 14, Wide("0.2"));
  CHECK(abs(Wide(14) * (s.mc + s.bound) - delta) < Wide("1e-45"));
  CHECK(abs(s.mc - Wide("0.2") * delta / 14) < Wide("1e-45"));
  // A data-free prior grid inside one certificate's PAC-Bayes part stays within it.
  Wide grid = 0;
  for (long long j = 1; j <= 40; ++j) grid += prior_grid_delta(s.bound, j);
  CHECK(grid < s.bound);
  CHECK_THROWS(delta_split(delta, 0, Wide("0.2")));
  CHECK_THROWS(delta_split(delta, 3, Wide(1)));
}

TEST_CASE("KL of diagonal Gaussians against a 100-digit sum", "[theory][pac]") {
  std::mt19937_64 rng(16);
  std::normal_distribution<double> z;
  std::uniform_real_distribution<double> u(1e-6, 1e-1);
  const std::size_t d = 500;
  std::vector<double> mu(d), s2(d), mu0(d);
  for (std::size_t i = 0; i < d; ++i) {
    mu[i] = z(rng);
    mu0[i] = mu[i] + 0.01 * z(rng);
    s2[i] = u(rng);
  }
  const double pv = 3e-3;
  R100 ref = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const R100 a = R100(s2[i]), p = R100(pv), dm = R100(mu[i]) - R100(mu0[i]);
    // KL(N(m1, a) ‖ N(m0, p)) = ½[ln(p/a) + (a + dm²)/p − 1], written per coordinate.
    ref += (log(p / a) + (a + dm * dm) / p - 1) / 2;
  }
  const Wide got = gaussian_kl(mu, s2, mu0, Wide(pv));
  CHECK(abs(r100(got) - ref) < R100("1e-40") * ref);
}
