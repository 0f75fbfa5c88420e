#include "numerics/trace.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <tuple>
#include <fmt/format.h>

#include "numerics/checked.hpp"
#include "numerics/dot64.hpp"
#include "numerics/errors.hpp"
#include "numerics/sampling.hpp"

namespace villani::numerics {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

MatrixXd probes(Index n, Index count, Probe probe, Random& rng) {
  MatrixXd z(n, count);
  for (Index j = 0; j < count; ++j)
    z.col(j) = probe == Probe::Rademacher ? rng.rademacher_vector(n) : rng.normal_vector(n);
  return z;
}

/// Mean and standard error (sample sd / √m) of values.
std::pair<double, double> mean_se(const Vec& v) {
  const double m = static_cast<double>(v.size());
  const double mean = v.mean();
  if (v.size() < 2) return {mean, 0.0};
  const double var = (v.array() - mean).square().sum() / (m - 1.0);
  return {mean, std::sqrt(var / m)};
}

/// Orthonormal basis (n × cols) of the column space of Y by Householder QR.
MatrixXd orth(const MatrixXd& y) {
  Eigen::HouseholderQR<MatrixXd> qr(y);
  return qr.householderQ() * MatrixXd::Identity(y.rows(), std::min(y.rows(), y.cols()));
}

void check_budget(std::int64_t m, std::int64_t min, const char* method) {
  if (m < min)
    throw InputError("matvecs", fmt::format("{} needs at least {} matrix-vector products; got {}",
                                            method, min, m));
}

std::string label(const char* method, Probe p) { return fmt::format("{}({})", method, to_string(p)); }

/// What an estimator of m products stores at once on an operator of n rows: the vectors and their
/// bytes each. Hutchinson: the double draw, z and Az (in float32 for a float32 operator); Hutch++:
/// 5k + 2 doubles (k = m/3); XTrace: seven n × s double blocks (s = m/2), or three float32 ones
/// for a float32 operator (Ω, Q over AΩ, AQ), the one figure both the memory check and
/// TraceEstimate::vector_bytes use.
struct Stored {
  double vectors = 0, bytes_each = 8;
  double bytes() const { return vectors * bytes_each; }
};
Stored stored_by(TraceMethod method, std::int64_t m, Index n, bool f32) {
  const double nn = static_cast<double>(n);
  switch (method) {
    case TraceMethod::Hutchinson: return f32 ? Stored{2 * nn + 2 * nn, 4} : Stored{2 * nn, 8};
    case TraceMethod::HutchPlusPlus: return {(5.0 * static_cast<double>(std::min<Index>(m / 3, n)) + 2) * nn, 8};
    case TraceMethod::XTrace: {
      const double s = static_cast<double>(std::min<Index>(m / 2, n));
      return f32 ? Stored{3 * s * nn, 4} : Stored{7 * s * nn, 8};
    }
  }
  return {};
}

}  // namespace

TraceEstimate hutchinson(const LinearOperator& a, std::int64_t m, Probe probe, std::uint64_t seed) {
  check_budget(m, 2, "hutchinson");
  const Index n = a.rows();
  Random rng(seed);
  Vec forms(m);
  // One probe at a time, in the operator's precision (a float32 model: float vectors, no copy);
  // the same probes either way (drawn in double, Rademacher signs exact in float).
  const bool f32 = a.precision() == VectorPrecision::Float32;
  Vec y(f32 ? 0 : n);
  Eigen::VectorXf zf(f32 ? n : 0), yf(f32 ? n : 0);
  for (Index j = 0; j < m; ++j) {
    const Vec z = probe == Probe::Rademacher ? rng.rademacher_vector(n) : rng.normal_vector(n);
    if (f32) {
      zf = z.cast<float>();
      a.perform_op(zf.data(), yf.data());
      forms[j] = dot64(zf, yf);
    } else {
      a.perform_op(z.data(), y.data());
      forms[j] = z.dot(y);
    }
  }
  const auto [mean, se] = mean_se(forms);
  TraceEstimate out{mean, se, m, label("hutchinson", probe), ""};
  out.vector_bytes = stored_by(TraceMethod::Hutchinson, m, n, f32).bytes();
  return out;
}


TraceEstimate hutchpp(const LinearOperator& a, std::int64_t m, Probe probe, std::uint64_t seed) {
  check_budget(m, 6, "hutch++");
  const Index n = a.rows();
  Random rng(seed);
  const Index k = std::min<Index>(m / 3, n);
  const Index p = m - 2 * k;
  check_trace_memory(a, TraceMethod::HutchPlusPlus, m);
  const MatrixXd s = probes(n, k, probe, rng);
  const MatrixXd q = orth(a.apply_block(s));
  const MatrixXd aq = a.apply_block(q);
  const double low_rank = (q.transpose() * aq).trace();
  Vec forms(p), y(n);
  for (Index j = 0; j < p; ++j) {
    Vec g = probe == Probe::Rademacher ? rng.rademacher_vector(n) : rng.normal_vector(n);
    g -= q * (q.transpose() * g);
    a.perform_op(g.data(), y.data());
    forms[j] = g.dot(y);  // gᵀ(I−QQᵀ)A(I−QQᵀ)g with (I−QQᵀ) idempotent and symmetric
  }
  const auto [mean, se] = mean_se(forms);
  TraceEstimate out{low_rank + mean, se, 2 * k + p, label("hutch++", probe), ""};
  out.vector_bytes = stored_by(TraceMethod::HutchPlusPlus, m, n, false).bytes();
  return out;
}

