// Reference models (numerics/models/): derivatives against finite differences at 50 digits,
// interval enclosures, Laplacian = Σ HVP(e_i)_i, HVP vs finite differences of the gradient,
// the Regularized wrapper, spec parsing and bad input.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <cmath>

#include "numerics/errors.hpp"
#include "numerics/models/derivative_checks.hpp"
#include "numerics/models/presets.hpp"
#include "numerics/sampling.hpp"
#include "tests/support/finite_differences.hpp"

using namespace villani;
using namespace villani::numerics;
using namespace villani::numerics::models;
using villani::test_support::central_difference_along;
using villani::test_support::central_differences;

namespace {

// Small versions of each architecture, so the 50-digit checks stay fast.
std::vector<nlohmann::json> small_specs() {
  return {
      {{"kind", "logistic"}, {"classes", 3}, {"features", 2}, {"samples", 6}, {"seed", 3}},
      {{"kind", "mlp"}, {"features", 2}, {"hidden", 3}, {"classes", 2}, {"samples", 5}, {"activation", "gelu"}, {"seed", 4}},
      {{"kind", "mlp"}, {"features", 2}, {"hidden", 3}, {"classes", 2}, {"samples", 5}, {"activation", "softplus"}, {"bias", false}, {"seed", 5}},
      {{"kind", "mlp"}, {"features", 2}, {"hidden", 3}, {"classes", 2}, {"samples", 5}, {"activation", "tanh"}, {"seed", 6}},
      {{"kind", "mlp"}, {"features", 2}, {"hidden", 3}, {"classes", 2}, {"samples", 5}, {"activation", "gelu_tanh"}, {"seed", 6}},
      {{"kind", "transformer"}, {"vocab", 4}, {"width", 2}, {"heads", 1}, {"layers", 1}, {"batch", 1}, {"seq_len", 3}, {"seed", 7}},
  };
}

template <class S>
S rel_err(const S& a, const S& b) {
  using std::abs;
  const S scale = abs(b) > S(1e-30) ? abs(b) : S(1);
  return abs(a - b) / scale;
}

}  // namespace

TEST_CASE("50-digit gradient and Laplacian match central finite differences to 20 digits", "[models]") {
  for (const auto& spec : small_specs()) {
    auto m = model_from_spec(spec);
    INFO(m->name());
    const Vec th0 = m->initial_theta(2);
    const auto th = theta_from_double<Real50>(th0);
    const auto e = m->evaluate50(th, Real50(0));
    REQUIRE(rel_err(e.value, m->value50(th)) < Real50("1e-45"));
    // Central differences with step h have error O(h^2) (h^4 with Richardson); at h = 1e-12
    // and 50 digits, the rounding error is ~1e-38 and the truncation error ~1e-24.
    const Real50 h("1e-12");
    const auto fd = central_differences([&](const auto& t) { return m->value50(t); }, th, e.value, h);
    const Real50& lap_fd = fd.laplacian;
    for (std::size_t i = 0; i < th.size(); ++i) {
      const Real50& g_fd = fd.gradient[i];
      REQUIRE(abs(e.gradient[i] - g_fd) < Real50("1e-20") * (1 + abs(g_fd)));
    }
    REQUIRE(abs(e.laplacian - lap_fd) < Real50("1e-20") * (1 + abs(lap_fd)));
    // ‖∇F‖² is the sum of squares of the returned gradient.
    Real50 g2(0);
    for (const auto& g : e.gradient) g2 += g * g;
    REQUIRE(rel_err(g2, e.grad_norm2) < Real50("1e-45"));
  }
}

TEST_CASE("100-digit evaluation agrees with 50 digits and double", "[models]") {
  auto m = model_from_spec(small_specs()[5]);
  const Vec th0 = m->initial_theta(1);
  const auto e100 = m->evaluate100(theta_from_double<Real100>(th0), Real100("0.01"));
  const auto e50 = m->evaluate50(theta_from_double<Real50>(th0), Real50("0.01"));
  const auto ed = m->evaluate(th0, 0.01);
  REQUIRE(abs(Real50(e100.laplacian) - e50.laplacian) < Real50("1e-40") * abs(e50.laplacian));
  REQUIRE(std::abs(ed.laplacian - to_double(e100.laplacian)) < 1e-12 * std::abs(ed.laplacian));
  REQUIRE(std::abs(ed.value - to_double(e100.value)) < 1e-13 * std::abs(ed.value));
}

