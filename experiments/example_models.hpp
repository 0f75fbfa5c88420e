// A small user model written the way a PyTorch user would bring one: a TorchScript file
// (torch::jit::Module::define + save, the format torch.jit.save writes) and a token file. Used by
// the tests and `villani bench hessian` so both measure the same model. Torch-free header.
#pragma once
#include <cstdint>
#include <string>

#include "numerics/objective.hpp"

namespace villani::experiments {

/// A one-block causal language model in TorchScript, float64, d = 4,560 parameters:
/// embed.weight [32, 24] (tied unembedding), block0.{ln_w, ln_b [24], wq, wk, wv [24, 24],
/// w1 [24, 40], b1 [40], w2 [40, 24], b2 [24]} (LayerNorm, single-head softmax attention, tanh
/// MLP, residual connections), head.bias [32]. Weights N(0, 0.3²) from `seed`; C^∞ throughout.
void write_example_torchscript(const std::string& path, std::uint64_t seed = 1);
/// Its vocabulary size (32).
int example_torchscript_vocab();

/// θ after `steps` of plain gradient descent θ ← θ − lr·∇f(θ) from θ0: a "trained" point, where
/// the Hessian looks like a trained network's (near-PSD, a few outliers) rather than an init's.
numerics::Vec gradient_descent(const numerics::Objective& f, numerics::Vec theta0, int steps, double lr);

/// `rows` sequences of `cols` token ids below `vocab` from a seeded sticky random walk (so the
/// model has something to learn), one per line.
void write_example_tokens(const std::string& path, int rows, int cols, int vocab, std::uint64_t seed = 1);

}  // namespace villani::experiments