namespace {

/// XTrace's estimate from the sketch Y = AΩ = QR (R upper triangular, s × s), H = QᵀAQ
/// (symmetrized), W = QᵀΩ and ωᵢ·yᵢ: the mean and standard error over the leave-one-out bases
/// Q_(i)Q_(i)ᵀ = Q(I − s_i s_iᵀ)Qᵀ, s_i ∝ R^{-T}e_i the unit vector orthogonal to every column of R
/// but the i-th. Both precisions' paths end here.
std::pair<double, double> leave_one_out(const MatrixXd& r, const MatrixXd& h, const MatrixXd& w, const Vec& oy) {
  const Index s = r.cols();
  const double tr_h = h.trace();
  MatrixXd sv = r.transpose().triangularView<Eigen::Lower>().solve(MatrixXd::Identity(s, s));
  sv.colwise().normalize();
  Vec est(s);
  for (Index i = 0; i < s; ++i) {
    const Vec si = sv.col(i);
    const Vec ui = w.col(i) - si * si.dot(w.col(i));  // Q_(i)ᵀ-projection of ω_i, in Q's basis
    const double low_rank = tr_h - si.dot(h * si);
    const double residual = oy[i] - 2.0 * ui.dot(r.col(i)) + ui.dot(h * ui);
    est[i] = low_rank + residual;
  }
  return mean_se(est);
}

/// XTrace for an operator computing in float32 (issue 24: GPT-Neo-125M): the same probes, the same
/// leave-one-out estimator, on three stored n × s float32 blocks (Ω, Q overwriting Y, Z = AQ)
/// instead of about seven double ones. Q and R by classical Gram–Schmidt applied twice, with
/// every inner product accumulated in double, so Q is orthonormal to float rounding.
TraceEstimate xtrace_f32(const LinearOperator& a, Index s, Probe probe, Random& rng) {
  using M = Eigen::MatrixXf;
  const Index n = a.rows();
  M omega(n, s), q(n, s);
  for (Index j = 0; j < s; ++j)
    omega.col(j) = (probe == Probe::Rademacher ? rng.rademacher_vector(n) : rng.normal_vector(n)).cast<float>();
  for (Index j = 0; j < s; ++j) a.perform_op(omega.col(j).data(), q.col(j).data());  // q holds Y = AΩ
  Vec oy(s);
  for (Index i = 0; i < s; ++i) oy[i] = dot64(omega.col(i), q.col(i));
  MatrixXd r = MatrixXd::Zero(s, s);
  Vec c;
  for (Index j = 0; j < s; ++j) {
    for (int pass = 0; pass < 2 && j > 0; ++pass) {
      c.resize(j);
      for (Index i = 0; i < j; ++i) c[i] = dot64(q.col(i), q.col(j));
      q.col(j).noalias() -= q.leftCols(j) * c.cast<float>();
      r.col(j).head(j) += c;
    }
    const double rjj = std::sqrt(norm2_64(q.col(j).data(), n));
    r(j, j) = rjj;
    if (rjj > 0) q.col(j) = (q.col(j).cast<double>() / rjj).cast<float>();
  }
  M z(n, s);
  for (Index j = 0; j < s; ++j) a.perform_op(q.col(j).data(), z.col(j).data());
  MatrixXd h(s, s), w(s, s);
  for (Index i = 0; i < s; ++i)
    for (Index j = 0; j < s; ++j) {
      h(i, j) = dot64(q.col(i), z.col(j));
      w(i, j) = dot64(q.col(i), omega.col(j));
    }
  h = 0.5 * (h + h.transpose());
  const double tr_h = h.trace();
  TraceEstimate out;
  out.matvecs = 2 * s;
  out.method = label("xtrace", probe);
  out.note = "float32 sketches (the operator's precision), inner products in double";
  out.vector_bytes = stored_by(TraceMethod::XTrace, 2 * s, n, true).bytes();
  const Vec rdiag = r.diagonal().cwiseAbs();
  if (s < 2 || !(rdiag.minCoeff() > 1e-6 * rdiag.maxCoeff())) {  // float: rank-deficient well above 1e-12
    Vec forms(s);
    for (Index i = 0; i < s; ++i) {
      const Eigen::VectorXf wi = w.col(i).cast<float>();
      const Eigen::VectorXf left = omega.col(i) - q * wi;
      const Eigen::VectorXf right = q * r.col(i).cast<float>() - z * wi;  // y_i = Q r_i
      forms[i] = dot64(left, right);
    }
    const auto [mean, se] = mean_se(forms);
    out.estimate = tr_h + mean;
    out.standard_error = se;
    out.note = "sketch rank-deficient: tr(QᵀAQ) + residual Hutchinson on the sketch probes (float32 sketches)";
    return out;
  }
  std::tie(out.estimate, out.standard_error) = leave_one_out(r, h, w, oy);
  return out;
}

}  // namespace

