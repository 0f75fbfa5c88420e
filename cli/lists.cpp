#include "cli/lists.hpp"

#include <limits>
#include <regex>

#include "numerics/checked.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {

namespace {
// Splits on sep and trims spaces around each item; spaces inside an item stay there (so that
// "1 2 3" is refused as a number instead of silently read as 123).
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  auto trim = [](const std::string& x) {
    const auto a = x.find_first_not_of(" \t"), b = x.find_last_not_of(" \t");
    return a == std::string::npos ? std::string() : x.substr(a, b - a + 1);
  };
  for (char c : s) {
    if (c == sep) { out.push_back(trim(cur)); cur.clear(); }
    else cur += c;
  }
  out.push_back(trim(cur));
  return out;
}
}  // namespace

Wide parse_number(const std::string& argument, const std::string& text) {
  static const std::regex re(R"(^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$)");
  const std::string shown = quote_input(text);
  if (text == "nan" || text == "NaN" || text == "inf" || text == "-inf" || text == "Inf")
    throw InputError(argument, "expected a finite number; got '" + shown + "'");
  if (text.size() > 400 || !std::regex_match(text, re))
    throw InputError(argument, "expected a number; got '" + shown + "'");
  Wide v;
  try {
    v = wide_from_string(text);
  } catch (const std::exception&) {
    throw InputError(argument, "expected a number; got '" + shown + "'");
  }
  // Beyond the wide exponent range (about 10^±8.6e16) the value would become inf or 0.
  const bool zero_text = text.find_first_of("123456789") == std::string::npos ||
                         text.find_first_of("123456789") > text.find_first_of("eE");
  if (!(boost::multiprecision::isfinite)(v) || (v == 0 && !zero_text))
    throw InputError(argument, "'" + shown + "' is outside the representable range (about 10^±8.6e16)");
  return v;
}

double parse_double_number(const std::string& argument, const std::string& text) {
  return wide_to_double(argument, parse_number(argument, text), text);
}

double wide_to_double(const std::string& argument, const Wide& v, const std::string& text) {
  if (fits_double(v)) return static_cast<double>(v);
  const std::string shown = quote_input(text);
  if (abs(v) < Wide(std::numeric_limits<double>::min()))
    throw InputError(argument, "'" + shown + "' is subnormal in double (0 < |x| < 2.2e-308), where " + argument +
                                   " is computed: give 0 or a number of normal size");
  throw InputError(argument, "'" + shown + "' is beyond double's range (1.8e308), where " + argument + " is computed");
}

std::vector<ListValue> parse_list(const std::string& argument, const std::string& text) {
  if (text.empty()) throw InputError(argument, "expected a list of numbers; got an empty string");
  if (text.size() > 100000) throw InputError(argument, "list is longer than 100000 characters");
  std::vector<ListValue> out;
  for (const std::string& item : split(text, ',')) {
    if (item.empty())
      throw InputError(argument, "empty item in list '" + quote_input(text) + "'");
    const auto parts = split(item, ':');
    if (parts.size() == 1) {
      if (out.size() + 1 > kMaxListValues)
        throw InputError(argument, "the list holds more than " + std::to_string(kMaxListValues) + " values");
      out.push_back({parse_number(argument, item), item});
      continue;
    }
    const bool linear = parts[0] == "lin";
    const std::size_t off = linear ? 1 : 0;
    if (parts.size() != 3 + off)
      throw InputError(argument, "malformed range '" + quote_input(item) +
                                     "'; expected start:stop:count (geometric) or "
                                     "lin:start:stop:count");
    const Wide a = parse_number(argument, parts[off]);
    const Wide b = parse_number(argument, parts[off + 1]);
    const long long n = parse_integer(argument + " (range count)", parts[off + 2], 1, 10000);
    if (out.size() + static_cast<std::size_t>(n) > kMaxListValues)
      throw InputError(argument, "the list expands to more than " + std::to_string(kMaxListValues) + " values");
    if (!linear && (!(a > 0) || !(b > 0)))
      throw InputError(argument, "geometric range '" + quote_input(item) + "' needs positive end points");
    if (linear || n == 1) {
      for (long long i = 0; i < n; ++i) {
        const Wide v = n == 1 || i == 0 ? a : i == n - 1 ? b : a + (b - a) * Wide(i) / Wide(n - 1);
        out.push_back({v, to_decimal(v, 6)});
      }
      continue;
    }
    // Geometric: in base-10 logarithms, one multiplication per value. Boost's exp/log in 50
    // digits cost milliseconds each, and 8815 values beyond double's range took 8 minutes
    // (fuzz_list found it); the ratio's rounding after 10^4 products stays near 1e-46.
    const Wide la = log10_abs(a), step = (log10_abs(b) - la) / Wide(n - 1);
    const Wide ratio = pow(Wide(10), step);
    Wide v = a;
    for (long long i = 0; i < n; ++i) {
      if (i == n - 1) v = b;  // exact end points
      const bool plain = i == 0 || i == n - 1 || fits_double(v);
      out.push_back({v, plain ? to_decimal(v, 6) : decimal_from_log10(la + step * Wide(i), 6)});
      v *= ratio;
    }
  }
  return out;
}

}  // namespace villani::cli
