// Exponential relaxation fits (experiments/fit.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "experiments/fit.hpp"

using namespace villani::experiments;

TEST_CASE("exponential fit recovers a known rate under noise", "[fit]") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> nd(0, 0.01);
  for (double r : {0.02, 0.5, 3.0}) {
    std::vector<double> t, y;
    for (int k = 0; k <= 300; ++k) {
      const double tk = k * (4.0 / r) / 300;  // four relaxation times
      t.push_back(tk);
      y.push_back(2.0 + 5.0 * std::exp(-r * tk) + nd(rng));
    }
    const auto f = fit_exponential(t, y);
    REQUIRE(f.ok);
    CHECK(f.rate == Approx(r).epsilon(0.02));
    CHECK(f.asymptote == Approx(2.0).epsilon(0.01));
    CHECK(f.amplitude == Approx(5.0).epsilon(0.01));
    CHECK(f.rate_lo <= r);
    CHECK(f.rate_hi >= r);
    CHECK(f.r2 > 0.99);
  }
}

TEST_CASE("exponential fit refuses flat, short or unrelaxed data", "[fit]") {
  std::vector<double> t{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, flat(10, 1.0);
  CHECK_FALSE(fit_exponential(t, flat).ok);
  CHECK_FALSE(fit_exponential({0, 1, 2}, {3, 2, 1}).ok);
  std::vector<double> lin;
  for (double x : t) lin.push_back(1 - 1e-4 * x);  // far too slow to see any curvature
  const auto f = fit_exponential(t, lin);
  CHECK_FALSE(f.ok);
  CHECK_FALSE(f.why.empty());
}
