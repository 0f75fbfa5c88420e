// What each `villani run` kind finds per record (RunOutcome::summaries, experiments/runs.hpp):
// typed, no JSON. On disk they are summary.json (and a spectrum row is a line of metrics.jsonl),
// written through experiments/run_json.hpp. No LibTorch.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "experiments/fit.hpp"

namespace villani::experiments {

/// Lanczos Ritz values of ∇²L at a run's final point (a local estimate, not a global bound).
struct HessianExtremes {
  double top = 0;
  bool top_converged = false;
  double bottom = 0;
  bool bottom_converged = false;
  long hvps = 0;
};

/// run sgld and run train: one λ.
struct TrainSummary {
  double seconds = 0;
  double lambda = 0;
  double temperature = 0;  ///< s (0 for train)
  double lr = 0;
  long steps = 0;
  std::int64_t d = 0;
  double final_loss = 0, final_norm2 = 0;
  double test_ce = 0, test_token_error = 0;
  std::optional<double> entropy_rate;  ///< of a synthetic corpus
  ExpFit fit_norm2, fit_loss;           ///< exponential fits of ‖θ‖² and L against t
  std::optional<HessianExtremes> hessian_L;  ///< sgld (d ≤ 2e6)
};

/// run spectrum: one λ (a line of metrics.jsonl and a row of the summary).
struct SpectrumRow {
  long step = 0;
  double lambda = 0;
  double top_L = 0, top_F = 0, top_shift = 0, top_rel_err = 0;
  bool top_converged = false;
  double bottom_L = 0, bottom_F = 0, bottom_shift = 0, bottom_rel_err = 0;
  bool bottom_converged = false;
  double top_residual_L = 0, bottom_residual_L = 0;
  double loss_L = 0;
  double seconds = 0;
  long hvps = 0;
  bool shift_ok = false;  ///< top_rel_err ≤ 1e-6
};

/// run spectrum: every λ in one record.
struct SpectrumSummary {
  std::vector<SpectrumRow> rows;
  std::int64_t d = 0;
  std::string dtype;
  bool all_shift_ok = false;
};

/// run psi: one λ.
struct PsiSummary {
  double lambda = 0, temperature = 0;
  std::int64_t d = 0;
  double psi_slope_measured = 0;   ///< least-squares slope of Ψ_s against ‖θ‖²
  double psi_slope_predicted = 0;  ///< λ²/s
};

/// run pacbayes: the certificate on one loss (0–1 error or clipped CE), at the prior variance
/// that gave the smallest Seeger bound.
struct PacBayesCertificate {
  double certificate = 0;  ///< Seeger kl⁻¹ of the Monte Carlo train risk
  double mcallester = 0;
  double test_risk_Q = 0, test_risk_deterministic = 0;
  double train_risk_mc = 0, train_risk_upper = 0;
  double kl = 0, rhs = 0;
  long n_bound = 0;
  double posterior_var = 0;  ///< mean σ² of the posterior
  double prior_var = 0;
  int prior_index = 0;       ///< in the data-free grid (0: s/λ)
  bool bounds_above_test = false;
};

/// run pacbayes: one λ.
struct PacBayesSummary {
  double lambda = 0;
  std::int64_t d = 0;
  long n_bound = 0, n_prior = 0;
  double delta = 0;
  long long certificates = 0;
  double delta_bound = 0, delta_mc = 0;
  int samples = 0;
  long mc_units = 0;
  double clip = 0;
  std::string prior;
  double prior_var = 0, mean_lambda = 0;
  std::string objective;
  double objective_final = 0, posterior_mean_dist2 = 0;
  double constant_predictor_test_error = 0;
  std::optional<double> bayes_error;  ///< synthetic corpora
  double final_loss = 0, final_F = 0, final_norm2 = 0;
  double seconds = 0;
  PacBayesCertificate zero_one, clipped_ce;
};

using RunSummary = std::variant<TrainSummary, SpectrumSummary, PsiSummary, PacBayesSummary>;

}  // namespace villani::experiments
