// Interval certificates of Ψ_s ≥ M and F ≥ c‖θ‖² − C on annuli (validators/certify.hpp).
// Thresholds come from closed forms (L = 0) or from an independent dense double-precision
// minimisation; every counterexample is re-evaluated at 50 digits (MPFR) here.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "numerics/errors.hpp"
#include "numerics/scalar.hpp"
#include "numerics/symbolic/energy.hpp"
#include "numerics/symbolic/program.hpp"
#include "validators/certify.hpp"

using namespace villani;
using namespace villani::validators;
namespace sym = villani::numerics::symbolic;

namespace {

CertifyResult run(const sym::Energy& e, const std::string& lambda, const std::string& s,
                  const std::string& text, CertifyOptions o = {}) {
  return certify(e, lambda, s, parse_certify(text), o);
}

// The program at θ in 50-digit MPFR (independent of the interval engine).
Real50 at50(const sym::Program& p, const std::vector<double>& th, const std::string& lambda,
            const std::string& s) {
  sym::Evaluator<Real50> ev(p);
  Real50 v[4];
  const int d = static_cast<int>(th.size());
  for (int k = 0; k < d; ++k) v[k] = th[k];
  v[d] = Real50(lambda);
  v[d + 1] = Real50(s);
  return ev(v);
}

// min of a program over the 1-D annulus r0 ≤ |t| ≤ r1 by dense sampling in double.
double dense_min_1d(const sym::Program& p, double r0, double r1, double lambda, double s) {
  double m = std::numeric_limits<double>::infinity();
  const int n = 200000;
  for (int sign : {-1, 1})
    for (int i = 0; i <= n; ++i) {
      const double t = sign * (r0 + (r1 - r0) * i / n);
      m = std::min(m, sym::eval_double(p, &t, 1, lambda, s));
    }
  return m;
}

// The verdict as `villani gap` prints it (certificate words: certified | counterexample | inconclusive).
std::string words(const CertifyResult& r) { return to_string(r.verdict, VerdictWords::Certificate); }

}  // namespace

TEST_CASE("certify: L = 0, Ψ_s = −λ + λ²t²/s ≥ M on 2 ≤ |t| ≤ 5 (exact threshold 3)", "[certify]") {
  sym::Energy e("0", 1);
  const auto ok = run(e, "1", "1", "psi>=2.99 on r in [2,5]");
  CHECK(words(ok) == "certified");
  CHECK(ok.boxes_certified >= 2);
  CHECK(ok.min_lower_margin >= 0);
  CHECK(ok.min_lower_margin <= 0.01 + 1e-12);  // the enclosure cannot exceed the true margin 0.01
  // The exact threshold: Ψ_s − 3 = t² − 4 ≥ 0 with equality at |t| = 2.
  CHECK(words(run(e, "1", "1", "psi>=3 on r in [2,5]")) == "certified");

  const auto bad = run(e, "1", "1", "psi>=3.01 on r in [2,5]");
  REQUIRE(words(bad) == "counterexample");
  REQUIRE(bad.point.size() == 1);
  const double t = bad.point[0];
  CHECK(std::fabs(t) >= 2);
  CHECK(std::fabs(t) < 2 + 0.01 / 4);  // Ψ_s < 3.01 ⇔ t² < 4.01
  CHECK(bad.margin < 0);
  CHECK(bad.confirmed_100);
  // Re-evaluated at 50 digits, outside the engine: Ψ_s(t) < 3.01.
  CHECK(at50(e.psi(false), bad.point, "1", "1") < Real50("3.01"));
  CHECK(bad.value == Approx(-1 + t * t).epsilon(1e-12));
  CHECK(bad.rhs == Approx(3.01).epsilon(1e-12));
}

