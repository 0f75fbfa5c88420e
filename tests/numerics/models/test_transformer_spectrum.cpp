// Issue 3 acceptance: extreme eigenvalues of the reference transformer's Hessian by Lanczos
// (Spectra, numerics/lanczos.hpp) against Eigen's dense solver on the Hessian assembled from
// d HVPs (hand-written reverse pass + forward mode), and ∇²F = ∇²L + λI.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "numerics/lanczos.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/models/presets.hpp"

using namespace villani::numerics;
using namespace villani::numerics::models;

TEST_CASE("tiny-transformer Hessian: Lanczos top/bottom 3 eigenvalues match the dense solver", "[models][lanczos]") {
  auto m = make_reference("tiny-transformer");
  const double lambda = 1e-3;
  Regularized f(m, lambda);
  const Vec th = m->initial_theta(1);
  const Eigen::Index d = m->dim();
  REQUIRE(d == 1056);
  // Dense ∇²L, column i = H e_i. It is symmetric up to rounding (an independent check that
  // the HVP is the Hessian of one function).
  Eigen::MatrixXd h(d, d);
  for (Eigen::Index i = 0; i < d; ++i) h.col(i) = m->hvp(th, Vec::Unit(d, i));
  const double asym = (h - h.transpose()).norm() / h.norm();
  INFO("relative asymmetry " << asym);
  REQUIRE(asym < 1e-12);
  h = 0.5 * (h + h.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(h, Eigen::EigenvaluesOnly);
  REQUIRE(es.info() == Eigen::Success);
  const Vec ev = es.eigenvalues();  // ascending, eigenvalues of ∇²L
  const double scale = ev.cwiseAbs().maxCoeff();
  REQUIRE(ev[0] < 0);  // indefinite at θ0: the bottom eigenvalues are a real test

  HessianOperator hf(f, th);  // ∇²F = ∇²L + λI through Regularized::hvp
  LanczosOptions o;
  o.tolerance = 1e-12;
  const EigenResult top = extreme_eigenvalues(hf, 3, EigenWhich::Largest, o);
  const EigenResult bot = extreme_eigenvalues(hf, 3, EigenWhich::Smallest, o);
  REQUIRE(top.status == EigenStatus::Converged);
  REQUIRE(bot.status == EigenStatus::Converged);
  REQUIRE(top.values.size() == 3);
  REQUIRE(bot.values.size() == 3);
  for (int j = 0; j < 3; ++j) {
    const double want_top = ev[d - 1 - j] + lambda, want_bot = ev[j] + lambda;
    INFO("j = " << j << " top " << top.values[j] << " vs " << want_top << ", bottom " << bot.values[j]
                << " vs " << want_bot << " (spectral radius " << scale << ")");
    CHECK(std::abs(top.values[j] - want_top) <= 1e-8 * std::abs(want_top));
    CHECK(std::abs(bot.values[j] - want_bot) <= 1e-8 * std::abs(want_bot));
  }
  // Lanczos on ∇²L alone: the same values minus λ.
  HessianOperator hl(*m, th);
  const EigenResult topl = extreme_eigenvalues(hl, 3, EigenWhich::Largest, o);
  REQUIRE(topl.status == EigenStatus::Converged);
  for (int j = 0; j < 3; ++j)
    CHECK(std::abs((top.values[j] - lambda) - topl.values[j]) <= 1e-8 * std::abs(topl.values[j]));
}
