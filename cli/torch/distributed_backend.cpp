// Installs c10d (numerics/torch/c10d_communicator.hpp) as the collective engine of data-parallel
// runs; the Torch-free commands reach it through numerics::make_communicator().
#include "numerics/distributed.hpp"
#include "numerics/torch/c10d_communicator.hpp"

namespace villani::cli {
namespace {

const bool registered = [] {
  numerics::set_communicator_factory(&numerics::torch_adapter::make_c10d_communicator);
  return true;
}();

}  // namespace
}  // namespace villani::cli
