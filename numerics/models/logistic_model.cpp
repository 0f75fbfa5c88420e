// Instantiates the reference model for LogisticArch (separate TU: autodiff instantiations are heavy).
#include "numerics/models/reference_impl.hpp"

namespace villani::numerics::models {
std::shared_ptr<const ReferenceModel> make_model(LogisticArch a) {
  a.make_data();
  return std::make_shared<const ModelImpl<LogisticArch>>(std::move(a));
}
}  // namespace villani::numerics::models
