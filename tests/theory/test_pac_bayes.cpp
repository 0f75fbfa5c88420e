#include <boost/multiprecision/mpfr.hpp>
#include <catch2/catch.hpp>

#include "theory/pac_bayes.hpp"
#include "tests/theory/mpfr_kl.hpp"

using namespace villani;
using namespace villani::theory;
using villani::test::R100;

using villani::test::kl100;
using villani::test::kl_inv_upper_100;

TEST_CASE("kl_inverse_upper agrees with an independent 100-digit bisection", "[theory][pac]") {
  for (const char* q : {"0", "0.01", "0.1", "0.3", "0.5", "0.9"})
    for (const char* c : {"1e-6", "0.001", "0.05", "0.5", "2"}) {
      const Wide got = kl_inverse_upper(Wide(q), Wide(c));
      const R100 ref = kl_inv_upper_100(R100(q), R100(c));
      const R100 diff = abs(R100(got.str(50)) - ref);
      INFO("q=" << q << " c=" << c);
      CHECK(diff < R100("1e-40"));
      // It is the inverse: kl(q‖p) = c unless capped at 1.
      if (got < 1) CHECK(abs(kl_bernoulli(Wide(q), got) - Wide(c)) < Wide("1e-35"));
    }
}

TEST_CASE("kl_inverse_lower mirrors the upper inverse", "[theory][pac]") {
  // kl(q‖p) = kl(1−q‖1−p), so lower(q, c) = 1 − upper(1 − q, c).
  for (const char* q : {"0.2", "0.5", "0.95"})
    for (const char* c : {"0.001", "0.1"}) {
      const Wide lo = kl_inverse_lower(Wide(q), Wide(c));
      const Wide up = kl_inverse_upper(1 - Wide(q), Wide(c));
      CHECK(abs(lo - (1 - up)) < Wide("1e-40"));
    }
}

TEST_CASE("Maurer/Seeger bound: monotone, tighter than Pinsker, never below the risk",
          "[theory][pac]") {
  const Wide n(10000), delta("0.05");
  Wide prev_kl_bound = 0;
  for (int k = 0; k <= 6; ++k) {  // monotone in KL
    const Wide kl = Wide(k * k * 10);
    const auto b = maurer_bound(Wide("0.1"), kl, n, delta);
    CHECK(b.seeger >= Wide("0.1"));
    CHECK(b.seeger <= b.mcallester + Wide("1e-40"));
    CHECK(b.seeger >= prev_kl_bound);
    prev_kl_bound = b.seeger;
  }
  Wide prev = 0;
  for (const char* r : {"0", "0.05", "0.2", "0.5"}) {  // monotone in the empirical risk
    const auto b = maurer_bound(Wide(r), Wide(50), n, delta);
    CHECK(b.seeger > prev);
    prev = b.seeger;
  }
  // More data tightens it.
  CHECK(maurer_bound(Wide("0.1"), Wide(50), Wide(100000), delta).seeger <
        maurer_bound(Wide("0.1"), Wide(50), Wide(1000), delta).seeger);
  CHECK_THROWS(maurer_bound(Wide("0.1"), Wide(1), Wide(7), delta));  // n ≥ 8
}

TEST_CASE("Catoni bound: monotone and consistent with its closed form", "[theory][pac]") {
  const Wide n(5000), delta("0.05"), c(2);
  Wide prev = 0;
  for (const char* kl : {"0", "10", "100", "1000"}) {
    const Wide b = catoni_bound(Wide("0.1"), Wide(kl), n, delta, c);
    CHECK(b > prev);
    CHECK(b >= Wide("0.1"));  // with KL ≥ 0 the bound exceeds the empirical risk for C = 2
    prev = b;
  }
  // KL → ∞ sends the bound to 1/(1 − e^{−C}) (vacuous, above 1).
  CHECK(abs(catoni_bound(Wide("0.1"), Wide("1e9"), n, delta, c) - 1 / (1 - exp(-c))) <
        Wide("1e-40"));
  // KL = 0, δ → 1, n → ∞: the bound tends to (1 − e^{−C·r})/(1 − e^{−C}).
  const Wide lim = (1 - exp(-c * Wide("0.1"))) / (1 - exp(-c));
  CHECK(abs(catoni_bound(Wide("0.1"), Wide(0), Wide("1e30"), Wide("0.999999"), c) - lim) <
        Wide("1e-6"));
}

TEST_CASE("Gaussian KL: zero at equality, closed form otherwise", "[theory][pac]") {
  std::vector<double> w{0.5, -1.0, 2.0}, s2{0.25, 0.25, 0.25};
  CHECK(abs(gaussian_kl(w, s2, w, Wide("0.25"))) < Wide("1e-45"));
  // KL(N(0, a) ‖ N(0, b)) per coordinate = ½(a/b − 1 − ln(a/b)).
  const Wide k = gaussian_kl({0.0}, {2.0}, {}, Wide(1));
  CHECK(abs(k - (Wide(1) - log(Wide(2))) / 2) < Wide("1e-45"));
  CHECK(abs(gaussian_kl_isotropic(w, 0.25, {}, Wide(1)) -
            gaussian_kl(w, s2, {}, Wide(1))) < Wide("1e-40"));
}

TEST_CASE("prior grid union bound sums to δ", "[theory][pac]") {
  Wide sum = 0;
  for (long long j = 1; j <= 200000; ++j) sum += prior_grid_delta(Wide("0.05"), j);
  CHECK(sum < Wide("0.05"));
  CHECK(sum > Wide("0.05") * (1 - Wide(1) / Wide(100000)));  // tail ≈ 6δ/(π²·200000)
}

TEST_CASE("Gibbs KL bracket", "[theory][pac]") {
  const auto b = gibbs_kl_bracket(Wide(3), Wide(1), Wide(2));
  CHECK(b.lower == 0);
  CHECK(b.upper == 1);
  CHECK_THROWS(gibbs_kl_bracket(Wide(1), Wide(3), Wide(2)));
}
