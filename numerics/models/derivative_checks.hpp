// Internal (tests and benchmarks only): the two independent derivative paths of a reference
// model side by side. Every ModelImpl<Arch> implements it; reach it with
// dynamic_cast<const DerivativeChecks*>(model.get()). Not part of the public API (presets.hpp).
#pragma once
#include <vector>

#include "numerics/objective.hpp"
#include "numerics/scalar.hpp"

namespace villani::numerics::models {

class DerivativeChecks {
 public:
  virtual ~DerivativeChecks() = default;
  /// True when the architecture has a hand-written reverse pass (loss_grad); then gradient()
  /// and hvp() use it, otherwise they are the autodiff paths below.
  virtual bool has_backprop() const = 0;
  /// ∇L by d forward-mode passes of fvar<R,1> (Boost.Math autodiff, independent of loss_grad).
  virtual Vec autodiff_gradient(const Vec& theta) const = 0;
  virtual std::vector<Real50> autodiff_gradient50(const std::vector<Real50>& theta) const = 0;
  /// ∇L by the model's own path (the reverse pass where there is one).
  virtual std::vector<Real50> gradient50(const std::vector<Real50>& theta) const = 0;
  /// Hv by d passes of fvar<fvar<R,1>,1> (forward over forward).
  virtual Vec autodiff_hvp(const Vec& theta, const Vec& v) const = 0;
  virtual std::vector<Real50> autodiff_hvp50(const std::vector<Real50>& theta, const std::vector<Real50>& v) const = 0;
  /// Hv by the model's own path (forward over reverse where there is a reverse pass).
  virtual std::vector<Real50> hvp50(const std::vector<Real50>& theta, const std::vector<Real50>& v) const = 0;
  /// ΔL as Σ_i ∂²_i L from d passes of fvar<R,2> (forward mode).
  virtual double laplacian_forward(const Vec& theta) const = 0;
  /// ΔL as Σ_i (H e_i)_i from d HVPs (forward over reverse; the autodiff HVP without backprop).
  virtual double laplacian_by_hvps(const Vec& theta) const = 0;
};

}  // namespace villani::numerics::models
