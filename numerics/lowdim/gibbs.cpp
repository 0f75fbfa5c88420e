#include "numerics/lowdim/gibbs.hpp"

#include <memory>

namespace villani::numerics::lowdim {

Potential gibbs_potential(const symbolic::Energy& e, double lambda, double s, const std::string& argument) {
  auto ev = std::make_shared<symbolic::Evaluator<double>>(e.energy());
  const int d = e.dim();
  return {d,
          [ev, d, lambda, s](const double* x) {
            const auto v = symbolic::slots(x, d, lambda, s);
            return (*ev)(v.data()) / s;
          },
          argument};
}

}  // namespace villani::numerics::lowdim
