#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/slq.hpp"
#include "tests/support/input_error.hpp"

using namespace villani;
using namespace villani::numerics;
using Eigen::Index;

namespace {
double max_rel_diff(const Vec& a, const Vec& b) {
  return ((a - b).array().abs() / b.array().abs().max(1e-300)).maxCoeff();
}
}  // namespace

TEST_CASE("lanczos: extreme eigenvalues match the dense solver on a random 600x600 matrix",
          "[lanczos]") {
  const Index n = 600, k = 5;
  const Eigen::MatrixXd a = test::random_symmetric(n, 77, 3.0);
  DenseSymOperator op(a);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  const Vec all = es.eigenvalues();  // ascending
  const Vec top = all.tail(k).reverse(), bottom = all.head(k);

  const EigenResult hi = extreme_eigenvalues(op, k, EigenWhich::Largest);
  REQUIRE(hi.status == EigenStatus::Converged);
  REQUIRE(hi.values.size() == k);
  CHECK(max_rel_diff(hi.values, top) < 1e-8);
  CHECK(hi.method == "lanczos (spectra)");
  CHECK(hi.matvecs > 0);
  CHECK(hi.matvecs < 20 * n);
  // Residuals of the returned eigenpairs.
  for (Index i = 0; i < k; ++i)
    CHECK((a * hi.vectors.col(i) - hi.values[i] * hi.vectors.col(i)).norm() <
          1e-7 * std::abs(hi.values[i]));

  const EigenResult lo = extreme_eigenvalues(op, k, EigenWhich::Smallest);
  REQUIRE(lo.status == EigenStatus::Converged);
  CHECK(max_rel_diff(lo.values, bottom) < 1e-8);

  SECTION("A + λI has eigenvalues shifted by λ") {
    const double lambda = 12.5;
    ShiftedOperator shifted(op, lambda);
    const EigenResult sh = extreme_eigenvalues(shifted, k, EigenWhich::Largest);
    REQUIRE(sh.status == EigenStatus::Converged);
    CHECK(max_rel_diff(sh.values, (top.array() + lambda).matrix()) < 1e-8);
    const EigenResult sl = extreme_eigenvalues(shifted, k, EigenWhich::Smallest);
    REQUIRE(sl.status == EigenStatus::Converged);
    CHECK(max_rel_diff(sl.values, (bottom.array() + lambda).matrix()) < 1e-8);
  }
}

TEST_CASE("lanczos: non-convergence is a status, small operators go dense, bad k is an error",
          "[lanczos]") {
  DenseSymOperator big(test::random_symmetric(400, 8));
  LanczosOptions o;
  o.ncv = 6;
  o.max_restarts = 1;
  o.tolerance = 1e-14;
  const EigenResult r = extreme_eigenvalues(big, 4, EigenWhich::Largest, o);
  CHECK(r.status == EigenStatus::NotConverged);
  CHECK(r.converged < 4);
  CHECK(r.values.size() == r.converged);

  const Eigen::MatrixXd a = test::random_symmetric(10, 4);
  DenseSymOperator small(a);
  const EigenResult d = extreme_eigenvalues(small, 10, EigenWhich::Smallest);
  CHECK(d.method == "dense");
  CHECK(d.status == EigenStatus::Converged);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  CHECK((d.values - es.eigenvalues()).norm() < 1e-12);
  CHECK(d.matvecs == 10);

  CHECK(villani::testing::thrown_argument([&] { extreme_eigenvalues(small, 0, EigenWhich::Largest); }) == "k");
  CHECK(villani::testing::thrown_argument([&] { extreme_eigenvalues(small, 11, EigenWhich::Largest); }) == "k");
  LanczosOptions bad;
  bad.tolerance = -1;
  CHECK(villani::testing::thrown_argument([&] { extreme_eigenvalues(big, 2, EigenWhich::Largest, bad); }) == "tolerance");
  bad = LanczosOptions{};
  bad.ncv = 2;
  CHECK(villani::testing::thrown_argument([&] { extreme_eigenvalues(big, 2, EigenWhich::Largest, bad); }) == "ncv");
}

