// Full-reorthogonalization Lanczos (residual error bars), power iteration with deflation, block
// operators, parameter groups and the curvature report, against dense eigendecompositions.
#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "numerics/curvature.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/checked.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/models/presets.hpp"
#include "tests/support/input_error.hpp"

using namespace villani;
using namespace villani::numerics;
using Eigen::Index;

namespace {
// A matrix with a few separated top eigenvalues above a bulk, like a trained network's Hessian.
Eigen::MatrixXd outlier_matrix(Index n, std::uint64_t seed) {
  const Eigen::MatrixXd u = test::random_orthogonal(n, seed);
  Vec lam(n);
  Random rng(seed + 1);
  for (Index i = 0; i < n; ++i) lam[i] = rng.normal() * 0.5;
  lam[0] = 40;
  lam[1] = 25;
  lam[2] = 12;
  lam[3] = 6;
  lam[n - 1] = -8;
  Eigen::MatrixXd a = u * lam.asDiagonal() * u.transpose();
  return 0.5 * (a + a.transpose());
}
}  // namespace

TEST_CASE("full Lanczos: top/bottom eigenvalues and residual bounds against the dense solver", "[lanczos][curvature]") {
  const Index n = 400;
  const Eigen::MatrixXd a = outlier_matrix(n, 11);
  DenseSymOperator op(a);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  const Vec all = es.eigenvalues();
  LanczosOptions o;
  o.method = EigenMethod::FullLanczos;
  o.tolerance = 1e-10;
  const EigenResult hi = extreme_eigenvalues(op, 3, EigenWhich::Largest, o);
  REQUIRE(hi.status == EigenStatus::Converged);
  CHECK(hi.method == "lanczos (full reorthogonalization)");
  for (Index i = 0; i < 3; ++i) {
    CHECK(std::abs(hi.values[i] - all[n - 1 - i]) <= 1e-8 * std::abs(all[n - 1 - i]));
    // The residual is a rigorous bound on the distance to the spectrum, and it is computed.
    const double r = (a * hi.vectors.col(i) - hi.values[i] * hi.vectors.col(i)).norm();
    CHECK(hi.residuals[i] == Approx(r).margin(1e-12));
    CHECK(std::abs(hi.values[i] - all[n - 1 - i]) <= hi.residuals[i] + 1e-12);
    CHECK(hi.error_estimates[i] <= hi.residuals[i]);
  }
  // The outliers converge long before the Krylov space fills the matrix.
  CHECK(hi.matvecs < 120);
  const EigenResult lo = extreme_eigenvalues(op, 1, EigenWhich::Smallest, o);
  REQUIRE(lo.status == EigenStatus::Converged);
  CHECK(std::abs(lo.values[0] - all[0]) <= 1e-8 * std::abs(all[0]));

  SECTION("a budget too small says not converged, with honest residuals") {
    LanczosOptions small = o;
    small.max_matvecs = 6;
    const EigenResult r = extreme_eigenvalues(op, 3, EigenWhich::Largest, small);
    CHECK(r.status == EigenStatus::NotConverged);
    REQUIRE(r.values.size() == 3);
    for (Index i = 0; i < 3; ++i) {
      double dist = INFINITY;
      for (Index j = 0; j < n; ++j) dist = std::min(dist, std::abs(all[j] - r.values[i]));
      CHECK(dist <= r.residuals[i] + 1e-12);
    }
  }
  SECTION("the same Krylov space for A and A + λI: Ritz values shift by exactly λ") {
    ShiftedOperator sh(op, 0.75);
    const EigenResult s = extreme_eigenvalues(sh, 3, EigenWhich::Largest, o);
    for (Index i = 0; i < 3; ++i) CHECK(s.values[i] - hi.values[i] == Approx(0.75).epsilon(1e-10));
  }
}

