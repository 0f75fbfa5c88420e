// Randomized trace estimators for any symmetric LinearOperator, each given a budget of matrix-
// vector products. All are ESTIMATES: unbiased (Hutchinson, Hutch++, XTrace) with a standard
// error computed from the same products; none is a bound. Exact traces: sum the diagonal of a
// dense matrix, or Objective::laplacian() where has_exact_laplacian().
//
//  Hutchinson  tr A ≈ (1/m) Σ z_jᵀ A z_j, z_j i.i.d. Rademacher or Gaussian probes.
//              Standard error: sample standard deviation of the m values z_jᵀAz_j over √m.
//  Hutch++     (Meyer, Musco, Musco, Woodruff, SOSA 2021, Algorithm 1) k = ⌊m/3⌋ sketch probes S,
//              Q = orth(A·S), tr A ≈ tr(QᵀAQ) + Hutchinson with the remaining m − 2k probes on
//              (I−QQᵀ)A(I−QQᵀ). Standard error: that of the residual Hutchinson term, i.e.
//              conditional on the sketch Q (the tr(QᵀAQ) part is computed exactly given Q).
//  XTrace      (Epperly, Tropp, Webber, SIMAX 2024, "XTrace: making the most of every sample")
//              s = ⌊m/2⌋ probes Ω; Y = AΩ = QR; for each i the low-rank approximation uses every
//              probe but ω_i (Q_(i) = orth of Y without column i) and ω_i estimates the residual:
//              T_i = tr(Q_(i)ᵀAQ_(i)) + ω_iᵀ(I−Q_(i)Q_(i)ᵀ)A(I−Q_(i)Q_(i)ᵀ)ω_i; tr A ≈ mean T_i.
//              Standard error: the paper's built-in estimate sqrt(Σ(T_i − mean)² / (s(s−1))),
//              i.e. the sample standard deviation of the T_i over √s. All T_i come from the same
//              2s products (the leave-one-out bases are rank-one downdates of Q).
#pragma once
#include <cstdint>
#include <string>

#include "numerics/linear_operator.hpp"

namespace villani::numerics {

enum class Probe { Rademacher, Gaussian };
enum class TraceMethod { Hutchinson, HutchPlusPlus, XTrace };

struct TraceEstimate {
  double estimate = 0.0;        ///< the trace estimate
  double standard_error = 0.0;  ///< estimated standard deviation of `estimate` (see above)
  std::int64_t matvecs = 0;     ///< products of A actually used
  std::string method;           ///< "hutchinson(rademacher)", "hutch++(gaussian)", ...
  std::string note;             ///< non-empty when a fallback was taken (see xtrace())
  double vector_bytes = 0;      ///< bytes of the vectors the estimator stored at once (probes, sketches)
};

/// Minimum budgets: Hutchinson 2, Hutch++ 6, XTrace 4 (fewer leave no sample variance).
/// Budgets larger than the method can use on a small operator are clamped (Hutch++ sketch and
/// XTrace probes to n columns); `matvecs` reports what was used. Throws InputError("matvecs").
TraceEstimate hutchinson(const LinearOperator& a, std::int64_t num_matvecs, Probe probe,
                         std::uint64_t seed);
TraceEstimate hutchpp(const LinearOperator& a, std::int64_t num_matvecs, Probe probe,
                      std::uint64_t seed);
/// When the sketch AΩ is numerically rank-deficient (then range(AΩ) typically already holds
/// range(A)), the leave-one-out formula is undefined; xtrace() then returns tr(QᵀAQ) plus the
/// mean of ω_iᵀ(I−QQᵀ)A(I−QQᵀ)ω_i with their standard error, and says so in `note`.
TraceEstimate xtrace(const LinearOperator& a, std::int64_t num_matvecs, Probe probe,
                     std::uint64_t seed);
/// Checks, before any product, that the vectors `method` stores for an estimate of `num_matvecs`
/// products of `a` fit the memory limit (numerics/checked.hpp); InputError("--trace-matvecs")
/// naming what would (Hutchinson streams one probe). xtrace()/hutchpp() check the same themselves.
void check_trace_memory(const LinearOperator& a, TraceMethod method, std::int64_t num_matvecs);
TraceEstimate estimate_trace(const LinearOperator& a, TraceMethod method,
                             std::int64_t num_matvecs, Probe probe, std::uint64_t seed);

/// "hutchinson" | "hutch++" | "xtrace" (InputError(argument) otherwise).
TraceMethod parse_trace_method(const std::string& text, const std::string& argument = "--estimator");
/// "rademacher" | "gaussian" (InputError(argument) otherwise).
Probe parse_probe(const std::string& text, const std::string& argument = "--probe");
const char* to_string(TraceMethod m);
const char* to_string(Probe p);

}  // namespace villani::numerics
