// A guard for the GiNaC front end of `villani gap --loss` (issue 15): GiNaC evaluates exact
// numbers while it parses, so a short text can ask for a number of millions of digits before any
// check of the parsed expression can run ("+41+414^+414^+414": unary '+' binds the whole power
// chain 414^+414 as the exponent of 414; found by fuzz_expr). Internal to numerics/symbolic.
#pragma once
#include <ginac/ginac.h>

#include <string>

namespace villani::numerics::symbolic {

/// The most decimal digits an exact number of a loss may need (numerator and denominator).
constexpr double kMaxExactDigits = 100000;

/// Parses `text` with every number literal replaced by a symbol, so that GiNaC evaluates nothing,
/// and bounds from that tree the digits of every exact number the real parse would build: a
/// literal counts its digits plus its decimal exponent ("1e400": 401); sums, products and
/// function arguments add their operands' bounds; every power multiplies its base's bound by the
/// exponent's magnitude (any base may be a number in the real parse: 1^t is 1 there), taken
/// exactly for a short exponent of numbers only (a longer one is refused) and otherwise as the
/// largest |value| in double at three points for the variables (NaN or inf: refused).
/// InputError(argument) naming the excess when the bound passes kMaxExactDigits. A text that does
/// not parse throws GiNaC's own exception (number names restored in its message), so the caller
/// reports it without evaluating the numbers.
void refuse_huge_exact_numbers(const std::string& text, const GiNaC::prototype_table& functions,
                               const std::string& argument);

}  // namespace villani::numerics::symbolic
