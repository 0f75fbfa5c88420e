#include "cli/distributed_cli.hpp"

#include "numerics/errors.hpp"

namespace villani::cli {

Distributed distributed_from_env(CheckRequest& req) {
  Distributed d;
  d.env = numerics::launch_env();
  if (d.env) {
    req.shard_rank = d.env->rank;
    req.shard_count = d.env->world;
  }
  return d;
}

void distribute(Distributed& d, LoadedModel& m) {
  if (!d.env) return;
  if (!m.sharded)
    throw InputError("--model", "'" + m.input.model +
                                    "' has no token file to shard across ranks; data-parallel runs need a "
                                    "TorchScript model or a GPT-Neo config.json with --tokens");
  d.comm = numerics::make_communicator(*d.env);
  m.input.loss = std::make_shared<numerics::DistributedObjective>(m.input.loss, d.comm, m.shard_weight);
}

}  // namespace villani::cli
