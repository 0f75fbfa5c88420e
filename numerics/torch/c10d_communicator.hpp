// The c10d implementation of numerics::Communicator (issue 17): a TCPStore rendezvous at
// MASTER_ADDR:MASTER_PORT (rank 0 hosts it) and a ProcessGroupGloo over it, with every collective
// bounded by LaunchEnv::timeout_s. A heartbeat thread per rank publishes (beats, collectives
// entered) to the store, so that a failed collective names the lost rank: one whose beats
// stopped (died or was stopped), one that is behind (hung before the collective), or rank 0 when
// the store it hosts stops answering. No c10d include here: this header is cheap to include.
#pragma once
#include <memory>

#include "numerics/distributed.hpp"

namespace villani::numerics::torch_adapter {

/// Joins the group (DistributedError when it cannot form within the timeout). InputError when
/// this LibTorch was built without Gloo headers available to villani (see docs/distributed.md).
std::shared_ptr<Communicator> make_c10d_communicator(const LaunchEnv& env);

/// True when this build can form a c10d group (Gloo found at configure time).
bool c10d_available();

}  // namespace villani::numerics::torch_adapter
