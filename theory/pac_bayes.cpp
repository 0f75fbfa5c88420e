#include "theory/pac_bayes.hpp"

#include "numerics/errors.hpp"

namespace villani::theory {

namespace {
Wide xlogy_ratio(const Wide& x, const Wide& y) {  // x ln(x/y), 0 ln 0 = 0
  if (x == 0) return Wide(0);
  return x * log(x / y);
}
void require_unit(const char* fn, const Wide& q) {
  if (!(q >= 0 && q <= 1)) throw DomainError(std::string(fn) + ": risk must lie in [0, 1]");
}
}  // namespace

Wide kl_bernoulli(const Wide& q, const Wide& p) {
  require_unit("kl_bernoulli", q);
  require_unit("kl_bernoulli", p);
  if ((p == 0 && q > 0) || (p == 1 && q < 1)) return std::numeric_limits<Wide>::infinity();
  return xlogy_ratio(q, p) + xlogy_ratio(1 - q, 1 - p);
}

Wide kl_inverse_upper(const Wide& q, const Wide& c) {
  require_unit("kl_inverse_upper", q);
  if (!(c >= 0)) throw DomainError("kl_inverse_upper: c must be >= 0");
  if (q == 1) return Wide(1);
  if (kl_bernoulli(q, Wide(1) - std::numeric_limits<Wide>::epsilon()) <= c) return Wide(1);
  Wide lo = q, hi = 1;
  for (int i = 0; i < 400 && hi - lo > std::numeric_limits<Wide>::epsilon() * hi; ++i) {
    const Wide mid = (lo + hi) / 2;
    if (kl_bernoulli(q, mid) <= c) lo = mid;
    else hi = mid;
  }
  return lo;
}

Wide kl_inverse_lower(const Wide& q, const Wide& c) {
  require_unit("kl_inverse_lower", q);
  if (!(c >= 0)) throw DomainError("kl_inverse_lower: c must be >= 0");
  if (q == 0) return Wide(0);
  if (kl_bernoulli(q, std::numeric_limits<Wide>::epsilon()) <= c) return Wide(0);
  Wide lo = 0, hi = q;
  for (int i = 0; i < 400 && hi - lo > std::numeric_limits<Wide>::epsilon() * hi; ++i) {
    const Wide mid = (lo + hi) / 2;
    if (kl_bernoulli(q, mid) <= c) hi = mid;
    else lo = mid;
  }
  return hi;
}

MaurerBound maurer_bound(const Wide& r, const Wide& kl, const Wide& n, const Wide& delta) {
  require_unit("maurer_bound", r);
  if (!(kl >= 0)) throw DomainError("maurer_bound: KL must be >= 0");
  if (!(n >= 8)) throw DomainError("maurer_bound: needs n >= 8");
  if (!(delta > 0 && delta < 1)) throw DomainError("maurer_bound: delta must lie in (0, 1)");
  MaurerBound b;
  b.rhs = (kl + log(2 * sqrt(n) / delta)) / n;
  b.seeger = kl_inverse_upper(r, b.rhs);
  b.mcallester = r + sqrt(b.rhs / 2);
  return b;
}

Wide catoni_bound(const Wide& r, const Wide& kl, const Wide& n, const Wide& delta, const Wide& c) {
  require_unit("catoni_bound", r);
  if (!(kl >= 0) || !(n > 0) || !(c > 0) || !(delta > 0 && delta < 1))
    throw DomainError("catoni_bound: arguments out of range");
  return (1 - exp(-c * r - (kl + log(1 / delta)) / n)) / (1 - exp(-c));
}

Wide gaussian_kl(const std::vector<double>& w, const std::vector<double>& sigma2,
                 const std::vector<double>& w0, const Wide& prior_var) {
  if (sigma2.size() != w.size() || (!w0.empty() && w0.size() != w.size()))
    throw DomainError("gaussian_kl: dimension mismatch");
  if (!(prior_var > 0)) throw DomainError("gaussian_kl: prior variance must be > 0");
  Wide sum = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!(sigma2[i] > 0)) throw DomainError("gaussian_kl: posterior variances must be > 0");
    const Wide ratio = Wide(sigma2[i]) / prior_var;
    const Wide diff = Wide(w[i]) - (w0.empty() ? Wide(0) : Wide(w0[i]));
    sum += ratio + diff * diff / prior_var - 1 - log(ratio);
  }
  return sum / 2;
}

Wide gaussian_kl_isotropic(const std::vector<double>& w, double sigma2,
                           const std::vector<double>& w0, const Wide& prior_var) {
  if (!w0.empty() && w0.size() != w.size()) throw DomainError("gaussian_kl: dimension mismatch");
  if (!(sigma2 > 0) || !(prior_var > 0)) throw DomainError("gaussian_kl: variances must be > 0");
  Wide sq = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const Wide diff = Wide(w[i]) - (w0.empty() ? Wide(0) : Wide(w0[i]));
    sq += diff * diff;
  }
  const Wide ratio = Wide(sigma2) / prior_var;
  const Wide d = Wide(static_cast<double>(w.size()));
  return (d * (ratio - 1 - log(ratio)) + sq / prior_var) / 2;
}

Wide prior_grid_delta(const Wide& delta, long long j) {
  if (j < 1) throw DomainError("prior_grid_delta: grid index starts at 1");
  const Wide pi = boost::math::constants::pi<Wide>();
  return 6 * delta / (pi * pi * Wide(j) * Wide(j));
}

Bracket gibbs_kl_bracket(const Wide& prior_mean_loss, const Wide& gibbs_mean_loss, const Wide& s) {
  if (!(s > 0)) throw DomainError("gibbs_kl_bracket: s must be > 0");
  Wide up = (prior_mean_loss - gibbs_mean_loss) / s;
  if (up < 0) throw DomainError("gibbs_kl_bracket: E_mu L exceeds E_P L, impossible for a Gibbs posterior");
  return {Wide(0), up};
}

}  // namespace villani::theory