TEST_CASE("certify: double well A·exp(−t²/2) against a dense minimisation of Ψ_s", "[certify]") {
  sym::Energy e("10*exp(-t^2/2)", 1);
  for (auto [r0, r1] : {std::pair{0.5, 2.0}, std::pair{3.0, 6.0}}) {
    const double m = dense_min_1d(e.psi(false), r0, r1, 1, 1);
    INFO("r in [" << r0 << ", " << r1 << "], dense min Ψ_s = " << m);
    const std::string region = " on r in [" + std::to_string(r0) + "," + std::to_string(r1) + "]";
    const auto ok = run(e, "1", "1", "psi>=" + std::to_string(m - 0.01) + region);
    CHECK(words(ok) == "certified");
    const auto bad = run(e, "1", "1", "psi>=" + std::to_string(m + 0.01) + region);
    REQUIRE(words(bad) == "counterexample");
    CHECK(std::fabs(bad.point[0]) >= r0);
    CHECK(std::fabs(bad.point[0]) <= r1);
    CHECK(at50(e.psi(false), bad.point, "1", "1") < Real50(std::to_string(m + 0.01)));
  }
}

TEST_CASE("certify: coercivity F ≥ c·t² − C with exact thresholds", "[certify]") {
  // L = 0, λ = 0.5: F = t²/4, so c = 1/4, C = 0 holds with equality everywhere.
  sym::Energy zero("0", 1);
  CHECK(words(run(zero, "0.5", "1", "coercive c=1/4,C=0 on r in [0,10]")) == "certified");
  const auto bad = run(zero, "0.5", "1", "coercive c=0.26,C=0 on r in [0.5,10]");
  REQUIRE(words(bad) == "counterexample");
  CHECK(at50(zero.energy(), bad.point, "0.5", "1") <
        Real50("0.26") * Real50(bad.point[0]) * Real50(bad.point[0]));
  // L = 10·exp(−t²/2) ≥ 0: F ≥ t²/2 (c = 1/2, C = 0); with c = 1, the best C is
  // max_t (t²/2 − 10·exp(−t²/2)) over the region: on |t| ≤ 3 it is 4.5 − 10·e^{−4.5}.
  sym::Energy dw("10*exp(-t^2/2)", 1);
  CHECK(words(run(dw, "1", "1", "coercive c=1/2,C=0 on r in [0,8]")) == "certified");
  const double Cstar = 4.5 - 10 * std::exp(-4.5);
  CHECK(words(run(dw, "1", "1", "coercive c=1,C=" + std::to_string(Cstar + 1e-3) + " on r in [0,3]")) ==
        "certified");
  const auto bad2 = run(dw, "1", "1", "coercive c=1,C=" + std::to_string(Cstar - 1e-3) + " on r in [0,3]");
  REQUIRE(words(bad2) == "counterexample");
  CHECK(std::fabs(bad2.point[0]) > 2.99);
}

TEST_CASE("certify: 2-D annuli by polar boxes", "[certify]") {
  // L = 0, λ = 2, s = 1: Ψ_s = −2λ + λ²‖θ‖² = 4r² − 4, zero at r = 1.
  sym::Energy e("0", 2);
  const auto ok = run(e, "2", "1", "psi>=-0.01 on r in [1,3]");
  CHECK(words(ok) == "certified");
  CHECK(ok.dim == 2);
  const auto bad = run(e, "2", "1", "psi>=0.01 on r in [1,3]");
  REQUIRE(words(bad) == "counterexample");
  REQUIRE(bad.point.size() == 2);
  CHECK(bad.point_radius >= 1);
  CHECK(bad.point_radius < 1 + 0.01 / 8 + 1e-9);  // 4r² − 4 < 0.01 ⇔ r² < 1.0025
  CHECK(at50(e.psi(false), bad.point, "2", "1") < Real50("0.01"));

  // Non-separable: L = softplus(t1·t2) > 0, so F ≥ (λ/2)‖θ‖²; with c = λ/2 + 0.01 it fails
  // where t1·t2 ≪ 0 (softplus(−4.5) ≈ 0.011 < 0.01·9 at r = 3).
  sym::Energy sp("softplus(t1*t2)", 2);
  CHECK(words(run(sp, "1", "1", "coercive c=1/2,C=0 on r in [0.5,3]")) == "certified");
  const auto bad2 = run(sp, "1", "1", "coercive c=0.51,C=0 on r in [0.5,3]");
  REQUIRE(words(bad2) == "counterexample");
  const auto& th = bad2.point;
  CHECK(th[0] * th[1] < 0);
  CHECK(at50(sp.energy(), th, "1", "1") <
        Real50("0.51") * (Real50(th[0]) * Real50(th[0]) + Real50(th[1]) * Real50(th[1])));
}

