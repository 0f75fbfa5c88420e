#include "theory/constants_report.hpp"

#include <fmt/format.h>
#include <stdexcept>

#include "numerics/errors.hpp"

namespace villani::theory {

namespace {

DynamicsPrediction predict(const std::string& basis, const Wide& c_p, const Wide& c_ls, const Wide& s,
                           const Wide& d, const std::optional<Wide>& lf, const ConstantsSettings& o) {
  DynamicsPrediction p;
  p.basis = basis;
  p.rates = langevin_rates(c_p, c_ls, s);
  p.time_to_epsilon = langevin_time_to_kl(c_ls, s, o.kl0, o.epsilon);
  p.hessian_bound_f = lf;
  if (lf) p.sgld = ula_plan(c_ls, *lf, s, d, o.kl0, o.epsilon);
  return p;
}

}  // namespace

const RouteResult& ConstantsRow::route(const std::string& id) const {
  for (const auto& r : routes)
    if (r.id == id) return r;
  throw std::out_of_range("no route '" + id + "'");
}

std::vector<ConstantsRow> constants_rows(const ConstantsSettings& o) {
  // Each list is capped (cli/lists.cpp); their product is capped here, before any row is
  // computed: a grid of 10^6 rows ran for minutes (issue 26).
  const double n = static_cast<double>(o.lambdas.size()) * static_cast<double>(o.dims.size()) *
                   static_cast<double>(o.temperatures.size());
  if (n > static_cast<double>(kMaxConstantsRows))
    throw InputError("--lambda", fmt::format("the grid --lambda × --dim × --temperature has {} × {} × {} = {:.0f} rows; "
                                             "at most {} (split it into several runs)",
                                             o.lambdas.size(), o.dims.size(), o.temperatures.size(), n,
                                             kMaxConstantsRows));
  std::vector<ConstantsRow> rows;
  for (const Wide& lambda : o.lambdas)
    for (const Wide& d : o.dims)
      for (const Wide& s : o.temperatures) {
        const ConstantsQuery q{lambda, d, s, o.curvature_floor, o.oscillation, o.lyapunov};
        ConstantsRow row;
        row.lambda = lambda;
        row.dim = d;
        row.temperature = s;
        row.routes = all_routes(q);
        row.pure_regularizer = about_pure_regularizer(q);
        const BestConstants chosen = best_constants(row.routes, q);
        row.best_c_p = chosen.c_p;
        row.best_c_ls = chosen.c_ls;
        if (chosen.c_p) row.best_c_p_route = chosen.c_p_route;
        if (chosen.c_ls) row.best_c_ls_route = chosen.c_ls_route;
        const RouteResult& claim = *chosen.claim;
        row.exact_c_ls_at_l0 = s / lambda;
        row.claimed_c_ls = *claim.c_ls;
        row.ratio_exact_over_claim = row.exact_c_ls_at_l0 / row.claimed_c_ls;
        row.violated_at_l0 = row.exact_c_ls_at_l0 > row.claimed_c_ls;
        std::optional<Wide> lf;
        if (o.hessian_bound) lf = lambda + *o.hessian_bound;
        else if (row.pure_regularizer) lf = lambda;
        if (chosen.c_p && chosen.c_ls)
          row.dynamics = predict(chosen.c_ls_route, *chosen.c_p, *chosen.c_ls, s, d, lf, o);
        row.dynamics_claim = predict("paper_claim", *claim.c_p, *claim.c_ls, s, d, lf, o);
        rows.push_back(std::move(row));
      }
  return rows;
}

}  // namespace villani::theory
