// GiNaC expression → Program: the compiler behind Energy (numerics/symbolic/energy.cpp), for
// other parts of numerics/symbolic that evaluate a GiNaC tree in double (exact_size.cpp).
// Internal to numerics/symbolic.
#pragma once
#include <ginac/ginac.h>

#include <map>
#include <string>

#include "numerics/symbolic/program.hpp"

namespace villani::numerics::symbolic {

/// Compiles e with each symbol in `slots` (name → variable index). InputError(argument) for a
/// symbol outside slots, a complex number or a function the evaluator does not have.
Program compile_expression(const GiNaC::ex& e, const std::map<std::string, int>& slots, const std::string& argument);

}  // namespace villani::numerics::symbolic
