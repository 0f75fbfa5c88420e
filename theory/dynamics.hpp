// Convergence of Langevin dynamics and of SGLD/ULA (docs/theory.md §4).
#pragma once
#include <string>

#include "numerics/precision.hpp"

namespace villani::theory {

/// Continuous time: dθ = −∇F dt + √(2s) dB has Dirichlet form s·E, so
/// KL(ρ_t‖μ_s) ≤ exp(−kl_rate·t)·KL_0 with kl_rate = 2s/C_LS and
/// Var(P_t f) ≤ exp(−var_rate·t)·Var(f) with var_rate = 2s/C_P.
struct LangevinRates {
  Wide kl_rate;          ///< 2s/C_LS
  Wide var_rate;         ///< 2s/C_P
  Wide relaxation_time;  ///< 1/spectral gap = C_P/s
};
LangevinRates langevin_rates(const Wide& c_p, const Wide& c_ls, const Wide& s);

/// Time for the KL bound exp(−2st/C_LS)·KL_0 to reach eps (0 when KL_0 ≤ eps).
Wide langevin_time_to_kl(const Wide& c_ls, const Wide& s, const Wide& kl0, const Wide& eps);

/// ULA / SGLD plan in the Vempala–Wibisono form (NeurIPS 2019, Thm 1, as on docs/theory.md §4):
/// target ν = e^{−f}, f = F/s, α = 1/C_LS(μ_s), M = L_F/s with L_F ≥ ‖∇²F‖;
/// step 0 < ε ≤ α/(4M²): KL_k ≤ e^{−αεk}·KL_0 + 8εdM²/α.
/// The SGLD step θ ← θ − η∇F + √(2ηs)ξ is ULA on f with ε = η·s.
struct UlaPlan {
  Wide alpha;       ///< 1/C_LS
  Wide m;           ///< L_F/s
  Wide max_step;    ///< α/(4M²): the admissible ε
  Wide step;        ///< chosen ε = min(α/(4M²), eps·α/(16·d·M²)) so the bias is ≤ eps/2
  Wide eta;         ///< SGLD learning rate η = ε/s
  Wide bias_floor;  ///< 8εdM²/α at the chosen step (≤ eps/2)
  Wide steps;       ///< k = ⌈ln(2·KL_0/eps)/(α·ε)⌉, so that e^{−αεk}·KL_0 ≤ eps/2
  Wide time;        ///< k·η in the time of dθ = −∇F dt + √(2s) dB
};
UlaPlan ula_plan(const Wide& c_ls, const Wide& hessian_bound_f, const Wide& s, const Wide& dim,
                 const Wide& kl0, const Wide& eps);

}  // namespace villani::theory
