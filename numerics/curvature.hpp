// Curvature of F = L + (λ/2)‖θ‖² at one point θ (`villani hessian`, docs/hessian.md): the
// quantities researchers ask of a trained model — extreme Hessian eigenvalues with error bars,
// the trace, the spectral density, the same per parameter group — and the point's own L, F,
// ‖∇F‖ and Ψ_s. Every number carries the Hessian-vector products and seconds it cost.
//
// All of it is composed from the one implementation of each algorithm in numerics/: Lanczos
// (lanczos.hpp), trace estimators (trace.hpp), stochastic Lanczos quadrature (slq.hpp) and the
// Ψ formula (psi.hpp), on the operator Objective::hessian_at(θ) + λI (so a LibTorch loss reuses
// its gradient graph for every product). λ = 0 is allowed here (plain ∇²L).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "numerics/lanczos.hpp"
#include "numerics/objective.hpp"
#include "numerics/progress.hpp"
#include "numerics/slq.hpp"
#include "numerics/trace.hpp"

namespace villani::numerics {

/// A named block of θ: [offset, offset + size).
struct ParamGroup {
  std::string name;
  Eigen::Index offset = 0;
  Eigen::Index size = 0;
};

/// The layer a parameter belongs to: the name up to its first all-digit component ("h.0.attn.
/// q_proj.weight" → "h.0", "blocks.3.w" → "blocks.3"); without one, the name less its last
/// component ("layer0.Wq" → "layer0", "fc1.weight" → "fc1"); a name without a dot is its own.
std::string layer_key(const std::string& parameter_name);

/// Groups for `--groups`: "param" returns the blocks as they are; "layer" merges consecutive
/// blocks with the same layer_key (non-consecutive ones stay separate groups with the same name
/// suffixed "#2", ...). InputError(argument) for another mode, an empty layout, or blocks that
/// do not tile [0, dim) in order.
std::vector<ParamGroup> group_parameters(const std::vector<ParamGroup>& blocks, const std::string& mode,
                                         Eigen::Index dim, const std::string& argument = "--groups");

enum class TraceChoice { None, Exact, Hutchinson, HutchPlusPlus, XTrace };
/// "none" | "exact" | "hutchinson" | "hutch++" | "xtrace" (InputError(argument) otherwise).
TraceChoice parse_trace_choice(const std::string& text, const std::string& argument = "--trace");
const char* to_string(TraceChoice t);

struct CurvatureOptions {
  double lambda = 0;            ///< λ ≥ 0
  double s = 1;                 ///< temperature of Ψ_s (> 0)
  Eigen::Index top = 0;         ///< largest eigenvalues wanted
  Eigen::Index bottom = 0;      ///< smallest eigenvalues wanted
  LanczosOptions eigen = [] {
    LanczosOptions o;
    o.method = EigenMethod::FullLanczos;
    o.tolerance = 1e-6;
    return o;
  }();
  TraceChoice trace = TraceChoice::XTrace;
  std::int64_t trace_matvecs = 64;
  Probe probe = Probe::Rademacher;
  bool density = false;
  Eigen::Index density_probes = 4;
  Eigen::Index density_steps = 64;
  double density_sigma = 0;     ///< Gaussian broadening; 0: (max node − min node)/100
  Eigen::Index density_points = 0;  ///< grid points; 0: spacing σ/4 over [min − 8σ, max + 8σ]
  std::vector<ParamGroup> groups;   ///< per-group traces and top eigenvalues (empty: none)
  Eigen::Index group_top = 1;
  std::uint64_t seed = 1;
  /// Progress of each stage ("hessian: top", "hessian: trace", ...; HVPs done, of the total where
  /// it is known in advance, e.g. d for an exact trace). Empty: nothing reported.
  ProgressFn progress;
};

/// What a number cost.
struct Cost {
  std::int64_t hvps = 0;
  double seconds = 0;
  /// Of `seconds`, the time inside the products themselves (the rest is the solver's own work:
  /// start vectors, orthogonalization, Ritz vectors). 0 where not measured.
  double product_seconds = 0;
};

struct EigenReport {
  std::vector<double> values;           ///< decreasing for top, increasing for bottom
  std::vector<double> residuals;        ///< ‖∇²F y − θ y‖: an eigenvalue lies within it of θ
  std::vector<double> error_estimates;  ///< r²/gap (Kato–Temple estimate)
  EigenStatus status = EigenStatus::NotConverged;
  Eigen::Index converged = 0;
  std::string method;
  VectorPrecision storage = VectorPrecision::Float64;  ///< precision of the stored vectors
  double vector_bytes = 0;  ///< bytes of the solver's stored vectors at their largest (0: not tracked)
  Cost cost;
};

struct TraceReport {
  double value = 0;           ///< tr ∇²F (= ΔF)
  double standard_error = 0;  ///< 0 when exact
  bool exact = false;
  std::string method;         ///< "exact (diagonal from d products)" or the estimator's label
  std::string note;
  double vector_bytes = 0;    ///< the estimator's stored vectors (numerics/trace.hpp)
  Cost cost;
};

struct DensityReport {
  Vec grid, density;           ///< φ_σ on the grid
  double sigma = 0;
  double mass = 0;             ///< trapezoid integral of φ_σ over the grid (1 up to truncation)
  double mean = 0;             ///< Σ w θ / probes: an estimate of tr/d
  double min_node = 0, max_node = 0;
  Eigen::Index probes = 0, steps = 0;
  Cost cost;
};

struct GroupReport {
  ParamGroup group;
  std::optional<TraceReport> trace;
  std::optional<EigenReport> top;
};

struct CurvatureReport {
  Eigen::Index dim = 0;
  double lambda = 0, s = 1;
  double loss = 0;          ///< L(θ)
  double objective = 0;     ///< F(θ)
  double theta_norm = 0;    ///< ‖θ‖
  double grad_norm = 0;     ///< ‖∇F(θ)‖
  std::optional<double> psi_s, psi_2s;  ///< Ψ_s, Ψ_2s (need the trace)
  double psi_standard_error = 0;
  Cost point_cost;          ///< value and gradient
  std::optional<EigenReport> top, bottom;
  std::optional<TraceReport> trace;
  std::optional<DensityReport> density;
  std::vector<GroupReport> groups;
  Cost total;
  double vector_bytes = 0;    ///< the largest set of stored vectors of any eigen-solve or trace estimate
  double peak_rss_bytes = 0;  ///< the process's peak resident set at the end (numerics/memory.hpp)
};

/// Everything asked in `o` at θ for F = loss + (λ/2)‖θ‖². InputError naming the option for bad
/// values ("--top"/"--bottom" above d, "--lambda" < 0, "--temperature", "--trace-matvecs", ...)
/// and InputError("theta") for a θ of the wrong size or with NaN/inf. θ is taken by value and
/// released once the Hessian operator holds the point (pass std::move(θ) at 125M parameters:
/// 1 GB of doubles the eigen-solve then does not carry).
CurvatureReport analyze_curvature(const Objective& loss, Vec theta, const CurvatureOptions& o);

/// The diagonal of A from n products with the unit vectors (an exact trace costs this); reports
/// its progress as `task` every 64 products.
Vec diagonal(const LinearOperator& a, const ProgressFn& progress = {}, const std::string& task = "diagonal");
/// The eigenvalues of one operator with the report's bookkeeping (used per group as well).
EigenReport eigen_report(const LinearOperator& a, Eigen::Index k, EigenWhich which, const LanczosOptions& o);
/// The trace of one operator by the chosen method; Exact costs rows() products.
TraceReport trace_report(const LinearOperator& a, TraceChoice method, std::int64_t matvecs, Probe probe,
                         std::uint64_t seed);

}  // namespace villani::numerics
