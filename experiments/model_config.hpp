// GPT-Neo architecture description (no LibTorch): presets, Hugging Face config.json, and the
// flat parameter layout θ shared by the LibTorch model (experiments/gpt_neo.hpp) and docs.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace villani::experiments {

struct ModelConfig {
  std::string name;
  int vocab = 0;            ///< 0: take the vocabulary size from the data
  int max_positions = 0;
  int hidden = 0;
  int layers = 0;
  int heads = 0;
  int intermediate = 0;     ///< 0: 4·hidden
  int window = 256;         ///< local attention window (keys q−window < k ≤ q)
  std::vector<std::string> attention;  ///< per layer "global" | "local"
  double ln_eps = 1e-5;
  /// Scale attention scores by 1/sqrt(head_dim). Real GPT-Neo does not (false in the gpt-neo
  /// presets); the reference transformer of numerics/models/ does (true in *-ref presets).
  bool scale_attention = false;

  int ffn() const { return intermediate > 0 ? intermediate : 4 * hidden; }
  int head_dim() const { return hidden / heads; }
  /// Throws InputError(arg) when inconsistent (hidden % heads, sizes ≤ 0, attention length).
  void validate(const std::string& arg) const;
  nlohmann::json to_json() const;
};

/// Presets: "gpt-neo-125m" (12 layers, hidden 768, 12 heads, global/local alternating with
/// window 256, vocab 50257, 2048 positions), "tiny" (2 layers, hidden 16, 2 heads, 32
/// positions, window 8), "small" (4 layers, hidden 64, 4 heads, 128 positions, window 32),
/// "tiny-ref" (as tiny but all-global with scaled attention: the numerics/models architecture).
ModelConfig model_preset(const std::string& name);
std::vector<std::string> model_preset_names();
/// A Hugging Face GPT-Neo config.json (InputError("--config") on missing keys / wrong types).
ModelConfig model_from_hf_config(const std::string& path);

/// One named block of θ: offset into the flat vector and shape (row-major).
struct ParamBlock {
  std::string name;         ///< Hugging Face name without the "transformer." prefix
  std::int64_t offset = 0;
  std::vector<std::int64_t> shape;
  std::int64_t size() const;
};
/// θ layout: wte [V,D], wpe [P,D]; per layer h.i: ln_1.weight [D], ln_1.bias [D],
/// attn.attention.q_proj.weight [D,D], k_proj.weight, v_proj.weight (no bias),
/// attn.attention.out_proj.weight [D,D], out_proj.bias [D], ln_2.weight, ln_2.bias,
/// mlp.c_fc.weight [F,D], mlp.c_fc.bias [F], mlp.c_proj.weight [D,F], mlp.c_proj.bias [D];
/// then ln_f.weight, ln_f.bias. Linear weights are [out, in] (y = W x + b). The unembedding is
/// wte (tied).
std::vector<ParamBlock> param_layout(const ModelConfig& c);
std::int64_t param_count(const ModelConfig& c);

}  // namespace villani::experiments
