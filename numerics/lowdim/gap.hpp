// True Poincaré constants in one and two dimensions (issue 4; docs/theory.md §3).
//
// μ ∝ exp(−V) on R^d, d ∈ {1, 2}, V = F/s. C_P = 1/gap of −(Δ − ∇V·∇) on L²(μ), with
// E(f) = ∫‖∇f‖² dμ (no factor s). Finite volumes on a uniform cell-centred grid of a box:
// conductance e^{−V} at cell-face midpoints (× face length / node spacing), mass e^{−V} at
// nodes (× cell area), reflecting (no-flux) box boundary. V is shifted by its minimum on the
// grid (log space). 1-D (issue 14): the smallest nonzero μ of K f = μ M f by Sturm-count
// bisection on log μ from a twisted flux factorization in long double — relatively accurate for
// C_P up to e^{11000} (metastability) and any rise of V over the box. 2-D: Spectra
// (SymEigsSolver, largest eigenvalue) on the symmetrized pseudo-inverse M^{1/2} K⁺ M^{1/2}
// restricted to mean-zero functions, K⁺ a SimplicialLDLT solve with one node pinned — shift-invert
// at shift 0 with the constant null vector deflated — accepted only when it agrees with the
// Rayleigh quotient of its vector. Richardson extrapolation over three grids (n/4, n/2, n;
// error O(h²)) of C_P/C_P(n) gives the value and a relative error estimate.
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
  // 1-D: local minima of V on [−scan_radius, scan_radius] outside the mass box are added to it
  // (margin: 8 local widths 1/√V'', and on the far side until V has risen by 46 above the well's
  // bottom): C_P is a supremum over functions, and a deep narrow well holding 1e-16 of the mass
  // can set it. min_cells resolves the narrowest local minimum in the box (≥ 16 cells per local
  // width 1/√V''); 0 when the scan found none.
  double scan_radius = 0;
  int wells_added = 0;
  long min_cells = 0;
};

/// Chooses the smallest box (per coordinate) whose estimated outside mass is ≤ tail_tol, by
/// measuring μ on a fine grid over [−R, R]^d with R = 8·scale·2^k grown until exp(−V) has
/// decayed by 1e-20 at the boundary. Throws InputError(argument_norm, ...) when no R up to
/// 2^40·scale works (μ not normalizable, e.g. λ ≤ 0 with a loss that does not grow), and
/// InputError(argument_loss, ...) when V is NaN or −inf at a grid point.
BoxChoice choose_box(const Potential& p, double scale, double tail_tol = 1e-14,
                     const std::string& argument_norm = "--lambda",
                     const std::string& argument_loss = "--loss");

/// C_P on `box`, then on the box grown by half its width on each side (same cell size; 2-D: both
/// coordinates, at most 480 cells per side),
/// repeatedly while C_P moves by more than `tol` (relative) and `adopt` allows it (at most
/// `max_growths` times); `truncation_relative` is the last move, and it is added to the result's
/// error estimate. With adopt = false (a box given by the user) the box is kept and only the move
/// is reported. A grown box where V is not finite ends the growth (noted).
struct GrownPoincare;
GrownPoincare poincare_estimate_grown(const Potential& p, const Box& box, int n, bool adopt, double tol = 1e-9,
                                      int max_growths = 4);

/// μ-mass outside `box`, measured on the same search grid as choose_box (R ≥ box).
double tail_mass_outside(const Potential& p, const Box& box, double scale,
                         const std::string& argument_norm = "--lambda",
                         const std::string& argument_loss = "--loss");

struct GridSolve {
  int n = 0;              ///< cells per dimension
  double c_p = 0;         ///< 1/μ_1 on this grid (+inf beyond double range; see log_c_p)
  double log_c_p = 0;     ///< ln C_P on this grid
  int iterations = 0;     ///< Spectra restarts (2-D) or Sturm-count evaluations (1-D)
  double seconds = 0;
  double rayleigh_lower = 0;  ///< 2-D: Var_M(f)/E(f) of the computed vector (≤ discrete C_P); 0 in 1-D
};

struct PoincareResult {
  double value = 0;           ///< Richardson-extrapolated C_P
  double error_estimate = 0;  ///< |extrapolated − once-extrapolated| (plus solver tolerance)
  double observed_order = 0;  ///< log2 of successive-difference ratio (2 expected)
  double log_value = 0;       ///< ln C_P (value is +inf beyond double range)
  double relative_error = 0;  ///< error_estimate / value
  std::vector<GridSolve> grids;
  Box box;
  std::string method;
};

/// C_P on one grid of n cells per dimension. 1-D: Sturm-count bisection on log μ (see gap_solve.cpp,
/// chain_count); throws NotConverged when V rises by more than ~e^{11000} over the box. 2-D: Spectra;
/// throws NotConverged when a conductance underflows double, the solver does not converge, or its
/// value disagrees with the Rayleigh quotient of its vector by more than 1e-7 (not warranted).
GridSolve poincare_on_grid(const Potential& p, const Box& box, int n);

