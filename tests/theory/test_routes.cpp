#include <catch2/catch.hpp>

#include "numerics/errors.hpp"
#include "theory/routes.hpp"

using namespace villani;
using namespace villani::theory;

TEST_CASE("Gaussian case is exact for every route that applies", "[theory][routes]") {
  // L ≡ 0: C_P = C_LS = s/λ. Bakry–Émery with K = 0 and Holley–Stroock with Ω = 0 must
  // reproduce it exactly; the Lyapunov route is an upper bound (≥ s/λ).
  for (double lambda : {1e-3, 0.5, 1.0, 7.0})
    for (double s : {0.01, 1.0, 3.0}) {
      const Wide l(lambda), t(s), exact = t / l;
      const auto g = gaussian_reference(l, t);
      REQUIRE(g.applies);
      CHECK(*g.c_p == exact);
      CHECK(*g.c_ls == exact);
      const auto be = bakry_emery(l, t, Wide(0));
      REQUIRE(be.applies);
      CHECK(*be.c_ls == exact);
      const auto hs = holley_stroock(l, t, Wide(0));
      REQUIRE(hs.applies);
      CHECK(*hs.c_ls == exact);
      const auto ly = lyapunov_pure_regularizer(l, Wide(3), t);
      REQUIRE(ly.applies);
      CHECK(*ly.c_p >= exact);
      CHECK_FALSE(ly.c_ls.has_value());  // Poincaré only
    }
}

TEST_CASE("paper claim is 1/λ + d/λ² exactly", "[theory][routes]") {
  CHECK(*paper_claim(Wide(1), Wide(1)).c_ls == 2);
  CHECK(*paper_claim(Wide("0.5"), Wide(3)).c_ls == Wide(2) + Wide(12));
  CHECK(paper_claim(Wide(1), Wide(1)).kind == RouteKind::Claim);
}

TEST_CASE("Bakry–Émery applies only with a curvature floor below λ", "[theory][routes]") {
  const Wide l(1), s(2);
  auto r = bakry_emery(l, s, std::nullopt);
  CHECK_FALSE(r.applies);
  CHECK_THAT(r.unmet, Catch::Contains("--curvature-floor"));
  r = bakry_emery(l, s, Wide(1));  // K = λ: no strict convexity
  CHECK_FALSE(r.applies);
  r = bakry_emery(l, s, Wide(2));
  CHECK_FALSE(r.applies);
  r = bakry_emery(l, s, Wide("0.75"));
  REQUIRE(r.applies);
  CHECK(*r.c_p == s / Wide("0.25"));
  r = bakry_emery(l, s, Wide(-1));  // extra convexity helps: s/(λ+1)
  REQUIRE(r.applies);
  CHECK(*r.c_ls == Wide(1));
}

TEST_CASE("Holley–Stroock multiplies by exp(Ω/s)", "[theory][routes]") {
  auto r = holley_stroock(Wide(2), Wide(1), std::nullopt);
  CHECK_FALSE(r.applies);
  r = holley_stroock(Wide(2), Wide(4), Wide(8));
  REQUIRE(r.applies);
  CHECK(abs(*r.c_ls - Wide(2) * exp(Wide(2))) < Wide("1e-45"));
}

TEST_CASE("Lyapunov route: assumptions and closed form", "[theory][routes]") {
  const Wide s(1);
  CHECK_FALSE(lyapunov(s, std::nullopt).applies);
  LyapunovInputs in{Wide(2), Wide(-1), Wide(1), Wide(0), Wide(0), "test"};
  auto r = lyapunov(s, in);  // Ψ_{2s} not positive outside
  CHECK_FALSE(r.applies);
  CHECK_THAT(r.unmet, Catch::Contains("not > 0"));
  in.psi2s_inf_outside = Wide(4);
  in.f_inf_ball = Wide(-1);
  CHECK_FALSE(lyapunov(s, in).applies);
  in.f_inf_ball = Wide(0);
  in.neg_psi2s_sup_ball = Wide(2);
  r = lyapunov(s, in);
  REQUIRE(r.applies);
  // θ0 = 4/2 = 2; b = (2 + 2/2)·e^{1/2} = 3√e; κ = (16/π²)·e^{1}; C_P = (1 + bκ)/θ0.
  const Wide pi = boost::math::constants::pi<Wide>();
  const Wide expect = (1 + 3 * exp(Wide("0.5")) * 16 / (pi * pi) * exp(Wide(1))) / 2;
  CHECK(abs(*r.c_p - expect) / expect < Wide("1e-45"));
}

