// The Gibbs potential of a symbolic energy for the low-dimensional solvers (numerics/lowdim/gap.hpp):
// the one place a typed loss L becomes V = F/s, F = L + (λ/2)‖θ‖², in 1-D or 2-D.
#pragma once
#include <string>

#include "numerics/lowdim/gap.hpp"
#include "numerics/symbolic/energy.hpp"

namespace villani::numerics::lowdim {

/// V(θ) = F(θ)/s with F the energy's program at (θ, λ, s) (variable slots of symbolic::slots);
/// dim = e.dim(). `argument` names the input when V is not finite somewhere (InputError).
Potential gibbs_potential(const symbolic::Energy& e, double lambda, double s, const std::string& argument = "--loss");

}  // namespace villani::numerics::lowdim
