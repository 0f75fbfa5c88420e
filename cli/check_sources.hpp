// Model sources of `villani check` (docs/check.md): a Torch-free registry. Built-in loaders
// (presets, JSON specs of reference architectures) live in check_sources.cpp; LibTorch loaders
// (TorchScript files, GPT-Neo config.json) register themselves from cli/torch/ with a static
// CheckSourceRegistrar, so this header never includes Torch.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "numerics/curvature.hpp"
#include "validators/villani_check.hpp"

namespace villani::cli {

struct CheckRequest {
  std::string model;    ///< --model
  std::string tokens;   ///< --tokens (may be empty)
  std::string weights;  ///< --weights (may be empty)
  std::string dtype = "float64";  ///< --dtype: float64 | float32 (LibTorch sources only)
  int threads = 0;                ///< --threads for LibTorch's intra-op pool (0: its default)
  std::string device = "cpu";     ///< --device: cpu | cuda | auto (LibTorch sources only)
  int shard_rank = 0;   ///< data-parallel runs (cli/distributed_cli.hpp): this rank's block of the
  int shard_count = 1;  ///< token file's sequences, of shard_count blocks
};

struct LoadedModel {
  validators::CheckInput input;
  numerics::Vec init;  ///< initial parameters for --center init (may be empty)
  std::vector<numerics::ParamGroup> params;  ///< named blocks of θ in order (for --groups)
  bool sharded = false;     ///< the loss is over the request's shard only (token-file sources)
  double shard_weight = 1;  ///< the shard's share of the batch (numerics::Shard::weight)
};

struct CheckSource {
  std::string name;  ///< "preset", "spec", "torchscript", "gpt-neo"
  /// True when this source handles the request (by preset name or file extension).
  std::function<bool(const CheckRequest&)> accepts;
  /// Loads the model; InputError("--model"/"--tokens"/"--weights", ...) on bad input.
  std::function<LoadedModel(const CheckRequest&)> load;
};

void register_check_source(CheckSource s);
const std::vector<CheckSource>& check_sources();

struct CheckSourceRegistrar {
  explicit CheckSourceRegistrar(CheckSource s) { register_check_source(std::move(s)); }
};

/// d numbers from a whitespace-separated text file (a point θ for --center / --at); InputError
/// naming `argument` when the file is missing, holds a non-number, NaN/inf or not d numbers.
numerics::Vec read_parameters(const std::string& argument, const std::string& file, Eigen::Index d);

/// True when s ends with suffix (file-kind tests of the sources' accepts()).
bool ends_with(const std::string& s, const std::string& suffix);

/// Finds the source accepting the request and loads it; InputError("--model") when none does
/// (the message lists the presets and the accepted file kinds).
LoadedModel load_check_model(const CheckRequest& r);

}  // namespace villani::cli
