#include "numerics/symbolic/exact_size.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "numerics/errors.hpp"
#include "numerics/symbolic/compile.hpp"
#include "numerics/symbolic/program.hpp"

namespace villani::numerics::symbolic {
namespace {

const std::string kPrefix = "villaniliteral";

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// GiNaC's lexer reads an identifier as a letter then letters, digits and '_', and a number as
// digits and dots with an optional exponent ("1e5", "1e-5", ".5", "5."). Each number becomes the
// symbol villaniliteral<k>; `literals` keeps its text.
std::string symbolize_numbers(const std::string& s, std::vector<std::string>& literals) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isalpha(static_cast<unsigned char>(c))) {
      std::size_t e = i + 1;
      while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_')) ++e;
      out.append(s, i, e - i);
      i = e;
    } else if (digit(c) || c == '.') {
      std::size_t e = i;
      while (e < s.size() && (digit(s[e]) || s[e] == '.')) ++e;
      if (e < s.size() && (s[e] == 'e' || s[e] == 'E')) {
        std::size_t x = e + 1;
        if (x < s.size() && (s[x] == '+' || s[x] == '-')) ++x;
        if (x < s.size() && digit(s[x])) {
          while (x < s.size() && digit(s[x])) ++x;
          e = x;
        }
      }
      literals.push_back(s.substr(i, e - i));
      out += " " + kPrefix + std::to_string(literals.size() - 1) + " ";
      i = e;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::string restore_numbers(std::string m, const std::vector<std::string>& literals) {
  for (std::size_t p = m.find(kPrefix); p != std::string::npos; p = m.find(kPrefix, p)) {
    std::size_t e = p + kPrefix.size();
    while (e < m.size() && digit(m[e])) ++e;
    const std::string idx = m.substr(p + kPrefix.size(), e - p - kPrefix.size());
    const std::size_t k = idx.empty() ? literals.size() : std::stoul(idx);
    const std::string lit = k < literals.size() ? literals[k] : "a number";
    m.replace(p, e - p, lit);
    p += lit.size();
  }
  return m;
}

// Digits of the exact number a literal stands for: GiNaC reads "1e9999999999999999" through an
// exact power of ten (fuzz_expr: a hang inside GMP), so the exponent counts as digits.
double literal_digits(const std::string& lit) {
  const std::size_t e = lit.find_first_of("eE");
  double d = static_cast<double>(std::count_if(lit.begin(), lit.begin() + static_cast<long>(std::min(e, lit.size())), digit));
  if (e != std::string::npos) {
    double x = 0;
    for (std::size_t i = e + 1; i < lit.size(); ++i)
      if (digit(lit[i])) x = std::min(1e300, 10 * x + (lit[i] - '0'));
    d += x;
  }
  return std::max(d, 1.0);
}

class Bound {
 public:
  Bound(const std::vector<std::string>& literals, std::map<std::size_t, GiNaC::ex> symbols)
      : literals_(literals), symbols_(std::move(symbols)) {}

  /// Upper bound on the digits of the exact numbers GiNaC builds for e (∞ when too large to say).
  double digits(const GiNaC::ex& e) {
    using namespace GiNaC;
    if (is_a<symbol>(e)) {
      const int k = literal_index(e);
      return k >= 0 ? literal_digits(literals_[k]) : 1.0;
    }
    if (is_a<numeric>(e)) {  // coefficients the symbolic parse made itself (−1, 2 from x+x, …)
      std::ostringstream os;
      os << e;
      return static_cast<double>(os.str().size());
    }
    if (is_a<power>(e)) {
      // Any base may turn out a number in the real parse (1^t is 1 there, but not here where 1 is
      // a symbol; fuzz_expr: "+41^t/414^+414^4+1^t/4/424"), so every power multiplies its base's
      // bound by the exponent's magnitude.
      const ex base = e.op(0), expo = e.op(1);
      const double b = digits(base), x = digits(expo);
      return b * std::max(1.0, magnitude(expo, x)) + x;
    }
    double sum = 0;
    for (std::size_t i = 0; i < e.nops(); ++i) sum += digits(e.op(i));
    return std::max(sum, 1.0);
  }

 private:
  // |value| of an exponent: exact when it holds numbers only and is short; otherwise the largest
  // |value| in double at three points for its variables (an exponent that loses its variables in
  // the real parse has that value at every point). ∞ when it cannot be told (inf, NaN).
  double magnitude(const GiNaC::ex& expo, double expo_digits) {
    using namespace GiNaC;
    if (numbers_only(expo)) {
      if (expo_digits > 50) return std::numeric_limits<double>::infinity();
      const ex exact = expo.subs(values());  // small: its own bound is ≤ 50 digits
      const ex v = exact.evalf();
      if (!is_a<numeric>(v) || !ex_to<numeric>(v).is_real()) return std::numeric_limits<double>::infinity();
      if (is_a<numeric>(exact) && ex_to<numeric>(exact).is_rational())
        return std::abs(ex_to<numeric>(exact).numer().to_double());
      return std::abs(ex_to<numeric>(v).to_double());
    }
    // Literals at their values, variables at `at` (shifted per name), through Energy's compiler
    // and evaluator; a function it lacks leaves the magnitude unknown.
    std::map<std::string, int> slots;
    std::vector<double> vars, shift;
    for (auto it = expo.preorder_begin(); it != expo.preorder_end(); ++it) {
      if (!is_a<symbol>(*it)) continue;
      const std::string& name = ex_to<symbol>(*it).get_name();
      if (!slots.emplace(name, static_cast<int>(vars.size())).second) continue;
      const int k = literal_index(*it);
      vars.push_back(k >= 0 ? std::strtod(literals_[k].c_str(), nullptr) : 0.0);
      shift.push_back(k >= 0 ? 0.0 : 1.0 + 0.01 * static_cast<double>(name.size()));
    }
    Program program;
    try {
      program = compile_expression(expo, slots, "--loss");
    } catch (const std::exception&) {
      return std::numeric_limits<double>::infinity();
    }
    Evaluator<double> eval(program);
    double m = 0;
    for (const double at : {0.37, 0.71, 1.29}) {
      std::vector<double> x = vars;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (shift[i] != 0) x[i] = at + shift[i];
      const double v = eval(x.data());
      if (!std::isfinite(v)) return std::numeric_limits<double>::infinity();
      m = std::max(m, std::abs(v));
    }
    return m;
  }

  int literal_index(const GiNaC::ex& e) const {
    const std::string& n = GiNaC::ex_to<GiNaC::symbol>(e).get_name();
    if (n.rfind(kPrefix, 0) != 0) return -1;
    const std::size_t k = std::stoul(n.substr(kPrefix.size()));
    return k < literals_.size() ? static_cast<int>(k) : -1;
  }
  // True when e holds no symbol but number literals (so GiNaC computes it exactly).
  bool numbers_only(const GiNaC::ex& e) const {
    for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it)
      if (GiNaC::is_a<GiNaC::symbol>(*it) && literal_index(*it) < 0) return false;
    return true;
  }
  const GiNaC::exmap& values() {
    if (values_.empty() && !literals_.empty()) {
      GiNaC::symtab none;
      GiNaC::parser p(none, true);
      for (const auto& s : symbols_)  // only literals that fit an exponent of ≤ 50 digits are read
        if (literal_digits(literals_[s.first]) <= 50) values_[s.second] = p(literals_[s.first]);
    }
    return values_;
  }

  const std::vector<std::string>& literals_;
  std::map<std::size_t, GiNaC::ex> symbols_;
  GiNaC::exmap values_;
};

}  // namespace

