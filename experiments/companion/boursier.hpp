// Sweeps behind `villani run boursier` and the companion claims on two-layer ReLU landscapes
// (docs/theory.md §6; Boursier, Bowditch, Englert, Lazić, arXiv:2505.22578). No LibTorch. The
// results are plain structs; boursier_record.hpp writes them as run-record JSON.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "experiments/companion/relu_landscape.hpp"

namespace villani::experiments::companion {

struct BoursierOptions {
  std::vector<int> orthogonal_n{4, 5, 6, 7, 8};  ///< X = I_n
  std::vector<int> planar_n{4, 6};           ///< d = 2, general position
  std::string labels = "ones";                  ///< orthogonal labels: ones | signs
  int seeds = 20;                               ///< runs per cell
  double beta = 0.1;                            ///< ℓ2 coefficient β
  std::vector<double> init_scales{0.01, 0.5};   ///< σ in init_balanced
  int m_extra = 3;                              ///< widths 2^1 … 2^(n + m_extra)
  GdOptions gd;                                 ///< orthogonal data: monotone GD
  double rel_tol = 1e-6;                        ///< orthogonal: certified relative tolerance
  GdOptions planar_gd = [] {                    ///< planar data: fixed-step GD (kinks)
    GdOptions g;
    g.monotone = false;
    g.lr = 0.02;
    g.stall_window = 2000;
    return g;
  }();
  double planar_rel_tol = 1e-2;                 ///< planar: fixed-step GD chatters at kinks
  int convex_iters = 20000;
  std::uint64_t seed = 1;
  int threads = 2;                              ///< workers over the seeds of a cell (results do not depend on it)
};
/// Throws InputError naming the option for values out of range.
void validate(const BoursierOptions& o);

/// P(some neuron of a width-m balanced random init has a pattern containing S₊ with a > 0,
/// and likewise S₋ with a < 0), for X = I_n: Π_s [1 − (1 − 2^{−|S_s|−1})^m] (factor 1 when
/// S_s is empty). Negative coordinates never turn positive under gradient descent on
/// orthogonal data and a's sign is conserved by balanced gradient flow, so this is the
/// success probability that the coverage argument predicts.
double predicted_success(int n_pos, int n_neg, double m);

/// The smallest width where the success fraction reaches 1/2, interpolated linearly in
/// log2 m between grid points; NaN when it is never reached, the first width when it is
/// reached there.
double half_width(const std::vector<double>& widths, const std::vector<double>& fractions);

/// Maximum-likelihood fit of the coverage law P(success at m) = 1 − (1 − p)^m to the success
/// counts at all widths; returns its half-width ln 2 / −ln(1 − p̂) (NaN when every fraction is
/// 0 or every one is 1). Less noisy than half_width, which reads one grid crossing.
double fitted_half_width(const std::vector<double>& widths, const std::vector<double>& fractions,
                         int seeds);

/// One (data set, σ, width m) cell: how the o.seeds gradient-descent end points were classified.
struct BoursierCell {
  DataKind family = DataKind::Orthogonal;
  int n = 0, d = 0, m = 0;
  double init_scale = 0;
  int seeds = 0, global = 0, spurious = 0, undecided = 0;
  double success_fraction = 0;          ///< global / seeds
  double p_star = 0;                    ///< closed form (orthogonal) or the convex program's value
  double max_certified_gap_global = 0;  ///< largest P − p_lower over the global end points
  double rel_tol = 0;                   ///< the tolerance the classification used
  std::optional<double> min_excess_spurious;  ///< smallest P − p* over the spurious ones; none: no spurious
  double max_final_grad_norm = 0, mean_steps = 0;
  std::optional<double> predicted_success;  ///< coverage prediction (orthogonal data only)
};

/// The coverage prediction of a transition (orthogonal data only).
struct CoveragePrediction {
  double m_half = 0;                   ///< continuous width where predicted_success = 1/2
  std::optional<double> m_half_grid;   ///< half_width of the prediction on the width grid
};

/// Where the success fraction of one (data set, σ) crosses 1/2 against width.
struct BoursierTransition {
  DataKind family = DataKind::Orthogonal;
  int n = 0, d = 0;
  double init_scale = 0;
  std::optional<double> m_half;      ///< half_width; none: never reached
  std::optional<double> m_half_fit;  ///< fitted_half_width; none: all fractions 0 or all 1
  double two_pow_n = 0, n_pow_d = 0, pattern_count = 0;
  std::optional<CoveragePrediction> coverage;
};

/// The convex program (solve_convex) of one data set.
struct BoursierConvex {
  DataKind family = DataKind::Orthogonal;
  int n = 0, d = 0, patterns = 0;
  double cover_count = 0, value = 0, dual_lower = 0, gap = 0;
  int iterations = 0, active_neurons = 0;
  std::optional<double> closed_form, abs_error_vs_closed_form;  ///< orthogonal data only
};

/// Least-squares line log2 m_half_fit ≈ slope·n + intercept over the orthogonal transitions of one σ.
struct BoursierFit {
  double init_scale = 0;
  std::size_t points = 0;  ///< transitions with a fitted m½
  struct Line {
    double slope_log2_m_half_vs_n = 0, intercept = 0;
  };
  std::optional<Line> line;  ///< none below 2 points
};

struct BoursierResult {
  std::vector<BoursierCell> cells;
  std::vector<BoursierTransition> transitions;  ///< one per (data set, σ)
  std::vector<BoursierConvex> convex;           ///< one per data set
  std::vector<BoursierFit> fit;                 ///< one per σ
  double beta = 0;
  std::string labels;
};

/// Runs every cell; on_cell(cell) is called as each finishes (for run records).
BoursierResult run_boursier(const BoursierOptions& o,
                            const std::function<void(const BoursierCell&)>& on_cell = {});

}  // namespace villani::experiments::companion
