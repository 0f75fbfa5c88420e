// User architectures for `villani check` (issue 5), loaded with LibTorch but exposed without it:
//   - a TorchScript file (exported from PyTorch, or written with LibTorch): forward(tokens
//     [B, T] int64) -> logits [B, T, V]; L = mean next-token cross-entropy over a token file;
//     θ = the module's parameters in named_parameters() order, flattened row-major.
//   - a Hugging Face GPT-Neo config.json, optionally with safetensors weights (experiments/
//     gpt_neo.hpp), on a token file or a seeded uniform token batch.
// The smoothness audit walks the inlined TorchScript graph of forward() and names every
// operation that is not C^∞ with its line in the module's code.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "numerics/curvature.hpp"
#include "numerics/objective.hpp"

namespace villani::experiments {

/// How a LibTorch source is evaluated.
struct TorchLoadOptions {
  std::string dtype = "float64";  ///< float64 | float32 (InputError("--dtype") otherwise)
  int threads = 0;                ///< LibTorch intra-op threads (0: leave LibTorch's default)
  std::string device = "cpu";     ///< cpu | cuda | auto (InputError("--device"))
  std::uint64_t seed = 1;         ///< GPT-Neo seeded init and seeded token batch
  int shard_rank = 0;             ///< data-parallel: load only this block of the token file's
  int shard_count = 1;            ///< sequences (numerics::shard_rows); the whole file is validated
};

struct TorchModelSource {
  std::shared_ptr<const numerics::Objective> loss;  ///< L(θ) in the options' dtype and device
  std::vector<std::string> audit;                   ///< offending operations (empty: all C^∞)
  std::string audit_source;
  numerics::Vec init;                               ///< the loaded parameters
  std::string label;
  std::vector<numerics::ParamGroup> params;         ///< named blocks of θ, in order
  bool sharded = false;                             ///< loss over a shard of --tokens (shard_count > 1)
  double shard_weight = 1;                          ///< that shard's share of the sequences
};

/// A token file: one sequence per non-empty line, whitespace-separated non-negative integer
/// ids, every line the same length (≥ 2). InputError("--tokens") otherwise. vocab > 0: ids must
/// be below it.
std::vector<std::vector<std::int64_t>> read_token_file(const std::string& path, std::int64_t vocab = 0);

/// Operations of forward() that are not C^∞ (relu, abs, max/min, clamp, hardtanh, sign,
/// rounding, ...), each as "aten::relu (in forward(), line 3 of the module's TorchScript code)". InputError("--model") when the file
/// cannot be loaded as TorchScript.
std::vector<std::string> audit_torchscript(const std::string& path);

/// InputError("--model") for an unreadable or malformed file, non-finite parameters, or logits
/// that are not [B, T, V]; InputError("--tokens") for a missing/malformed token file or tokens
/// the model rejects.
TorchModelSource load_torchscript(const std::string& path, const std::string& tokens_path,
                                  const TorchLoadOptions& o = {});

/// GPT-Neo from config.json (InputError("--config"/"--model")), weights from safetensors
/// (InputError("--weights"), also for NaN/inf) or the seeded GPT-Neo initialization, tokens from
/// a token file or 4 seeded uniform sequences of min(16, max_positions) tokens.
TorchModelSource load_gpt_neo_config(const std::string& config_path, const std::string& weights_path,
                                     const std::string& tokens_path, const TorchLoadOptions& o = {});

}  // namespace villani::experiments
