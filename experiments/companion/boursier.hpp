// Sweeps behind `villani run boursier` and the companion claims on two-layer ReLU landscapes
// (THEORY.md §6; Boursier, Bowditch, Englert, Lazić, arXiv:2505.22578). No LibTorch.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
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

/// Runs every cell; on_cell(cell json) is called as each finishes (for run records).
/// The slope in "fit" regresses log2 m_half_fit on n.
/// Returns {"cells": [...], "transitions": [...], "convex": [...], "fit": {...}}.
nlohmann::json run_boursier(const BoursierOptions& o,
                            const std::function<void(const nlohmann::json&)>& on_cell = {});

}  // namespace villani::experiments::companion
