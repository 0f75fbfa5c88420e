#include "numerics/objective.hpp"

#include <fmt/format.h>

#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"

namespace villani::numerics {

double Objective::laplacian(const Vec&) const {
  throw DomainError(name() + ": no exact Laplacian; use an estimator (numerics/trace.hpp)");
}

std::unique_ptr<LinearOperator> Objective::hessian_at(const Vec& theta) const {
  return std::make_unique<HessianOperator>(*this, theta);
}

void Objective::check_theta(const Vec& theta) const {
  if (theta.size() != dim())
    throw InputError("theta", fmt::format("{}: expected {} parameters; got {}", name(), dim(),
                                          theta.size()));
  if (!theta.allFinite()) throw InputError("theta", name() + ": parameters contain NaN or inf");
}

Regularized::Regularized(std::shared_ptr<const Objective> loss, double lambda)
    : loss_(std::move(loss)), lambda_(lambda) {
  if (!loss_) throw DomainError("Regularized: null loss");
  check_positive("--lambda", lambda);
  if (loss_->dim() < 1) throw InputError("model", "zero-dimensional model");
}

double Regularized::value(const Vec& t) const { return loss_->value(t) + 0.5 * lambda_ * t.squaredNorm(); }
Vec Regularized::gradient(const Vec& t) const { return loss_->gradient(t) + lambda_ * t; }
Vec Regularized::hvp(const Vec& t, const Vec& v) const { return loss_->hvp(t, v) + lambda_ * v; }
std::unique_ptr<LinearOperator> Regularized::hessian_at(const Vec& t) const {
  return std::make_unique<ShiftedOperator>(loss_->hessian_at(t), lambda_);
}
double Regularized::laplacian(const Vec& t) const {
  return loss_->laplacian(t) + lambda_ * static_cast<double>(dim());
}
std::string Regularized::name() const {
  return fmt::format("{} + ({}/2)‖θ‖²", loss_->name(), lambda_);
}

}  // namespace villani::numerics
