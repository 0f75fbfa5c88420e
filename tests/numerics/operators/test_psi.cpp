#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "helpers.hpp"
#include "numerics/psi.hpp"
#include "tests/support/input_error.hpp"

using namespace villani;
using namespace villani::numerics;
using Eigen::Index;

TEST_CASE("psi: F = (λ/2)‖θ‖² gives Ψ_s = −λd + λ²‖θ‖²/s exactly", "[psi]") {
  const Index d = 50;
  const double lambda = 0.3, s = 0.7;
  test::DiagonalQuadratic f(Vec::Constant(d, lambda), true);
  Vec theta = Random(3).normal_vector(d) * 2.0;
  const double t2 = theta.squaredNorm();
  const PsiResult r = psi(f, theta, s);
  CHECK(r.path == LaplacianPath::Exact);
  CHECK(r.method == "exact");
  CHECK(r.hvps == 0);
  CHECK(r.standard_error == 0.0);
  CHECK(r.psi_s == Approx(-lambda * d + lambda * lambda * t2 / s).epsilon(1e-14));
  CHECK(r.psi_2s == Approx(-lambda * d + lambda * lambda * t2 / (2 * s)).epsilon(1e-14));

  // Same objective through Regularized (L ≡ 0 + λ/2‖θ‖²).
  auto zero = std::make_shared<test::DiagonalQuadratic>(Vec::Zero(d), true);
  Regularized reg(zero, lambda);
  CHECK(psi(reg, theta, s).psi_s == Approx(r.psi_s).epsilon(1e-14));

  // Estimated path (Gaussian probes give a non-zero spread on λI): agrees within its error.
  for (auto m : {TraceMethod::Hutchinson, TraceMethod::HutchPlusPlus, TraceMethod::XTrace}) {
    PsiOptions o;
    o.force_estimate = true;
    o.method = m;
    o.probe = Probe::Gaussian;
    o.matvecs = 30;
    o.seed = 17;
    const PsiResult e = psi(f, theta, s, o);
    INFO(e.method << ": " << e.psi_s << " ± " << e.standard_error << " vs " << r.psi_s);
    CHECK(e.path == LaplacianPath::Estimated);
    CHECK(e.hvps == 30);
    CHECK(e.grad_norm_sq == Approx(lambda * lambda * t2).epsilon(1e-14));
    CHECK(std::abs(e.psi_s - r.psi_s) < 4.0 * e.standard_error + 1e-12);
    CHECK(e.psi_s - e.psi_2s == Approx(lambda * lambda * t2 / (2 * s)).epsilon(1e-12));
  }
}

TEST_CASE("psi: estimated Laplacian on an anisotropic quadratic without exact Laplacian", "[psi]") {
  const Index d = 120;
  Vec h(d);
  for (Index i = 0; i < d; ++i) h[i] = 1.0 / double(i + 1) - 0.05;  // indefinite
  test::DiagonalQuadratic f(h, false);
  const Vec theta = Vec::LinSpaced(d, -1.0, 2.0);
  const double truth = -h.sum() + h.cwiseProduct(theta).squaredNorm() / 2.0;
  int within = 0;
  const int runs = 40;
  for (int k = 0; k < runs; ++k) {
    PsiOptions o;
    o.seed = 100 + k;
    o.matvecs = 40;
    const PsiResult e = psi(f, theta, 2.0, o);
    REQUIRE(e.path == LaplacianPath::Estimated);
    REQUIRE(e.standard_error > 0.0);
    if (std::abs(e.psi_s - truth) < 2.0 * e.standard_error) ++within;
  }
  // About 95% of 2-standard-error intervals cover the truth when the error estimate is honest.
  CHECK(within >= 32);
  // Without an exact Laplacian, the objective itself refuses (DomainError), psi estimates.
  CHECK_THROWS_AS(f.laplacian(theta), DomainError);
}

TEST_CASE("psi: bad s and θ are InputErrors naming them", "[psi]") {
  test::DiagonalQuadratic f(Vec::Ones(4), true);
  const Vec t = Vec::Ones(4);
  CHECK(villani::testing::thrown_argument([&] { psi(f, t, 0.0); }) == "s");
  CHECK(villani::testing::thrown_argument([&] { psi(f, t, -1.0); }) == "s");
  CHECK(villani::testing::thrown_argument([&] { psi(f, t, NAN); }) == "s");
  CHECK(villani::testing::thrown_argument([&] { psi(f, t, INFINITY); }) == "s");
  CHECK(villani::testing::thrown_argument([&] { psi(f, Vec::Ones(3), 1.0); }) == "theta");
  Vec bad = t;
  bad[2] = NAN;
  CHECK(villani::testing::thrown_argument([&] { psi(f, bad, 1.0); }) == "theta");
  PsiOptions o;
  o.force_estimate = true;
  o.matvecs = 1;
  CHECK(villani::testing::thrown_argument([&] { psi(f, t, 1.0, o); }) == "matvecs");
}