TEST_CASE("interval evaluation encloses the 100-digit value", "[models]") {
  for (const std::string name : {"logistic", "mlp-relu", "mlp-softplus", "mlp-tanh", "tiny-transformer"}) {
    auto m = make_reference(name);
    INFO(name);
    const Vec th0 = m->initial_theta(3);
    const auto th100 = theta_from_double<Real100>(th0);
    const Interval100 enc = m->value_enclosure100(th100);
    const Real100 v = m->value100(th100);
    REQUIRE(mp::lower(enc) <= v);
    REQUIRE(v <= mp::upper(enc));
    REQUIRE(relative_width(enc) < 1e-80);
    const Interval50 enc50 = m->value_enclosure50(theta_from_double<Real50>(th0));
    REQUIRE(Real100(mp::lower(enc50)) <= v);
    REQUIRE(v <= Real100(mp::upper(enc50)));
  }
  // The erf GELU has no MPFI enclosure: a DomainError, not a wrong interval.
  auto g = make_reference("mlp-gelu");
  REQUIRE_THROWS_AS(g->value_enclosure50(theta_from_double<Real50>(g->initial_theta(0))), DomainError);
}

TEST_CASE("exact Laplacian equals the sum of HVPs on unit vectors — HVP matches FD of the gradient", "[models]") {
  for (const std::string name : {"logistic", "mlp-gelu", "mlp-relu", "mlp-softplus"}) {
    auto m = make_reference(name);
    INFO(name);
    const Vec th = m->initial_theta(5);
    const auto d = m->dim();
    double sum = 0;
    for (Eigen::Index i = 0; i < d; ++i) sum += m->hvp(th, Vec::Unit(d, i))[i];
    const double lap = m->laplacian(th);
    REQUIRE(std::abs(lap - sum) <= 1e-10 * std::abs(lap));
    Vec v = m->initial_theta(9);
    v.normalize();
    const Vec hv = m->hvp(th, v);
    const Vec fd = central_difference_along([&](const Vec& x) { return m->gradient(x); }, th, v, 1e-5);
    REQUIRE((hv - fd).norm() <= 1e-6 * (1 + hv.norm()));
    // gradient agrees with the evaluate() path and with finite differences of value()
    const auto e = m->evaluate(th, 0);
    REQUIRE((Eigen::Map<const Vec>(e.gradient.data(), d) - m->gradient(th)).norm() <= 1e-14 * (1 + e.grad_norm2));
    REQUIRE(std::abs(e.laplacian - lap) <= 1e-12 * std::abs(lap));
  }
  auto t = make_reference("tiny-transformer");
  const Vec th = t->initial_theta(1);
  Vec v = t->initial_theta(2);
  v.normalize();
  const Vec hv = t->hvp(th, v);
  const Vec fd = central_difference_along([&](const Vec& x) { return t->gradient(x); }, th, v, 1e-5);
  REQUIRE((hv - fd).norm() <= 1e-6 * (1 + hv.norm()));
}

TEST_CASE("Regularized adds lambda*theta, lambda*v and lambda*d exactly", "[models]") {
  auto m = make_preset("mlp-tanh");
  const double lambda = 0.37;
  Regularized F(m, lambda);
  auto r = make_reference("mlp-tanh");
  const Vec th = r->initial_theta(4);
  Vec v = r->initial_theta(8);
  REQUIRE(F.value(th) == m->value(th) + 0.5 * lambda * th.squaredNorm());
  REQUIRE(F.gradient(th) == m->gradient(th) + lambda * th);
  REQUIRE(F.hvp(th, v) == m->hvp(th, v) + lambda * v);
  REQUIRE(F.laplacian(th) == m->laplacian(th) + lambda * static_cast<double>(th.size()));
  REQUIRE(F.has_exact_laplacian());
  // evaluate() with λ gives the same F, ∇F, ΔF and Ψ_s.
  const auto e = r->evaluate(th, lambda);
  REQUIRE(std::abs(e.value - F.value(th)) <= 1e-14 * std::abs(e.value));
  REQUIRE(std::abs(e.laplacian - F.laplacian(th)) <= 1e-13 * std::abs(e.laplacian));
  const double s = 0.5;
  REQUIRE(std::abs(e.psi(s) - (-F.laplacian(th) + F.gradient(th).squaredNorm() / s)) <=
          1e-12 * (1 + std::abs(e.psi(s))));
}

