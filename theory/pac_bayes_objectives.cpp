#include "theory/pac_bayes_objectives.hpp"

#include "numerics/errors.hpp"
#include "theory/pac_bayes.hpp"

namespace villani::theory {

Certificate seeger_certificate(const Wide& mc_risk, long long m, const Wide& delta_mc, const Wide& kl,
                               const Wide& n, const Wide& delta_bound) {
  if (!(mc_risk >= 0 && mc_risk <= 1)) throw DomainError("seeger_certificate: risk must lie in [0, 1]");
  if (m < 1) throw DomainError("seeger_certificate: needs at least one posterior draw");
  if (!(delta_mc > 0 && delta_mc < 1)) throw DomainError("seeger_certificate: delta_mc must lie in (0, 1)");
  Certificate c;
  c.train_risk_mc = mc_risk;
  c.train_risk_upper = kl_inverse_upper(mc_risk, log(1 / delta_mc) / Wide(m));
  const auto mb = maurer_bound(c.train_risk_upper, kl, n, delta_bound);  // checks KL, n, δ_b
  c.rhs = mb.rhs;
  c.bound = mb.seeger;
  return c;
}

DeltaSplit delta_split(const Wide& delta, long long certificates, const Wide& mc_fraction) {
  if (!(delta > 0 && delta < 1)) throw DomainError("delta_split: delta must lie in (0, 1)");
  if (certificates < 1) throw DomainError("delta_split: needs at least one certificate");
  if (!(mc_fraction > 0 && mc_fraction < 1)) throw DomainError("delta_split: mc_fraction must lie in (0, 1)");
  DeltaSplit s;
  s.per_certificate = delta / Wide(certificates);
  s.mc = mc_fraction * s.per_certificate;
  s.bound = s.per_certificate - s.mc;
  return s;
}

}  // namespace villani::theory