TEST_CASE("slq: weights sum to 1, density integrates to 1, mean is tr(A)/n", "[slq]") {
  const Index n = 200;
  const Eigen::MatrixXd a = test::random_symmetric(n, 21, 1.5);
  DenseSymOperator op(a);
  const Index probes = 20, steps = 30;
  const SpectralDensity d = stochastic_lanczos_quadrature(op, probes, steps, 314);
  REQUIRE(d.rules.size() == std::size_t(probes));
  CHECK(d.matvecs == probes * steps);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  const double lmin = es.eigenvalues()[0], lmax = es.eigenvalues()[n - 1];
  for (const auto& r : d.rules) {
    CHECK(r.weights.sum() == Approx(1.0).epsilon(1e-12));
    CHECK(r.weights.minCoeff() >= 0.0);
    // Ritz values lie inside the spectrum.
    CHECK(r.nodes.minCoeff() >= lmin - 1e-9);
    CHECK(r.nodes.maxCoeff() <= lmax + 1e-9);
  }
  // Extreme Ritz values after 30 steps are close to the extreme eigenvalues.
  CHECK(d.max_node() == Approx(lmax).epsilon(0.02));

  // Mean of the density = (1/p) Σ zᵀAz / n for the same Rademacher probes (exact identity).
  Random rng(314);
  double hutch = 0.0;
  Vec forms(probes);
  for (Index p = 0; p < probes; ++p) {
    const Vec z = rng.rademacher_vector(n);
    forms[p] = z.dot(a * z) / double(n);
  }
  hutch = forms.mean();
  CHECK(d.mean() == Approx(hutch).epsilon(1e-10));
  // ... and that is within 3 standard errors of tr(A)/n.
  const double se = std::sqrt((forms.array() - hutch).square().sum() / (probes - 1) / probes);
  CHECK(std::abs(d.mean() - a.trace() / n) < 3.0 * se);

  // The smoothed density integrates to 1 (trapezoid on a grid wide enough for the tails).
  const double sigma = 0.3;
  const Index g = 4001;
  const Vec grid = Vec::LinSpaced(g, lmin - 10 * sigma, lmax + 10 * sigma);
  const Vec phi = smoothed_density(d, grid, sigma);
  const double h = grid[1] - grid[0];
  const double integral = h * (phi.sum() - 0.5 * (phi[0] + phi[g - 1]));
  CHECK(integral == Approx(1.0).epsilon(1e-8));
  const double mean = h * (grid.cwiseProduct(phi).sum() -
                           0.5 * (grid[0] * phi[0] + grid[g - 1] * phi[g - 1]));
  CHECK(mean == Approx(d.mean()).epsilon(1e-8));
}

TEST_CASE("slq: n Lanczos steps with full reorthogonalization recover the spectrum", "[slq]") {
  const Index n = 40;
  const Eigen::MatrixXd a = test::random_symmetric(n, 5);
  DenseSymOperator op(a);
  const SpectralDensity d = stochastic_lanczos_quadrature(op, 2, n, 8, Probe::Gaussian);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  for (const auto& r : d.rules) {
    REQUIRE(r.nodes.size() == n);  // no spurious copies, no early breakdown
    CHECK((r.nodes - es.eigenvalues()).cwiseAbs().maxCoeff() < 1e-9);
  }
  // A matrix with 3 distinct eigenvalues: Lanczos stops after 3 steps (invariant subspace).
  Vec lam(n);
  for (Index i = 0; i < n; ++i) lam[i] = double(i % 3) - 1.0;
  const Eigen::MatrixXd u = test::random_orthogonal(n, 6);
  const Eigen::MatrixXd b = u * lam.asDiagonal() * u.transpose();
  DenseSymOperator ob(0.5 * (b + b.transpose()));
  const SpectralDensity db = stochastic_lanczos_quadrature(ob, 1, 20, 1);
  REQUIRE(db.rules[0].nodes.size() == 3);
  CHECK(db.rules[0].nodes[0] == Approx(-1.0).margin(1e-10));
  CHECK(db.rules[0].nodes[2] == Approx(1.0).margin(1e-10));
  CHECK(villani::testing::thrown_argument([&] { stochastic_lanczos_quadrature(op, 0, 5, 1); }) == "probes");
  CHECK(villani::testing::thrown_argument([&] { stochastic_lanczos_quadrature(op, 1, 0, 1); }) == "steps");
  CHECK(villani::testing::thrown_argument([&] { smoothed_density(d, Vec::Zero(3), 0.0); }) == "sigma");
}