TEST_CASE("presets: sizes, determinism, nonsmooth ops, layout", "[models]") {
  for (const auto& n : preset_names()) {
    auto m = make_reference(n);
    Eigen::Index total = 0;
    for (const auto& [name, size] : m->layout()) total += size;
    REQUIRE(total == m->dim());
    const Vec th = m->initial_theta(0);
    REQUIRE(m->value(th) == make_reference(n)->value(th));  // seeded data: deterministic
    REQUIRE(model_from_spec(m->spec())->value(th) == m->value(th));
    REQUIRE(m->has_exact_laplacian());
  }
  auto t = make_reference("tiny-transformer");
  REQUIRE(t->dim() >= 300);
  REQUIRE(t->dim() <= 2000);
  REQUIRE(make_reference("mlp-relu")->nonsmooth_ops() == std::vector<std::string>{"relu (hidden layer)"});
  REQUIRE(make_reference("mlp-gelu")->nonsmooth_ops().empty());
  // At θ = 0 every class is equally likely: L = log K exactly.
  auto lg = make_reference("logistic");
  REQUIRE(std::abs(lg->value(Vec::Zero(lg->dim())) - std::log(3.0)) < 1e-15);
  // Transformer with zero weights and LN weights: uniform logits -> log V.
  REQUIRE(std::abs(t->value(Vec::Zero(t->dim())) - std::log(16.0)) < 1e-14);
}

TEST_CASE("bad input gives InputError naming the input", "[models]") {
  auto m = make_reference("logistic");
  const auto arg = [](auto&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return e.argument();
    }
    return std::string("no error");
  };
  REQUIRE(arg([&] { m->value(Vec::Zero(m->dim() + 1)); }) == "theta");
  REQUIRE(arg([&] { m->gradient(Vec::Zero(3)); }) == "theta");
  Vec bad = Vec::Zero(m->dim());
  bad[2] = std::nan("");
  REQUIRE(arg([&] { m->laplacian(bad); }) == "theta");
  REQUIRE(arg([&] { m->hvp(Vec::Zero(m->dim()), Vec::Zero(2)); }) == "v");
  REQUIRE(arg([&] { m->evaluate50(std::vector<Real50>(3), Real50(0)); }) == "theta");
  std::vector<Real50> inf50(static_cast<std::size_t>(m->dim()));
  inf50[0] = std::numeric_limits<Real50>::infinity();
  REQUIRE(arg([&] { m->value50(inf50); }) == "theta");
  REQUIRE(arg([&] { make_preset("resnet"); }) == "--model");
  REQUIRE(arg([&] { model_from_spec({{"kind", "mlp"}, {"hiden", 3}}); }) == "spec");
  REQUIRE(arg([&] { model_from_spec({{"kind", "mlp"}, {"activation", "swish"}}); }) == "spec");
  REQUIRE(arg([&] { model_from_spec({{"kind", "transformer"}, {"width", 5}, {"heads", 2}}); }) == "spec");
  REQUIRE(arg([&] { model_from_spec({{"kind", "logistic"}, {"features", 0}}); }) == "spec");
  REQUIRE(arg([&] { model_from_spec({{"kind", "cnn"}}); }) == "spec");
  REQUIRE(arg([&] { model_from_spec(nlohmann::json::array()); }) == "spec");
  REQUIRE(arg([&] { theta_from_strings<Real50>({"1.5", "abc"}); }) == "theta");
  // A zero-dimensional model: the spec cannot produce one (every size is >= 1), and wrapping
  // a zero-dimensional Objective in Regularized is an InputError("model").
  struct ZeroDim final : Objective {
    Eigen::Index dim() const override { return 0; }
    double value(const Vec&) const override { return 0; }
    Vec gradient(const Vec&) const override { return Vec(); }
    Vec hvp(const Vec&, const Vec&) const override { return Vec(); }
  };
  REQUIRE(arg([&] { Regularized r(std::make_shared<ZeroDim>(), 1.0); }) == "model");
  try {
    model_from_spec({{"kind", "logistic"}, {"classes", 1}});
    FAIL("classes = 1 accepted");
  } catch (const InputError& e) {
    REQUIRE(std::string(e.what()).find("classes") != std::string::npos);
  }
}

