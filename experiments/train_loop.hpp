// The training / sampling loop of `villani run sgld|train` on a flat θ, with checkpoints, run
// records and resume, one process or data-parallel (docs/distributed.md): each rank computes the
// loss and gradient on its shard of the training set, the weighted sums are all-reduced
// (numerics::weighted_allreduce) together with the ranks' stop requests, and every rank takes the
// same step (SGLD noise and minibatches are seeded by the step). Rank 0 alone records and
// checkpoints. Internal to experiments/; includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <string>

#include "experiments/run_support.hpp"

namespace villani::experiments::detail {

struct LoopSpec {
  std::string optimizer;  // sgld | sgd | sgd-l2 | adam-l2 | adamw
  double lambda = 0, lr = 0, temperature = 0;
  long steps = 0;
  int record_every = 1;
  std::string label;
};

struct LoopResult {
  bool interrupted = false;
  torch::Tensor theta;
};

/// Runs L on λ's record `run` (continuing from its checkpoint under --resume).
LoopResult run_loop(const Setup& S, const RunOptions& o, LambdaRun& run, const LoopSpec& L, Progress& prog);

}  // namespace villani::experiments::detail
