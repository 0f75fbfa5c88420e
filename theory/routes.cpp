#include "theory/routes.hpp"

#include <fmt/format.h>
#include <limits>

#include "numerics/errors.hpp"

namespace villani::theory {

namespace {
const Wide& pi_wide() {
  static const Wide p = boost::math::constants::pi<Wide>();
  return p;
}
bool finite(const Wide& x) { return (boost::multiprecision::isfinite)(x); }
// ln of the largest Wide, with margin: 2^(2^58) ≈ e^(2.0e17).
const Wide kMaxLogWide = Wide("1.9e17");
void check_wide_positive(const std::string& name, const Wide& x) {
  if (!finite(x) || !(x > 0))
    throw InputError(name, "expected a finite number > 0; got " + to_decimal(x));
}
}  // namespace

const char* to_string(RouteKind k) {
  switch (k) {
    case RouteKind::Exact: return "exact";
    case RouteKind::UpperBound: return "upper_bound";
    case RouteKind::Claim: return "claim";
  }
  return "?";
}

namespace {
// What every route states, whether or not its assumption holds for the given inputs.
RouteResult route(const char* id, const char* name, RouteKind kind, const char* assumption,
                  const char* source) {
  RouteResult r;
  r.id = id;
  r.name = name;
  r.kind = kind;
  r.assumption = assumption;
  r.source = source;
  return r;
}
// The route applies and gives one constant for both C_P and C_LS.
RouteResult applies_with(RouteResult r, const Wide& c, std::string note) {
  r.applies = true;
  r.c_p = c;
  r.c_ls = c;
  r.note = std::move(note);
  return r;
}
// The route does not apply: why.
RouteResult unmet(RouteResult r, std::string why) {
  r.unmet = std::move(why);
  return r;
}
}  // namespace

RouteResult gaussian_reference(const Wide& lambda, const Wide& s) {
  return applies_with(route("gaussian_reference", "Gaussian reference", RouteKind::Exact,
                            "L ≡ 0 (pure regularizer): μ_s = N(0, (s/λ) I)",
                            "docs/theory.md §0, §2.1 (Gaussian: C_P = C_LS = σ²)"),
                      s / lambda, "exact for L ≡ 0; a lower reference, not a bound, for other L");
}

RouteResult paper_claim(const Wide& lambda, const Wide& dim) {
  return applies_with(route("paper_claim", "Preprint claim", RouteKind::Claim,
                            "as stated by the preprint (normalization and role of s not stated)",
                            "arXiv:2605.06599, abstract; docs/theory.md §2.6"),
                      Wide(1) / lambda + dim / (lambda * lambda),
                      "a claim to test: C_LS ≤ 1/λ + d/λ² (independent of s as stated)");
}

RouteResult bakry_emery(const Wide& lambda, const Wide& s, const std::optional<Wide>& K) {
  RouteResult r = route("bakry_emery", "Bakry–Émery", RouteKind::UpperBound,
                        "∇²L ≥ −K·I with K < λ (so ∇²(F/s) ≥ (λ−K)/s > 0)",
                        "Bakry–Gentil–Ledoux 2014, Prop. 4.8.1 and 5.7.1; docs/theory.md §2.2");
  if (!K) return unmet(r, "no curvature floor K given (--curvature-floor)");
  if (!(*K < lambda))
    return unmet(r, fmt::format("curvature floor K = {} is not below λ = {}", to_decimal(*K, 6),
                                to_decimal(lambda, 6)));
  return applies_with(r, s / (lambda - *K), fmt::format("K = {}", to_decimal(*K, 6)));
}

RouteResult holley_stroock(const Wide& lambda, const Wide& s, const std::optional<Wide>& omega) {
  RouteResult r = route("holley_stroock", "Holley–Stroock", RouteKind::UpperBound,
                        "osc L = sup L − inf L ≤ Ω (bounded loss)",
                        "Holley–Stroock 1987; Bakry–Gentil–Ledoux 2014, Prop. 4.2.7 and 5.1.6; "
                        "docs/theory.md §2.3");
  if (!omega) return unmet(r, "no oscillation bound Ω given (--oscillation)");
  return applies_with(r, (s / lambda) * exp(*omega / s), fmt::format("Ω = {}", to_decimal(*omega, 6)));
}

namespace {
// The route with ln C_P reported through log_c_p (set whenever the inputs are valid, also when
// C_P itself overflows the wide range); lyapunov() is this without the log.
RouteResult lyapunov_log(const Wide& s, const std::optional<LyapunovInputs>& in, std::optional<Wide>* log_c_p) {
  RouteResult r = route(
      "lyapunov", "Lyapunov (BBCG)", RouteKind::UpperBound,
      "Ψ_{2s} > 0 outside B_R, F ≥ 0; W = e^{F/(2s)} satisfies LW ≤ −θ0·W + b·1_{B_R}",
      "Bakry–Barthe–Cattiaux–Guillin, ECP 13 (2008), Thm 1.4; Payne–Weinberger + Holley–Stroock "
      "on B_R; docs/theory.md §2.4");
  if (!in) return unmet(r, "no Lyapunov inputs (R, inf Ψ_{2s} outside B_R, sup F, sup(−Ψ_{2s})₊ on B_R)");
  const LyapunovInputs& v = *in;
  if (!(v.radius > 0)) return unmet(r, "radius R must be > 0");
  if (!(v.psi2s_inf_outside > 0))
    return unmet(r, fmt::format("inf Ψ_{{2s}} outside B_R = {} is not > 0 (R too small)",
                                to_decimal(v.psi2s_inf_outside, 6)));
  if (v.f_inf_ball < 0) return unmet(r, "F takes negative values on B_R, so W = e^{F/(2s)} ≥ 1 fails");
  // In log space, so that exp(sup F/(2s)) never overflows on the way (d = 1e46 made it inf
  // and the optimizer below took log(inf)): log C_P = log(1 + b·κ) − log θ0.
  const Wide two_s = 2 * s;
  const Wide theta0 = v.psi2s_inf_outside / two_s;
  const Wide neg = v.neg_psi2s_sup_ball > 0 ? v.neg_psi2s_sup_ball : Wide(0);
  const Wide log_b = log(theta0 + neg / two_s) + v.f_sup_ball / two_s;
  const Wide log_kappa = log(4 * v.radius * v.radius / (pi_wide() * pi_wide())) +
                         (v.f_sup_ball - v.f_inf_ball) / s;
  const Wide log_bk = log_b + log_kappa;
  const Wide log_cp = (log_bk > 40 ? log_bk + log(1 + exp(-log_bk)) : log(1 + exp(log_bk))) - log(theta0);
  if (log_c_p) *log_c_p = log_cp;
  if (!finite(log_cp) || log_cp > kMaxLogWide)
    return unmet(r, fmt::format("overflow: C_P ≈ 10^{} exceeds the wide range (10^±8.6e16); the bound "
                                "is finite but too large to print (it grows like e^{{1.5·d}}: decrease --dim)",
                                finite(log_cp) ? to_decimal(log_cp / log(Wide(10)), 6)
                                               : std::string("(beyond range)")));
  const Wide b = exp(log_b), kappa = exp(log_kappa);
  r.applies = true;
  r.c_p = exp(log_cp);
  r.note = fmt::format("R = {}, θ0 = {}, b = {}, κ_R ≤ {}; inputs: {}", to_decimal(v.radius, 6),
                       to_decimal(theta0, 6), to_decimal(b, 6), to_decimal(kappa, 6),
                       v.provenance);
  return r;
}
}  // namespace

RouteResult lyapunov(const Wide& s, const std::optional<LyapunovInputs>& in) { return lyapunov_log(s, in, nullptr); }

LyapunovInputs lyapunov_inputs_pure_regularizer(const Wide& lambda, const Wide& dim, const Wide& s,
                                                const Wide& radius) {
  LyapunovInputs in;
  in.radius = radius;
  in.psi2s_inf_outside = -lambda * dim + lambda * lambda * radius * radius / (2 * s);
  in.f_sup_ball = lambda * radius * radius / 2;
  in.f_inf_ball = 0;
  in.neg_psi2s_sup_ball = lambda * dim;
  in.provenance = "closed form for L ≡ 0";
  return in;
}

RouteResult lyapunov_pure_regularizer(const Wide& lambda, const Wide& dim, const Wide& s) {
  // Radius through x = λR²/(2s) = d + u, u > 0; minimize log C_P(u).
  auto radius_of = [&](const Wide& u) { return sqrt(2 * s * (dim + u) / lambda); };
  auto log_bound = [&](const Wide& u) {
    std::optional<Wide> lc;
    RouteResult r = lyapunov_log(s, lyapunov_inputs_pure_regularizer(lambda, dim, s, radius_of(u)), &lc);
    // Unmet (u lost to rounding against a huge d): an infinitely bad candidate.
    if (!lc || !finite(*lc) || !(r.applies || r.unmet.rfind("overflow", 0) == 0))
      return std::numeric_limits<Wide>::infinity();
    return *lc;
  };
  // Log-grid scan of u over [1e-6, 10 + 10 d], then golden section on log u.
  const Wide lo = log(Wide(1e-6)), hi = log(Wide(10) + 10 * dim);
  const int n = 120;
  int best = 0;
  Wide best_val;
  for (int i = 0; i <= n; ++i) {
    const Wide lu = lo + (hi - lo) * i / n;
    const Wide v = log_bound(exp(lu));
    if (i == 0 || v < best_val) { best_val = v; best = i; }
  }
  Wide a = lo + (hi - lo) * std::max(best - 1, 0) / n;
  Wide b = lo + (hi - lo) * std::min(best + 1, n) / n;
  const Wide g = (sqrt(Wide(5)) - 1) / 2;
  Wide c = b - g * (b - a), d = a + g * (b - a);
  Wide fc = log_bound(exp(c)), fd = log_bound(exp(d));
  for (int it = 0; it < 80; ++it) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = log_bound(exp(c)); }
    else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = log_bound(exp(d)); }
  }
  const Wide u = exp((a + b) / 2);
  RouteResult r = lyapunov(s, lyapunov_inputs_pure_regularizer(lambda, dim, s, radius_of(u)));
  r.note += "; evaluated for L ≡ 0 with R minimizing the bound (pass measured inputs for a real L)";
  return r;
}