TEST_CASE("Eigen's SelfAdjointEigenSolver works at 50 digits", "[models][scalar]") {
  Eigen::Matrix<Real50, 3, 3> A;
  A << 2, 1, 0, 1, 2, 1, 0, 1, 2;
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix<Real50, 3, 3>> es(A);
  // eigenvalues 2 - √2, 2, 2 + √2
  REQUIRE(abs(es.eigenvalues()(0) - (2 - sqrt(Real50(2)))) < Real50("1e-45"));
  REQUIRE(abs(es.eigenvalues()(2) - (2 + sqrt(Real50(2)))) < Real50("1e-45"));
  REQUIRE(convert<Real100>(Real50("0.1")) != Real100("0.1"));  // 50-digit 0.1 is not 100-digit 0.1
  REQUIRE(abs(convert<Real100>(Real50("0.1")) - Real100("0.1")) < Real100("1e-49"));
}

// Issue 3: validators evaluate on shells up to ‖θ‖ ≈ 300. Boost autodiff's tanh(fvar) is
// (e^{2x}−1)/(e^{2x}+1) = inf/inf there (GELU-new, tanh MLP); stable_tanh avoids it.
TEST_CASE("every model is finite at ||theta|| = 300 and its 50-digit derivatives match finite differences", "[models][large-theta]") {
  const double radius = 300.0;
  for (const auto& name : preset_names()) {
    auto m = make_reference(name);
    INFO(name);
    Random rng(17);
    const Vec th = radius * sample_sphere(m->dim(), rng);
    const auto e = m->evaluate(th, 1e-3);
    REQUIRE(std::isfinite(e.value));
    REQUIRE(std::isfinite(e.grad_norm2));
    REQUIRE(std::isfinite(e.laplacian));
    for (const double g : e.gradient) REQUIRE(std::isfinite(g));
    const Vec hv = m->hvp(th, sample_sphere(m->dim(), rng));
    REQUIRE(hv.allFinite());
  }
  for (const auto& spec : small_specs()) {
    auto m = model_from_spec(spec);
    INFO(m->name());
    Random rng(23);
    const Vec th0 = radius * sample_sphere(m->dim(), rng);
    const auto th = theta_from_double<Real50>(th0);
    const auto e = m->evaluate50(th, Real50(0));
    REQUIRE(isfinite(e.value));
    REQUIRE(isfinite(e.laplacian));
    // every scalar type: the forward-mode fvar nests in double (fvar<double,2>,
    // fvar<fvar<double,1>,1>) and 100 digits are finite too.
    const auto* dc = dynamic_cast<const DerivativeChecks*>(m.get());
    REQUIRE(dc != nullptr);
    REQUIRE(dc->autodiff_hvp(th0, rng.normal_vector(m->dim())).allFinite());
    REQUIRE(dc->autodiff_gradient(th0).allFinite());
    const double lap_fwd = dc->laplacian_forward(th0);
    REQUIRE(std::abs(lap_fwd - to_double(e.laplacian)) <= 1e-6 * (1 + std::abs(to_double(e.laplacian))));
    const auto e100 = m->evaluate100(theta_from_double<Real100>(th0), Real100(0));
    REQUIRE(abs(Real50(e100.laplacian) - e.laplacian) <= Real50("1e-40") * (1 + abs(e.laplacian)));
    // double agrees with 50 digits (also where tanh saturates).
    const auto ed = m->evaluate(th0, 0.0);
    REQUIRE(std::abs(ed.value - to_double(e.value)) <= 1e-9 * (1 + std::abs(ed.value)));
    REQUIRE(std::abs(ed.laplacian - to_double(e.laplacian)) <= 1e-6 * (1 + std::abs(ed.laplacian)));
    const Real50 h("1e-15");
    const auto fd = central_differences([&](const auto& t) { return m->value50(t); }, th, e.value, h);
    const Real50& lap_fd = fd.laplacian;
    for (std::size_t i = 0; i < th.size(); ++i) {
      const Real50& g_fd = fd.gradient[i];
      REQUIRE(isfinite(e.gradient[i]));
      REQUIRE(abs(e.gradient[i] - g_fd) < Real50("1e-15") * (1 + abs(g_fd)));
    }
    REQUIRE(abs(e.laplacian - lap_fd) < Real50("1e-12") * (1 + abs(lap_fd)));
    if (spec["kind"] != "mlp" || spec["activation"] != "gelu") {
      const Interval50 enc = m->value_enclosure50(th);
      REQUIRE(isfinite(Real50(mp::lower(enc))));
      REQUIRE(isfinite(Real50(mp::upper(enc))));
      REQUIRE(Real50(mp::lower(enc)) <= e.value);
      REQUIRE(e.value <= Real50(mp::upper(enc)));
    }
  }
}

