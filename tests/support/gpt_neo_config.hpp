// A Hugging Face GPT-Neo config.json for the tests that build GPT-Neo models from one.
#pragma once
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace villani::testing {

/// GPT-Neo sizes as config.json names them; gelu_new, layer-norm ε = 1e-5, no intermediate size
/// (4·hidden), the layers' attention kinds `pattern` repeated layers / pattern.size() times.
struct GptNeoConfig {
  int vocab = 11, positions = 12, hidden = 8, layers = 2, heads = 2, window = 4;
  std::vector<std::string> pattern = {"global", "local"};

  nlohmann::json json() const {
    const int repeats = layers / static_cast<int>(pattern.size());
    return {{"model_type", "gpt_neo"},
            {"vocab_size", vocab},
            {"max_position_embeddings", positions},
            {"hidden_size", hidden},
            {"num_layers", layers},
            {"num_heads", heads},
            {"window_size", window},
            {"intermediate_size", nullptr},
            {"attention_types", nlohmann::json::array({nlohmann::json::array({pattern, repeats})})},
            {"activation_function", "gelu_new"},
            {"layer_norm_epsilon", 1e-5}};
  }
  void write(const std::string& path) const { std::ofstream(path) << json().dump(); }
};

}  // namespace villani::testing
