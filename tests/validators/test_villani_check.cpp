// villani check's criteria on objectives with closed forms (validators/villani_check.hpp).
#include <catch2/catch.hpp>
#include <cmath>

#include "numerics/errors.hpp"
#include "validators/check_stats.hpp"
#include "validators/villani_check.hpp"

using namespace villani;
using namespace villani::validators;
using numerics::Vec;

namespace {
// L(θ) = Σ_i a·(1 − cos θ_i): bounded (osc 2ad), smooth. ∇L = a sin θ, ∇²L = a diag(cos θ),
// ΔL = a Σ cos θ_i. With F = L + (λ/2)‖θ‖²: Ψ_s = −a Σ cos θ_i − λd + ‖a sin θ + λθ‖²/s.
class CosineBumps final : public numerics::Objective {
 public:
  CosineBumps(Eigen::Index d, double a, bool exact) : d_(d), a_(a), exact_(exact) {}
  Eigen::Index dim() const override { return d_; }
  double value(const Vec& t) const override { return a_ * (1 - t.array().cos()).sum(); }
  Vec gradient(const Vec& t) const override { return a_ * t.array().sin().matrix(); }
  Vec hvp(const Vec& t, const Vec& v) const override { return a_ * (t.array().cos() * v.array()).matrix(); }
  bool has_exact_laplacian() const override { return exact_; }
  double laplacian(const Vec& t) const override { return a_ * t.array().cos().sum(); }
  std::string name() const override { return "cosine-bumps"; }

 private:
  Eigen::Index d_;
  double a_;
  bool exact_;
};

// L(θ) = Σ_i a·relu(θ_i − 0.3): a kink at θ_i = 0.3 in every coordinate; declares nothing.
class HiddenRelu final : public numerics::Objective {
 public:
  explicit HiddenRelu(Eigen::Index d) : d_(d) {}
  Eigen::Index dim() const override { return d_; }
  double value(const Vec& t) const override { return (t.array() - 0.3).max(0.0).sum(); }
  Vec gradient(const Vec& t) const override { return (t.array() > 0.3).cast<double>().matrix(); }
  Vec hvp(const Vec&, const Vec& v) const override { return Vec::Zero(v.size()); }
  bool has_exact_laplacian() const override { return true; }
  double laplacian(const Vec&) const override { return 0.0; }

 private:
  Eigen::Index d_;
};

// L(θ) = −c‖θ‖² with c > λ/2: F is not coercive, Ψ_2s stays ≥ 0 but F → −∞.
class Concave final : public numerics::Objective {
 public:
  Concave(Eigen::Index d, double c) : d_(d), c_(c) {}
  Eigen::Index dim() const override { return d_; }
  double value(const Vec& t) const override { return -c_ * t.squaredNorm(); }
  Vec gradient(const Vec& t) const override { return -2 * c_ * t; }
  Vec hvp(const Vec&, const Vec& v) const override { return -2 * c_ * v; }
  bool has_exact_laplacian() const override { return true; }
  double laplacian(const Vec&) const override { return -2 * c_ * static_cast<double>(d_); }

 private:
  Eigen::Index d_;
  double c_;
};

CheckInput input(std::shared_ptr<const numerics::Objective> f) {
  CheckInput in;
  in.loss = std::move(f);
  return in;
}

// λ = 0.1, s = 1; `directions` points per shell, `probes` kink-probe lines, the shell radii.
CheckOptions options(int directions, int probes, std::vector<double> radii) {
  CheckOptions o;
  o.lambda = 0.1;
  o.directions = directions;
  o.probes = probes;
  o.radii = std::move(radii);
  return o;
}
}  // namespace

TEST_CASE("Clopper–Pearson bounds match closed forms", "[validators][check]") {
  // k = 0: upper = 1 − (1 − c)^{1/n}; k = n: lower = (1 − c)^{1/n}.
  for (int n : {1, 10, 32, 1000}) {
    CHECK(clopper_pearson_upper(0, n, 0.95) == Approx(1 - std::pow(0.05, 1.0 / n)).epsilon(1e-12));
    CHECK(clopper_pearson_lower(n, n, 0.95) == Approx(std::pow(0.05, 1.0 / n)).epsilon(1e-12));
    CHECK(clopper_pearson_lower(0, n, 0.95) == 0.0);
    CHECK(clopper_pearson_upper(n, n, 0.95) == 1.0);
  }
  // n = 2, k = 1, upper: 1 − (1−p)² ... solve P(X ≤ 1) = 1 − p² = 0.05 → p = sqrt(0.95).
  CHECK(clopper_pearson_upper(1, 2, 0.95) == Approx(std::sqrt(0.95)).epsilon(1e-12));
  CHECK_THROWS_AS(clopper_pearson_upper(3, 2, 0.95), InputError);
  CHECK_THROWS_AS(clopper_pearson_upper(0, 2, 1.0), InputError);
}

