#include "numerics/checked.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <limits>
#include <unistd.h>

#include "numerics/errors.hpp"

namespace villani {

std::string printable_message(const std::string& text) {
  std::string o;
  o.reserve(text.size());
  for (const char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) o += fmt::format("\\x{:02x}", c);
    else o += ch;
  }
  return o;
}

std::string quote_input(const std::string& text, std::size_t max) {
  std::string o;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (o.size() >= max) { o += "…"; break; }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) o += fmt::format("\\x{:02x}", c);
    else o += static_cast<char>(c);
  }
  return o;
}

std::int64_t parse_integer(const std::string& argument, const std::string& text, std::int64_t lo,
                           std::int64_t hi) {
  const std::string expected = fmt::format("expected an integer in [{}, {}]", lo, hi);
  std::size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) neg = text[i++] == '-';
  if (i == text.size()) throw InputError(argument, expected + "; got '" + quote_input(text) + "'");
  // Accumulate in unsigned 64-bit with an overflow check.
  std::uint64_t v = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') throw InputError(argument, expected + "; got '" + quote_input(text) + "'");
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      throw InputError(argument, expected + "; got '" + quote_input(text) + "' (out of range)");
    v = v * 10 + digit;
  }
  const std::uint64_t lim = neg ? std::uint64_t(std::numeric_limits<std::int64_t>::max()) + 1
                                : std::uint64_t(std::numeric_limits<std::int64_t>::max());
  if (v > lim) throw InputError(argument, expected + "; got '" + quote_input(text) + "' (out of range)");
  const std::int64_t x = neg ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
  if (x < lo || x > hi) throw InputError(argument, expected + "; got " + std::to_string(x));
  return x;
}

std::int64_t json_integer_value(const std::string& argument, const std::string& where, const nlohmann::json& v,
                                std::int64_t lo, std::int64_t hi) {
  const std::string expected = fmt::format("{} must be an integer in [{}, {}]", where, lo, hi);
  if (v.is_number_unsigned()) {
    const std::uint64_t u = v.get<std::uint64_t>();
    if (hi < 0 || u > static_cast<std::uint64_t>(hi) || static_cast<std::int64_t>(u) < lo)
      throw InputError(argument, expected + "; got " + std::to_string(u));
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    const std::int64_t x = v.get<std::int64_t>();
    if (x < lo || x > hi) throw InputError(argument, expected + "; got " + std::to_string(x));
    return x;
  }
  throw InputError(argument, expected + "; got " + quote_input(v.dump()));
}

bool parse_real(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  // ERANGE: overflow (±HUGE_VAL, refused above), a subnormal result (kept) or an underflow to 0
  // of a non-zero number (refused).
  if (errno == ERANGE && v == 0) return false;
  out = v;
  return true;
}

nlohmann::json parse_json_bounded(const std::string& text, int max_depth, const std::string& argument,
                                  const std::string& what, const std::string& kind,
                                  const std::function<void(int, const std::string&)>& on_key) {
  auto check = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (depth > max_depth)
      throw InputError(argument, fmt::format("{} nests JSON deeper than {} levels, which no {} does", what, max_depth, kind));
    if (on_key && event == nlohmann::json::parse_event_t::key) on_key(depth, parsed.get<std::string>());
    return true;
  };
  try {
    return nlohmann::json::parse(text, check);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(argument, what + " is not valid JSON: " + e.what());
  }
}

std::int64_t json_integer(const std::string& argument, const std::string& what, const nlohmann::json& j,
                          const std::string& key, std::int64_t lo, std::int64_t hi) {
  if (!j.is_object() || !j.contains(key))
    throw InputError(argument, what + " needs an integer \"" + quote_input(key) + "\"");
  return json_integer_value(argument, what + ": \"" + quote_input(key) + "\"", j.at(key), lo, hi);
}

namespace {
double g_memory_limit = -1;  // < 0: physical memory
double physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return 16.0 * (1ull << 30);
  return static_cast<double>(pages) * static_cast<double>(size);
}
}  // namespace

double memory_limit_bytes() { return g_memory_limit > 0 ? g_memory_limit : physical_memory(); }
void set_memory_limit_bytes(double bytes) { g_memory_limit = bytes; }

void set_memory_limit_from_flag(const std::string& argument, const std::string& gib) {
  if (gib.empty()) return;
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(gib, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != gib.size() || !std::isfinite(v) || !(v > 0) || v > 1e9)
    throw InputError(argument, "expected a number of GiB in (0, 1e9]; got '" + quote_input(gib) + "'");
  set_memory_limit_bytes(v * double(1ull << 30));
}

void check_memory(const std::string& argument, double bytes, const std::string& what) {
  const double lim = memory_limit_bytes();
  if (std::isfinite(bytes) && bytes <= lim) return;
  const double gib = double(1ull << 30);
  throw InputError(argument, fmt::format("{} needs about {} GiB, more than the memory limit of {:.3g} GiB "
                                         "(the machine's memory); shrink it, or raise the limit with "
                                         "--max-memory GIB",
                                         what, std::isfinite(bytes) ? fmt::format("{:.3g}", bytes / gib) : "unbounded",
                                         lim / gib));
}

}  // namespace villani