TEST_CASE("certify: the budget gives 'inconclusive' with the smallest undecided box", "[certify]") {
  // True but tight: Ψ_s of the double well is ≥ its dense minimum − 1e-6 on 0.5 ≤ |t| ≤ 2, and the
  // minimum is interior, so a cover needs many boxes.
  sym::Energy e("10*exp(-t^2/2)", 1);
  const double m = dense_min_1d(e.psi(false), 0.5, 2, 1, 1);
  const std::string text = "psi>=" + std::to_string(m - 1e-5) + " on r in [0.5,2]";
  CertifyOptions o;
  o.max_boxes = 6;
  const auto r = run(e, "1", "1", text, o);
  CHECK(words(r) == "inconclusive");
  CHECK(r.boxes_evaluated <= 6);
  CHECK(r.box_r_hi > r.box_r_lo);
  CHECK(r.budget_note.find("budget") != std::string::npos);
  o.max_boxes = 200000;
  o.max_depth = 3;
  const auto r2 = run(e, "1", "1", text, o);
  CHECK(words(r2) == "inconclusive");
  CHECK(r2.budget_note.find("depth") != std::string::npos);
  CHECK(r2.max_depth == 3);
  // With the default budget the same statement is certified.
  const auto r3 = run(e, "1", "1", text);
  CHECK(words(r3) == "certified");
  CHECK(r3.max_depth > 3);
}

TEST_CASE("certify: statements that do not parse are InputError naming --certify", "[certify]") {
  for (const char* bad : {"psi>3 on r in [2,5]", "psi>=x on r in [2,5]", "psi>=3 on r in [5,2]",
                          "psi>=3 on r in [-1,2]", "coercive c=1 on r in [0,1]", "coercive c=a,C=0 on r in [0,1]",
                          "psi>=3 on r in [0,inf]", ""}) {
    INFO(bad);
    try {
      parse_certify(bad);
      FAIL("no InputError");
    } catch (const InputError& e) {
      CHECK(e.argument() == "--certify");
    }
  }
  const auto st = parse_certify(" coercive c = 1/2 , C = 0.25 on r in [ 0 , 3 ] ");
  CHECK(st.kind == CertifyStatement::Kind::Coercive);
  CHECK(st.c == "1/2");
  CHECK(st.C == "0.25");
  CHECK(st.r1 == 3.0);
  // An outward-rounded radius: 0.1 is not a double; r0 rounds down, r1 up.
  const auto st2 = parse_certify("psi2s>=1 on r in [0.1,0.1]");
  CHECK(st2.r0 <= 0.1);
  CHECK(st2.r1 >= 0.1);
  CHECK(st2.r0 < st2.r1);
}

