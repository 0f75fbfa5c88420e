#include "numerics/errors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace villani {

std::string describe_value(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

void check_finite(const std::string& name, double value) {
  if (!std::isfinite(value))
    throw InputError(name, "expected a finite number; got " + describe_value(value));
}

void check_positive(const std::string& name, double value) {
  if (!std::isfinite(value) || !(value > 0))
    throw InputError(name, "expected a finite number > 0; got " + describe_value(value));
  // A subnormal is > 0 but loses digits and overflows its reciprocal (issue 26).
  if (value < std::numeric_limits<double>::min())
    throw InputError(name, "got " + describe_value(value) +
                               ", a subnormal double (0 < x < 2.2e-308): give a number of normal size");
}

void check_nonnegative(const std::string& name, double value) {
  if (!std::isfinite(value) || !(value >= 0))
    throw InputError(name, "expected a finite number >= 0; got " + describe_value(value));
}

void check_open_interval(const std::string& name, double value, double lo, double hi) {
  if (!std::isfinite(value) || !(value > lo && value < hi))
    throw InputError(name, fmt::format("expected a number in ({}, {}); got {}", lo, hi,
                                       describe_value(value)));
}

}  // namespace villani
