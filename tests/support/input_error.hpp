// For tests of bad input: which argument the InputError thrown by fn names.
#pragma once
#include <string>

#include "numerics/errors.hpp"

namespace villani::testing {

/// The argument named by the InputError that fn throws, or "(no throw)" when it throws none.
template <class Fn>
std::string thrown_argument(Fn&& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.argument();
  }
  return "(no throw)";
}

}  // namespace villani::testing
