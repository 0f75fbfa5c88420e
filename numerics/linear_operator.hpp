// LinearOperator (docs/design.md "Core concepts"): a symmetric n×n operator seen only through
// y = A·x, in Spectra's operator concept (Scalar, rows(), cols(), perform_op(x, y)). Trace
// estimators (numerics/trace.hpp), Lanczos (numerics/lanczos.hpp) and stochastic Lanczos
// quadrature (numerics/slq.hpp) take any LinearOperator.
//
// Every operator counts its products: perform_op() increments matvecs() and then calls the
// implementation's multiply(). The counter is atomic, so operators are neither copyable nor
// movable; hold them by reference or pointer.
//
// Vectors of single precision (issue 24): an operator whose products are computed in float32 (a
// LibTorch model in float32) says so with precision(), and takes float arrays directly through
// perform_op(const float*, float*), without a double round trip. Solvers that store many vectors
// (Lanczos) then keep them in float32, half the memory. Every other operator answers a float
// product through its double one.
#pragma once
#include <Eigen/Core>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "numerics/errors.hpp"
#include "numerics/objective.hpp"

namespace villani::numerics {

/// A product A·x came back with NaN or inf entries (the model overflows or saturates at the point
/// it is differentiated at). A DomainError for code that only knows the operator; a caller that
/// knows which input set the point (hessian --at) turns it into an input error.
class NonFiniteProduct : public DomainError {
 public:
  using DomainError::DomainError;
};

/// The precision in which an operator computes its products, and so the one in which solvers
/// store their vectors by default (VectorPrecision::Auto).
enum class VectorPrecision { Auto, Float64, Float32 };
/// "auto" | "float64" | "float32" (InputError(argument) otherwise).
VectorPrecision parse_vector_precision(const std::string& text, const std::string& argument = "--vectors");
const char* to_string(VectorPrecision p);

class LinearOperator {
 public:
  using Scalar = double;
  LinearOperator() = default;
  LinearOperator(const LinearOperator&) = delete;
  LinearOperator& operator=(const LinearOperator&) = delete;
  virtual ~LinearOperator() = default;

  /// Dimension n (the operator is square: cols() == rows()).
  virtual Eigen::Index rows() const = 0;
  Eigen::Index cols() const { return rows(); }
  /// y = A·x for arrays of length rows(); counts one matrix-vector product.
  void perform_op(const double* x, double* y) const {
    matvecs_.fetch_add(1, std::memory_order_relaxed);
    multiply(x, y);
  }
  /// The same product on float arrays; counts one product. Native for operators whose
  /// precision() is Float32; others convert through double buffers (kept between calls).
  void perform_op(const float* x, float* y) const {
    matvecs_.fetch_add(1, std::memory_order_relaxed);
    multiply_f32(x, y);
  }
  /// Float32 when the products are computed in single precision (Float64 otherwise; never Auto).
  virtual VectorPrecision precision() const { return VectorPrecision::Float64; }
  /// y = A·x; throws InputError("x", ...) when x has the wrong size.
  Vec apply(const Vec& x) const;
  /// A·X column by column (X.cols() products).
  Eigen::MatrixXd apply_block(const Eigen::MatrixXd& X) const;

  /// Products performed since construction or the last reset_matvecs().
  std::int64_t matvecs() const { return matvecs_.load(std::memory_order_relaxed); }
  void reset_matvecs() { matvecs_.store(0, std::memory_order_relaxed); }
  /// Short description ("hessian of logistic(d=30) at θ", "dense(500)").
  virtual std::string name() const { return "operator"; }

 protected:
  /// The product itself; x and y hold rows() doubles and do not alias.
  virtual void multiply(const double* x, double* y) const = 0;
  /// The product on rows() floats (x, y do not alias). Default: through multiply() on two double
  /// buffers of rows() entries, allocated at the first call and kept.
  virtual void multiply_f32(const float* x, float* y) const;

 private:
  mutable std::atomic<std::int64_t> matvecs_{0};
  mutable Vec in64_, out64_;
};

/// ∇²F(θ) of an Objective at a fixed θ; perform_op is objective.hvp(θ, x). The objective must
/// outlive the operator. Throws InputError("theta", ...) when θ has the wrong size or is not
/// finite.
class HessianOperator final : public LinearOperator {
 public:
  HessianOperator(const Objective& objective, Vec theta);
  Eigen::Index rows() const override { return objective_.dim(); }
  std::string name() const override;
  const Vec& theta() const { return theta_; }
  const Objective& objective() const { return objective_; }

 protected:
  void multiply(const double* x, double* y) const override;

 private:
  const Objective& objective_;
  Vec theta_;
};

/// A dense symmetric matrix (tests, small problems). Throws InputError("matrix", ...) when the
/// matrix is empty, not square, not finite or not symmetric to 1e-12 relative (max-norm).
class DenseSymOperator final : public LinearOperator {
 public:
  explicit DenseSymOperator(Eigen::MatrixXd a);
  Eigen::Index rows() const override { return a_.rows(); }
  std::string name() const override;
  const Eigen::MatrixXd& matrix() const { return a_; }

 protected:
  void multiply(const double* x, double* y) const override;

 private:
  Eigen::MatrixXd a_;
};

/// A + σI for another operator A (which must outlive this one, or is owned). Each product
/// costs one product of A, counted on both. Throws InputError("sigma", ...) unless σ is finite.
class ShiftedOperator final : public LinearOperator {
 public:
  ShiftedOperator(const LinearOperator& a, double sigma);
  ShiftedOperator(std::unique_ptr<const LinearOperator> a, double sigma);
  const LinearOperator& base() const { return a_; }
  Eigen::Index rows() const override { return a_.rows(); }
  std::string name() const override;
  double sigma() const { return sigma_; }
  VectorPrecision precision() const override { return a_.precision(); }

 protected:
  void multiply(const double* x, double* y) const override;
  void multiply_f32(const float* x, float* y) const override;

 private:
  std::unique_ptr<const LinearOperator> owned_;
  const LinearOperator& a_;
  double sigma_;
};

/// The diagonal block A_GG of A for the index range G = [offset, offset + size): x ∈ ℝ^size is
/// embedded by zeros, multiplied by A (one product of A, counted on both) and restricted to G.
/// Its eigenvalues and trace are those of the block (per-layer curvature). A must outlive it.
/// Throws InputError("group", ...) for an empty range or one outside [0, n).
class BlockOperator final : public LinearOperator {
 public:
  BlockOperator(const LinearOperator& a, Eigen::Index offset, Eigen::Index size);
  Eigen::Index rows() const override { return size_; }
  std::string name() const override;

 protected:
  void multiply(const double* x, double* y) const override;

 private:
  const LinearOperator& a_;
  Eigen::Index offset_, size_;
  mutable Vec in_, out_;
};

}  // namespace villani::numerics