TEST_CASE("certify: centred forms close an interior 2-D minimum at a 1e-3 margin — undecided boxes are sign-consistent",
          "[certify]") {
  // Ψ_s of the separable double well on 0.5 ≤ ‖θ‖ ≤ 2 has its minimum (≈ 4.439374) inside the
  // annulus; the natural interval extension alone left M = min − 1e-3 inconclusive after 200000 boxes.
  sym::Energy e("10*exp(-t1^2/2) + 10*exp(-t2^2/2)", 2);
  sym::Evaluator<double> psi(e.psi(false));
  double m = std::numeric_limits<double>::infinity();
  const int n = 600;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i <= n; ++i) {
      const double r = 0.5 + 1.5 * i / n, phi = 2 * M_PI * j / n;
      double v[4] = {r * std::cos(phi), r * std::sin(phi), 1.0, 1.0};
      m = std::min(m, psi(v));
    }
  const auto ok = run(e, "1", "1", "psi>=" + std::to_string(m - 1e-3) + " on r in [0.5,2]");
  INFO("min " << m << ": " << words(ok) << " after " << ok.boxes_evaluated << " boxes");
  CHECK(words(ok) == "certified");
  CHECK(ok.boxes_evaluated < 200000);
  CHECK(ok.boxes_evaluated < 5000);  // 1128 measured (the natural extension alone: > 200000)
  // The same statement on a budget too small to finish: inconclusive, and the box it names really
  // is undecided — its enclosure's lower end is < 0 (a queued box with a lower end ≥ 0, which
  // would be certified when popped, used to be named).
  CertifyOptions o;
  o.max_boxes = 40;
  const auto r = run(e, "1", "1", "psi>=" + std::to_string(m - 1e-3) + " on r in [0.5,2]", o);
  REQUIRE(words(r) == "inconclusive");
  const auto& enc = r.box_margin_enclosure;
  INFO("undecided box enclosure " << enc);
  REQUIRE(enc.size() > 2);
  CHECK(std::stod(enc.substr(1, enc.find(',') - 1)) < 0);
}

// The well certificate (issue 25): no critical point of F beyond a radius, or the region that
// could not be excluded. Cross-checks: the far-field program equals (θ·∇F)/‖θ‖² − λ/4 computed
// from the near-field program at θ = ω/u; certified cases are confirmed by dense sampling.
TEST_CASE("wells: the far-field margin in u = 1/‖θ‖ equals the near-field one divided by ‖θ‖²", "[certify][wells]") {
  {
    const sym::Energy e("10*exp(-t^2/2) + t^4/100");
    const auto near = e.radial_margin(sym::Energy::Radial::Near, "1", "1");
    const auto plus = e.radial_margin(sym::Energy::Radial::FarPlus, "1", "1");
    const auto minus = e.radial_margin(sym::Energy::Radial::FarMinus, "1", "1");
    for (double u : {0.5, 0.2, 0.05}) {
      for (int side : {1, -1}) {
        const double t = side / u;
        const double g = sym::eval_double(near, &t, 1, 1, 1);
        const double h = sym::eval_double(side > 0 ? plus : minus, &u, 1, 1, 1);
        CHECK(h == Approx(g / (t * t)).epsilon(1e-12));
        // closed form: t·F'(t)/t² − 1/4 = 3/4 − 10 e^{−t²/2} + t²/25
        CHECK(h == Approx(0.75 - 10 * std::exp(-t * t / 2) + t * t / 25).epsilon(1e-12));
      }
    }
  }
  {
    const sym::Energy e("-3*exp(-(t1-2)^2-(t2+1)^2) + t1^2*t2^2/10");
    const auto near = e.radial_margin(sym::Energy::Radial::Near, "0.5", "2");
    const auto far = e.radial_margin(sym::Energy::Radial::Far2D, "0.5", "2");
    for (double u : {0.7, 0.3, 0.1})
      for (double phi : {0.0, 1.0, 2.5, 4.0, 6.0}) {
        const double th[2] = {std::cos(phi) / u, std::sin(phi) / u};
        const double g = sym::eval_double(near, th, 2, 0.5, 2);
        const double x[2] = {u, phi};
        const double h = sym::eval_double(far, x, 2, 0.5, 2);
        CHECK(h == Approx(g * u * u).epsilon(1e-11).margin(1e-12));
      }
  }
}