void validate(const ConstantsQuery& q) {
  // Inside 10^±1e15 every route's arithmetic (d/λ², s/λ, …) stays inside the wide range.
  auto in_range = [](const std::string& name, const Wide& x) {
    if (finite(x) && x > 0 && abs(log10(x)) > Wide("1e15"))
      throw InputError(name, "expected a value between 1e-1000000000000000 and 1e1000000000000000; got " +
                                 to_decimal(x, 6));
  };
  check_wide_positive("--lambda", q.lambda);
  in_range("--lambda", q.lambda);
  if (!finite(q.dim) || q.dim < 1)
    throw InputError("--dim", "expected a finite dimension >= 1; got " + to_decimal(q.dim));
  in_range("--dim", q.dim);
  check_wide_positive("--temperature", q.temperature);
  in_range("--temperature", q.temperature);
  if (q.curvature_floor && !finite(*q.curvature_floor))
    throw InputError("--curvature-floor", "expected a finite number; got " +
                                              to_decimal(*q.curvature_floor));
  if (q.oscillation && (!finite(*q.oscillation) || *q.oscillation < 0))
    throw InputError("--oscillation",
                     "expected a finite number >= 0; got " + to_decimal(*q.oscillation));
}

std::vector<RouteResult> all_routes(const ConstantsQuery& q) {
  validate(q);
  std::vector<RouteResult> out;
  out.push_back(gaussian_reference(q.lambda, q.temperature));
  out.push_back(paper_claim(q.lambda, q.dim));
  out.push_back(bakry_emery(q.lambda, q.temperature, q.curvature_floor));
  out.push_back(holley_stroock(q.lambda, q.temperature, q.oscillation));
  if (q.lyapunov) out.push_back(lyapunov(q.temperature, q.lyapunov));
  else out.push_back(lyapunov_pure_regularizer(q.lambda, q.dim, q.temperature));
  // A route whose number left the wide range says so instead of carrying inf or 0.
  for (auto& r : out) {
    for (auto* c : {&r.c_p, &r.c_ls})
      if (*c && (!finite(**c) || **c == 0)) {
        r.unmet = fmt::format("overflow: the {} bound is beyond the wide range (10^±8.6e16)", r.id);
        r.applies = false;
        r.c_p.reset();
        r.c_ls.reset();
        break;
      }
  }
  return out;
}

bool about_pure_regularizer(const ConstantsQuery& q) {
  return !q.curvature_floor && !q.oscillation && !q.lyapunov;
}

BestConstants best_constants(const std::vector<RouteResult>& routes, const ConstantsQuery& q) {
  BestConstants b;
  const bool about_l0 = about_pure_regularizer(q);
  for (const auto& r : routes) {
    if (r.kind == RouteKind::Claim) {
      b.claim = &r;
      continue;
    }
    if (!r.applies) continue;
    // Rigorous candidates: for L ≡ 0 the exact Gaussian value and the L ≡ 0 Lyapunov
    // bound; otherwise the routes whose assumptions the user supplied.
    const bool l0_route = r.id == "gaussian_reference" || (r.id == "lyapunov" && !q.lyapunov);
    if (about_l0 != l0_route) continue;
    if (r.c_p && (!b.c_p || *r.c_p < *b.c_p)) {
      b.c_p = r.c_p;
      b.c_p_route = r.id;
    }
    if (r.c_ls && (!b.c_ls || *r.c_ls < *b.c_ls)) {
      b.c_ls = r.c_ls;
      b.c_ls_route = r.id;
    }
  }
  return b;
}

}  // namespace villani::theory
