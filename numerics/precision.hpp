// Scalars and precision (docs/design.md "Precision").
//
// Three rungs: double; 50/100 decimal digits on MPFR; MPFI intervals (certificates).
// Constants whose size exceeds double (exp of 1e8, exp(d/2) with d = 1e12) live in
// `Wide`: 50 decimal digits with a 64-bit binary exponent, so exp(±1e15) is finite.
// Boost's own printing of such values asserts, so print them with to_decimal().
#pragma once
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cstdint>
#include <string>

namespace villani {

namespace mp = boost::multiprecision;

/// 50 significant decimal digits; binary exponent range ±2^58 (decimal ±8.6e16).
using Wide = mp::number<mp::cpp_bin_float<50, mp::digit_base_10, void, std::int64_t,
                                          -(std::int64_t(1) << 58), (std::int64_t(1) << 58)>,
                        mp::et_off>;

/// True when x is finite and converts to a finite, normal-or-zero double.
bool fits_double(const Wide& x);

/// log10(|x|); -inf for zero. Exact to ~45 digits for any representable x.
Wide log10_abs(const Wide& x);

/// Decimal text of x with `digits` significant digits, valid for any exponent
/// ("1.234e+54287" style beyond double's range, shortest round-trip otherwise).
std::string to_decimal(const Wide& x, int digits = 17);

/// Decimal text of ±10^l10 with `digits` significant digits (a double mantissa), for a value known by its
/// base-10 logarithm: exponent floor(l10), mantissa 10^frac in double. No transcendental
/// function in 50 digits, which costs milliseconds each in Boost's cpp_bin_float.
std::string decimal_from_log10(const Wide& l10, int digits, bool negative = false);

/// Parses a decimal number that may exceed double's range ("1e5000").
Wide wide_from_string(const std::string& text);

}  // namespace villani
