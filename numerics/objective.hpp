// Objective (docs/design.md "Core concepts"): d, value(θ), gradient(θ), hvp(θ, v), and where cheap
// an exact Laplacian. This is the double-precision interface every validator, estimator and
// experiment uses; multiprecision evaluation goes through the scalar-templated reference models
// (numerics/models/) directly.
#pragma once
#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

namespace villani::numerics {

using Vec = Eigen::VectorXd;
class LinearOperator;

class Objective {
 public:
  virtual ~Objective() = default;
  /// Number of parameters d (≥ 1).
  virtual Eigen::Index dim() const = 0;
  virtual double value(const Vec& theta) const = 0;
  virtual Vec gradient(const Vec& theta) const = 0;
  /// Hessian-vector product ∇²f(θ)·v.
  virtual Vec hvp(const Vec& theta, const Vec& v) const = 0;
  /// ∇²f(θ) as an operator for many products at one θ (include numerics/linear_operator.hpp to
  /// use it). Default: a HessianOperator calling hvp(θ, ·) per product. Objectives that can share
  /// work between products override it (the LibTorch adapter builds the gradient graph once and
  /// answers each product with one backward pass through it). The objective must outlive it.
  virtual std::unique_ptr<LinearOperator> hessian_at(const Vec& theta) const;
  /// True when laplacian() is exact (not estimated).
  virtual bool has_exact_laplacian() const { return false; }
  /// Exact Δf(θ) = tr ∇²f(θ); throws DomainError when !has_exact_laplacian().
  virtual double laplacian(const Vec& theta) const;
  /// Short human-readable name ("logistic(d=30)").
  virtual std::string name() const { return "objective"; }
  /// Non-smooth operations the objective contains (empty: C^∞). E.g. {"relu (layer 1)"}.
  virtual std::vector<std::string> nonsmooth_ops() const { return {}; }

 protected:
  /// Throws InputError("theta", ...) on a size mismatch or a non-finite entry.
  void check_theta(const Vec& theta) const;
};

/// F = L + (λ/2)‖θ‖², added analytically (docs/theory.md §0): ∇F = ∇L + λθ, HVP_F(v) = HVP_L(v) + λv,
/// ΔF = ΔL + λd (exact whenever ΔL is).
class Regularized final : public Objective {
 public:
  Regularized(std::shared_ptr<const Objective> loss, double lambda);
  Eigen::Index dim() const override { return loss_->dim(); }
  double value(const Vec& theta) const override;
  Vec gradient(const Vec& theta) const override;
  Vec hvp(const Vec& theta, const Vec& v) const override;
  /// loss().hessian_at(θ) + λI (so a loss that reuses work keeps doing so).
  std::unique_ptr<LinearOperator> hessian_at(const Vec& theta) const override;
  bool has_exact_laplacian() const override { return loss_->has_exact_laplacian(); }
  double laplacian(const Vec& theta) const override;
  std::string name() const override;
  std::vector<std::string> nonsmooth_ops() const override { return loss_->nonsmooth_ops(); }
  double lambda() const { return lambda_; }
  const Objective& loss() const { return *loss_; }

 private:
  std::shared_ptr<const Objective> loss_;
  double lambda_;
};

}  // namespace villani::numerics
