// Lanczos with its vectors stored in float32 (issue 24): an operator computing in single
// precision gets a float32 basis by default, with the eigenvalues of the double solve to float
// rounding, half the bytes, and --max-memory honoured before the basis is allocated.
#include <Eigen/Eigenvalues>
#include <catch2/catch.hpp>
#include <cmath>

#include "helpers.hpp"
#include "numerics/checked.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/slq.hpp"
#include "numerics/trace.hpp"
#include "tests/support/input_error.hpp"

using namespace villani;
using namespace villani::numerics;
using Eigen::Index;

namespace {

/// A dense symmetric matrix whose products are computed in float32 (as a float32 model's are).
class Float32Dense final : public LinearOperator {
 public:
  explicit Float32Dense(const Eigen::MatrixXd& a) : a_(a.cast<float>()) {}
  Index rows() const override { return a_.rows(); }
  VectorPrecision precision() const override { return VectorPrecision::Float32; }
  mutable int float_products = 0, double_products = 0;

 protected:
  void multiply(const double* x, double* y) const override {
    ++double_products;
    Eigen::Map<Vec>(y, rows()) = (a_ * Eigen::Map<const Vec>(x, rows()).cast<float>()).cast<double>();
  }
  void multiply_f32(const float* x, float* y) const override {
    ++float_products;
    Eigen::Map<Eigen::VectorXf>(y, rows()).noalias() = a_ * Eigen::Map<const Eigen::VectorXf>(x, rows());
  }

 private:
  Eigen::MatrixXf a_;
};

struct MemoryLimit {  // restores the default limit (the machine's memory) at scope exit
  explicit MemoryLimit(double bytes) { set_memory_limit_bytes(bytes); }
  ~MemoryLimit() { set_memory_limit_bytes(0); }
};

}  // namespace

TEST_CASE("lanczos float32: a float32 operator stores float32 vectors and finds the double solve's eigenvalues",
          "[lanczos][float32]") {
  const Index n = 400, k = 3;
  const Eigen::MatrixXd a = test::random_symmetric(n, 91, 2.0);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(a, Eigen::EigenvaluesOnly);
  const Vec top = es.eigenvalues().tail(k).reverse();
  Float32Dense op(a);
  LanczosOptions o;
  o.method = EigenMethod::FullLanczos;
  o.tolerance = 1e-5;
  const EigenResult r = extreme_eigenvalues(op, k, EigenWhich::Largest, o);
  REQUIRE(r.status == EigenStatus::Converged);
  CHECK(r.storage == VectorPrecision::Float32);
  CHECK(r.vectors.size() == 0);
  REQUIRE(r.vectors_f32.cols() == k);
  CHECK(op.double_products == 0);  // every product took float arrays
  CHECK(op.float_products == r.matvecs);
  // Basis and Ritz vectors in float32: 4 bytes an entry.
  CHECK(r.vector_bytes == Approx(4.0 * n * (r.iterations + k)));
  for (Index i = 0; i < k; ++i) {
    // The matrix itself is rounded to float: its eigenvalues move by about 1e-7 relative.
    CHECK(std::abs(r.values[i] - top[i]) / std::abs(top[i]) < 1e-5);
    // The residual is an error bar (to float rounding of the product itself).
    CHECK(std::abs(r.values[i] - top[i]) <= r.residuals[i] + 1e-5 * std::abs(top[i]));
    CHECK(std::abs(r.vectors_f32.col(i).cast<double>().norm() - 1.0) < 1e-5);
  }
  // Forced float64 storage on the same operator: doubles, the same values to float rounding.
  LanczosOptions o64 = o;
  o64.vectors = VectorPrecision::Float64;
  const EigenResult r64 = extreme_eigenvalues(op, k, EigenWhich::Largest, o64);
  CHECK(r64.storage == VectorPrecision::Float64);
  CHECK(r64.vectors.cols() == k);
  CHECK(r64.vector_bytes == Approx(8.0 * n * (r64.iterations + k)));
  for (Index i = 0; i < k; ++i) CHECK(std::abs(r64.values[i] - r.values[i]) / std::abs(r.values[i]) < 1e-5);
  // A double operator keeps doubles under Auto.
  DenseSymOperator dop(a);
  CHECK(extreme_eigenvalues(dop, k, EigenWhich::Largest, o).storage == VectorPrecision::Float64);
}