TEST_CASE("growth fits recover exponent, coefficient and offset", "[validators][check]") {
  std::vector<double> r, y, yp;
  for (int k = 0; k < 8; ++k) {
    const double x = 3.0 * std::pow(1.6, k);
    r.push_back(x);
    y.push_back(0.01 * x * x - 5.0);
    yp.push_back(2.5 * std::pow(x, 1.5));
  }
  const PowerFit f = power_offset_fit(r, y, 5.0);
  CHECK(f.exponent == Approx(2.0).epsilon(1e-6));
  CHECK(f.coefficient == Approx(0.01).epsilon(1e-5));
  CHECK(f.offset == Approx(-5.0).epsilon(1e-4));
  const LogLogFit l = loglog_fit(r, yp);
  CHECK(l.exponent == Approx(1.5).epsilon(1e-12));
  CHECK(l.coefficient == Approx(2.5).epsilon(1e-12));
  CHECK(l.rms < 1e-12);
}

TEST_CASE("Gaussian tail: d = 2 closed form exp(−aR²/s)", "[validators][check]") {
  const GaussianTail t = gaussian_tail(0.5, 2.0, 3.0, 2.0);
  CHECK(t.log_total == Approx(std::log(M_PI * 2.0 / 0.5)));
  CHECK(t.log_fraction == Approx(-0.5 * 9 / 2.0));
  // Far tail: asymptotic formula stays finite and decreasing.
  const GaussianTail far = gaussian_tail(1.0, 1.0, 100.0, 10.0);
  CHECK(std::isfinite(far.log_fraction));
  CHECK(far.log_fraction < -9000);
}

TEST_CASE("smooth bounded loss + λ/2‖θ‖² in d = 50: all criteria hold, growth matches λ²/s", "[validators][check]") {
  const double lambda = 0.1, s = 1;
  CheckOptions o;
  o.lambda = lambda;
  o.s = s;
  o.directions = 16;
  o.radii = {3, 10, 30, 60, 100, 200, 400};  // r0 = sqrt(s d/λ) ≈ 22.4
  const auto rep = run_check(input(std::make_shared<CosineBumps>(50, 0.5, true)), o);
  for (const CheckCriterion k : kCheckCriteria) {
    const CriterionResult& c = criterion(rep.criteria, k);
    INFO(to_string(k) << ": " << c.evidence << " " << c.reason);
    CHECK(c.verdict == Verdict::Holds);
  }
  const auto& g = rep.growth;
  REQUIRE(g.fit);
  CHECK(std::abs(g.fit->exponent - 2) < 0.1);
  CHECK(g.fit->coefficient == Approx(lambda * lambda / s).epsilon(0.1));
  CHECK(g.predicted_coefficient == Approx(0.01));
  // Ψ_s at the samples against the closed form bounds: −a·d − λd + (λr − a√d)²/s ≤ Ψ_s ≤ a·d − λd + (λr + a√d)²/s.
  for (const auto& sh : g.shells) {
    const double r = sh.radius;
    REQUIRE(sh.psi);
    const double lo = -0.5 * 50 - lambda * 50 + std::pow(std::max(0.0, lambda * r - 0.5 * std::sqrt(50.0)), 2) / s;
    const double hi = 0.5 * 50 - lambda * 50 + std::pow(lambda * r + 0.5 * std::sqrt(50.0), 2) / s;
    CHECK(sh.psi->psi_s.min >= lo - 1e-9);
    CHECK(sh.psi->psi_s.max <= hi + 1e-9);
  }
  // The oscillation on the ball never exceeds the global 2·a·d, the curvature floor is ≤ a.
  CHECK(rep.constants.oscillation_l_ball <= 2 * 0.5 * 50);
  REQUIRE(rep.constants.curvature);
  CHECK(rep.constants.curvature->floor <= 0.5 + 1e-12);
  CHECK(rep.constants.routes.size() == 5);
  CHECK(rep.precision.decided_by == Rung::Double);
}

TEST_CASE("estimated Laplacian: the same verdicts, with a standard error", "[validators][check]") {
  CheckOptions o = options(8, 1, {10, 60, 100, 200, 400});
  const auto rep = run_check(input(std::make_shared<CosineBumps>(50, 0.5, false)), o);
  CHECK(rep.criteria.growth.verdict == Verdict::Holds);
  REQUIRE(rep.growth.shells[0].psi);
  CHECK(rep.growth.shells[0].psi->laplacian_estimated);
  CHECK(rep.growth.shells[0].psi->standard_error > 0);
}

