// Reference models with seeded data (numerics/models/, docs/models.md): multinomial logistic
// regression, a two-layer network, and a small decoder-only transformer, each templated on the
// scalar and evaluable in double (as an Objective, with exact gradient, HVP and Laplacian) and
// at 50 / 100 digits (value, gradient, exact Laplacian, hence Ψ_s) and in interval arithmetic
// (value enclosures).
//
// Derivatives come from Boost.Math autodiff (forward mode): the exact Laplacian is the sum of
// d second directional derivatives along the coordinate axes, obtained together with the
// gradient in the same d passes; an HVP is d passes of a nested first-order fvar.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "numerics/objective.hpp"
#include "numerics/scalar.hpp"

namespace villani::numerics::models {

/// Value, gradient and exact Laplacian of F = L + (λ/2)‖θ‖² at one point, in scalar S.
template <class S>
struct Evaluation {
  S value;               ///< F(θ)
  std::vector<S> gradient;  ///< ∇F(θ)
  S grad_norm2;          ///< ‖∇F(θ)‖²
  S laplacian;           ///< ΔF(θ) = ΔL(θ) + λd, exact
  /// Ψ_s = −ΔF + ‖∇F‖²/s (docs/theory.md §1).
  S psi(const S& s) const { return -laplacian + grad_norm2 / s; }
};

/// A reference model bound to its data. As an Objective it is the data loss L in double
/// (wrap it in Regularized for F); the evaluate* methods add (λ/2)‖θ‖² themselves.
class ReferenceModel : public Objective {
 public:
  bool has_exact_laplacian() const override { return true; }
  /// The JSON spec that rebuilds this model with model_from_spec().
  virtual nlohmann::json spec() const = 0;
  /// A deterministic starting point θ0 (seeded, documented in docs/models.md).
  virtual Vec initial_theta(std::uint64_t seed = 0) const = 0;
  /// Names of the parameter blocks in θ order, with their sizes (docs/models.md).
  virtual std::vector<std::pair<std::string, Eigen::Index>> layout() const = 0;

  /// F = L + (λ/2)‖θ‖², its gradient and exact Laplacian. λ ≥ 0 (λ = 0: the loss alone).
  /// theta: dim() entries (InputError "theta" otherwise or when not finite).
  virtual Evaluation<double> evaluate(const Vec& theta, double lambda) const = 0;
  virtual Evaluation<Real50> evaluate50(const std::vector<Real50>& theta, const Real50& lambda) const = 0;
  virtual Evaluation<Real100> evaluate100(const std::vector<Real100>& theta, const Real100& lambda) const = 0;

  /// Loss value L(θ) at 50 / 100 digits (no autodiff; MPFR throughout).
  virtual Real50 value50(const std::vector<Real50>& theta) const = 0;
  virtual Real100 value100(const std::vector<Real100>& theta) const = 0;
  /// An interval enclosing L(θ) for the exactly given θ (MPFI). Throws DomainError for models
  /// with an operation MPFI lacks (the erf GELU).
  virtual Interval50 value_enclosure50(const std::vector<Real50>& theta) const = 0;
  virtual Interval100 value_enclosure100(const std::vector<Real100>& theta) const = 0;
};

/// Builds a named preset: "logistic", "mlp-gelu", "mlp-relu", "mlp-tanh", "mlp-softplus",
/// "tiny-transformer". InputError("--model") for an unknown name.
std::shared_ptr<const ReferenceModel> make_reference(const std::string& name);
/// The same as an Objective (the data loss L; wrap in Regularized for F).
std::shared_ptr<const Objective> make_preset(const std::string& name);
/// Names accepted by make_preset().
std::vector<std::string> preset_names();

/// Builds a model from a JSON spec (docs/models.md), e.g.
///   {"kind":"logistic","classes":3,"features":5,"samples":40,"seed":1}
///   {"kind":"mlp","features":4,"hidden":8,"classes":3,"samples":32,"activation":"gelu",
///    "bias":true,"seed":1}
///   {"kind":"transformer","vocab":16,"width":8,"heads":2,"layers":1,"batch":4,"seq_len":8,
///    "positions":8,"seed":1}
/// InputError("spec", ...) naming the bad or unknown key.
std::shared_ptr<const ReferenceModel> model_from_spec(const nlohmann::json& spec);

/// θ as decimal strings (exact for doubles) -> scalar vector; InputError("theta") on bad text.
template <class S>
std::vector<S> theta_from_strings(const std::vector<std::string>& theta);
/// θ in double -> scalar vector (exact).
template <class S>
std::vector<S> theta_from_double(const Vec& theta) {
  std::vector<S> out(static_cast<std::size_t>(theta.size()));
  for (Eigen::Index i = 0; i < theta.size(); ++i) out[static_cast<std::size_t>(i)] = S(theta[i]);
  return out;
}

}  // namespace villani::numerics::models
