#include "numerics/curvature.hpp"

#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <algorithm>
#include <map>
#include <optional>

#include "numerics/errors.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/memory.hpp"
#include "numerics/psi.hpp"
#include "numerics/sampling.hpp"

namespace villani::numerics {
namespace {

using Eigen::Index;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

/// A for the solvers, reporting every product as progress of the current stage (at 125M parameters
/// a product takes minutes on a CPU: each one is news). Counts on itself and on A.
class Reporting final : public LinearOperator {
 public:
  Reporting(const LinearOperator& a, const ProgressFn& fn) : a_(a), fn_(fn) {}
  Eigen::Index rows() const override { return a_.rows(); }
  std::string name() const override { return a_.name(); }
  VectorPrecision precision() const override { return a_.precision(); }
  void stage(std::string task, long total) {
    task_ = std::move(task);
    total_ = total;
    first_ = matvecs();
    note_.clear();
  }
  /// Shown after the count from the next product on ("θ₁ 83.6, residual 3e-2 of θ (target 1e-2)").
  void note(std::string text) { note_ = std::move(text); }
  /// Seconds spent inside the wrapped operator's products so far.
  double product_seconds() const { return product_seconds_; }

 protected:
  void multiply(const double* x, double* y) const override {
    const auto t0 = Clock::now();
    a_.perform_op(x, y);
    product_seconds_ += since(t0);
    report();
  }
  void multiply_f32(const float* x, float* y) const override {
    const auto t0 = Clock::now();
    a_.perform_op(x, y);
    product_seconds_ += since(t0);
    report();
  }

 private:
  void report() const {
    progress_update(fn_, task_, static_cast<long>(matvecs() - first_), total_, "HVP",
                    note_.empty() ? fmt::format("{} HVPs in all", a_.matvecs()) : note_);
  }
  const LinearOperator& a_;
  const ProgressFn& fn_;
  std::string task_ = "hessian";
  long total_ = 0;
  std::int64_t first_ = 0;
  std::string note_;
  mutable double product_seconds_ = 0;
};

/// The estimator behind a trace choice (none for None and Exact).
std::optional<TraceMethod> estimator_of(TraceChoice t) {
  switch (t) {
    case TraceChoice::Hutchinson: return TraceMethod::Hutchinson;
    case TraceChoice::HutchPlusPlus: return TraceMethod::HutchPlusPlus;
    case TraceChoice::XTrace: return TraceMethod::XTrace;
    default: return std::nullopt;
  }
}

}  // namespace

std::string layer_key(const std::string& name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t p = name.find('.'); p != std::string::npos; p = name.find('.', start)) {
    parts.push_back(name.substr(start, p - start));
    start = p + 1;
  }
  parts.push_back(name.substr(start));
  std::string key;
  for (const auto& part : parts) {
    key += key.empty() ? part : "." + part;
    if (all_digits(part)) return key;
  }
  if (parts.size() == 1) return name;
  return name.substr(0, name.rfind('.'));
}

std::vector<ParamGroup> group_parameters(const std::vector<ParamGroup>& blocks, const std::string& mode, Index dim,
                                         const std::string& argument) {
  if (mode != "param" && mode != "layer")
    throw InputError(argument, "expected param | layer; got '" + mode + "'");
  if (blocks.empty()) throw InputError(argument, "this model has no named parameters to group");
  Index next = 0;
  for (const auto& b : blocks) {
    if (b.offset != next || b.size < 1)
      throw InputError(argument, fmt::format("parameter '{}' at [{}, {}) does not follow the previous one (at {})",
                                             b.name, b.offset, b.offset + b.size, next));
    next += b.size;
  }
  if (next != dim)
    throw InputError(argument, fmt::format("the named parameters cover {} of d = {} entries", next, dim));
  if (mode == "param") return blocks;
  std::vector<ParamGroup> out;
  std::map<std::string, int> seen;
  std::string current;
  for (const auto& b : blocks) {
    const std::string key = layer_key(b.name);
    if (!out.empty() && key == current) {
      out.back().size += b.size;
      continue;
    }
    current = key;
    const int n = ++seen[key];
    out.push_back({n == 1 ? key : fmt::format("{}#{}", key, n), b.offset, b.size});
  }
  return out;
}

TraceChoice parse_trace_choice(const std::string& text, const std::string& argument) {
  if (text == "none") return TraceChoice::None;
  if (text == "exact") return TraceChoice::Exact;
  if (text == "hutchinson") return TraceChoice::Hutchinson;
  if (text == "hutch++") return TraceChoice::HutchPlusPlus;
  if (text == "xtrace") return TraceChoice::XTrace;
  throw InputError(argument, "expected none | exact | hutchinson | hutch++ | xtrace; got '" + text + "'");
}