void refuse_huge_exact_numbers(const std::string& text, const GiNaC::prototype_table& functions,
                               const std::string& argument) {
  using namespace GiNaC;
  std::vector<std::string> literals;
  const std::string symbolic = symbolize_numbers(text, literals);
  symtab syms;
  parser p(syms, false, functions);
  ex e;
  try {
    e = p(symbolic);
  } catch (const std::exception& x) {
    throw std::invalid_argument(restore_numbers(x.what(), literals));
  }
  std::map<std::size_t, ex> symbols;
  for (const auto& [name, sym] : p.get_syms()) {
    if (name.rfind(kPrefix, 0) != 0) continue;
    const std::size_t k = std::stoul(name.substr(kPrefix.size()));
    if (k < literals.size()) symbols[k] = sym;
  }
  const double d = Bound(literals, std::move(symbols)).digits(e);
  if (!(d <= kMaxExactDigits))
    throw InputError(argument,
                     fmt::format("asks for exact numbers of {} digits (at most {:.0f}): powers of numbers and decimal "
                                 "exponents such as 1e400 are computed exactly while the text is read; write such "
                                 "constants as decimals of moderate size",
                                 std::isfinite(d) ? fmt::format("about {:.3g}", d) : fmt::format("more than {:.0f}", kMaxExactDigits),
                                 kMaxExactDigits));
}

}  // namespace villani::numerics::symbolic
