// Error kinds and uniform argument checks (check_*(name, value): InputError naming the argument).
//
// InputError  -> exit code 2 (bad input; the message names the argument and what was expected)
// DomainError -> a mathematical precondition failed inside a computation (exit 3 if it escapes)
// NotConverged -> a numerical method could not reach or warrant its answer on these inputs
//                 (exit 2: the message says what to change; a claim reads it as inconclusive)
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

/// A result could not be written (full disk, read-only filesystem, no permission): an input
/// error of the output path (exit 2). path() is the file that could not be written.
class OutputError : public InputError {
 public:
  OutputError(std::string path, const std::string& message) : InputError("--out", message), path_(std::move(path)) {}
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A computation was asked for something outside its domain (a caller bug, not user input).
class DomainError : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

/// A solver did not converge, or its answer could not be warranted, for inputs that are valid
/// (a metastable well, a box too large for double range, ...). Not a bug: `remedy()` says what
/// the user can change ("a smaller --box or a higher --temperature"); empty when the thrower
/// cannot know, and the caller that knows the options rethrows with one (with_remedy).
class NotConverged : public std::runtime_error {
 public:
  explicit NotConverged(const std::string& message, std::string remedy = "")
      : std::runtime_error(message), remedy_(std::move(remedy)) {}
  const std::string& remedy() const { return remedy_; }
  /// The same failure with `remedy` and `prefix` + what() as its message.
  NotConverged with_remedy(const std::string& prefix, std::string remedy) const {
    return NotConverged(prefix + what(), std::move(remedy));
  }

 private:
  std::string remedy_;
};

std::string describe_value(double v);

/// Throws InputError(name) unless value is finite, > 0 and of normal size (not subnormal).
void check_positive(const std::string& name, double value);
/// Throws InputError unless value is finite and >= 0.
void check_nonnegative(const std::string& name, double value);
/// Throws InputError unless value is finite.
void check_finite(const std::string& name, double value);
/// Throws InputError unless lo < value < hi.
void check_open_interval(const std::string& name, double value, double lo, double hi);

}  // namespace villani
