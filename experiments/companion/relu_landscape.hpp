// Two-layer ReLU networks with an ℓ2 penalty (docs/theory.md §6; Boursier, Bowditch, Englert,
// Lazić, arXiv:2505.22578) and the convex reformulation of Pilanci & Ergen (ICML 2020).
// Plain Eigen double code; no LibTorch.
//
// Conventions (one set, used everywhere in this file):
//   data X (n × d, one point per row), labels y ∈ R^n;
//   network f(x) = Σ_j a_j · relu(w_j · x), no biases, width m;
//   P(W, a) = ½ Σ_i (f(x_i) − y_i)² + (β/2)(‖W‖_F² + ‖a‖²)      (sum, not mean, over data).
// Rescaling a neuron (a, w) → (a/c, c·w) leaves f unchanged, so at any minimum the penalty
// equals β Σ_j |a_j|‖w_j‖ and P has the same infimum as the convex program
//   p* = min ½‖Σ_k D_k X (v_k − u_k) − y‖² + β Σ_k (‖v_k‖ + ‖u_k‖),
//        v_k, u_k ∈ K_k = {z : (2D_k − I) X z ≥ 0},
// over all activation patterns D_k = diag(1[X z ≥ 0]). Weak duality for every width:
//   P(W, a) ≥ ½‖y‖² − ½‖v − y‖²  for every v with  max_{‖z‖≤1} |v · relu(X z)| ≤ β,
// which is how an end point of gradient descent is certified globally optimal here.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

