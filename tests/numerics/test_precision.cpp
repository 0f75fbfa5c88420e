#include <catch2/catch.hpp>

#include "numerics/precision.hpp"

using villani::Wide;

TEST_CASE("Wide round-trips exp(1e9) and holds exp(d/2) at d = 1e12", "[numerics][precision]") {
  const Wide big = exp(Wide(1e9));
  REQUIRE((boost::multiprecision::isfinite)(big));
  CHECK(abs(log(big) - Wide(1e9)) < Wide("1e-30"));
  const Wide huge = exp(Wide("5e11"));
  REQUIRE((boost::multiprecision::isfinite)(huge));
  CHECK(abs(log(huge) - Wide("5e11")) < Wide("1e-25"));
  const Wide tiny = exp(Wide("-5e11"));
  CHECK(tiny > 0);
  CHECK(abs(log(tiny) + Wide("5e11")) < Wide("1e-25"));
  CHECK(abs(log(huge * tiny)) < Wide("1e-30"));
}

TEST_CASE("to_decimal prints any magnitude with the right exponent", "[numerics][precision]") {
  CHECK(villani::to_decimal(Wide(2)) == "2");
  CHECK(villani::to_decimal(Wide("0.25")) == "0.25");
  CHECK(villani::to_decimal(Wide(1) / Wide(3), 4) == "0.3333");
  // 10^(1e9 / ln 10 ...): exp(1e9) = 10^434294481.903...
  const std::string s = villani::to_decimal(exp(Wide(1e9)), 6);
  CHECK(s.find("e+434294481") != std::string::npos);
  const Wide l10 = villani::log10_abs(exp(Wide(1e9)));
  CHECK(abs(l10 - Wide(1e9) / log(Wide(10))) < Wide("1e-30"));
  CHECK(villani::to_decimal(-pow(Wide(10), Wide(400)), 3) == "-1.00e+400");
  CHECK(villani::to_decimal(pow(Wide(10), Wide(-400)), 3) == "1.00e-400");
  CHECK_FALSE(villani::fits_double(pow(Wide(10), Wide(400))));
  CHECK(villani::fits_double(Wide(1e300)));
}

TEST_CASE("wide_from_string parses beyond double's range", "[numerics][precision]") {
  CHECK(villani::log10_abs(villani::wide_from_string("3e5000")) > Wide(5000));
  CHECK(villani::wide_from_string("1.5") == Wide("1.5"));
  CHECK(villani::wide_from_string("1e-3") == Wide("1e-3"));
}