const char* to_string(TraceChoice t) {
  switch (t) {
    case TraceChoice::None: return "none";
    case TraceChoice::Exact: return "exact";
    case TraceChoice::Hutchinson: return "hutchinson";
    case TraceChoice::HutchPlusPlus: return "hutch++";
    case TraceChoice::XTrace: return "xtrace";
  }
  return "?";
}

Vec diagonal(const LinearOperator& a, const ProgressFn& progress, const std::string& task) {
  const Index n = a.rows();
  Vec e = Vec::Zero(n), y(n), out(n);
  for (Index i = 0; i < n; ++i) {
    if (i % 64 == 0) progress_update(progress, task, static_cast<long>(i), static_cast<long>(n), "HVP");
    e[i] = 1.0;
    a.perform_op(e.data(), y.data());
    e[i] = 0.0;
    out[i] = y[i];
  }
  return out;
}

EigenReport eigen_report(const LinearOperator& a, Index k, EigenWhich which, const LanczosOptions& o) {
  const auto t0 = Clock::now();
  const std::int64_t before = a.matvecs();
  const EigenResult e = extreme_eigenvalues(a, k, which, o);
  EigenReport r;
  r.values.assign(e.values.data(), e.values.data() + e.values.size());
  r.residuals.assign(e.residuals.data(), e.residuals.data() + e.residuals.size());
  r.error_estimates.assign(e.error_estimates.data(), e.error_estimates.data() + e.error_estimates.size());
  r.status = e.status;
  r.converged = e.converged;
  r.method = e.method;
  r.storage = e.storage;
  r.vector_bytes = e.vector_bytes;
  r.cost = {a.matvecs() - before, since(t0)};
  return r;
}

TraceReport trace_report(const LinearOperator& a, TraceChoice method, std::int64_t matvecs, Probe probe,
                         std::uint64_t seed) {
  const auto t0 = Clock::now();
  const std::int64_t before = a.matvecs();
  TraceReport r;
  if (method == TraceChoice::Exact) {
    r.value = diagonal(a).sum();
    r.exact = true;
    r.method = fmt::format("exact (Σ eᵢᵀHeᵢ, {} products)", a.rows());
  } else {
    const TraceEstimate t = estimate_trace(a, *estimator_of(method), matvecs, probe, seed);
    r.value = t.estimate;
    r.standard_error = t.standard_error;
    r.method = t.method;
    r.note = t.note;
    r.vector_bytes = t.vector_bytes;
  }
  r.cost = {a.matvecs() - before, since(t0)};
  return r;
}

