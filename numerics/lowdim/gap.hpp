// True Poincaré constants in one and two dimensions (issue 4; THEORY.md §3).
//
// μ ∝ exp(−V) on R^d, d ∈ {1, 2}, V = F/s. C_P = 1/gap of −(Δ − ∇V·∇) on L²(μ), with
// E(f) = ∫‖∇f‖² dμ (no factor s). Finite volumes on a uniform cell-centred grid of a box:
// conductance e^{−V} at cell-face midpoints (× face length / node spacing), mass e^{−V} at
// nodes (× cell area), reflecting (no-flux) box boundary. V is shifted by its minimum on the
// grid (log space), so C_P up to about e^{700} is representable. K f = μ M f is solved for its
// smallest nonzero μ by Spectra (SymEigsSolver, largest eigenvalue) on the symmetrized
// pseudo-inverse M^{1/2} K⁺ M^{1/2} restricted to mean-zero functions: K⁺ is an exact O(n)
// flux recursion in 1-D and a SimplicialLDLT solve with one node pinned in 2-D — shift-invert
// at shift 0 with the constant null vector deflated. Richardson extrapolation over three grids
// (n/4, n/2, n; error O(h²)) gives the value and an error estimate.
#pragma once
#include <array>
#include <functional>
#include <string>
#include <vector>

namespace villani::numerics::lowdim {

/// V = F/s in d = 1 or 2 dimensions; V may return +inf (zero mass) but never NaN or −inf.
struct Potential {
  int dim = 1;
  std::function<double(const double* x)> V;
  std::string argument = "--loss";  ///< names the input when V is not finite (InputError)
};

struct Box {
  std::array<double, 2> lo{{0, 0}}, hi{{0, 0}};
};

struct BoxChoice {
  Box box;
  double tail_mass = 0;     ///< estimated μ-mass outside the box
  double search_radius = 0; ///< half-width of the region the tail mass was measured on
  std::string note;
};

/// Chooses the smallest box (per coordinate) whose estimated outside mass is ≤ tail_tol, by
/// measuring μ on a fine grid over [−R, R]^d with R = 8·scale·2^k grown until exp(−V) has
/// decayed by 1e-20 at the boundary. Throws InputError(argument_norm, ...) when no R up to
/// 2^40·scale works (μ not normalizable, e.g. λ ≤ 0 with a loss that does not grow), and
/// InputError(argument_loss, ...) when V is NaN or −inf at a grid point.
BoxChoice choose_box(const Potential& p, double scale, double tail_tol = 1e-14,
                     const std::string& argument_norm = "--lambda",
                     const std::string& argument_loss = "--loss");

/// μ-mass outside `box`, measured on the same search grid as choose_box (R ≥ box).
double tail_mass_outside(const Potential& p, const Box& box, double scale,
                         const std::string& argument_norm = "--lambda",
                         const std::string& argument_loss = "--loss");

struct GridSolve {
  int n = 0;              ///< cells per dimension
  double c_p = 0;         ///< 1/μ_1 on this grid
  int iterations = 0;     ///< Spectra restarts
  double seconds = 0;
};

struct PoincareResult {
  double value = 0;           ///< Richardson-extrapolated C_P
  double error_estimate = 0;  ///< |extrapolated − once-extrapolated| (plus solver tolerance)
  double observed_order = 0;  ///< log2 of successive-difference ratio (2 expected)
  std::vector<GridSolve> grids;
  Box box;
  std::string method;
};

/// C_P on one grid of n cells per dimension. Throws DomainError when a conductance underflows
/// (C_P beyond about e^{700}) or the eigen-solver does not converge.
GridSolve poincare_on_grid(const Potential& p, const Box& box, int n);

/// C_P with Richardson extrapolation over n/4, n/2, n (n rounded up to a multiple of 4).
PoincareResult poincare_constant(const Potential& p, const Box& box, int n);

// ---- 1-D brackets (THEORY.md §3), integrals in log space by composite Gauss–Legendre.

struct Bracket1D {
  double median = 0;
  double b_plus = 0, b_minus = 0;  ///< Muckenhoupt B±
  double d_plus = 0, d_minus = 0;  ///< Bobkov–Götze D±
  double log10_b = 0;              ///< log10 max(B+, B−) (meaningful beyond double range)
  // Muckenhoupt: B/2 ≤ C_P ≤ 4B.
  double muck_lower = 0, muck_upper = 0;
  // Bobkov–Götze (JFA 1999, Thm 5.3): 1/150 and 468 times D± bracket the optimal C of a
  // log-Sobolev inequality. Two normalizations could not be checked against the paper here:
  // whether the inequality is Ent(f²) ≤ C∫f'²dμ or Ent(f²) ≤ 2C∫f'²dμ, and whether D is
  // D+ + D− or max(D+, D−). The bracket below holds under all four readings, for C_LS of
  // THEORY.md §0 (Ent ≤ 2·C_LS·E): max(D+, D−)/300 ≤ C_LS ≤ 468·(D+ + D−). Tests check it
  // contains s/λ for Gaussians and meets independent brackets for non-Gaussian μ (docs/gap.md).
  double ls_lower = 0, ls_upper = 0;
};

/// Independent lower bound on C_LS (THEORY.md §0) of μ ∝ e^{−V} on the line from the test
/// functions f = e^{βx}: C_LS ≥ Ent_μ(f²)/(2∫f'²dμ) = (2β·E_β[x] − log(Z_β/Z))/(2β²), maximized
/// over β (both signs; β → 0 gives Var_μ(x)). Exact for Gaussians (every β attains s/λ). β is
/// limited so that the tilted measure keeps ≤ 1e-12 of its mass near the ends of [lo, hi].
struct ExpTestBound {
  double value = 0;  ///< the best ratio (a lower bound on C_LS)
  double beta = 0;   ///< the β attaining it
};
ExpTestBound ls_lower_exponential(const Potential& p, double lo, double hi, int panels = 2000);

/// The log-Sobolev constant C_LS (THEORY.md §0) of μ ∝ e^{−V} on [lo, hi], computed as the
/// maximum of the discrete ratio Ent_w(f²)/(2·Σ c_i (f_{i+1} − f_i)²) over grid functions f, with
/// the finite-volume masses w and conductances c of poincare_on_grid. Maximized by gradient
/// ascent in the discrete H¹ metric ((K + W)^{-1}·∇, Armijo steps) from several starts (e^{βt},
/// 1 + a·tanh t); on n and n/2 cells. A variational value — each ratio is attained by a discrete
/// f, so it approaches C_LS from below as the ascent converges and the grid refines — not a
/// certified bound. Slow where the supremum is only approached (Gaussian: linearization limit).
struct LogSobolevEstimate {
  double value = 0;           ///< best ratio on n cells
  double coarse = 0;          ///< best ratio on n/2 cells
  double error_estimate = 0;  ///< |value − coarse|
  int iterations = 0;         ///< ascent steps on the fine grid (all starts)
  int n = 0;
};
LogSobolevEstimate log_sobolev_1d(const Potential& p, double lo, double hi, int n = 800, int max_iterations = 5000);

/// Brackets of μ ∝ e^{−V} on the line, integrating over [lo, hi] (tails beyond negligible).
Bracket1D brackets_1d(const Potential& p, double lo, double hi, int panels = 4000);

/// Var_μ(θ_k) for each coordinate, by tensor Gauss–Legendre on the box (a lower bound on C_P).
std::vector<double> coordinate_variances(const Potential& p, const Box& box, int panels = 400);

}  // namespace villani::numerics::lowdim
