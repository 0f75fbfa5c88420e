// Model sources of `villani check` (docs/check.md): a Torch-free registry. Built-in loaders
// (presets, JSON specs of reference architectures) live in check_sources.cpp; LibTorch loaders
// (TorchScript files, GPT-Neo config.json) register themselves from cli/torch/ with a static
// CheckSourceRegistrar, so this header never includes Torch.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "validators/villani_check.hpp"

namespace villani::cli {

struct CheckRequest {
  std::string model;    ///< --model
  std::string tokens;   ///< --tokens (may be empty)
  std::string weights;  ///< --weights (may be empty)
};

struct LoadedModel {
  validators::CheckInput input;
  numerics::Vec init;  ///< initial parameters for --center init (may be empty)
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

/// True when s ends with suffix (file-kind tests of the sources' accepts()).
bool ends_with(const std::string& s, const std::string& suffix);

/// Finds the source accepting the request and loads it; InputError("--model") when none does
/// (the message lists the presets and the accepted file kinds).
LoadedModel load_check_model(const CheckRequest& r);

}  // namespace villani::cli