namespace {
CurvatureReport analyze(const Objective& loss, Vec theta, const CurvatureOptions& o) {
  check_nonnegative("--lambda", o.lambda);
  check_positive("--temperature", o.s);
  const Index d = loss.dim();
  if (theta.size() != d)
    throw InputError("theta", fmt::format("expected {} parameters; got {}", d, theta.size()));
  if (!theta.allFinite()) throw InputError("theta", "the parameters contain NaN or inf");
  if (o.top < 0 || o.top > d) throw InputError("--top", fmt::format("must be in [0, d = {}]; got {}", d, o.top));
  if (o.bottom < 0 || o.bottom > d)
    throw InputError("--bottom", fmt::format("must be in [0, d = {}]; got {}", d, o.bottom));
  if (o.trace != TraceChoice::None && o.trace != TraceChoice::Exact && o.trace_matvecs < 2)
    throw InputError("--trace-matvecs", fmt::format("must be ≥ 2; got {}", o.trace_matvecs));
  if (o.density && (o.density_probes < 1 || o.density_steps < 2))
    throw InputError("--density-probes", "density needs ≥ 1 probe and ≥ 2 Lanczos steps");
  if (o.density && (!(o.density_sigma >= 0) || !std::isfinite(o.density_sigma)))
    throw InputError("--density-sigma", "must be finite and ≥ 0 (0: automatic)");
  if (o.group_top < 0) throw InputError("--group-top", "must be ≥ 0");
  for (const auto& g : o.groups)
    if (g.size < 1 || g.offset < 0 || g.offset + g.size > d)
      throw InputError("--groups", fmt::format("group '{}' lies outside [0, {})", g.name, d));
  const ShiftedOperator* hp = nullptr;
  auto stage = [&](const std::string& name) {
    progress_update(o.progress, "hessian: " + name, hp ? static_cast<long>(hp->matvecs()) : 0, 0, "HVP",
                    hp ? fmt::format("{} HVPs so far", hp->matvecs()) : std::string());
  };

  const auto t_all = Clock::now();
  CurvatureReport r;
  r.dim = d;
  r.lambda = o.lambda;
  r.s = o.s;

  stage("gradient");
  auto t0 = Clock::now();
  r.loss = loss.value(theta);
  double grad_sq = 0;
  {  // ∇F is d numbers: only its norm is kept
    Vec g = loss.gradient(theta);
    if (o.lambda != 0) g += o.lambda * theta;
    grad_sq = g.squaredNorm();  // finite unless an entry is not, or the sum overflows (one pass)
    if (!std::isfinite(r.loss) || (!std::isfinite(grad_sq) && !g.allFinite()))
      throw InputError("--model", fmt::format("the loss or its gradient is not finite at these weights (L = {})", r.loss));
    if (!std::isfinite(grad_sq)) {
      // Finite entries whose squares overflow: from λθ when λ‖θ‖ is that large, else from ∇L.
      const bool from_lambda = o.lambda * theta.cwiseAbs().maxCoeff() > 1e150;
      throw InputError(from_lambda ? "--lambda" : "--at",
                       fmt::format("‖∇F‖² overflows double at these weights (λ = {:g}, max |θ_i| = {:g}): no Ψ_s can "
                                   "be formed there",
                                   o.lambda, theta.cwiseAbs().maxCoeff()));
    }
  }
  const double theta_sq = theta.squaredNorm();
  if (!std::isfinite(theta_sq))
    throw InputError("--at", fmt::format("‖θ‖² overflows double (max |θ_i| = {:g}): F = L + (λ/2)‖θ‖² cannot be "
                                         "formed at these weights",
                                         theta.cwiseAbs().maxCoeff()));
  r.theta_norm = std::sqrt(theta_sq);
  r.objective = r.loss + 0.5 * o.lambda * theta_sq;
  r.grad_norm = std::sqrt(grad_sq);
  r.point_cost = {0, since(t0)};

  // ∇²F = ∇²L + λI: built once (a LibTorch loss keeps its gradient graph for every product).
  const ShiftedOperator h(loss.hessian_at(theta), o.lambda);
  hp = &h;
  theta = Vec();  // the operator holds the point now
  release_free_memory();
  Reporting reporting(h, o.progress);
  // What the trace estimator will store is checked now, not after the eigen-solves (whose
  // results would otherwise be lost to a refusal).
  if (const auto m = estimator_of(o.trace)) check_trace_memory(h, *m, o.trace_matvecs);
  // Products of an eigen-solve: at most max_matvecs + k (the residuals), when bounded.
  auto eigen_total = [&](Index k) { return o.eigen.max_matvecs > 0 ? static_cast<long>(o.eigen.max_matvecs + k) : 0L; };
  // The Ritz value and its residual after each Lanczos step, shown with the product count.
  LanczosOptions eig = o.eigen;
  if (o.progress)
    eig.on_step = [&](Index, double value, double rel) {
      reporting.note(fmt::format("Ritz value {:.6g}, residual {:.2g}·|θ| (target {:.2g})", value, rel, o.eigen.tolerance));
    };
  if (o.top > 0) {
    stage("top");
    reporting.stage("hessian: top", eigen_total(o.top));
    const double p0 = reporting.product_seconds();
    r.top = eigen_report(reporting, o.top, EigenWhich::Largest, eig);
    r.top->cost.product_seconds = reporting.product_seconds() - p0;
  }
  if (o.bottom > 0) {
    stage("bottom");
    reporting.stage("hessian: bottom", eigen_total(o.bottom));
    LanczosOptions b = eig;
    b.seed = derive_seed(o.eigen.seed, 1);
    const double p0 = reporting.product_seconds();
    r.bottom = eigen_report(reporting, o.bottom, EigenWhich::Smallest, b);
    r.bottom->cost.product_seconds = reporting.product_seconds() - p0;
  }
  // Exact per-group traces come from the same diagonal as the whole trace.
  Vec diag;
  if (o.trace == TraceChoice::Exact) {
    stage("trace");
    t0 = Clock::now();
    const std::int64_t before = h.matvecs();
    diag = diagonal(h, o.progress, "hessian: exact trace");
    TraceReport t;
    t.value = diag.sum();
    t.exact = true;
    t.method = fmt::format("exact (Σ eᵢᵀ∇²F eᵢ, {} products)", d);
    t.cost = {h.matvecs() - before, since(t0)};
    r.trace = t;
  } else if (o.trace != TraceChoice::None) {
    stage("trace");
    reporting.stage("hessian: trace", static_cast<long>(o.trace_matvecs));
    const double p0 = reporting.product_seconds();
    r.trace = trace_report(reporting, o.trace, o.trace_matvecs, o.probe, derive_seed(o.seed, 2));
    r.trace->cost.product_seconds = reporting.product_seconds() - p0;
  }
  if (r.trace) {
    const PsiResult p = psi_from_parts(o.s, r.trace->value, r.trace->standard_error, grad_sq);
    r.psi_s = p.psi_s;
    r.psi_2s = p.psi_2s;
    r.psi_standard_error = p.standard_error;
  }
  if (o.density) {
    stage("density");
    t0 = Clock::now();
    const std::int64_t before = h.matvecs();
    const SpectralDensity sd =
        stochastic_lanczos_quadrature(h, o.density_probes, o.density_steps, derive_seed(o.seed, 3), o.probe);
    DensityReport dr;
    dr.probes = o.density_probes;
    dr.steps = std::min<Index>(o.density_steps, d);
    dr.min_node = sd.min_node();
    dr.max_node = sd.max_node();
    dr.mean = sd.mean();
    const double span = dr.max_node - dr.min_node;
    dr.sigma = o.density_sigma > 0 ? o.density_sigma
                                   : (span > 0 ? span / 100 : std::max(1e-3, 1e-3 * std::abs(dr.max_node)));
    const double lo = dr.min_node - 8 * dr.sigma, hi = dr.max_node + 8 * dr.sigma;
    const Index pts = o.density_points > 1 ? o.density_points
                                           : std::max<Index>(64, static_cast<Index>(std::ceil((hi - lo) / (dr.sigma / 4))) + 1);
    dr.grid = Vec::LinSpaced(pts, lo, hi);
    dr.density = smoothed_density(sd, dr.grid, dr.sigma);
    const double step = (hi - lo) / static_cast<double>(pts - 1);
    dr.mass = step * (dr.density.sum() - 0.5 * (dr.density[0] + dr.density[pts - 1]));
    dr.cost = {h.matvecs() - before, since(t0)};
    r.density = dr;
  }
  for (const auto& grp : o.groups) {
    stage("group " + grp.name);
    GroupReport gr;
    gr.group = grp;
    const BlockOperator block(h, grp.offset, grp.size);
    if (o.trace == TraceChoice::Exact) {
      TraceReport t;
      t.value = diag.segment(grp.offset, grp.size).sum();
      t.exact = true;
      t.method = "exact (from the diagonal of the whole trace)";
      gr.trace = t;
    } else if (o.trace != TraceChoice::None) {
      gr.trace = trace_report(block, o.trace, o.trace_matvecs, o.probe, derive_seed(o.seed, 4));
    }
    if (o.group_top > 0) gr.top = eigen_report(block, std::min(o.group_top, grp.size), EigenWhich::Largest, o.eigen);
    r.groups.push_back(std::move(gr));
  }
  r.total = {h.matvecs(), since(t_all)};
  for (const auto* e : {&r.top, &r.bottom})
    if (*e) r.vector_bytes = std::max(r.vector_bytes, (*e)->vector_bytes);
  for (const auto& gr : r.groups)
    if (gr.top) r.vector_bytes = std::max(r.vector_bytes, gr.top->vector_bytes);
  if (r.trace) r.vector_bytes = std::max(r.vector_bytes, r.trace->vector_bytes);
  r.peak_rss_bytes = peak_rss_bytes();
  return r;
}
}  // namespace

CurvatureReport analyze_curvature(const Objective& loss, Vec theta, const CurvatureOptions& o) {
  // Weights where the model overflows or saturates give NaN/inf products: an input error of the
  // point (exit 2), not an internal error or a "-nan" row (issue 26: `hessian --at` of 1e200).
  const std::string where = "the products of ∇²F are not finite at these weights (the model overflows or saturates "
                            "there); give weights where it is evaluable";
  CurvatureReport r;
  try {
    r = analyze(loss, std::move(theta), o);
  } catch (const NonFiniteProduct& e) {
    throw InputError("--at", where + " (" + e.what() + ")");
  }
  bool finite = true;
  for (const auto* e : {&r.top, &r.bottom})
    if (*e)
      for (const double v : (*e)->values) finite = finite && std::isfinite(v);
  if (r.trace) finite = finite && std::isfinite(r.trace->value) && std::isfinite(r.trace->standard_error);
  for (const auto& g : r.groups) {
    if (g.trace) finite = finite && std::isfinite(g.trace->value);
    if (g.top)
      for (const double v : g.top->values) finite = finite && std::isfinite(v);
  }
  if (!finite) throw InputError("--at", where);
  return r;
}

}  // namespace villani::numerics
