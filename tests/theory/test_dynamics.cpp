#include <catch2/catch.hpp>

#include "theory/dynamics.hpp"

using namespace villani;
using namespace villani::theory;

TEST_CASE("Langevin rates and times follow docs/theory.md §4", "[theory][dynamics]") {
  const auto r = langevin_rates(Wide(4), Wide(8), Wide(2));
  CHECK(r.kl_rate == Wide("0.5"));
  CHECK(r.var_rate == Wide(1));
  CHECK(r.relaxation_time == Wide(2));
  const Wide t = langevin_time_to_kl(Wide(8), Wide(2), Wide(1), Wide("0.01"));
  // exp(−2·s·t/C_LS)·KL0 = eps at that time.
  CHECK(abs(exp(-2 * Wide(2) * t / Wide(8)) - Wide("0.01")) < Wide("1e-45"));
  CHECK(langevin_time_to_kl(Wide(8), Wide(2), Wide("0.001"), Wide("0.01")) == 0);
}

TEST_CASE("ULA plan meets its own guarantee", "[theory][dynamics]") {
  for (double d : {1.0, 100.0, 1e8})
    for (double s : {0.1, 1.0}) {
      const Wide c_ls(2), lf(3), eps("0.01"), kl0(5);
      const auto p = ula_plan(c_ls, lf, Wide(s), Wide(d), kl0, eps);
      CHECK(p.step <= p.max_step);
      CHECK(p.bias_floor <= eps / 2 + Wide("1e-45"));
      // Contraction term after k steps is at most eps/2, and k is the least such integer.
      const Wide contraction = exp(-p.alpha * p.step * p.steps) * kl0;
      CHECK(contraction <= eps / 2 * (1 + Wide("1e-40")));
      const Wide before = exp(-p.alpha * p.step * (p.steps - 1)) * kl0;
      CHECK(before > eps / 2);
      CHECK(p.eta == p.step / Wide(s));
    }
}
