#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/sampling.hpp"
#include "tests/support/input_error.hpp"

using namespace villani;
using namespace villani::numerics;
using Eigen::Index;

TEST_CASE("operators: Hessian, dense and shifted products agree and are counted", "[operators]") {
  Vec h(4);
  h << 1.0, -2.0, 3.5, 0.25;
  test::DiagonalQuadratic f(h, true);
  Vec theta = Vec::Ones(4);
  HessianOperator H(f, theta);
  DenseSymOperator D(Eigen::MatrixXd(h.asDiagonal()));
  ShiftedOperator S(H, 0.75);
  Vec x(4);
  x << 0.3, -1.0, 2.0, 5.0;
  CHECK((H.apply(x) - h.cwiseProduct(x)).norm() == 0.0);
  CHECK((D.apply(x) - h.cwiseProduct(x)).norm() < 1e-15);
  CHECK((S.apply(x) - (h.cwiseProduct(x) + 0.75 * x)).norm() < 1e-14);
  CHECK(H.matvecs() == 2);  // one direct, one through S
  CHECK(S.matvecs() == 1);
  CHECK(D.apply_block(Eigen::MatrixXd::Identity(4, 4)).isApprox(Eigen::MatrixXd(h.asDiagonal())));
  CHECK(D.matvecs() == 5);
  D.reset_matvecs();
  CHECK(D.matvecs() == 0);
  CHECK(H.cols() == 4);
}

TEST_CASE("operators: bad input is an InputError naming the argument", "[operators]") {
  test::DiagonalQuadratic f(Vec::Ones(3), true);
  CHECK(villani::testing::thrown_argument([&] { HessianOperator(f, Vec::Ones(2)); }) == "theta");
  CHECK(villani::testing::thrown_argument([&] { HessianOperator(f, Vec::Constant(3, NAN)); }) == "theta");
  Eigen::MatrixXd ns(2, 2);
  ns << 1, 2, 3, 4;
  CHECK(villani::testing::thrown_argument([&] { DenseSymOperator{ns}; }) == "matrix");
  CHECK(villani::testing::thrown_argument([&] { DenseSymOperator{Eigen::MatrixXd(2, 3)}; }) == "matrix");
  DenseSymOperator d(Eigen::MatrixXd::Identity(3, 3));
  CHECK(villani::testing::thrown_argument([&] { ShiftedOperator(d, INFINITY); }) == "sigma");
  CHECK(villani::testing::thrown_argument([&] { d.apply(Vec::Ones(2)); }) == "x");
  CHECK(villani::testing::thrown_argument([&] { sample_sphere(0, 3, 1); }) == "d");
  CHECK(villani::testing::thrown_argument([&] { sample_sphere(3, -1, 1); }) == "count");
  CHECK(villani::testing::thrown_argument([&] { sample_shell(Vec::Zero(3), -1.0, 3, 1); }) == "radius");
  CHECK(villani::testing::thrown_argument([&] { sample_shell(Vec::Constant(3, NAN), 1.0, 3, 1); }) == "centre");
}

TEST_CASE("sampling: reproducible for a seed, different across seeds", "[sampling]") {
  const Eigen::MatrixXd a = sample_sphere(7, 50, 42), b = sample_sphere(7, 50, 42),
                        c = sample_sphere(7, 50, 43);
  CHECK(a == b);
  CHECK((a - c).norm() > 1.0);
  // Same stream: the first columns do not depend on how many are drawn.
  CHECK(sample_sphere(7, 10, 42) == a.leftCols(10));
  Random r1(5), r2(5);
  for (int i = 0; i < 100; ++i) REQUIRE(r1.normal() == r2.normal());
}

TEST_CASE("sampling: uniform on the sphere (unit norm, mean 0, coordinate variance 1/d)",
          "[sampling]") {
  const Index d = 10, n = 20000;
  const Eigen::MatrixXd u = sample_sphere(d, n, 2024);
  CHECK((u.colwise().norm().array() - 1.0).abs().maxCoeff() < 1e-14);
  const Vec mean = u.rowwise().mean();
  // Each coordinate has variance 1/d, so its mean has sd 1/sqrt(n d) ≈ 0.0022.
  CHECK(mean.cwiseAbs().maxCoeff() < 4.0 / std::sqrt(double(n * d)));
  const Vec var = u.array().square().rowwise().mean();
  // Var(u_i²) = 2(d−1)/(d²(d+2)) ⇒ sd of the mean ≈ 0.00086; 1/d = 0.1.
  for (Index i = 0; i < d; ++i) CHECK(std::abs(var[i] - 1.0 / d) < 0.005);
  // Off-diagonal second moments vanish (isotropy).
  const Eigen::MatrixXd cov = u * u.transpose() / double(n);
  CHECK((cov - Eigen::MatrixXd::Identity(d, d) / double(d)).cwiseAbs().maxCoeff() < 0.006);
}

TEST_CASE("sampling: standard normals have mean 0 and variance 1", "[sampling]") {
  Random rng(99);
  const Vec z = rng.normal_vector(100000);
  CHECK(std::abs(z.mean()) < 4.0 / std::sqrt(1e5));
  CHECK(std::abs(z.squaredNorm() / 1e5 - 1.0) < 4.0 * std::sqrt(2.0 / 1e5));
  const Vec r = rng.rademacher_vector(100000);
  CHECK((r.array().abs() == 1.0).all());
  CHECK(std::abs(r.mean()) < 4.0 / std::sqrt(1e5));
}

TEST_CASE("sampling: shells lie at their radii and do not depend on the other shells",
          "[sampling]") {
  Vec c(3);
  c << 1.0, -2.0, 0.5;
  const auto shells = sample_shells(c, {0.0, 1.5, 10.0}, 100, 7);
  REQUIRE(shells.size() == 3);
  for (const auto& s : shells) {
    REQUIRE(s.points.cols() == 100);
    const Vec dist = (s.points.colwise() - c).colwise().norm().transpose();
    CHECK((dist.array() - s.radius).abs().maxCoeff() < 1e-12 * (1.0 + s.radius));
  }
  const auto other = sample_shells(c, {2.0, 1.5}, 100, 7);
  // Shell k uses derive_seed(seed, k): same index, same directions.
  CHECK(((other[1].points.colwise() - c) - (shells[1].points.colwise() - c)).norm() < 1e-12);
  CHECK(sample_shell(c, 1.5, 100, derive_seed(7, 1)) == shells[1].points);
}