// The transformer's hand-written reverse pass (loss_grad) against Boost.Math forward-mode
// autodiff through loss(): two independent derivative computations of the same function.
TEST_CASE("transformer reverse pass: gradient and HVP equal forward-mode autodiff (double, 50 digits)", "[models][backprop]") {
  // Two layers, two heads, several positions: every block of the backward pass is exercised.
  const nlohmann::json spec = {{"kind", "transformer"}, {"vocab", 4}, {"width", 2}, {"heads", 2}, {"layers", 2},
                               {"batch", 2}, {"seq_len", 4}, {"positions", 4}, {"seed", 11}};
  for (const double radius : {0.0, 300.0}) {
    auto m = model_from_spec(spec);
    const auto* dc = dynamic_cast<const DerivativeChecks*>(m.get());
    REQUIRE(dc != nullptr);
    REQUIRE(dc->has_backprop());
    Random rng(5);
    const Vec th = radius > 0 ? Vec(radius * sample_sphere(m->dim(), rng)) : m->initial_theta(3);
    INFO("radius " << radius);
    const Vec v = rng.normal_vector(m->dim());
    // At the ordinary point the two double computations agree to 1e-12 (acceptance). At
    // ‖θ‖ = 300 both lose digits to cancellation (measured against 50 digits: reverse-pass
    // gradient 1e-14, HVP 1e-8; forward-mode gradient 2e-12, HVP 4e-7), so there the double
    // results are checked against the 50-digit reverse pass instead, which is checked against
    // 50-digit forward mode to 1e-40 below.
    const Vec g = m->gradient(th), hv = m->hvp(th, v);
    if (radius == 0) {
      const Vec ga = dc->autodiff_gradient(th), hva = dc->autodiff_hvp(th, v);
      REQUIRE((g - ga).norm() <= 1e-12 * ga.norm());
      REQUIRE((hv - hva).norm() <= 1e-12 * hva.norm());
    }
    const auto th50 = theta_from_double<Real50>(th), v50 = theta_from_double<Real50>(v);
    const auto g50 = dc->gradient50(th50), ga50 = dc->autodiff_gradient50(th50);
    const auto h50 = dc->hvp50(th50, v50), ha50 = dc->autodiff_hvp50(th50, v50);
    Real50 dg(0), ng(0), dh(0), nh(0);
    for (std::size_t i = 0; i < g50.size(); ++i) {
      dg += (g50[i] - ga50[i]) * (g50[i] - ga50[i]);
      ng += ga50[i] * ga50[i];
      dh += (h50[i] - ha50[i]) * (h50[i] - ha50[i]);
      nh += ha50[i] * ha50[i];
    }
    REQUIRE(sqrt(dg) <= Real50("1e-40") * sqrt(ng));
    REQUIRE(sqrt(dh) <= Real50("1e-40") * sqrt(nh));
    // double reverse pass agrees with the 50-digit one
    const double tg = radius > 0 ? 1e-12 : 1e-14, th_ = radius > 0 ? 1e-7 : 1e-13;
    Vec g50d(m->dim()), h50d(m->dim());
    for (Eigen::Index i = 0; i < m->dim(); ++i) {
      g50d[i] = to_double(g50[static_cast<std::size_t>(i)]);
      h50d[i] = to_double(h50[static_cast<std::size_t>(i)]);
    }
    REQUIRE((g - g50d).norm() <= tg * g50d.norm());
    REQUIRE((hv - h50d).norm() <= th_ * h50d.norm());
  }
}