TEST_CASE("lanczos float32: the basis is checked against --max-memory before it is allocated", "[lanczos][memory]") {
  const Index n = 1000;
  const Eigen::MatrixXd a = test::random_symmetric(n, 5, 1.0);
  Float32Dense op(a);
  LanczosOptions o;
  o.method = EigenMethod::FullLanczos;
  o.tolerance = 1e-12;
  const MemoryLimit lim(40.0 * n * 4.0);  // 40 float32 vectors: 36 basis vectors after the 4 working ones
  CHECK(steps_in_memory(n, VectorPrecision::Float32) == 36);
  CHECK(steps_in_memory(n, VectorPrecision::Float64) == 16);
  SECTION("an explicit --max-matvecs that does not fit is refused, naming what fits") {
    o.max_matvecs = 100;
    try {
      (void)extreme_eigenvalues(op, 1, EigenWhich::Largest, o);
      FAIL("no InputError");
    } catch (const InputError& e) {
      CHECK(e.argument() == "--max-matvecs");
      CHECK(std::string(e.what()).find("36 vectors fit") != std::string::npos);
      CHECK(std::string(e.what()).find("--solver restarted") != std::string::npos);
    }
    CHECK(op.float_products == 0);  // refused before any product
  }
  SECTION("without --max-matvecs the solve stops where memory ends and says it did not converge") {
    const EigenResult r = extreme_eigenvalues(op, 1, EigenWhich::Largest, o);
    CHECK(r.iterations == 36);
    CHECK(r.status == EigenStatus::NotConverged);
    CHECK(r.residuals[0] > 0);
  }
  SECTION("XTrace's stored sketch is refused too; Hutchinson streams") {
    CHECK(testing::thrown_argument([&] { (void)xtrace(op, 64, Probe::Rademacher, 1); }) == "--trace-matvecs");
    const TraceEstimate h = hutchinson(op, 8, Probe::Rademacher, 1);
    CHECK(std::isfinite(h.estimate));
    CHECK(op.double_products == 0);
  }
}

TEST_CASE("stochastic Lanczos quadrature on a float32 operator matches the double operator", "[slq][float32]") {
  const Index n = 300;
  const Eigen::MatrixXd a = test::random_symmetric(n, 17, 0.5);
  Float32Dense op32(a);
  DenseSymOperator op64(a);
  const SpectralDensity s32 = stochastic_lanczos_quadrature(op32, 2, 30, 4, Probe::Rademacher);
  const SpectralDensity s64 = stochastic_lanczos_quadrature(op64, 2, 30, 4, Probe::Rademacher);
  CHECK(op32.double_products == 0);
  CHECK(std::abs(s32.mean() - s64.mean()) <= 1e-5 * (1 + std::abs(s64.mean())));
  CHECK(std::abs(s32.max_node() - s64.max_node()) <= 1e-4 * std::abs(s64.max_node()));
}

TEST_CASE("xtrace on a float32 operator: float32 sketches, the double estimator's value to float rounding",
          "[trace][float32]") {
  const Index n = 500;
  // A matrix with a decaying spectrum (as Hessians have): XTrace's regime.
  Eigen::MatrixXd g = test::random_symmetric(n, 23, 0.0);
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(g);
  Vec lam(n);
  for (Index i = 0; i < n; ++i) lam[i] = 100.0 * std::pow(0.9, static_cast<double>(i)) + 0.01 * (i % 3);
  const Eigen::MatrixXd a = es.eigenvectors() * lam.asDiagonal() * es.eigenvectors().transpose();
  const Eigen::MatrixXd sym = 0.5 * (a + a.transpose());
  Float32Dense op32(sym);
  DenseSymOperator op64(sym);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const TraceEstimate t32 = xtrace(op32, 40, Probe::Rademacher, seed);
    const TraceEstimate t64 = xtrace(op64, 40, Probe::Rademacher, seed);
    INFO("seed " << seed << ": float32 " << t32.estimate << ", float64 " << t64.estimate << ", exact " << sym.trace());
    CHECK(t32.matvecs == 40);
    CHECK(t32.vector_bytes == 3.0 * 20 * n * 4);       // Ω, Q and AQ in float32
    CHECK(t64.vector_bytes == 7.0 * 20 * n * 8);       // the double path's sketches
    CHECK(t32.note.find("float32") != std::string::npos);
    CHECK(std::abs(t32.estimate - t64.estimate) <= 1e-4 * std::abs(t64.estimate));
    CHECK(std::abs(t32.standard_error - t64.standard_error) <= 1e-3 * std::abs(t64.estimate));
    // The estimate is near the exact trace: 40 products capture the top ~20 eigenvalues, and the
    // tail beyond them (≈ 12% of the trace) is estimated from the probes. Not "within 4 standard
    // errors": XTrace's leave-one-out error bar is heavy-tailed (on this family of matrices, 20 of
    // 800 draws fall beyond 4 of them, the worst at 9.2), so one draw cannot test it.
    INFO("standard error " << t32.standard_error);
    CHECK(std::abs(t32.estimate - sym.trace()) <= 0.1 * sym.trace());
  }
  CHECK(op32.double_products == 0);
}
