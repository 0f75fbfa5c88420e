// Data-parallel commands (issue 17, docs/distributed.md): the launcher environment decides
// whether a command runs as one rank of several; the model source then loads only this rank's
// shard of the token file, and the loss becomes a numerics::DistributedObjective. Rank 0 alone
// prints and writes records; every rank checks its inputs the same way (so bad input exits 2 with
// the same message on every rank).
#pragma once
#include <memory>
#include <optional>

#include "cli/check_sources.hpp"
#include "numerics/distributed.hpp"

namespace villani::cli {

struct Distributed {
  std::optional<numerics::LaunchEnv> env;  ///< nullopt: one process
  std::shared_ptr<numerics::Communicator> comm;
  bool leader() const { return !env || env->rank == 0; }
  int rank() const { return env ? env->rank : 0; }
  int world() const { return env ? env->world : 1; }
};

/// Reads RANK/WORLD_SIZE/... (InputError naming a malformed variable) and sets req's shard.
Distributed distributed_from_env(CheckRequest& req);

/// When launched distributed: joins the group and replaces m.input.loss by the all-reduced
/// objective over the shards. InputError("--model") when the source does not shard its data.
void distribute(Distributed& d, LoadedModel& m);

}  // namespace villani::cli
