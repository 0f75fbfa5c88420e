// Scalars at any precision (docs/design.md "Precision"): the types the reference models
// (numerics/models/) are templated on, Eigen::NumTraits for the multiprecision ones, and small
// conversion helpers.
//
//   double                 float64
//   Real50, Real100        MPFR, 50 / 100 significant decimal digits (values, Eigen solvers)
//   Interval50, Interval100 MPFI intervals of the same widths (enclosures, certificates)
//   AdReal50, AdReal100    cpp_bin_float 50 / 100 digits: the root type of Boost.Math autodiff
//                          at high precision. Boost 1.74's fvar<mpfr_float> does not compile
//                          (exp/log/tanh of an fvar over mpfr fail), fvar<cpp_bin_float> does.
//
// Eigen: Boost 1.74's boost/multiprecision/eigen.hpp lacks NumTraits::infinity()/quiet_NaN(),
// which Eigen 3.4's dense solvers need, so this header carries its own NumTraits.
#pragma once
#include <Eigen/Core>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <boost/multiprecision/mpfi.hpp>
#include <boost/multiprecision/mpfr.hpp>
#include <limits>
#include <string>
#include <type_traits>

namespace villani {

namespace mp = boost::multiprecision;

using Real50 = mp::mpfr_float_50;
using Real100 = mp::mpfr_float_100;
using Interval50 = mp::mpfi_float_50;
using Interval100 = mp::mpfi_float_100;
using AdReal50 = mp::cpp_bin_float_50;
using AdReal100 = mp::cpp_bin_float_100;

template <class S>
struct is_interval : std::false_type {};
template <unsigned D, mp::expression_template_option E>
struct is_interval<mp::number<mp::mpfi_float_backend<D>, E>> : std::true_type {};

/// Nearest double (interval: its midpoint).
inline double to_double(double x) { return x; }
template <class B, mp::expression_template_option E>
double to_double(const mp::number<B, E>& x) {
  if constexpr (is_interval<mp::number<B, E>>::value)
    return mp::median(x).template convert_to<double>();
  else
    return x.template convert_to<double>();
}

/// Decimal text with `digits` significant digits (0: all the type holds); intervals print
/// "[lower, upper]".
template <class S>
std::string to_string(const S& x, int digits = 0) {
  if constexpr (std::is_same_v<S, double>) {
    return mp::cpp_bin_float_50(x).str(digits > 0 ? digits : 17, std::ios_base::scientific);
  } else if constexpr (is_interval<S>::value) {
    return "[" + to_string(mp::lower(x), digits) + ", " + to_string(mp::upper(x), digits) + "]";
  } else {
    return x.str(digits > 0 ? digits : std::numeric_limits<S>::digits10, std::ios_base::scientific);
  }
}

/// Exact conversion between scalar types through decimal text with every digit the source holds
/// (a double converts exactly, being a short binary fraction).
template <class To, class From>
To convert(const From& x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<From, double>) {
    return To(x);
  } else if constexpr (std::is_same_v<To, double>) {
    return to_double(x);
  } else {
    return To(x.str(std::numeric_limits<From>::max_digits10, std::ios_base::scientific));
  }
}

/// Parses a decimal number at type S (InputError-free: callers check the text first).
template <class S>
S from_string(const std::string& text) {
  if constexpr (std::is_same_v<S, double>) return std::stod(text);
  else return S(text);
}

/// An interval's width / midpoint magnitude (0 for point scalars).
template <class S>
double relative_width(const S& x) {
  if constexpr (is_interval<S>::value) {
    const double w = (mp::upper(x) - mp::lower(x)).template convert_to<double>();
    const double m = std::abs(to_double(x));
    return m > 0 ? w / m : w;
  } else {
    return 0.0;
  }
}

}  // namespace villani

namespace Eigen {

/// NumTraits for real multiprecision numbers (MPFR, cpp_bin_float). Enough for Eigen's dense
/// decompositions incl. SelfAdjointEigenSolver.
template <class B, boost::multiprecision::expression_template_option E>
struct NumTraits<boost::multiprecision::number<B, E>> : GenericNumTraits<boost::multiprecision::number<B, E>> {
  using Self = boost::multiprecision::number<B, E>;
  using Real = Self;
  using NonInteger = Self;
  using Literal = Self;
  using Nested = Self;
  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = 10,
    AddCost = 10,
    MulCost = 40
  };
  static Self epsilon() { return std::numeric_limits<Self>::epsilon(); }
  static Self dummy_precision() {
    // ~ 90% of the digits, as Eigen does for double (1e-12 of 1e-16).
    using std::pow;
    return pow(Self(10), -static_cast<int>(std::numeric_limits<Self>::digits10 * 9 / 10));
  }
  static Self highest() { return (std::numeric_limits<Self>::max)(); }
  static Self lowest() { return -(std::numeric_limits<Self>::max)(); }
  static Self infinity() { return std::numeric_limits<Self>::infinity(); }
  static Self quiet_NaN() { return std::numeric_limits<Self>::quiet_NaN(); }
  static int digits10() { return std::numeric_limits<Self>::digits10; }
  static int digits() { return std::numeric_limits<Self>::digits; }
  static int max_digits10() { return std::numeric_limits<Self>::max_digits10; }
};

}  // namespace Eigen
