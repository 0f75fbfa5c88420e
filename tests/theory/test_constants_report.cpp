#include <catch2/catch.hpp>

#include "numerics/errors.hpp"
#include "theory/constants_report.hpp"

using namespace villani;
using namespace villani::theory;

TEST_CASE("constants rows hold the closed forms of the pure regularizer", "[theory][constants]") {
  ConstantsSettings o;
  o.lambdas = {Wide("0.01"), Wide(1)};
  o.dims = {Wide(1), Wide(100)};
  o.temperatures = {Wide(1), Wide("0.001")};
  const auto rows = constants_rows(o);
  REQUIRE(rows.size() == 8);
  // λ outermost, then d, then s.
  CHECK(rows[0].lambda == Wide("0.01"));
  CHECK(rows[1].temperature == Wide("0.001"));
  CHECK(rows[2].dim == Wide(100));
  CHECK(rows[4].lambda == Wide(1));
  for (const auto& r : rows) {
    INFO("λ = " << to_decimal(r.lambda) << ", d = " << to_decimal(r.dim) << ", s = " << to_decimal(r.temperature));
    const Wide exact = r.temperature / r.lambda;
    const Wide claim = 1 / r.lambda + r.dim / (r.lambda * r.lambda);
    CHECK(r.pure_regularizer);
    CHECK(r.exact_c_ls_at_l0 == exact);
    CHECK(r.claimed_c_ls == claim);
    CHECK(r.ratio_exact_over_claim == exact / claim);
    CHECK(r.violated_at_l0 == (exact > claim));
    // L ≡ 0: the best constants are the exact Gaussian ones.
    REQUIRE(r.best_c_p);
    REQUIRE(r.best_c_ls);
    CHECK(*r.best_c_ls == exact);
    CHECK(r.best_c_ls_route == "gaussian_reference");
    CHECK(*r.route("gaussian_reference").c_ls == exact);
    // Dynamics: relaxation time C_P/s = 1/λ; the SGLD plan uses L_F = λ (no --hessian-bound).
    REQUIRE(r.dynamics);
    CHECK(r.dynamics->rates.relaxation_time == *r.best_c_p / r.temperature);
    REQUIRE(r.dynamics->hessian_bound_f);
    CHECK(*r.dynamics->hessian_bound_f == r.lambda);
    REQUIRE(r.dynamics->sgld);
    CHECK(r.dynamics->sgld->alpha == 1 / exact);
    CHECK(r.dynamics_claim.basis == "paper_claim");
    CHECK(r.dynamics_claim.rates.kl_rate == 2 * r.temperature / claim);
  }
  // At s = 1 and λ = 0.01 the exact s/λ = 100 lies below the claim 100 + d·10⁴: consistent.
  CHECK_FALSE(rows[0].violated_at_l0);
  CHECK_THROWS_AS(rows[0].route("no_such_route"), std::out_of_range);
}

TEST_CASE("constants rows with an assumption on L use only the routes given", "[theory][constants]") {
  ConstantsSettings o;
  o.lambdas = {Wide(1)};
  o.dims = {Wide(3)};
  o.temperatures = {Wide(2)};
  o.curvature_floor = Wide("0.5");
  const auto rows = constants_rows(o);
  REQUIRE(rows.size() == 1);
  const auto& r = rows[0];
  CHECK_FALSE(r.pure_regularizer);
  // Bakry–Émery s/(λ − K) = 4 is the only rigorous route given.
  REQUIRE(r.best_c_ls);
  CHECK(*r.best_c_ls == 4);
  CHECK(r.best_c_ls_route == "bakry_emery");
  // No --hessian-bound and L is not 0: no SGLD plan.
  REQUIRE(r.dynamics);
  CHECK_FALSE(r.dynamics->sgld);
  CHECK_FALSE(r.dynamics->hessian_bound_f);
  // With none of K, Ω, Lyapunov and L ≠ 0 there is nothing; here the claim still has dynamics.
  CHECK(r.dynamics_claim.time_to_epsilon > 0);
}

TEST_CASE("constants rows refuse a bad query naming it", "[theory][constants]") {
  ConstantsSettings o;
  o.lambdas = {Wide(-1)};
  o.dims = {Wide(1)};
  CHECK_THROWS_AS(constants_rows(o), InputError);
}