TEST_CASE("wells: certified beyond the box where F has none, refused where a well lies outside", "[certify][wells]") {
  // Certified: confirmed by dense sampling of t·F'(t) > 0 on R ≤ |t| ≤ 1000.
  for (const std::string loss : {"t^4 - 4*t^2", "10*exp(-t^2/2)", "log(1 + t^2)", "sin(3*t)"}) {
    const sym::Energy e(loss);
    const auto w = certify_no_wells(e, "1", "1", 8.0);
    INFO(loss << ": " << w.text);
    CHECK(w.verdict == Verdict::Holds);
    CHECK(w.region.empty());
    const auto near = e.radial_margin(sym::Energy::Radial::Near, "1", "1");
    double worst = std::numeric_limits<double>::infinity();
    for (int i = 0; i <= 200000; ++i) {
      const double t = 8.0 + (1000.0 - 8.0) * i / 200000.0;
      for (double x : {t, -t}) worst = std::min(worst, sym::eval_double(near, &x, 1, 1, 1));
    }
    CHECK(worst > 0);
  }
  // A well at t ≈ 100, far beyond the radius: named near it.
  {
    const sym::Energy e("-200*exp(-(t-100)^2)");
    const auto w = certify_no_wells(e, "1", "1", 8.0);
    INFO(w.text);
    CHECK(w.verdict == Verdict::Inconclusive);
    CHECK(w.region.find("(t > 0)") != std::string::npos);
    CHECK(w.text.find("9") != std::string::npos);  // |t| = 99.x
    // With a radius beyond the well: certified.
    CHECK(certify_no_wells(e, "1", "1", 110.0).verdict == Verdict::Holds);
  }
  // 2-D: a well off the axes at (20, 20); the reported point lies near it.
  {
    const sym::Energy e("-200*exp(-(t1-20)^2-(t2-20)^2)");
    const auto w = certify_no_wells(e, "1", "1", 8.0);
    INFO(w.text);
    REQUIRE(w.verdict == Verdict::Inconclusive);
    CHECK(w.region.rfind("θ = (", 0) == 0);
    double x = 0, y = 0;
    REQUIRE(std::sscanf(w.region.c_str(), "θ = (%lf, %lf)", &x, &y) == 2);
    CHECK(std::hypot(x - 20, y - 20) < 3);
    CHECK(certify_no_wells(e, "1", "1", 40.0).verdict == Verdict::Holds);
  }
  // λ = 0: the radial argument is not attempted.
  CHECK(certify_no_wells(sym::Energy("t^4"), "0", "1", 8.0).verdict == Verdict::NotApplicable);
}

TEST_CASE("curvature floor: λ_min(∇²L) ≥ −K certified on ℝ, or refused at a point, against closed forms",
          "[certify][wells]") {
  // log(1 + t²): L'' = 2(1 − t²)/(1 + t²)², minimum −1/4 at t = ±√3.
  const sym::Energy a("log(1 + t^2)");
  CHECK(certify_curvature_floor(a, "0.2502", 8.0).verdict == Verdict::Holds);
  CHECK(certify_curvature_floor(a, "0.24", 8.0).verdict == Verdict::Violated);
  // 10·e^{−t²/2}: L'' = 10(t² − 1)e^{−t²/2}, minimum −10 at t = 0.
  const sym::Energy b("10*exp(-t^2/2)");
  CHECK(certify_curvature_floor(b, "10.01", 8.0).verdict == Verdict::Holds);
  CHECK(certify_curvature_floor(b, "9.99", 8.0).verdict == Verdict::Violated);
  // t⁴ − 4t²: L'' = 12t² − 8 ≥ −8 (unbounded above; the far field must close at u = 0).
  const sym::Energy c("t^4 - 4*t^2");
  const auto cc = certify_curvature_floor(c, "8.001", 2.0);
  INFO(cc.text);
  CHECK(cc.verdict == Verdict::Holds);
  // A well far out: L'' = −400 at t = 100, beyond any box the mass would choose.
  CHECK(certify_curvature_floor(sym::Energy("-200*exp(-(t-100)^2)"), "1", 8.0).verdict == Verdict::Violated);
}
