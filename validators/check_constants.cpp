// Part 5, constants: R, sup F, sup(−Ψ_{2s})_+ on the ball and the curvature floor, fed to theory/routes (check_engine.hpp).
#include "validators/check_engine.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "numerics/errors.hpp"
#include "numerics/precision.hpp"
#include "numerics/curvature.hpp"
#include "numerics/lanczos.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/psi.hpp"
#include "numerics/sampling.hpp"
#include "numerics/trace.hpp"
#include "theory/routes.hpp"
#include "validators/check_stats.hpp"

namespace villani::validators::check_detail {

// ---- 5. constants --------------------------------------------------------------------
CheckConstants Engine::constants() {
  CheckConstants c;
  const double lam = o_.lambda, s = o_.s, dd = static_cast<double>(d_);
  c.estimate = "sup/inf over sampled points (estimates, not bounds)";
  if (!all_finite()) {
    c.note = nonfinite_reason();
    return c;
  }
  c.computed = true;
  const int kR = k2s_;
  const double R = kR >= 0 ? radii_[kR] : radii_.back();
  if (kR >= 0) c.radius = R;
  // Points of the ball B(c, R): the centre and every shell with r ≤ R.
  double fsup = center_pt_.f, finf = center_pt_.f, neg = std::max(0.0, -center_pt_.psi(2 * s));
  double lsup = center_pt_.f - 0.5 * lam * center_pt_.norm * center_pt_.norm, linf = lsup;
  for (std::size_t k = 0; k < shells_.size() && radii_[k] <= R; ++k)
    for (const auto& p : shells_[k]) {
      fsup = std::max(fsup, p.f);
      finf = std::min(finf, p.f);
      neg = std::max(neg, -(p.psi(2 * s) - 2 * p.se));
      const double l = p.f - 0.5 * lam * p.norm * p.norm;
      lsup = std::max(lsup, l);
      linf = std::min(linf, l);
    }
  double psi_out = std::numeric_limits<double>::infinity();
  if (kR >= 0)
    for (std::size_t k = kR; k < shells_.size(); ++k)
      for (const auto& p : shells_[k]) psi_out = std::min(psi_out, p.psi(2 * s) - 2 * p.se);
  c.sup_f_ball = fsup;
  c.inf_f_ball = finf;
  c.sup_neg_psi_2s_ball = neg;
  if (kR >= 0) c.inf_psi_2s_outside = psi_out;
  c.oscillation_l_ball = lsup - linf;
  // Curvature floor K: ∇²L ≥ −K·I, from the smallest eigenvalue of ∇²L at a few points of the
  // ball (Lanczos with full reorthogonalization, numerics/lanczos.hpp; converged to 1e-10, or
  // exact once the Krylov space fills ℝ^d — never more HVPs than a dense Hessian).
  std::optional<double> kfloor;
  if (d_ <= o_.curvature_max_dim) {
    double lmin = std::numeric_limits<double>::infinity();
    std::vector<Vec> at{center_};
    for (std::size_t k = 0; k < shells_.size() && static_cast<int>(at.size()) < o_.curvature_points; ++k)
      if (radii_[k] <= R) at.push_back(thetas_[k][0]);
    try {
      numerics::LanczosOptions lo;
      lo.method = numerics::EigenMethod::FullLanczos;
      lo.tolerance = 1e-10;
      lo.seed = o_.seed;
      std::int64_t hvps = 0;
      bool converged = true;
      for (const auto& th : at) {
        const auto h = in_.loss->hessian_at(th);
        const auto e = numerics::extreme_eigenvalues(*h, 1, numerics::EigenWhich::Smallest, lo);
        if (e.values.size() < 1) throw DomainError("Lanczos returned no eigenvalue");
        converged = converged && e.status == numerics::EigenStatus::Converged;
        hvps += e.matvecs;
        lmin = std::min(lmin, e.values[0]);
      }
      kfloor = std::max(0.0, -lmin);
      c.curvature = CurvatureFloor{*kfloor, at.size(), hvps, converged, lmin};
    } catch (const std::exception& e) {
      c.curvature_note = std::string("Hessian failed: ") + e.what();
    }
  } else {
    c.curvature_skipped = true;
    c.curvature_note = fmt::format("d = {} > {}: curvature floor not computed", d_, o_.curvature_max_dim);
  }
  theory::ConstantsQuery q;
  q.lambda = Wide(lam);
  q.dim = Wide(dd);
  q.temperature = Wide(s);
  if (kfloor) q.curvature_floor = Wide(*kfloor);
  q.oscillation = Wide(lsup - linf);
  const bool at_origin = center_.norm() == 0;
  if (kR >= 0 && at_origin && psi_out > 0 && finf >= 0) {
    theory::LyapunovInputs li;
    li.radius = Wide(R);
    li.psi2s_inf_outside = Wide(psi_out);
    li.f_sup_ball = Wide(fsup);
    li.f_inf_ball = Wide(finf);
    li.neg_psi2s_sup_ball = Wide(neg);
    li.provenance = "sampled by villani check (estimates of inf/sup)";
    q.lyapunov = li;
  } else {
    c.lyapunov_note = !at_origin ? "shells not centred at the origin: the Lyapunov route needs ‖θ‖ > R"
                         : kR < 0   ? "no radius beyond which Ψ_2s > 0 was found"
                                    : "F < 0 or Ψ_2s ≤ 0 outside the ball on the samples";
  }
  c.routes = theory::all_routes(q);
  // Without measured inputs theory/ evaluates the Lyapunov route for L ≡ 0, which says nothing
  // about this model: it is reported as not applying, with lyapunov_note.
  for (auto& r : c.routes)
    if (r.id == "lyapunov" && !q.lyapunov) {
      r.applies = false;
      r.unmet = c.lyapunov_note;
      r.c_p.reset();
      r.c_ls.reset();
    }
  c.oscillation_caveat = "Holley–Stroock needs osc L over all of R^d; the value here is the sampled oscillation on the ball";
  return c;
}

}  // namespace villani::validators::check_detail
