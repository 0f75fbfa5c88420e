// Symbolic energies in one and two dimensions (issue 4; docs/theory.md §0–§1).
//
// The user types the data loss L as an expression in t (1-D) or t1, t2 (2-D). GiNaC parses
// it; villani forms F = L + (λ/2)‖θ‖², differentiates symbolically (∇F, ∇²L, ΔF) and builds
// Ψ_s = −ΔF + ‖∇F‖²/s and Ψ_{2s}. Every expression compiles to a Program that evaluates at
// double, MPFR (any precision) or MPFI intervals. λ and s stay symbols in the expressions and
// are variables of the programs: variable slots are [θ_1, …, θ_d, λ, s].
//
// Functions accepted: exp, log, sin, cos, tan, tanh, sinh, cosh, atan, sqrt, powers, and
// softplus(z) = log(1 + e^z), sigmoid(z) = 1/(1 + e^{−z}) (both evaluated stably). A typed
// log(1 + exp(z)) is rewritten to softplus(z). Constants: Pi, Euler, Catalan.
#pragma once
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "numerics/symbolic/program.hpp"

namespace villani::numerics::symbolic {

struct Derivation {
  std::string loss, energy, laplacian, psi_s, psi_2s, curvature_min;
  std::vector<std::string> gradient;  ///< ∂F/∂θ_k
  std::vector<std::string> hessian_loss;  ///< ∂²L/∂θ_i∂θ_j, i ≤ j (row-major upper triangle)
};

class Energy {
 public:
  /// Parses `loss`. dim = 1 or 2, or 0 to infer it (t → 1; t1/t2 → 2; no variable → 1).
  /// Throws InputError(argument, ...) when the text does not parse, names a variable other than
  /// the dimension's (t, or t1 and t2), uses an unsupported function, or is complex.
  Energy(const std::string& loss, int dim = 0, const std::string& argument = "--loss");
  ~Energy();
  Energy(Energy&&) noexcept;
  Energy& operator=(Energy&&) noexcept;

  int dim() const { return dim_; }
  const std::string& text() const { return text_; }
  /// Variable names in slot order: {"t"} or {"t1","t2"}, then "lambda", "s".
  std::vector<std::string> variables() const;

  const Program& loss() const { return loss_; }
  const Program& energy() const { return energy_; }           ///< F
  const Program& gradient(int k) const { return grad_.at(k); }  ///< ∂F/∂θ_k
  const Program& laplacian() const { return lap_; }           ///< ΔF
  const Program& psi(bool twice_s) const { return twice_s ? psi2s_ : psi_; }  ///< Ψ_s or Ψ_{2s}
  /// Smallest eigenvalue of ∇²L (1-D: L''; 2-D: (a+c)/2 − √(((a−c)/2)² + b²)).
  const Program& curvature_min() const { return curv_; }
  const Program& radius_squared() const { return r2_; }       ///< ‖θ‖²

  /// Compiles `F − c‖θ‖² + C` (c, C as decimal text or fractions, exact): ≥ 0 ⇔ F ≥ c‖θ‖² − C.
  /// With `lambda`/`s` given (decimal text), they are substituted as exact rationals before
  /// compiling, so GiNaC cancels exactly what interval arithmetic could not (e.g. L = 0,
  /// c = λ/2: the margin is the constant C). Bad numbers are InputError("--certify").
  Program coercivity_margin(const std::string& c, const std::string& C, const std::string& lambda = "",
                            const std::string& s = "", std::vector<Program>* gradient = nullptr) const;
  /// Compiles `Ψ − M` (Ψ_s, or Ψ_{2s} when twice_s; M exact): ≥ 0 ⇔ Ψ ≥ M. λ, s as above.
  /// With `gradient`, both also compile ∂(margin)/∂θ_k (k < dim), for centred (mean-value) forms.
  Program psi_margin(const std::string& M, bool twice_s = false, const std::string& lambda = "",
                     const std::string& s = "", const std::string& argument = "--certify",
                     std::vector<Program>* gradient = nullptr) const;

  /// Where the radial margin of the well certificate (validators::certify_no_wells) is compiled:
  ///   Near     g(θ) = θ·∇F(θ) − (λ/4)‖θ‖², in the usual slots [θ, λ, s];
  ///   FarPlus, FarMinus (1-D)  h(u) = λ·3/4 + u·L'(±1/u)·(±1), slot 0 holding u = 1/|t|;
  ///   Far2D    h(u, φ) = λ·3/4 + u·ω·∇L(ω/u), ω = (cos φ, sin φ), slots 0, 1 holding u, φ.
  /// h is (θ·∇F)/‖θ‖² − λ/4 at ‖θ‖ = 1/u, so h > 0 on u ∈ [0, 1/R] means no critical point of F
  /// beyond radius R (GiNaC simplifies before intervals see u = 0). λ, s substituted exactly.
  enum class Radial { Near, FarPlus, FarMinus, Far2D };
  /// `normalized`: the far parts as one fraction (GiNaC normal()); some expressions enclose only
  /// in that form at u = 0, others only expanded (the certificates try both).
  Program radial_margin(Radial part, const std::string& lambda, const std::string& s,
                        std::vector<Program>* gradient = nullptr, bool normalized = false) const;

  /// The curvature margin λ_min(∇²L) + K (K decimal text or a fraction, exact), compiled in the
  /// slots of `part` as radial_margin does (Near: θ; far parts: u = 1/‖θ‖ and φ). ≥ 0 everywhere
  /// ⇔ ∇²L ⪰ −K·I: the Bakry–Émery curvature floor (validators::certify_curvature_floor).
  Program curvature_margin(Radial part, const std::string& K, std::vector<Program>* gradient = nullptr,
                           bool normalized = false) const;

  Derivation derivation() const;
  bool rewrote_softplus() const { return rewrote_softplus_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int dim_ = 1;
  std::string text_;
  bool rewrote_softplus_ = false;
  Program loss_, energy_, lap_, psi_, psi2s_, curv_, r2_;
  std::vector<Program> grad_;
};

/// The variable slots [θ_1, …, θ_dim, λ, s] of every program of an Energy (unused slots 0).
std::array<double, 4> slots(const double* theta, int dim, double lambda, double s);

/// Convenience: evaluates a program in double at θ with the given λ and s.
double eval_double(const Program& p, const double* theta, int dim, double lambda, double s);

}  // namespace villani::numerics::symbolic
