// Error kinds and uniform argument checks (Stan-style: check_*(function, name, value)).
//
// InputError  -> exit code 2 (bad input; the message names the argument and what was expected)
// DomainError -> a mathematical precondition failed inside a computation (exit 3 if it escapes)
#pragma once
#include <cmath>
#include <stdexcept>
#include <string>

namespace villani {

/// Bad user input. `argument()` names the offending input ("--lambda", "model file").
class InputError : public std::runtime_error {
 public:
  InputError(std::string argument, const std::string& message)
      : std::runtime_error(argument + ": " + message), argument_(std::move(argument)) {}
  const std::string& argument() const { return argument_; }

 private:
  std::string argument_;
};

/// A computation was asked for something outside its domain (a caller bug, not user input).
class DomainError : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

std::string describe_value(double v);

/// Throws InputError("name", "must be finite and > 0; got v").
void check_positive(const std::string& name, double value);
/// Throws InputError unless value is finite and >= 0.
void check_nonnegative(const std::string& name, double value);
/// Throws InputError unless value is finite.
void check_finite(const std::string& name, double value);
/// Throws InputError unless value is finite and >= lo.
void check_at_least(const std::string& name, double value, double lo);
/// Throws InputError unless lo < value < hi.
void check_open_interval(const std::string& name, double value, double lo, double hi);

}  // namespace villani
