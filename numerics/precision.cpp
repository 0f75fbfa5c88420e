#include "numerics/precision.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>

namespace villani {

bool fits_double(const Wide& x) {
  if (!(boost::multiprecision::isfinite)(x)) return false;
  if (x == 0) return true;
  const Wide a = abs(x);
  return a <= Wide(std::numeric_limits<double>::max()) &&
         a >= Wide(std::numeric_limits<double>::min());
}

Wide log10_abs(const Wide& x) {
  if (x == 0) return -std::numeric_limits<Wide>::infinity();
  return log10(abs(x));
}

namespace {
// "m.mmm…e±E" for a mantissa m in [1, 10] (rounding may carry it to 10).
std::string format_scientific(double m, long long e, int digits, bool negative) {
  if (m >= 10) { m /= 10; e += 1; }
  const int places = std::max(digits - 1, 0);
  std::string mant = fmt::format("{:.{}f}", m, places);
  if (mant.rfind("10", 0) == 0) {  // rounding carried to 10.000
    mant = fmt::format("{:.{}f}", 1.0, places);
    e += 1;
  }
  return fmt::format("{}{}e{:+d}", negative ? "-" : "", mant, e);
}
}  // namespace

std::string to_decimal(const Wide& x, int digits) {
  if ((boost::multiprecision::isnan)(x)) return "nan";
  if ((boost::multiprecision::isinf)(x)) return x > 0 ? "inf" : "-inf";
  if (fits_double(x)) {
    const double d = static_cast<double>(x);
    if (digits >= 17) return fmt::format("{}", d);
    return fmt::format("{:.{}g}", d, digits);
  }
  // Beyond double: mantissa and exponent from log10, the mantissa in Wide (all 17 digits right).
  const Wide l = log10_abs(x);
  const Wide e = floor(l);
  return format_scientific(static_cast<double>(pow(Wide(10), l - e)), static_cast<long long>(e), digits, x < 0);
}

std::string decimal_from_log10(const Wide& l10, int digits, bool negative) {
  const Wide e = floor(l10);
  // 10^frac in double: good to ~15 digits, and no 50-digit transcendental function.
  return format_scientific(std::pow(10.0, static_cast<double>(l10 - e)), static_cast<long long>(e), digits, negative);
}

Wide wide_from_string(const std::string& text) {
  // Handle mantissa/exponent by hand so 1e5000 does not pass through double.
  std::size_t epos = text.find_first_of("eE");
  const std::string mant = text.substr(0, epos);
  long long ex = 0;
  if (epos != std::string::npos) {
    std::size_t used = 0;
    ex = std::stoll(text.substr(epos + 1), &used);
    if (used != text.size() - epos - 1) throw std::invalid_argument(text);
  }
  if (ex > -4000 && ex < 4000) return Wide(text);  // Boost parses these correctly rounded
  Wide m(mant);
  return m * pow(Wide(10), Wide(ex));
}

}  // namespace villani
