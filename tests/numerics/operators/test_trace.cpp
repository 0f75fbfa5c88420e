#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "helpers.hpp"
#include "numerics/trace.hpp"
#include "tests/support/input_error.hpp"

using namespace villani;
using namespace villani::numerics;
using Eigen::Index;

namespace {

struct Stats {
  double mean, sd, mean_reported_se, rms_rel;
};

Stats run(const LinearOperator& a, TraceMethod m, std::int64_t budget, Probe p, int seeds,
          double truth) {
  std::vector<double> est, se;
  for (int s = 0; s < seeds; ++s) {
    const TraceEstimate t = estimate_trace(a, m, budget, p, 1000 + s);
    REQUIRE(t.matvecs <= budget);
    REQUIRE(std::isfinite(t.estimate));
    REQUIRE(t.standard_error >= 0.0);
    est.push_back(t.estimate);
    se.push_back(t.standard_error);
  }
  const Eigen::Map<Vec> e(est.data(), seeds), r(se.data(), seeds);
  const double mean = e.mean();
  const double sd = std::sqrt((e.array() - mean).square().sum() / (seeds - 1));
  const double rms = std::sqrt((e.array() - truth).square().mean()) / std::abs(truth);
  return {mean, sd, std::sqrt(r.array().square().mean()), rms};
}

}  // namespace

TEST_CASE("trace: estimators are unbiased on an indefinite matrix with known trace", "[trace]") {
  const Index n = 60;
  const Eigen::MatrixXd a = test::random_symmetric(n, 11, 0.8);  // trace ≈ 0.8·60
  const double truth = a.trace();
  DenseSymOperator op(a);
  const int seeds = 300;
  for (auto m : {TraceMethod::Hutchinson, TraceMethod::HutchPlusPlus, TraceMethod::XTrace})
    for (auto p : {Probe::Rademacher, Probe::Gaussian}) {
      const Stats s = run(op, m, 12, p, seeds, truth);
      INFO(to_string(m) << "(" << to_string(p) << "): mean " << s.mean << " sd " << s.sd
                        << " truth " << truth);
      // The mean of `seeds` independent estimates is within 3 standard errors of the truth.
      CHECK(std::abs(s.mean - truth) < 3.0 * s.sd / std::sqrt(double(seeds)));
      // The reported standard errors match the observed spread (within a factor 2).
      CHECK(s.mean_reported_se > 0.5 * s.sd);
      CHECK(s.mean_reported_se < 2.0 * s.sd);
    }
}

TEST_CASE("trace: Hutch++ and XTrace beat Hutchinson on a decaying PSD spectrum", "[trace]") {
  const Index n = 300;
  DenseSymOperator op(test::decaying_psd(n, 2.0, 5));
  const double truth = op.matrix().trace();
  const int seeds = 30;
  const std::int64_t budget = 60;
  const Stats h = run(op, TraceMethod::Hutchinson, budget, Probe::Rademacher, seeds, truth);
  const Stats hpp = run(op, TraceMethod::HutchPlusPlus, budget, Probe::Rademacher, seeds, truth);
  const Stats x = run(op, TraceMethod::XTrace, budget, Probe::Gaussian, seeds, truth);
  INFO("rms relative error: hutchinson " << h.rms_rel << ", hutch++ " << hpp.rms_rel
                                         << ", xtrace " << x.rms_rel);
  CHECK(hpp.rms_rel < h.rms_rel / 4.0);
  CHECK(x.rms_rel < h.rms_rel / 4.0);
  // Rademacher Hutchinson variance is 2(‖A‖_F² − Σ A_ii²) per probe: check the prediction.
  const Eigen::MatrixXd& a = op.matrix();
  const double var1 = 2.0 * (a.squaredNorm() - a.diagonal().squaredNorm());
  const double predicted_rel = std::sqrt(var1 / double(budget)) / truth;
  CHECK(h.rms_rel == Approx(predicted_rel).epsilon(0.35));
}

TEST_CASE("trace: exact when the operator's range is captured", "[trace]") {
  // Rank-3 PSD matrix in dimension 40: Hutch++ with a sketch of ≥ 3 columns and XTrace
  // (rank-deficient fallback) recover the trace to rounding.
  const Eigen::MatrixXd u = test::random_orthogonal(40, 3).leftCols(3);
  Vec lam(3);
  lam << 5.0, 2.0, 0.5;
  const Eigen::MatrixXd m = u * lam.asDiagonal() * u.transpose();
  DenseSymOperator op(0.5 * (m + m.transpose()));
  const TraceEstimate hp = hutchpp(op, 12, Probe::Gaussian, 1);
  CHECK(hp.estimate == Approx(7.5).epsilon(1e-10));
  CHECK(hp.standard_error < 1e-10);
  const TraceEstimate x = xtrace(op, 12, Probe::Gaussian, 1);
  CHECK(x.estimate == Approx(7.5).epsilon(1e-10));
  CHECK_FALSE(x.note.empty());
  // Identity: Rademacher Hutchinson is exact (zᵀz = n) with zero spread.
  DenseSymOperator id(Eigen::MatrixXd::Identity(25, 25));
  const TraceEstimate hi = hutchinson(id, 5, Probe::Rademacher, 3);
  CHECK(hi.estimate == 25.0);
  CHECK(hi.standard_error == 0.0);
}

TEST_CASE("trace: budgets, clamping, reproducibility and bad input", "[trace]") {
  DenseSymOperator op(test::random_symmetric(8, 2));
  CHECK(hutchinson(op, 7, Probe::Rademacher, 9).matvecs == 7);
  CHECK(hutchpp(op, 10, Probe::Rademacher, 9).matvecs == 10);
  CHECK(xtrace(op, 11, Probe::Rademacher, 9).matvecs == 10);
  // XTrace with more probes than n uses n of them (still an estimate: each leave-one-out basis
  // misses one direction).
  const TraceEstimate big = xtrace(op, 40, Probe::Gaussian, 9);
  CHECK(big.matvecs == 16);
  CHECK(std::abs(big.estimate - op.matrix().trace()) < 5.0 * big.standard_error + 1e-9);
  // Hutch++ with a sketch of n columns captures A: the residual term vanishes.
  CHECK(hutchpp(op, 60, Probe::Gaussian, 9).estimate == Approx(op.matrix().trace()).margin(1e-9));
  CHECK(xtrace(op, 8, Probe::Gaussian, 4).estimate == xtrace(op, 8, Probe::Gaussian, 4).estimate);
  CHECK(villani::testing::thrown_argument([&] { hutchinson(op, 1, Probe::Rademacher, 1); }) == "matvecs");
  CHECK(villani::testing::thrown_argument([&] { hutchpp(op, 5, Probe::Rademacher, 1); }) == "matvecs");
  CHECK(villani::testing::thrown_argument([&] { xtrace(op, 3, Probe::Rademacher, 1); }) == "matvecs");
  CHECK(villani::testing::thrown_argument([&] { parse_trace_method("exact"); }) == "--estimator");
  CHECK(villani::testing::thrown_argument([&] { parse_probe("uniform", "probe"); }) == "probe");
  CHECK(parse_trace_method("hutch++") == TraceMethod::HutchPlusPlus);
  CHECK(parse_probe("gaussian") == Probe::Gaussian);
}
