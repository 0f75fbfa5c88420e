#include "numerics/linear_operator.hpp"

#include <fmt/format.h>

#include "numerics/errors.hpp"

namespace villani::numerics {

VectorPrecision parse_vector_precision(const std::string& text, const std::string& argument) {
  if (text == "auto") return VectorPrecision::Auto;
  if (text == "float64") return VectorPrecision::Float64;
  if (text == "float32") return VectorPrecision::Float32;
  throw InputError(argument, "expected auto | float64 | float32; got '" + text + "'");
}

const char* to_string(VectorPrecision p) {
  switch (p) {
    case VectorPrecision::Auto: return "auto";
    case VectorPrecision::Float64: return "float64";
    case VectorPrecision::Float32: return "float32";
  }
  return "?";
}

void LinearOperator::multiply_f32(const float* x, float* y) const {
  const Eigen::Index n = rows();
  if (in64_.size() != n) {
    in64_.resize(n);
    out64_.resize(n);
  }
  in64_ = Eigen::Map<const Eigen::VectorXf>(x, n).cast<double>();
  multiply(in64_.data(), out64_.data());
  Eigen::Map<Eigen::VectorXf>(y, n) = out64_.cast<float>();
}

Vec LinearOperator::apply(const Vec& x) const {
  if (x.size() != rows())
    throw InputError("x", fmt::format("{}: expected a vector of size {}; got {}", name(), rows(),
                                      x.size()));
  Vec y(rows());
  perform_op(x.data(), y.data());
  return y;
}

Eigen::MatrixXd LinearOperator::apply_block(const Eigen::MatrixXd& X) const {
  if (X.rows() != rows())
    throw InputError("X", fmt::format("{}: expected {} rows; got {}", name(), rows(), X.rows()));
  Eigen::MatrixXd Y(rows(), X.cols());
  for (Eigen::Index j = 0; j < X.cols(); ++j) perform_op(X.col(j).data(), Y.col(j).data());
  return Y;
}

HessianOperator::HessianOperator(const Objective& objective, Vec theta)
    : objective_(objective), theta_(std::move(theta)) {
  if (theta_.size() != objective_.dim())
    throw InputError("theta", fmt::format("{}: expected {} parameters; got {}", objective_.name(),
                                          objective_.dim(), theta_.size()));
  if (!theta_.allFinite())
    throw InputError("theta", objective_.name() + ": parameters contain NaN or inf");
}

std::string HessianOperator::name() const { return "Hessian of " + objective_.name(); }

void HessianOperator::multiply(const double* x, double* y) const {
  const Eigen::Map<const Vec> v(x, rows());
  const Vec hv = objective_.hvp(theta_, v);
  if (hv.size() != rows())
    throw DomainError(objective_.name() + ": hvp returned a vector of the wrong size");
  Eigen::Map<Vec>(y, rows()) = hv;
}

DenseSymOperator::DenseSymOperator(Eigen::MatrixXd a) : a_(std::move(a)) {
  if (a_.rows() == 0 || a_.rows() != a_.cols())
    throw InputError("matrix", fmt::format("expected a non-empty square matrix; got {}x{}",
                                           a_.rows(), a_.cols()));
  if (!a_.allFinite()) throw InputError("matrix", "entries contain NaN or inf");
  const double scale = a_.cwiseAbs().maxCoeff();
  const double asym = (a_ - a_.transpose()).cwiseAbs().maxCoeff();
  if (asym > 1e-12 * scale)
    throw InputError("matrix", fmt::format("not symmetric: max |A - Aᵀ| = {:.3g} (max |A| = {:.3g})",
                                           asym, scale));
}

std::string DenseSymOperator::name() const { return fmt::format("dense({})", a_.rows()); }

void DenseSymOperator::multiply(const double* x, double* y) const {
  Eigen::Map<Vec>(y, rows()).noalias() = a_ * Eigen::Map<const Vec>(x, rows());
}

ShiftedOperator::ShiftedOperator(const LinearOperator& a, double sigma) : a_(a), sigma_(sigma) {
  check_finite("sigma", sigma);
}

ShiftedOperator::ShiftedOperator(std::unique_ptr<const LinearOperator> a, double sigma)
    : owned_(std::move(a)), a_(*owned_), sigma_(sigma) {
  check_finite("sigma", sigma);
}

std::string ShiftedOperator::name() const { return fmt::format("{} + {}·I", a_.name(), sigma_); }

void ShiftedOperator::multiply(const double* x, double* y) const {
  a_.perform_op(x, y);
  if (sigma_ != 0) Eigen::Map<Vec>(y, rows()) += sigma_ * Eigen::Map<const Vec>(x, rows());
}

void ShiftedOperator::multiply_f32(const float* x, float* y) const {
  a_.perform_op(x, y);
  if (sigma_ != 0)  // λ = 0: no pass over y
    Eigen::Map<Eigen::VectorXf>(y, rows()) += static_cast<float>(sigma_) * Eigen::Map<const Eigen::VectorXf>(x, rows());
}

}  // namespace villani::numerics

namespace villani::numerics {

BlockOperator::BlockOperator(const LinearOperator& a, Eigen::Index offset, Eigen::Index size)
    : a_(a), offset_(offset), size_(size) {
  if (size < 1 || offset < 0 || offset + size > a.rows())
    throw InputError("group", fmt::format("block [{}, {}) is empty or outside [0, {})", offset, offset + size,
                                          a.rows()));
}

std::string BlockOperator::name() const {
  return fmt::format("block [{}, {}) of {}", offset_, offset_ + size_, a_.name());
}

void BlockOperator::multiply(const double* x, double* y) const {
  if (in_.size() != a_.rows()) {
    in_ = Vec::Zero(a_.rows());
    out_.resize(a_.rows());
  }
  in_.segment(offset_, size_) = Eigen::Map<const Vec>(x, size_);
  a_.perform_op(in_.data(), out_.data());
  Eigen::Map<Vec>(y, size_) = out_.segment(offset_, size_);
}

}  // namespace villani::numerics
