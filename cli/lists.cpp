#include "cli/lists.hpp"

#include <regex>

#include "numerics/errors.hpp"

namespace villani::cli {

namespace {
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) { out.push_back(cur); cur.clear(); }
    else if (c != ' ') cur += c;
  }
  out.push_back(cur);
  return out;
}
}  // namespace

Wide parse_number(const std::string& argument, const std::string& text) {
  static const std::regex re(R"(^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$)");
  if (text == "nan" || text == "NaN" || text == "inf" || text == "-inf" || text == "Inf")
    throw InputError(argument, "expected a finite number; got '" + text + "'");
  if (!std::regex_match(text, re))
    throw InputError(argument, "expected a number; got '" + text + "'");
  try {
    return wide_from_string(text);
  } catch (const std::exception&) {
    throw InputError(argument, "expected a number; got '" + text + "'");
  }
}

std::vector<ListValue> parse_list(const std::string& argument, const std::string& text) {
  if (text.empty()) throw InputError(argument, "expected a list of numbers; got an empty string");
  std::vector<ListValue> out;
  for (const std::string& item : split(text, ',')) {
    if (item.empty())
      throw InputError(argument, "empty item in list '" + text + "'");
    const auto parts = split(item, ':');
    if (parts.size() == 1) {
      out.push_back({parse_number(argument, item), item});
      continue;
    }
    const bool linear = parts[0] == "lin";
    const std::size_t off = linear ? 1 : 0;
    if (parts.size() != 3 + off)
      throw InputError(argument, "malformed range '" + item +
                                     "'; expected start:stop:count (geometric) or "
                                     "lin:start:stop:count");
    const Wide a = parse_number(argument, parts[off]);
    const Wide b = parse_number(argument, parts[off + 1]);
    static const std::regex count_re("^[0-9]+$");
    if (!std::regex_match(parts[off + 2], count_re))
      throw InputError(argument, "range count must be a whole number; got '" + parts[off + 2] + "'");
    const long long n = std::stoll(parts[off + 2]);
    if (n < 1 || n > 10000)
      throw InputError(argument, "range count must be in 1..10000; got " + parts[off + 2]);
    if (!linear && (!(a > 0) || !(b > 0)))
      throw InputError(argument, "geometric range '" + item + "' needs positive end points");
    for (long long i = 0; i < n; ++i) {
      Wide v;
      if (n == 1) v = a;
      else if (linear) v = a + (b - a) * Wide(i) / Wide(n - 1);
      else v = exp(log(a) + (log(b) - log(a)) * Wide(i) / Wide(n - 1));
      if (i == 0) v = a;  // exact end points
      if (i == n - 1) v = b;
      out.push_back({v, to_decimal(v, 6)});
    }
  }
  return out;
}

}  // namespace villani::cli