TEST_CASE("power iteration with deflation finds the top eigenvalues, with more products than Lanczos", "[lanczos][curvature]") {
  const Index n = 300;
  const Eigen::MatrixXd a = outlier_matrix(n, 5);
  DenseSymOperator op(a);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  LanczosOptions p;
  p.method = EigenMethod::PowerDeflation;
  p.tolerance = 1e-10;
  p.max_matvecs = 6000;
  const EigenResult r = extreme_eigenvalues(op, 3, EigenWhich::Largest, p);
  REQUIRE(r.status == EigenStatus::Converged);
  for (Index i = 0; i < 3; ++i) CHECK(r.values[i] == Approx(es.eigenvalues()[n - 1 - i]).epsilon(1e-6));
  LanczosOptions l;
  l.method = EigenMethod::FullLanczos;
  l.tolerance = 1e-6;
  CHECK(extreme_eigenvalues(op, 3, EigenWhich::Largest, l).matvecs < r.matvecs);
  CHECK_THROWS_AS(extreme_eigenvalues(op, 1, EigenWhich::Smallest, p), InputError);
  CHECK_THROWS_AS(parse_eigen_method("arnoldi"), InputError);
}

TEST_CASE("block operator: eigenvalues and trace of a diagonal block", "[curvature]") {
  const Index n = 60;
  const Eigen::MatrixXd a = test::random_symmetric(n, 9, 1.0);
  DenseSymOperator op(a);
  BlockOperator b(op, 10, 25);
  const Eigen::MatrixXd blk = a.block(10, 10, 25, 25);
  const Eigen::MatrixXd got = b.apply_block(Eigen::MatrixXd::Identity(25, 25));
  CHECK((got - blk).cwiseAbs().maxCoeff() < 1e-14);
  CHECK(op.matvecs() == 25);
  CHECK(diagonal(b).sum() == Approx(blk.trace()).epsilon(1e-14));
  CHECK_THROWS_AS(BlockOperator(op, 50, 20), InputError);
  CHECK_THROWS_AS(BlockOperator(op, 0, 0), InputError);
}

TEST_CASE("parameter groups: layer keys and tiling", "[curvature]") {
  CHECK(layer_key("h.0.attn.attention.q_proj.weight") == "h.0");
  CHECK(layer_key("blocks.12.w") == "blocks.12");
  CHECK(layer_key("layer0.Wq") == "layer0");
  CHECK(layer_key("fc1.weight") == "fc1");
  CHECK(layer_key("wte") == "wte");
  const std::vector<ParamGroup> blocks{{"wte", 0, 10}, {"h.0.ln_1.weight", 10, 4}, {"h.0.mlp.c_fc.weight", 14, 8},
                                       {"h.1.ln_1.weight", 22, 4}, {"ln_f.weight", 26, 4}};
  const auto layers = group_parameters(blocks, "layer", 30);
  REQUIRE(layers.size() == 4);
  CHECK(layers[1].name == "h.0");
  CHECK(layers[1].offset == 10);
  CHECK(layers[1].size == 12);
  CHECK(layers[3].name == "ln_f");
  CHECK(group_parameters(blocks, "param", 30).size() == 5);
  CHECK(villani::testing::thrown_argument([&] { group_parameters(blocks, "module", 30); }) == "--groups");
  CHECK(villani::testing::thrown_argument([&] { group_parameters(blocks, "layer", 31); }) == "--groups");
  CHECK(villani::testing::thrown_argument([&] { group_parameters({}, "layer", 30); }) == "--groups");
}