namespace villani::experiments::companion {

/// The dual constraint can be evaluated exactly for these two data families only.
enum class DataKind { Orthogonal, Planar };
/// "orthogonal" | "planar".
const char* to_string(DataKind k);

struct ReluData {
  DataKind kind = DataKind::Orthogonal;
  Eigen::MatrixXd X;  ///< n × d
  Eigen::VectorXd y;  ///< n
};

/// X = I_n (n ≤ d = n). labels "ones": y = 1; "signs": y_i = ±1 at random (seed).
ReluData orthogonal_data(int n, const std::string& labels, std::uint64_t seed);
/// n points in general position on the unit circle (d = 2), labels ±1 at random (seed).
ReluData planar_data(int n, std::uint64_t seed);

struct ReluNet {
  Eigen::MatrixXd W;  ///< m × d
  Eigen::VectorXd a;  ///< m
};

Eigen::VectorXd predict(const ReluData& data, const ReluNet& net);
/// P(W, a) above.
double objective(const ReluData& data, const ReluNet& net, double beta);
/// ∇P with relu'(0) = 0 (ReLU is not C¹; this is the convention every framework uses).
void gradient(const ReluData& data, const ReluNet& net, double beta, Eigen::MatrixXd& gW,
              Eigen::VectorXd& ga);

/// max_{‖z‖≤1} v · relu(Xz) and max_{‖z‖≤1} −v · relu(Xz), exact for both data kinds
/// (orthogonal: ‖v₊‖ and ‖v₋‖; planar: maximum over the arcs of constant pattern).
std::pair<double, double> dual_constraint(const ReluData& data, const Eigen::VectorXd& v);

struct Certificate {
  double primal = 0;       ///< the objective value being certified
  double dual_lower = 0;   ///< ½‖y‖² − ½‖v − y‖² for the scaled residual v (a lower bound on p*)
  double gap = 0;          ///< primal − dual_lower ≥ 0 up to rounding
  double constraint = 0;   ///< max |v · relu(Xz)| before scaling
};
/// Lower bound on p* from the residual y − fit, scaled into the dual feasible set.
Certificate certify(const ReluData& data, const Eigen::VectorXd& fit, double primal, double beta);

/// Closed-form p* for X = I_n: per sign s ∈ {+,−}, ½‖y_s‖² if ‖y_s‖ ≤ β else β‖y_s‖ − β²/2.
double orthogonal_optimum(const Eigen::VectorXd& y, double beta);

/// Activation patterns of one bias-free neuron, enumerated exactly (both data kinds).
struct Pattern {
  std::vector<char> active;  ///< D_k's diagonal
  // Orthogonal: the cone is the orthant with signs `active`. Planar: the wedge between the
  // unit rays at angles lo < hi (hi − lo < π).
  double lo = 0, hi = 0;
};
std::vector<Pattern> enumerate_patterns(const ReluData& data);

/// Cover (1965): n points in general position in R^d, hyperplanes through 0:
/// 2 Σ_{i<d} C(n−1, i) sign patterns of one bias-free neuron.
double cover_count(int n, int d);
/// Distinct patterns 1[Xz ≥ 0] seen over `samples` Gaussian directions z (a lower bound on
/// the true count; equals it once every region has been hit).
int sampled_pattern_count(const Eigen::MatrixXd& X, int samples, std::uint64_t seed);

struct ConvexResult {
  double value = 0;        ///< objective of the final iterate (an upper bound on p*)
  double dual_lower = 0;   ///< certified lower bound on p*
  double gap = 0;          ///< value − dual_lower
  int patterns = 0;
  int iterations = 0;
  int active_neurons = 0;  ///< nonzero v_k, u_k at the end (a width that attains p*)
  Eigen::VectorXd fit;
  /// The balanced network of the nonzero blocks: w = z/√‖z‖, a = ±√‖z‖ (P(W, a) = value
  /// when every block respects its cone, which the proximal map guarantees).
  ReluNet network;
};
/// Accelerated proximal gradient (FISTA with restart) on the convex program; the proximal
/// map of β‖z‖ + ι_K(z) is shrinkage of the projection onto K. Stops when gap ≤ tol·max(1,p).
ConvexResult solve_convex(const ReluData& data, double beta, int max_iter, double tol);

/// monotone = true: the step size is halved whenever a step would increase P and grows by
/// lr_growth (capped at lr_max) after each accepted step. This stalls at ReLU kinks that a
/// descent path must slide along (general-position data: the step collapses with ‖∇P‖ far
/// from 0), so monotone = false runs plain fixed-step gradient descent (steps that raise P are
/// taken; only a blow-up by 10× halves the step), with the step decayed geometrically by
/// `final_decay` over the last 30% of the budget to damp the chatter across kinks.
struct GdOptions {
  bool monotone = true;
  double final_decay = 1e-3;
  double lr = 0.05;
  double lr_max = 1.0;
  double lr_growth = 1.02;
  int max_steps = 20000;
  double grad_tol = 1e-9;    ///< stop when ‖∇P‖ falls below
  int stall_window = 500;    ///< stop when P improved less than stall_tol·P over this many steps
  double stall_tol = 1e-11;
};
struct GdResult {
  ReluNet net;
  double objective = 0;
  double grad_norm = 0;
  int steps = 0;
  double lr = 0;  ///< final step size
  bool stalled = false;  ///< stopped on the gradient or stall test (not out of steps)
};
/// Balanced initialization: w_j ~ N(0, σ² I_d / d), a_j = ±‖w_j‖ with a random sign.
ReluNet init_balanced(int m, int d, double scale, std::uint64_t seed);
GdResult gradient_descent(const ReluData& data, ReluNet net, double beta, const GdOptions& o);

enum class Outcome { Global, Spurious, Undecided };
const char* to_string(Outcome o);
/// With [p_lower, p_upper] a certified enclosure of p* and s = max(1, p_upper):
/// Global: primal − p_lower ≤ rel_tol·s (certified within rel_tol of the global value).
/// Spurious: gradient descent stalled and primal − p_upper > rel_tol·s.
/// Otherwise undecided (still moving when the step budget ran out).
Outcome classify(double primal, double p_lower, double p_upper, double rel_tol, bool stalled);

}  // namespace villani::experiments::companion
