#include "numerics/symbolic/energy.hpp"

#include <ginac/ginac.h>

#include <algorithm>
#include <map>
#include <cctype>
#include <set>
#include <regex>
#include <sstream>

#include "numerics/errors.hpp"
#include "numerics/symbolic/compile.hpp"
#include "numerics/symbolic/exact_size.hpp"

namespace villani::numerics::symbolic {

// ---- softplus and sigmoid as GiNaC functions (derivatives: softplus' = sigmoid,
//      sigmoid' = sigmoid·(1 − sigmoid)).
DECLARE_FUNCTION_1P(softplus)
DECLARE_FUNCTION_1P(sigmoid)

static GiNaC::ex softplus_deriv(const GiNaC::ex& x, unsigned) { return sigmoid(x); }
static GiNaC::ex sigmoid_deriv(const GiNaC::ex& x, unsigned) { return sigmoid(x) * (1 - sigmoid(x)); }
static GiNaC::ex softplus_evalf(const GiNaC::ex& x) {
  if (GiNaC::is_a<GiNaC::numeric>(x)) {
    const GiNaC::numeric z = GiNaC::ex_to<GiNaC::numeric>(x);
    if (z.is_real()) {
      if (z > 0) return z + GiNaC::log(1 + GiNaC::exp(-z));
      return GiNaC::log(1 + GiNaC::exp(z));
    }
  }
  return softplus(x).hold();
}
static GiNaC::ex sigmoid_evalf(const GiNaC::ex& x) {
  if (GiNaC::is_a<GiNaC::numeric>(x)) {
    const GiNaC::numeric z = GiNaC::ex_to<GiNaC::numeric>(x);
    if (z.is_real()) return 1 / (1 + GiNaC::exp(-z));
  }
  return sigmoid(x).hold();
}
REGISTER_FUNCTION(softplus, derivative_func(softplus_deriv).evalf_func(softplus_evalf))
REGISTER_FUNCTION(sigmoid, derivative_func(sigmoid_deriv).evalf_func(sigmoid_evalf))

namespace {

constexpr int kDigits = 60;

struct DigitsGuard {
  long old;
  DigitsGuard() : old(GiNaC::Digits) { GiNaC::Digits = kDigits; }
  ~DigitsGuard() { GiNaC::Digits = old; }
};

std::string to_text(const GiNaC::ex& e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

std::string numeric_text(const GiNaC::numeric& n) {
  std::ostringstream os;
  os << n;
  std::string s = os.str();
  // CLN prints floats like "1.2345E-5" or "0.5"; MPFR and strtod read both.
  return s;
}

// GiNaC expression -> flat Program (memoized on structural equality).
class Compiler {
 public:
  Compiler(const std::map<std::string, int>& slots, const std::string& argument)
      : slots_(slots), argument_(argument) {}

  Program compile(const GiNaC::ex& e) {
    prog_ = Program{};
    prog_.num_vars = static_cast<int>(slots_.size());
    memo_.clear();
    visit(e);
    return prog_;
  }

 private:
  int push(Instr in) {
    prog_.code.push_back(std::move(in));
    return static_cast<int>(prog_.code.size()) - 1;
  }

  int make_const(const GiNaC::numeric& n) {
    if (!n.is_real()) throw InputError(argument_, "the expression is complex (contains I)");
    Instr in;
    in.op = Op::Const;
    in.value = n.to_double();  // CLN rounds the exact value (0 on underflow, inf on overflow)
    if (n.is_rational()) {
      in.num_text = numeric_text(n.numer());
      in.den_text = numeric_text(n.denom());
    } else {
      in.num_text = numeric_text(n);
    }
    return push(in);
  }

  int visit(const GiNaC::ex& e) {
    auto it = memo_.find(e);
    if (it != memo_.end()) return it->second;
    const int id = build(e);
    memo_.emplace(e, id);
    return id;
  }

  int unary(Op op, const GiNaC::ex& arg) {
    const int a = visit(arg);
    Instr in;
    in.op = op;
    in.args = {a};
    return push(in);
  }

  int build(const GiNaC::ex& e) {
    using namespace GiNaC;
    if (is_a<numeric>(e)) return make_const(ex_to<numeric>(e));
    if (is_a<GiNaC::constant>(e)) {
      const ex v = e.evalf();
      if (!is_a<numeric>(v)) throw InputError(argument_, "cannot evaluate constant " + to_text(e));
      return make_const(ex_to<numeric>(v));
    }
    if (is_a<symbol>(e)) {
      const std::string name = ex_to<symbol>(e).get_name();
      auto s = slots_.find(name);
      if (s == slots_.end()) throw InputError(argument_, "unknown variable '" + name + "'");
      Instr in;
      in.op = Op::Var;
      in.var = s->second;
      return push(in);
    }
    if (is_a<add>(e) || is_a<mul>(e)) {
      std::vector<int> args;
      for (std::size_t i = 0; i < e.nops(); ++i) args.push_back(visit(e.op(i)));
      Instr in;
      in.op = is_a<add>(e) ? Op::Add : Op::Mul;
      in.args = std::move(args);
      return push(in);
    }
    if (is_a<power>(e)) {
      const ex base = e.op(0), expo = e.op(1);
      if (is_a<numeric>(expo)) {
        const numeric n = ex_to<numeric>(expo);
        if (n.is_integer() && abs(n) < numeric(1L << 30)) {
          Instr in;
          in.op = Op::PowInt;
          in.args = {visit(base)};
          in.n = n.to_long();
          return push(in);
        }
        if (n == numeric(1, 2)) return unary(Op::Sqrt, base);
      }
      Instr in;
      in.op = Op::Pow;
      in.args = {visit(base), visit(expo)};
      return push(in);
    }
    if (is_a<function>(e)) {
      const std::string name = ex_to<function>(e).get_name();
      static const std::map<std::string, Op> ops = {
          {"exp", Op::Exp},   {"log", Op::Log},     {"sin", Op::Sin},         {"cos", Op::Cos},
          {"tan", Op::Tan},   {"tanh", Op::Tanh},   {"sinh", Op::Sinh},       {"cosh", Op::Cosh},
          {"atan", Op::Atan}, {"softplus", Op::Softplus}, {"sigmoid", Op::Sigmoid}};
      auto f = ops.find(name);
      if (f == ops.end() || e.nops() != 1)
        throw InputError(argument_, "function '" + name +
                                        "' is not supported (use exp, log, sin, cos, tan, tanh, "
                                        "sinh, cosh, atan, sqrt, softplus, sigmoid, powers)");
      return unary(f->second, e.op(0));
    }
    throw InputError(argument_, "cannot evaluate the subexpression " + to_text(e));
  }

  const std::map<std::string, int>& slots_;
  std::string argument_;
  Program prog_;
  std::map<GiNaC::ex, int, GiNaC::ex_is_less> memo_;
};

// GiNaC's parser messages carry its own source location ("[GiNaC::ex GiNaC::parser::
// parse_primary()(parser/parser.cpp:187)]") and a position that is always "line 0, column 0":
// keep only what speaks about the user's expression (issue 15).
std::string ginac_message(const std::string& what) {
  std::string m = what.substr(0, what.find('\n'));
  const std::string pre = "GiNaC: parse error at line ";
  if (m.rfind(pre, 0) == 0) {
    const auto colon = m.find(": ", pre.size());
    if (colon != std::string::npos) m = m.substr(colon + 2);
  }
  const auto eof = m.find("got: EOF");
  if (eof != std::string::npos) m.replace(eof, 8, "got: the end of the expression");
  const auto fis = m.find("find_or_insert_symbol: ");
  if (fis != std::string::npos) m = m.substr(fis + 23);
  const auto pe = m.find("power::eval(): ");
  if (pe != std::string::npos) m = m.substr(pe + 15);
  return m;
}

// The functions a loss may call: exactly those the compiler below evaluates. GiNaC's default
// table also holds factorial, binomial, zeta, …, which evaluate exactly at parse time:
// factorial(10^9) would never finish.
const GiNaC::prototype_table& loss_functions() {
  static const GiNaC::prototype_table table = [] {
    static const std::set<std::string> allowed = {"exp",  "log",  "sin",  "cos",  "tan",      "tanh",
                                                  "sinh", "cosh", "atan", "sqrt", "softplus", "sigmoid"};
    GiNaC::prototype_table t = GiNaC::get_default_reader();
    for (auto it = t.begin(); it != t.end();)
      it = allowed.count(it->first.first) != 0 && it->first.second == 1 ? std::next(it) : t.erase(it);
    return t;
  }();
  return table;
}

// GiNaC evaluates a number raised to an integer exactly while it parses: 2^2666666666322 grew
// to 16 GB. Before GiNaC sees the text, each exponent (the operand after '^') must contain no
// '^' of its own, and when it is a number its numerator and denominator must be at most 1000;
// with the text at most 10,000 characters, no exact number can grow beyond ~10^7 digits.
constexpr long kMaxExponent = 1000;
constexpr int kMaxNesting = 64;
void refuse_exact_blowup(const std::string& text, const std::string& argument) {
  using namespace GiNaC;
  if (text.size() > 10000)
    throw InputError(argument, "is " + std::to_string(text.size()) + " characters long; at most 10000");
  // Nesting: exp(exp(…)) a few thousand levels deep ran for minutes in GiNaC's differentiation
  // and simplification (issue 26). No loss a user writes nests anywhere near this deep.
  int depth = 0, deepest = 0;
  for (const char c : text) {
    if (c == '(') deepest = std::max(deepest, ++depth);
    if (c == ')') --depth;
  }
  if (deepest > kMaxNesting)
    throw InputError(argument, "nests parentheses " + std::to_string(deepest) + " levels deep; at most " +
                                   std::to_string(kMaxNesting));
  // Signs nest too: GiNaC's parser recurses once per unary sign (9000 '-' overflowed its stack).
  int run = 0, longest = 0;
  for (const char c : text) {
    if (c == '-' || c == '+') longest = std::max(longest, ++run);
    else if (!std::isspace(static_cast<unsigned char>(c))) run = 0;
  }
  if (longest > kMaxNesting)
    throw InputError(argument, std::to_string(longest) + " signs in a row; at most " + std::to_string(kMaxNesting));
  for (std::size_t i = text.find('^'); i != std::string::npos; i = text.find('^', i + 1)) {
    std::size_t b = i + 1;
    while (b < text.size() && std::isspace(static_cast<unsigned char>(text[b]))) ++b;
    std::size_t e = b;
    if (e < text.size() && (text[e] == '+' || text[e] == '-')) ++e;
    while (e < text.size() && (std::isalnum(static_cast<unsigned char>(text[e])) || text[e] == '_' || text[e] == '.')) ++e;
    if (e < text.size() && text[e] == '(') {  // a parenthesized exponent or a function call
      int depth = 0;
      for (; e < text.size(); ++e) {
        if (text[e] == '(') ++depth;
        if (text[e] == ')' && --depth == 0) { ++e; break; }
      }
    }
    const std::string operand = text.substr(b, e - b);
    if (operand.find('^') != std::string::npos)
      throw InputError(argument, "exponent '" + operand.substr(0, 40) + "' holds a power of its own; write the exponent as a number");
    symtab syms;
    parser p(syms, false, loss_functions());
    ex x;
    try {
      refuse_huge_exact_numbers(operand, loss_functions(), argument);  // "1e99999999": read exactly
      x = p(operand);
    } catch (const InputError&) {
      throw;
    } catch (const std::exception&) {  // "8888^8888889888888888t": GiNaC would still read the number
      throw InputError(argument, "exponent '" + operand.substr(0, 40) + "' does not parse on its own; "
                                 "put a compound exponent in parentheses");
    }
    if (!is_a<numeric>(x)) continue;
    const numeric n = ex_to<numeric>(x);
    const numeric limit(kMaxExponent);
    if (!n.is_real() || (n.is_rational() ? (abs(n.numer()) > limit || abs(n.denom()) > limit) : abs(n) > limit))
      throw InputError(argument, "exponent '" + operand.substr(0, 40) + "' is out of range: exponents must be real, "
                                 "with numerator and denominator at most " + std::to_string(kMaxExponent));
  }
  // The scan above sees exponents as text; unary signs bind whole power chains ("414^+414^+414"
  // raises 414 to 414^414), so the sizes are also bounded on a parse that evaluates nothing.
  try {
    refuse_huge_exact_numbers(text, loss_functions(), argument);
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(argument, "does not parse: " + ginac_message(e.what()));
  }
}

// GiNaC 1.8's parser dereferences a missing argument when a function is called with none
// ("exp()" is a SIGSEGV inside libginac; found by fuzz_expr): refuse such calls before it sees them.
void refuse_empty_calls(const std::string& text, const std::string& argument) {
  static const std::regex empty_call(R"(([A-Za-z_][A-Za-z_0-9]*)\s*\(\s*\))");
  std::smatch m;
  if (std::regex_search(text, m, empty_call))
    throw InputError(argument, "does not parse: " + m[1].str() + "() has no argument; functions take one, e.g. " +
                                   m[1].str() + "(t)");
}

// CLN converts exponents to 32-bit integers inside GiNaC's algebraic substitution, and throws
// where GiNaC cannot pass the exception on: t^2666666666322 ended the process (std::terminate;
// found by fuzz_expr). Exponents of a loss beyond a million are refused before any rewriting.
void refuse_huge_exponents(const GiNaC::ex& e, const std::string& argument) {
  using namespace GiNaC;
  const numeric limit(kMaxExponent);
  for (auto it = e.preorder_begin(); it != e.preorder_end(); ++it) {
    if (is_a<power>(*it) && it->op(0).is_zero())  // GiNaC's derivative of 0^x throws through a noexcept frame
      throw InputError(argument, "0^(...) is not differentiable at 0; write the power of a positive base");
    if (!is_a<power>(*it) || !is_a<numeric>(it->op(1))) continue;
    const numeric x = ex_to<numeric>(it->op(1));
    const bool huge = x.is_rational() ? (abs(x.numer()) > limit || abs(x.denom()) > limit)
                                      : (!x.is_real() || abs(x) > limit);
    if (huge) {
      std::ostringstream os;
      os << it->op(1);
      throw InputError(argument, "exponent " + os.str().substr(0, 40) +
                                     " is out of range: exponents of a loss must be real with numerator and "
                                     "denominator at most " + std::to_string(kMaxExponent));
    }
  }
}

}  // namespace

struct Energy::Impl {
  GiNaC::symtab table;
  std::vector<GiNaC::symbol> theta;
  GiNaC::symbol lambda{"lambda"}, s{"s"};
  GiNaC::ex L, F, lap, psi, psi2s, curv, r2;
  std::vector<GiNaC::ex> grad, hess;
  std::map<std::string, int> slots;
  std::string argument;
};

Energy::~Energy() = default;
Energy::Energy(Energy&&) noexcept = default;
Energy& Energy::operator=(Energy&&) noexcept = default;

Energy::Energy(const std::string& loss, int dim, const std::string& argument)
    : impl_(std::make_unique<Impl>()), text_(loss) {
  using namespace GiNaC;
  DigitsGuard digits;
  auto& I = *impl_;
  I.argument = argument;
  if (loss.find_first_not_of(" \t\n") == std::string::npos)
    throw InputError(argument, "empty expression; expected e.g. '10*exp(-t^2/2)'");
  if (dim != 0 && dim != 1 && dim != 2)
    throw InputError("--dim", "expected 1 or 2; got " + std::to_string(dim));
  refuse_empty_calls(loss, argument);
  refuse_exact_blowup(loss, argument);

  // Infer the dimension from the identifiers (a non-strict parse), then parse strictly.
  if (dim == 0) {
    symtab probe;
    parser p(probe, false, loss_functions());
    try {
      p(loss);
    } catch (const std::exception& e) {
      throw InputError(argument, "does not parse: " + ginac_message(e.what()));
    }
    const auto syms = p.get_syms();
    const bool has_t = syms.count("t") > 0, has_t12 = syms.count("t1") > 0 || syms.count("t2") > 0;
    if (has_t && has_t12)
      throw InputError(argument, "mixes t (1-D) with t1/t2 (2-D); use t alone or t1 and t2");
    dim = has_t12 ? 2 : 1;
  }
  dim_ = dim;
  const std::vector<std::string> names = dim == 1 ? std::vector<std::string>{"t"}
                                                  : std::vector<std::string>{"t1", "t2"};
  for (int k = 0; k < dim; ++k) {
    I.theta.emplace_back(names[k]);
    I.table[names[k]] = I.theta.back();
    I.slots[names[k]] = k;
  }
  I.slots["lambda"] = dim;
  I.slots["s"] = dim + 1;
  parser strict(I.table, true, loss_functions());
  try {
    I.L = strict(loss);
  } catch (const std::exception& e) {
    const std::string raw = e.what();
    const std::string msg = ginac_message(raw);
    if (raw.find("unknown symbol") != std::string::npos || raw.find("find_or_insert") != std::string::npos)
      throw InputError(argument, "names an unknown variable (" + msg + "); the " +
                                     std::to_string(dim) + "-D variables are " +
                                     (dim == 1 ? "t" : "t1, t2"));
    throw InputError(argument, "does not parse: " + msg);
  }
  refuse_huge_exponents(I.L, argument);
  // Rewrite a typed log(1 + exp(z)) to the stable softplus(z).
  const ex before = I.L;
  I.L = I.L.subs(log(1 + exp(wild(0))) == softplus(wild(0)), subs_options::subs_algebraic);
  rewrote_softplus_ = !before.is_equal(I.L);

  ex r2 = 0;
  for (const auto& th : I.theta) r2 += pow(th, 2);
  I.r2 = r2;
  I.F = I.L + I.lambda / 2 * r2;
  I.lap = 0;
  ex grad2 = 0;
  for (const auto& th : I.theta) {
    const ex g = I.F.diff(th);
    I.grad.push_back(g);
    grad2 += pow(g, 2);
    I.lap += I.F.diff(th, 2);
  }
  I.psi = -I.lap + grad2 / I.s;
  I.psi2s = -I.lap + grad2 / (2 * I.s);
  for (int i = 0; i < dim; ++i)
    for (int j = i; j < dim; ++j) I.hess.push_back(I.L.diff(I.theta[i]).diff(I.theta[j]));
  if (dim == 1) {
    I.curv = I.hess[0];
  } else {
    const ex a = I.hess[0], b = I.hess[1], c = I.hess[2];
    I.curv = (a + c) / 2 - sqrt(pow((a - c) / 2, 2) + pow(b, 2));
  }

  Compiler comp(I.slots, argument);
  loss_ = comp.compile(I.L);
  energy_ = comp.compile(I.F);
  for (const auto& g : I.grad) grad_.push_back(comp.compile(g));
  lap_ = comp.compile(I.lap);
  psi_ = comp.compile(I.psi);
  psi2s_ = comp.compile(I.psi2s);
  curv_ = comp.compile(I.curv);
  r2_ = comp.compile(I.r2);
}

std::vector<std::string> Energy::variables() const {
  std::vector<std::string> v;
  for (const auto& th : impl_->theta) v.push_back(th.get_name());
  v.push_back("lambda");
  v.push_back("s");
  return v;
}

namespace {
// A real number typed as text (a decimal, a fraction, an expression of constants), kept exact:
// decimals become rationals (GiNaC's parser would read "0.1" as a float).
GiNaC::ex parse_real(const std::string& text, const std::string& what, const std::string& argument) {
  using namespace GiNaC;
  static const std::regex decimal(R"(^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$)");
  std::smatch m;
  std::string exact = text;
  if (std::regex_match(text, m, decimal) && (m[2].length() + m[3].length()) > 0) {
    const std::string digits = m[2].str() + m[3].str();
    long e10 = m[4].matched ? std::stol(m[4].str()) : 0;
    e10 -= static_cast<long>(m[3].length());
    if (e10 < -4000 || e10 > 4000) throw InputError(argument, what + " is out of range: '" + text + "'");
    exact = m[1].str() + digits + (e10 >= 0 ? "*10^" + std::to_string(e10) : "/10^" + std::to_string(-e10));
  }
  refuse_empty_calls(exact, argument);
  refuse_exact_blowup(exact, argument);
  symtab none;
  parser p(none, true, loss_functions());
  ex v;
  try {
    v = p(exact);
  } catch (const std::exception&) {
    throw InputError(argument, what + " must be a number; got '" + text + "'");
  }
  if (!is_a<numeric>(v.evalf()) || !ex_to<numeric>(v.evalf()).is_real())
    throw InputError(argument, what + " must be a real number; got '" + text + "'");
  return v;
}
}  // namespace

namespace {
GiNaC::ex with_parameters(const GiNaC::ex& e, const GiNaC::symbol& lam, const GiNaC::symbol& s,
                          const std::string& lambda, const std::string& temp) {
  GiNaC::ex out = e;
  if (!lambda.empty()) out = out.subs(lam == parse_real(lambda, "lambda", "--lambda"));
  if (!temp.empty()) out = out.subs(s == parse_real(temp, "s", "--temperature"));
  return out;
}

// The margin compiled, with its derivatives in the slots when `gradient` is given.
Program compile_margin(const GiNaC::ex& g, const std::map<std::string, int>& slots,
                       const std::vector<GiNaC::symbol>& theta, const std::string& argument,
                       std::vector<Program>* gradient) {
  Compiler comp(slots, argument);
  if (gradient) {
    gradient->clear();
    for (const auto& t : theta) gradient->push_back(comp.compile(g.diff(t)));
  }
  return comp.compile(g);
}
}  // namespace

Program Energy::coercivity_margin(const std::string& c, const std::string& C, const std::string& lambda,
                                  const std::string& s, std::vector<Program>* gradient) const {
  DigitsGuard digits;
  const GiNaC::ex g = with_parameters(
      impl_->F - parse_real(c, "c", "--certify") * impl_->r2 + parse_real(C, "C", "--certify"), impl_->lambda,
      impl_->s, lambda, s);
  return compile_margin(g, impl_->slots, impl_->theta, "--certify", gradient);
}

Program Energy::psi_margin(const std::string& M, bool twice_s, const std::string& lambda, const std::string& s,
                           const std::string& argument, std::vector<Program>* gradient) const {
  DigitsGuard digits;
  const GiNaC::ex g = with_parameters((twice_s ? impl_->psi2s : impl_->psi) - parse_real(M, "M", argument),
                                      impl_->lambda, impl_->s, lambda, s);
  return compile_margin(g, impl_->slots, impl_->theta, argument, gradient);
}

namespace {
// u·L'(1/u) expanded, so that powers of u cancel before intervals meet u = 0 (u·(4u^-3 − 8u^-1)
// is inf − inf there, 4u^-2 − 8 is not); left as it is when the expansion grows past 2000 terms.
// With `normalized`, the expansion is then brought to one fraction (normal()): (1 − u^-2)/(1 + u^-2)²
// becomes u²(u² − 1)/(u² + 1)², finite at u = 0, while other expressions enclose better expanded.
GiNaC::ex far_form(const GiNaC::ex& e, bool normalized) {
  const GiNaC::ex x = e.expand();
  if (GiNaC::is_a<GiNaC::add>(x) && x.nops() > 2000) return e;
  if (!normalized) return x;
  try {
    return GiNaC::normal(x);
  } catch (const std::exception&) {
    return x;
  }
}

// θ = ω/u for a far part, in its slots: 1-D t = ±1/u (slot 0 holds u); 2-D slot 0 holds u and
// slot 1 holds φ, ω = (cos φ, sin φ), substituted simultaneously. `omega` receives ω.
GiNaC::exmap far_substitution(const std::vector<GiNaC::symbol>& theta, Energy::Radial part,
                              std::vector<GiNaC::ex>& omega) {
  using namespace GiNaC;
  const bool two = part == Energy::Radial::Far2D;
  if (theta.size() != (two ? 2u : 1u))
    throw DomainError(two ? "Far2D needs a 2-D energy" : "FarPlus/FarMinus need a 1-D energy");
  const symbol& u = theta[0];
  omega = two ? std::vector<ex>{cos(theta[1]), sin(theta[1])}
              : std::vector<ex>{part == Energy::Radial::FarPlus ? 1 : -1};
  exmap at;
  for (std::size_t k = 0; k < theta.size(); ++k) at[theta[k]] = omega[k] / u;
  return at;
}

}  // namespace

Program Energy::radial_margin(Radial part, const std::string& lambda, const std::string& s,
                              std::vector<Program>* gradient, bool normalized) const {
  using namespace GiNaC;
  DigitsGuard digits;
  const auto& I = *impl_;
  const ex quarter = numeric(1, 4);
  ex g;
  if (part == Radial::Near) {
    ex radial = 0;
    for (std::size_t k = 0; k < I.theta.size(); ++k) radial += I.theta[k] * I.grad[k];
    g = radial - quarter * I.lambda * I.r2;
  } else {
    std::vector<ex> omega;
    const exmap at = far_substitution(I.theta, part, omega);
    // ω multiplies after the substitution: in 2-D its φ is the symbol t2 that it replaces.
    ex dl = 0;
    for (std::size_t k = 0; k < I.theta.size(); ++k) dl += omega[k] * I.L.diff(I.theta[k]).subs(at);
    g = (1 - quarter) * I.lambda + far_form(I.theta[0] * dl, normalized);
  }
  return compile_margin(with_parameters(g, I.lambda, I.s, lambda, s), I.slots, I.theta, "--loss", gradient);
}

Program Energy::curvature_margin(Radial part, const std::string& K, std::vector<Program>* gradient,
                                 bool normalized) const {
  using namespace GiNaC;
  DigitsGuard digits;
  const auto& I = *impl_;
  ex g = I.curv;
  if (part != Radial::Near) {
    std::vector<ex> omega;
    g = far_form(g.subs(far_substitution(I.theta, part, omega)), normalized);
  }
  return compile_margin(g + parse_real(K, "K", "--loss"), I.slots, I.theta, "--loss", gradient);
}

Derivation Energy::derivation() const {
  const auto& I = *impl_;
  Derivation d;
  d.loss = to_text(I.L);
  d.energy = to_text(I.F);
  for (const auto& g : I.grad) d.gradient.push_back(to_text(g));
  d.laplacian = to_text(I.lap);
  d.psi_s = to_text(I.psi);
  d.psi_2s = to_text(I.psi2s);
  for (const auto& h : I.hess) d.hessian_loss.push_back(to_text(h));
  d.curvature_min = to_text(I.curv);
  return d;
}

std::array<double, 4> slots(const double* theta, int dim, double lambda, double s) {
  std::array<double, 4> vars{{0, 0, 0, 0}};
  for (int k = 0; k < dim; ++k) vars[k] = theta[k];
  vars[dim] = lambda;
  vars[dim + 1] = s;
  return vars;
}

double eval_double(const Program& p, const double* theta, int dim, double lambda, double s) {
  auto vars = slots(theta, dim, lambda, s);
  Evaluator<double> ev(p);
  return ev(vars.data());
}

Program compile_expression(const GiNaC::ex& e, const std::map<std::string, int>& slots, const std::string& argument) {
  return Compiler(slots, argument).compile(e);
}

}  // namespace villani::numerics::symbolic