TEST_CASE("curvature report on a reference model equals the dense Hessian", "[curvature]") {
  const auto loss = models::make_reference("mlp-gelu");
  const Vec theta = loss->initial_theta(0);
  const Index d = loss->dim();
  const double lambda = 0.3;
  // Dense ∇²F from d HVPs.
  Eigen::MatrixXd h(d, d);
  for (Index i = 0; i < d; ++i) h.col(i) = loss->hvp(theta, Vec::Unit(d, i));
  h = 0.5 * (h + h.transpose());
  h.diagonal().array() += lambda;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(h, Eigen::EigenvaluesOnly);
  const Vec ev = es.eigenvalues();

  CurvatureOptions o;
  o.lambda = lambda;
  o.s = 0.5;
  o.top = 3;
  o.bottom = 1;
  o.eigen.tolerance = 1e-10;
  o.trace = TraceChoice::Exact;
  o.density = true;
  std::vector<ParamGroup> blocks;
  Index off = 0;
  for (const auto& [name, size] : loss->layout()) {
    blocks.push_back({name, off, static_cast<Index>(size)});
    off += size;
  }
  o.groups = group_parameters(blocks, "param", d);
  const CurvatureReport r = analyze_curvature(*loss, theta, o);
  CHECK(r.loss == Approx(loss->value(theta)).epsilon(1e-15));
  CHECK(r.objective == Approx(loss->value(theta) + 0.5 * lambda * theta.squaredNorm()).epsilon(1e-15));
  const Vec g = loss->gradient(theta) + lambda * theta;
  CHECK(r.grad_norm == Approx(g.norm()).epsilon(1e-14));
  REQUIRE(r.trace);
  CHECK(r.trace->value == Approx(h.trace()).epsilon(1e-12));
  CHECK(r.trace->cost.hvps == d);
  CHECK(*r.psi_s == Approx(-h.trace() + g.squaredNorm() / 0.5).epsilon(1e-12));
  REQUIRE(r.top);
  for (Index i = 0; i < 3; ++i) CHECK(r.top->values[i] == Approx(ev[d - 1 - i]).epsilon(1e-8));
  CHECK(r.bottom->values[0] == Approx(ev[0]).epsilon(1e-8));
  // Group traces tile the exact trace; group top eigenvalues are those of the dense blocks.
  double sum = 0;
  for (const auto& gr : r.groups) {
    sum += gr.trace->value;
    const Eigen::MatrixXd blk = h.block(gr.group.offset, gr.group.offset, gr.group.size, gr.group.size);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eb(blk, Eigen::EigenvaluesOnly);
    CHECK(gr.top->values[0] == Approx(eb.eigenvalues()[gr.group.size - 1]).epsilon(1e-8));
  }
  CHECK(sum == Approx(h.trace()).epsilon(1e-12));
  // The density is a probability density (mass 1 on the grid) with mean tr/d for Rademacher probes.
  REQUIRE(r.density);
  CHECK(std::abs(r.density->mass - 1.0) < 1e-12);
  CHECK(r.density->min_node >= ev[0] - 1e-8);
  CHECK(r.density->max_node <= ev[d - 1] + 1e-8);

  // The argument named by the InputError that these options raise ("(no throw)" when they run).
  auto arg = [&](const CurvatureOptions& bad) {
    return villani::testing::thrown_argument([&] { analyze_curvature(*loss, theta, bad); });
  };
  SECTION("λ = 0: the plain Hessian of L, eigenvalues shifted by λ") {
    CurvatureOptions z = o;
    z.lambda = 0;
    z.density = false;
    z.groups.clear();
    const CurvatureReport r0 = analyze_curvature(*loss, theta, z);
    CHECK(r.top->values[0] - r0.top->values[0] == Approx(lambda).epsilon(1e-10));
    CHECK(r.trace->value - r0.trace->value == Approx(lambda * static_cast<double>(d)).epsilon(1e-10));
  }
  SECTION("bad options name their argument") {
    CurvatureOptions b = o;
    b.top = d + 1;
    CHECK(arg(b) == "--top");
    b = o;
    b.lambda = -1;
    CHECK(arg(b) == "--lambda");
    b = o;
    b.trace = TraceChoice::XTrace;
    b.trace_matvecs = 1;
    CHECK(arg(b) == "--trace-matvecs");
    CHECK_THROWS_AS(parse_trace_choice("diag"), InputError);
  }
  SECTION("a trace sketch beyond the memory limit is refused before the eigen-solves, not after them") {
    CurvatureOptions b = o;
    b.trace = TraceChoice::XTrace;
    b.trace_matvecs = 64;  // 7 · 32 stored vectors of d doubles
    long products = 0;
    b.progress = [&](const ProgressEvent& e) {
      if (e.kind == ProgressEvent::Kind::Update && e.unit == "HVP" && e.task == "hessian: top") products = e.done;
    };
    set_memory_limit_bytes(100.0 * static_cast<double>(d) * 8.0);  // the basis fits, the sketch does not
    CHECK(arg(b) == "--trace-matvecs");
    set_memory_limit_bytes(0);
    CHECK(products == 0);
    b.trace_matvecs = 8;  // 28 vectors: fits, and the top solve reports each product
    set_memory_limit_bytes(100.0 * static_cast<double>(d) * 8.0);
    CHECK(arg(b) == "(no throw)");
    set_memory_limit_bytes(0);
    CHECK(products > 0);
  }
}