TraceEstimate xtrace(const LinearOperator& a, std::int64_t m, Probe probe, std::uint64_t seed) {
  check_budget(m, 4, "xtrace");
  const Index n = a.rows();
  Random rng(seed);
  const Index s = std::min<Index>(m / 2, n);
  check_trace_memory(a, TraceMethod::XTrace, m);
  if (a.precision() == VectorPrecision::Float32) return xtrace_f32(a, s, probe, rng);
  const MatrixXd omega = probes(n, s, probe, rng);
  const MatrixXd y = a.apply_block(omega);
  Eigen::HouseholderQR<MatrixXd> qr(y);
  const MatrixXd q = qr.householderQ() * MatrixXd::Identity(n, s);
  const MatrixXd r = qr.matrixQR().topRows(s).triangularView<Eigen::Upper>();
  const MatrixXd z = a.apply_block(q);
  MatrixXd h = q.transpose() * z;
  h = 0.5 * (h + h.transpose());
  const double tr_h = h.trace();
  const MatrixXd w = q.transpose() * omega;
  TraceEstimate out;
  out.matvecs = 2 * s;
  out.method = label("xtrace", probe);
  out.vector_bytes = stored_by(TraceMethod::XTrace, m, n, false).bytes();

  const Vec rdiag = r.diagonal().cwiseAbs();
  if (s < 2 || !(rdiag.minCoeff() > 1e-12 * rdiag.maxCoeff())) {
    // Rank-deficient sketch: low-rank part plus residual Hutchinson on the same probes.
    Vec forms(s);
    for (Index i = 0; i < s; ++i)
      forms[i] = (omega.col(i) - q * w.col(i)).dot(y.col(i) - z * w.col(i));
    const auto [mean, se] = mean_se(forms);
    out.estimate = tr_h + mean;
    out.standard_error = se;
    out.note = "sketch rank-deficient: tr(QᵀAQ) + residual Hutchinson on the sketch probes";
    return out;
  }
  Vec oy(s);
  for (Index i = 0; i < s; ++i) oy[i] = omega.col(i).dot(y.col(i));
  std::tie(out.estimate, out.standard_error) = leave_one_out(r, h, w, oy);
  return out;
}

void check_trace_memory(const LinearOperator& a, TraceMethod method, std::int64_t m) {
  if (method == TraceMethod::Hutchinson) return;  // one probe at a time
  const Index n = a.rows();
  const bool f32 = method == TraceMethod::XTrace && a.precision() == VectorPrecision::Float32;
  const Stored st = stored_by(method, m, n, f32);
  // float32 XTrace also forms two working vectors of n floats.
  const double bytes = st.bytes() + (f32 ? 2.0 * static_cast<double>(n) * 4.0 : 0.0);
  check_memory("--trace-matvecs", bytes,
               fmt::format("{} with {:.0f} stored {} vectors of {} entries (--trace hutchinson streams one probe at "
                           "a time; or fewer --trace-matvecs)",
                           to_string(method), st.vectors / static_cast<double>(n), f32 ? "float32" : "double", n));
}

TraceEstimate estimate_trace(const LinearOperator& a, TraceMethod method, std::int64_t m,
                             Probe probe, std::uint64_t seed) {
  switch (method) {
    case TraceMethod::Hutchinson: return hutchinson(a, m, probe, seed);
    case TraceMethod::HutchPlusPlus: return hutchpp(a, m, probe, seed);
    case TraceMethod::XTrace: return xtrace(a, m, probe, seed);
  }
  throw DomainError("estimate_trace: unknown method");
}

TraceMethod parse_trace_method(const std::string& text, const std::string& argument) {
  if (text == "hutchinson") return TraceMethod::Hutchinson;
  if (text == "hutch++" || text == "hutchpp") return TraceMethod::HutchPlusPlus;
  if (text == "xtrace") return TraceMethod::XTrace;
  throw InputError(argument, "expected hutchinson, hutch++ or xtrace; got '" + text + "'");
}

Probe parse_probe(const std::string& text, const std::string& argument) {
  if (text == "rademacher") return Probe::Rademacher;
  if (text == "gaussian") return Probe::Gaussian;
  throw InputError(argument, "expected rademacher or gaussian; got '" + text + "'");
}

const char* to_string(TraceMethod m) {
  switch (m) {
    case TraceMethod::Hutchinson: return "hutchinson";
    case TraceMethod::HutchPlusPlus: return "hutch++";
    case TraceMethod::XTrace: return "xtrace";
  }
  return "?";
}

const char* to_string(Probe p) { return p == Probe::Rademacher ? "rademacher" : "gaussian"; }

}  // namespace villani::numerics
