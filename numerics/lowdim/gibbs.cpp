#include "numerics/lowdim/gibbs.hpp"

#include <cmath>
#include <memory>
#include <optional>

#include "numerics/scalar.hpp"

namespace villani::numerics::lowdim {

Potential gibbs_potential(const symbolic::Energy& e, double lambda, double s, const std::string& argument) {
  auto ev = std::make_shared<symbolic::Evaluator<double>>(e.energy());
  // Double can overflow in an intermediate term of GiNaC's normal form although F itself is
  // moderate: (1 + t²/1000)^1000 becomes (1000 + t²)^1000·1000^−1000, whose factors leave double
  // beyond |t| ≈ 7.6. There the point is evaluated again at 50 digits (MPFR's exponent range),
  // built on first need; a value that is still not finite is the loss's own.
  auto wide = std::make_shared<std::optional<symbolic::Evaluator<Real50>>>();
  const symbolic::Program* program = &e.energy();
  const int d = e.dim();
  return {d,
          [ev, wide, program, d, lambda, s](const double* x) {
            const auto v = symbolic::slots(x, d, lambda, s);
            const double f = (*ev)(v.data());
            if (std::isfinite(f)) return f / s;
            if (!*wide) wide->emplace(*program);
            std::vector<Real50> vw(v.begin(), v.end());
            const Real50 fw = (**wide)(vw.data());
            return static_cast<double>(fw / s);
          },
          argument};
}

}  // namespace villani::numerics::lowdim