TEST_CASE("Laplacian estimated on an exact objective: XTrace within its error of the exact ΔF", "[validators][check]") {
  CheckOptions o = options(6, 0, {5, 50});
  o.precision = PrecisionMode::Double;
  const auto model = std::make_shared<CosineBumps>(50, 0.5, true);
  const auto exact = run_check(input(model), o);
  o.laplacian = "estimated";
  o.matvecs = 20;
  const auto est = run_check(input(model), o);
  CHECK(exact.model.laplacian == "exact");
  CHECK(est.model.laplacian.rfind("estimated (XTrace", 0) == 0);
  // The same directions and points: ‖∇F‖² is exact in both, only ΔF differs, by a few
  // standard errors at most (ΔL = a·Σcos θ_i, a diagonal Hessian: XTrace is unbiased).
  for (int k = 0; k < 2; ++k) {
    const auto& a = exact.growth.shells[k].psi;
    const auto& b = est.growth.shells[k].psi;
    REQUIRE(a);
    REQUIRE(b);
    const double se = b->standard_error;
    CHECK(se > 0);
    CHECK(std::abs(a->psi_s.median - b->psi_s.median) <= 6 * se + 1e-9);
  }
  // "exact" on an objective without a native Laplacian sums d HVPs (issue 13; it used to be
  // refused, see the next test); an unknown mode is bad input.
  o.laplacian = "exact";
  CHECK(run_check(input(std::make_shared<CosineBumps>(50, 0.5, false)), o).model.laplacian.rfind("exact (Σ", 0) == 0);
  o.laplacian = "sometimes";
  CHECK_THROWS_AS(run_check(input(model), o), InputError);
}

TEST_CASE("kink probe finds an undeclared relu — audit names declared ops", "[validators][check]") {
  CheckOptions o = options(4, 3, {1, 10, 30, 60});
  const auto rep = run_check(input(std::make_shared<HiddenRelu>(5)), o);
  const auto& sm = rep.criteria.smoothness;
  CHECK(sm.verdict == Verdict::Violated);
  REQUIRE(sm.kinks.size() >= 1);
  // The directional derivative jumps by |u_i| at the kink.
  CHECK(std::abs(sm.kinks[0].jump) > 1e-3);
  // Smooth model: no kink.
  const auto rep2 = run_check(input(std::make_shared<CosineBumps>(5, 0.5, true)), o);
  CHECK(rep2.criteria.smoothness.kinks.size() == 0);
  CHECK(rep2.criteria.smoothness.verdict == Verdict::Holds);
  // Declared operations are named.
  CheckInput in = input(std::make_shared<CosineBumps>(5, 0.5, true));
  in.audit = std::vector<std::string>{"aten::relu (forward, line 2)"};
  in.audit_source = "TorchScript graph";
  const auto rep3 = run_check(in, o);
  CHECK(rep3.criteria.smoothness.verdict == Verdict::Violated);
  CHECK(rep3.criteria.smoothness.evidence.find("aten::relu") != std::string::npos);
}

TEST_CASE("non-coercive F: coercivity and integrability fail", "[validators][check]") {
  CheckOptions o = options(4, 0, {1, 10, 100});
  const auto rep = run_check(input(std::make_shared<Concave>(3, 0.2)), o);
  CHECK(rep.criteria.coercivity.verdict == Verdict::Violated);
  CHECK(rep.criteria.integrability.verdict == Verdict::Violated);
}

TEST_CASE("radii too small: growth inconclusive with a reason — bad options throw", "[validators][check]") {
  CheckOptions o = options(4, 0, {1, 2, 3});  // far below r0 ≈ 22
  const auto rep = run_check(input(std::make_shared<CosineBumps>(50, 0.5, true)), o);
  CHECK(rep.criteria.growth.verdict != Verdict::Holds);
  CheckOptions bad = o;
  bad.lambda = 0;
  CHECK_THROWS_AS(run_check(input(std::make_shared<CosineBumps>(5, 0.5, true)), bad), InputError);
  bad = o;
  bad.radii = {-1};
  CHECK_THROWS_AS(run_check(input(std::make_shared<CosineBumps>(5, 0.5, true)), bad), InputError);
  bad = o;
  bad.precision = PrecisionMode::Digits50;
  CHECK_THROWS_AS(run_check(input(std::make_shared<CosineBumps>(5, 0.5, true)), bad), InputError);
}

TEST_CASE("check: an exact Laplacian without a native one is the sum of d HVPs and equals the analytic ΔF", "[validators][check]") {
  CheckOptions o = options(4, 0, {5, 50});
  o.precision = PrecisionMode::Double;
  o.center = Vec::Constant(50, 0.3);
  o.center_label = "file";
  const auto native = run_check(input(std::make_shared<CosineBumps>(50, 0.5, true)), o);
  o.laplacian = "exact";
  const auto summed = run_check(input(std::make_shared<CosineBumps>(50, 0.5, false)), o);
  CHECK(summed.model.laplacian.rfind("exact (Σ", 0) == 0);
  for (int k = 0; k < 2; ++k) {
    REQUIRE(summed.growth.shells[k].psi);
    REQUIRE(native.growth.shells[k].psi);
    CHECK(summed.growth.shells[k].psi->psi_s.median == Approx(native.growth.shells[k].psi->psi_s.median).epsilon(1e-12));
  }
  // The centre's own values are reported: F, ΔF = a·Σcos θ_i + λd, ‖∇F‖, Ψ_s.
  const auto& c = summed.center;
  REQUIRE(c.finite);
  const double lap = 0.5 * 50 * std::cos(0.3) + 0.1 * 50;
  CHECK(c.laplacian == Approx(lap).epsilon(1e-12));
  CHECK(native.center.laplacian == Approx(lap).epsilon(1e-12));
  CHECK(c.psi_s == Approx(-lap + c.grad_norm * c.grad_norm).epsilon(1e-12));
}