TEST_CASE("Lyapunov bound for L ≡ 0 is exponential in d but finite at d = 1e12",
          "[theory][routes]") {
  const auto r = lyapunov_pure_regularizer(Wide("1e-3"), Wide("1e12"), Wide(1));
  REQUIRE(r.applies);
  REQUIRE((boost::multiprecision::isfinite)(*r.c_p));
  // log C_P ≈ 1.5·d (x ≈ d + 2/3 minimizes 3x/2 − ln(x − d) + 2 ln x).
  const Wide lg = log(*r.c_p);
  CHECK(lg > Wide("1.5e12"));
  CHECK(lg < Wide("1.5e12") * Wide("1.0001"));
}

TEST_CASE("validate names the bad argument", "[theory][routes]") {
  auto expect_arg = [](ConstantsQuery q, const std::string& arg) {
    try {
      validate(q);
      FAIL("no error for " << arg);
    } catch (const InputError& e) {
      CHECK(e.argument() == arg);
    }
  };
  expect_arg({Wide(-1), Wide(1), Wide(1), {}, {}, {}}, "--lambda");
  expect_arg({Wide(0), Wide(1), Wide(1), {}, {}, {}}, "--lambda");
  expect_arg({Wide(1), Wide("0.5"), Wide(1), {}, {}, {}}, "--dim");
  expect_arg({Wide(1), Wide(1), Wide(0), {}, {}, {}}, "--temperature");
  expect_arg({Wide(1), Wide(1), Wide(1), {}, Wide(-2), {}}, "--oscillation");
  expect_arg({std::numeric_limits<Wide>::quiet_NaN(), Wide(1), Wide(1), {}, {}, {}}, "--lambda");
}

TEST_CASE("best constants: L ≡ 0 takes the exact Gaussian value, a given K takes Bakry–Émery, never the claim",
          "[theory][routes]") {
  const Wide lambda(0.5), dim(10), s(2);
  // No assumption on L: the pure regularizer, whose exact constant s/λ beats the Lyapunov bound.
  ConstantsQuery q{lambda, dim, s, std::nullopt, std::nullopt, std::nullopt};
  CHECK(about_pure_regularizer(q));
  auto routes = all_routes(q);
  auto b = best_constants(routes, q);
  REQUIRE(b.claim != nullptr);
  CHECK(b.claim->id == "paper_claim");
  REQUIRE(b.c_p);
  REQUIRE(b.c_ls);
  CHECK(*b.c_p == s / lambda);
  CHECK(*b.c_ls == s / lambda);
  CHECK(b.c_p_route == "gaussian_reference");
  // The claim 1/λ + d/λ² = 42 is larger here, but at s = 100 it is smaller than s/λ and still not taken.
  ConstantsQuery hot{lambda, dim, Wide(100), std::nullopt, std::nullopt, std::nullopt};
  auto hot_routes = all_routes(hot);
  const auto bh = best_constants(hot_routes, hot);
  REQUIRE(bh.c_ls);
  CHECK(*bh.c_ls == Wide(100) / lambda);
  CHECK(*bh.claim->c_ls < *bh.c_ls);
  // A curvature floor K < λ: only the routes with supplied assumptions count; Bakry–Émery gives
  // s/(λ − K) and the Gaussian value (about L ≡ 0) is out.
  ConstantsQuery k{lambda, dim, s, Wide(0.25), std::nullopt, std::nullopt};
  CHECK(!about_pure_regularizer(k));
  auto k_routes = all_routes(k);
  const auto bk = best_constants(k_routes, k);
  REQUIRE(bk.c_ls);
  CHECK(bk.c_ls_route == "bakry_emery");
  CHECK(*bk.c_ls == s / (lambda - Wide(0.25)));
  // K ≥ λ: nothing rigorous applies.
  ConstantsQuery none{lambda, dim, s, Wide(1), std::nullopt, std::nullopt};
  auto none_routes = all_routes(none);
  const auto bn = best_constants(none_routes, none);
  CHECK(!bn.c_p);
  CHECK(!bn.c_ls);
  CHECK(bn.c_ls_route.empty());
}
