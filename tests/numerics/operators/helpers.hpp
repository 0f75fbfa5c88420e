// Shared fixtures for the operator tests: random symmetric matrices and small objectives.
#pragma once
#include <Eigen/Dense>
#include <cmath>

#include "numerics/errors.hpp"
#include "numerics/objective.hpp"
#include "numerics/sampling.hpp"

namespace villani::numerics::test {

/// Symmetric (G + Gᵀ)/2 with standard normal G, plus `shift`·I.
inline Eigen::MatrixXd random_symmetric(Eigen::Index n, std::uint64_t seed, double shift = 0.0) {
  Random rng(seed);
  Eigen::MatrixXd g(n, n);
  for (Eigen::Index j = 0; j < n; ++j) g.col(j) = rng.normal_vector(n);
  Eigen::MatrixXd a = 0.5 * (g + g.transpose());
  a.diagonal().array() += shift;
  return a;
}

/// Random orthogonal matrix (Q of the QR of a Gaussian matrix).
inline Eigen::MatrixXd random_orthogonal(Eigen::Index n, std::uint64_t seed) {
  Random rng(seed);
  Eigen::MatrixXd g(n, n);
  for (Eigen::Index j = 0; j < n; ++j) g.col(j) = rng.normal_vector(n);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
  return qr.householderQ() * Eigen::MatrixXd::Identity(n, n);
}

/// U diag(λ) Uᵀ with λ_k = k^{-p} (k = 1..n) in a random orthonormal basis: PSD, decaying.
inline Eigen::MatrixXd decaying_psd(Eigen::Index n, double p, std::uint64_t seed) {
  const Eigen::MatrixXd u = random_orthogonal(n, seed);
  Vec lam(n);
  for (Eigen::Index k = 0; k < n; ++k) lam[k] = std::pow(static_cast<double>(k + 1), -p);
  Eigen::MatrixXd a = u * lam.asDiagonal() * u.transpose();
  return 0.5 * (a + a.transpose());
}

/// F(θ) = ½ θᵀ diag(h) θ, exact Laplacian Σ h_i only when `exact` is true.
class DiagonalQuadratic final : public Objective {
 public:
  DiagonalQuadratic(Vec h, bool exact) : h_(std::move(h)), exact_(exact) {}
  Eigen::Index dim() const override { return h_.size(); }
  double value(const Vec& t) const override {
    check_theta(t);
    return 0.5 * t.dot(h_.cwiseProduct(t));
  }
  Vec gradient(const Vec& t) const override {
    check_theta(t);
    return h_.cwiseProduct(t);
  }
  Vec hvp(const Vec& t, const Vec& v) const override {
    check_theta(t);
    return h_.cwiseProduct(v);
  }
  bool has_exact_laplacian() const override { return exact_; }
  double laplacian(const Vec& t) const override {
    if (!exact_) return Objective::laplacian(t);
    check_theta(t);
    return h_.sum();
  }
  std::string name() const override { return "diag-quadratic"; }

 private:
  Vec h_;
  bool exact_;
};

}  // namespace villani::numerics::test
