// A compiled expression: the flat, GiNaC-free form of a symbolic expression, evaluated at
// any scalar type (double, MPFR numbers of any precision, MPFI intervals). GiNaC does the
// algebra and the differentiation (numerics/symbolic/energy.hpp); this is only an evaluator.
//
// Instructions are in topological order; each writes one register. Common subexpressions are
// shared (the compiler memoizes structurally equal GiNaC subtrees).
#pragma once
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace villani::numerics::symbolic {

enum class Op {
  Const,    ///< num_text / den_text (exact rational or a 60-digit decimal)
  Var,      ///< vars[var]
  Add,      ///< sum of args
  Mul,      ///< product of args
  PowInt,   ///< args[0]^n (n integer, even powers evaluated on |x|: tight for intervals)
  Pow,      ///< args[0]^args[1] = exp(args[1]·log(args[0]))
  Sqrt,
  Exp, Log, Sin, Cos, Tan, Tanh, Sinh, Cosh, Atan,
  Softplus,  ///< log(1 + e^x), evaluated stably
  Sigmoid,   ///< 1/(1 + e^{−x}), evaluated stably
};

struct Instr {
  Op op = Op::Const;
  std::vector<int> args;
  long n = 0;         ///< PowInt exponent
  int var = 0;        ///< Var index
  std::string num_text = "0", den_text = "1";  ///< Const
  /// Const in double, rounded by GiNaC from the exact value: a numerator and denominator beyond
  /// double's range ((1 + t²/1000)^1000 differentiated: 1000^999) can have a ratio within it.
  double value = 0;
};

struct Program {
  std::vector<Instr> code;  ///< the last instruction is the result
  int num_vars = 0;
};

namespace detail {
inline double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}
// Multiprecision types (MPFR numbers, MPFI intervals) have exponent range ±2^62: no overflow.
template <class T> T softplus(const T& x) { using std::log1p; using std::exp; return log1p(exp(x)); }
template <class T> T sigmoid(const T& x) { using std::exp; return T(1) / (T(1) + exp(-x)); }
template <class T> T from_text(const std::string& s, T*) { return T(s); }
inline double abs_of(double x) { return std::fabs(x); }
template <class T> T abs_of(const T& x) { using std::abs; return abs(x); }
}  // namespace detail

/// Evaluates a Program at scalar type T. Constants are converted once, at construction (so
/// construct MPFR/MPFI evaluators after setting the default precision).
template <class T>
class Evaluator {
 public:
  explicit Evaluator(const Program& p) : p_(&p), regs_(p.code.size()), consts_(p.code.size()) {
    for (std::size_t i = 0; i < p.code.size(); ++i)
      if (p.code[i].op == Op::Const) {
        if constexpr (std::is_same_v<T, double>)
          consts_[i] = p.code[i].value;
        else
          consts_[i] = detail::from_text(p.code[i].num_text, static_cast<T*>(nullptr)) /
                       detail::from_text(p.code[i].den_text, static_cast<T*>(nullptr));
      }
  }

  T operator()(const T* vars) {
    using std::atan; using std::cos; using std::cosh; using std::exp; using std::log;
    using std::pow; using std::sin; using std::sinh; using std::sqrt; using std::tan;
    using std::tanh;
    const auto& code = p_->code;
    for (std::size_t i = 0; i < code.size(); ++i) {
      const Instr& in = code[i];
      T& r = regs_[i];
      switch (in.op) {
        case Op::Const: r = consts_[i]; break;
        case Op::Var: r = vars[in.var]; break;
        case Op::Add: {
          r = regs_[in.args[0]];
          for (std::size_t k = 1; k < in.args.size(); ++k) r += regs_[in.args[k]];
          break;
        }
        case Op::Mul: {
          r = regs_[in.args[0]];
          for (std::size_t k = 1; k < in.args.size(); ++k) r *= regs_[in.args[k]];
          break;
        }
        case Op::PowInt: {
          long n = in.n < 0 ? -in.n : in.n;
          T base = (n % 2 == 0) ? detail::abs_of(regs_[in.args[0]]) : regs_[in.args[0]];
          T acc(1);
          while (n > 0) {
            if (n & 1) acc *= base;
            n >>= 1;
            if (n > 0) base *= base;
          }
          r = in.n < 0 ? T(T(1) / acc) : acc;
          break;
        }
        case Op::Pow: r = exp(regs_[in.args[1]] * log(regs_[in.args[0]])); break;
        case Op::Sqrt: r = sqrt(regs_[in.args[0]]); break;
        case Op::Exp: r = exp(regs_[in.args[0]]); break;
        case Op::Log: r = log(regs_[in.args[0]]); break;
        case Op::Sin: r = sin(regs_[in.args[0]]); break;
        case Op::Cos: r = cos(regs_[in.args[0]]); break;
        case Op::Tan: r = tan(regs_[in.args[0]]); break;
        case Op::Tanh: r = tanh(regs_[in.args[0]]); break;
        case Op::Sinh: r = sinh(regs_[in.args[0]]); break;
        case Op::Cosh: r = cosh(regs_[in.args[0]]); break;
        case Op::Atan: r = atan(regs_[in.args[0]]); break;
        case Op::Softplus: r = detail::softplus(regs_[in.args[0]]); break;
        case Op::Sigmoid: r = detail::sigmoid(regs_[in.args[0]]); break;
      }
    }
    return regs_.back();
  }

 private:
  const Program* p_;
  std::vector<T> regs_, consts_;
};

}  // namespace villani::numerics::symbolic