/// C_P with Richardson extrapolation over n/4, n/2, n (n rounded up to a multiple of 4). An
/// ESTIMATE with an error estimate, not a bound (the guaranteed sides are brackets_1d's
/// Muckenhoupt bracket and coordinate_variances). Throws NotConverged as poincare_on_grid does.
PoincareResult poincare_estimate(const Potential& p, const Box& box, int n);

struct GrownPoincare {
  PoincareResult result;           ///< on `box`, error_estimate including the truncation move
  Box box;
  double truncation_relative = 0;  ///< |C_P(grown) − C_P(box)| / C_P(box) at the last step; +inf when
                                   ///< the growth multiplies C_P beyond double range (then result's
                                   ///< relative_error and error_estimate are +inf: no finite error holds)
  double truncation_log10_factor = 0;  ///< log10 C_P(grown)/C_P(box) at the last step (always finite)
  int growths = 0;                 ///< boxes adopted beyond the first
  bool checked = false;            ///< false when the first growth could not be evaluated
  std::string note;
};

// ---- 1-D brackets (docs/theory.md §3), integrals in log space by composite Gauss–Legendre.

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
  // docs/theory.md §0 (Ent ≤ 2·C_LS·E): max(D+, D−)/300 ≤ C_LS ≤ 468·(D+ + D−). Tests check it
  // contains s/λ for Gaussians and meets independent brackets for non-Gaussian μ (docs/gap.md).
  double ls_lower = 0, ls_upper = 0;
};

/// Independent lower bound on C_LS (docs/theory.md §0) of μ ∝ e^{−V} on the line from the test
/// functions f = e^{βx}: C_LS ≥ Ent_μ(f²)/(2∫f'²dμ) = (2β·E_β[x] − log(Z_β/Z))/(2β²), maximized
/// over β (both signs; β → 0 gives Var_μ(x)). Exact for Gaussians (every β attains s/λ). β is
/// limited so that the tilted measure keeps ≤ 1e-12 of its mass near the ends of [lo, hi].
struct ExpTestBound {
  double value = 0;  ///< the best ratio (a lower bound on C_LS)
  double beta = 0;   ///< the β attaining it
};
ExpTestBound ls_lower_exponential(const Potential& p, double lo, double hi, int panels = 2000);

/// The log-Sobolev constant C_LS (docs/theory.md §0) of μ ∝ e^{−V} on [lo, hi], computed as the
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
LogSobolevEstimate log_sobolev_estimate_1d(const Potential& p, double lo, double hi, int n = 800, int max_iterations = 5000);

/// Eyring–Kramers leading order for C_P of μ ∝ e^{−V} on [lo, hi] (V = F/s): local minima and
/// maxima of V from a fine scan (refined by golden section; V'' by a 5-point difference), then
/// C_P ≈ max over interior maxima z of I_z·Z_L·Z_R/(Z_L + Z_R), with Z_L, Z_R the Laplace masses
/// √(2π/V''(m))·e^{−V(m)} of the minima left and right of z and I_z the Laplace value of ∫e^{V}
/// over the maxima between the deepest minimum on each side. For a symmetric double well this is
/// π·e^{ΔV}/√(V''(m)|V''(z)|) = 1/(2k), k the Kramers rate. Leading order: relative correction
/// O(s) (O(1/ΔV)) as s → 0. Needs two minima; `applies` false otherwise.
struct EyringKramers {
  bool applies = false;
  double log_value = 0;      ///< ln C_P^{EK}
  double value = 0;          ///< C_P^{EK} (+inf beyond double range)
  int minima = 0, maxima = 0;
  double saddle = 0;         ///< the maximum z attaining the max
  double barrier = 0;        ///< V(z) − V(deepest minimum on the lighter side of z)
  std::string note;
};
EyringKramers eyring_kramers_1d(const Potential& p, double lo, double hi, int samples = 200001);

/// Critical points of V on [lo, hi] from a scan of `samples` points (refined by golden section).
struct CriticalPoint {
  double x = 0, v = 0, curvature = 0;  ///< position, V, V'' (5-point difference)
  bool minimum = true;
};
std::vector<CriticalPoint> critical_points_1d(const Potential& p, double lo, double hi, int samples = 200001);

/// Brackets of μ ∝ e^{−V} on the line, integrating over [lo, hi] (tails beyond negligible).
Bracket1D brackets_1d(const Potential& p, double lo, double hi, int panels = 4000);

/// Var_μ(θ_k) for each coordinate, by tensor Gauss–Legendre on the box (a lower bound on C_P).
std::vector<double> coordinate_variances(const Potential& p, const Box& box, int panels = 400);

}  // namespace villani::numerics::lowdim
