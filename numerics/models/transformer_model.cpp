// Instantiates the reference model for TransformerArch (separate TU: autodiff instantiations are heavy).
#include "numerics/models/reference_impl.hpp"

namespace villani::numerics::models {
std::shared_ptr<const ReferenceModel> make_model(TransformerArch a) {
  a.make_data();
  return std::make_shared<const ModelImpl<TransformerArch>>(std::move(a));
}
}  // namespace villani::numerics::models
