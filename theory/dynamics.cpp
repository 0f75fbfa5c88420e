#include "theory/dynamics.hpp"

#include "numerics/errors.hpp"

namespace villani::theory {

LangevinRates langevin_rates(const Wide& c_p, const Wide& c_ls, const Wide& s) {
  if (!(c_p > 0) || !(c_ls > 0) || !(s > 0))
    throw DomainError("langevin_rates: constants and temperature must be > 0");
  return {2 * s / c_ls, 2 * s / c_p, c_p / s};
}

Wide langevin_time_to_kl(const Wide& c_ls, const Wide& s, const Wide& kl0, const Wide& eps) {
  if (!(eps > 0) || kl0 < 0) throw DomainError("langevin_time_to_kl: need eps > 0, KL_0 >= 0");
  if (kl0 <= eps) return Wide(0);
  return c_ls / (2 * s) * log(kl0 / eps);
}

UlaPlan ula_plan(const Wide& c_ls, const Wide& lf, const Wide& s, const Wide& dim, const Wide& kl0,
                 const Wide& eps) {
  if (!(c_ls > 0) || !(lf > 0) || !(s > 0) || !(dim > 0) || !(eps > 0) || kl0 < 0)
    throw DomainError("ula_plan: arguments out of range");
  UlaPlan p;
  p.alpha = 1 / c_ls;
  p.m = lf / s;
  const Wide m2 = p.m * p.m;
  p.max_step = p.alpha / (4 * m2);
  const Wide bias_step = eps * p.alpha / (16 * dim * m2);
  p.step = p.max_step < bias_step ? p.max_step : bias_step;
  p.eta = p.step / s;
  p.bias_floor = 8 * p.step * dim * m2 / p.alpha;
  if (2 * kl0 <= eps) p.steps = 0;
  else p.steps = ceil(log(2 * kl0 / eps) / (p.alpha * p.step));
  p.time = p.steps * p.eta;
  return p;
}

}  // namespace villani::theory
