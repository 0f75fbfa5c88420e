// Instantiates the reference model for MlpArch (separate TU: autodiff instantiations are heavy).
#include "numerics/models/reference_impl.hpp"

namespace villani::numerics::models {
std::shared_ptr<const ReferenceModel> make_model(MlpArch a) {
  a.make_data();
  return std::make_shared<const ModelImpl<MlpArch>>(std::move(a));
}
}  // namespace villani::numerics::models