TEST_CASE("tiny-transformer: exact Laplacian equals the sum of d HVPs on unit vectors", "[models][backprop]") {
  auto m = make_reference("tiny-transformer");
  const auto* dc = dynamic_cast<const DerivativeChecks*>(m.get());
  REQUIRE(dc != nullptr);
  const Vec th = m->initial_theta(1);
  const auto d = m->dim();
  REQUIRE(d == 1056);
  double sum = 0;
  for (Eigen::Index i = 0; i < d; ++i) sum += m->hvp(th, Vec::Unit(d, i))[i];
  // forward mode: d passes of fvar<double,2> through loss() (independent of the reverse pass)
  const double lap_fwd = dc->laplacian_forward(th);
  REQUIRE(std::abs(sum - lap_fwd) <= 1e-10 * std::abs(lap_fwd));
  REQUIRE(std::abs(m->laplacian(th) - lap_fwd) <= 1e-10 * std::abs(lap_fwd));
  REQUIRE(std::abs(dc->laplacian_by_hvps(th) - lap_fwd) <= 1e-10 * std::abs(lap_fwd));
  // the public gradient is the reverse pass and equals the forward-mode one
  const Vec g = m->gradient(th), ga = dc->autodiff_gradient(th);
  REQUIRE((g - ga).norm() <= 1e-12 * ga.norm());
}

TEST_CASE("logistic and MLP reverse passes: gradient and HVP equal forward-mode autodiff", "[models][backprop]") {
  for (const auto& spec : small_specs()) {
    auto m = model_from_spec(spec);
    const auto* dc = dynamic_cast<const DerivativeChecks*>(m.get());
    REQUIRE(dc != nullptr);
    INFO(m->name());
    REQUIRE(dc->has_backprop());
    const Vec th = m->initial_theta(4);
    Random rng(8);
    const Vec v = rng.normal_vector(m->dim());
    const Vec g = m->gradient(th), ga = dc->autodiff_gradient(th);
    REQUIRE((g - ga).norm() <= 1e-12 * ga.norm());
    const Vec hv = m->hvp(th, v), hva = dc->autodiff_hvp(th, v);
    REQUIRE((hv - hva).norm() <= 1e-12 * hva.norm());
    REQUIRE(std::abs(dc->laplacian_by_hvps(th) - dc->laplacian_forward(th)) <=
            1e-10 * std::abs(dc->laplacian_forward(th)));
    const auto th50 = theta_from_double<Real50>(th), v50 = theta_from_double<Real50>(v);
    const auto g50 = dc->gradient50(th50), ga50 = dc->autodiff_gradient50(th50);
    const auto h50 = dc->hvp50(th50, v50), ha50 = dc->autodiff_hvp50(th50, v50);
    for (std::size_t i = 0; i < g50.size(); ++i) {
      REQUIRE(abs(g50[i] - ga50[i]) <= Real50("1e-40") * (1 + abs(ga50[i])));
      REQUIRE(abs(h50[i] - ha50[i]) <= Real50("1e-40") * (1 + abs(ha50[i])));
    }
  }
}
