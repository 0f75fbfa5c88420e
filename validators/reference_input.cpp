#include "validators/reference_input.hpp"

namespace villani::validators {

namespace {
template <class E>
PrecisePoint rounded(const E& e) {
  PrecisePoint p;
  p.value = static_cast<double>(e.value);
  p.laplacian = static_cast<double>(e.laplacian);
  p.grad_norm_sq = static_cast<double>(e.grad_norm2);
  return p;
}
}  // namespace

PreciseEvaluator precise_evaluator(std::shared_ptr<const numerics::models::ReferenceModel> m) {
  using numerics::models::theta_from_double;
  return [m](const numerics::Vec& theta, double lambda, int digits) {
    if (digits <= 50)
      return rounded(m->evaluate50(theta_from_double<Real50>(theta), Real50(lambda)));
    return rounded(m->evaluate100(theta_from_double<Real100>(theta), Real100(lambda)));
  };
}

CheckInput reference_check_input(std::shared_ptr<const numerics::models::ReferenceModel> m,
                                 const std::string& label, const std::string& audit_source) {
  CheckInput in;
  in.loss = m;
  in.model = label;
  in.audit = m->nonsmooth_ops();
  in.audit_source = audit_source;
  in.precise = precise_evaluator(m);
  return in;
}

}  // namespace villani::validators
