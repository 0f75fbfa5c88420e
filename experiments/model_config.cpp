#include "experiments/model_config.hpp"

#include <fstream>
#include <sstream>
#include <limits>

#include "experiments/formats.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"

namespace villani::experiments {

std::int64_t ParamBlock::size() const {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

void ModelConfig::validate(const std::string& arg) const {
  auto pos = [&](const char* what, int v) {
    if (v <= 0) throw InputError(arg, std::string(what) + " must be > 0; got " + std::to_string(v));
  };
  pos("vocab", vocab);
  pos("max_positions", max_positions);
  pos("hidden", hidden);
  pos("layers", layers);
  pos("heads", heads);
  pos("window", window);
  if (hidden % heads != 0)
    throw InputError(arg, "hidden " + std::to_string(hidden) + " is not divisible by heads " + std::to_string(heads));
  if (static_cast<int>(attention.size()) != layers)
    throw InputError(arg, "attention types list has " + std::to_string(attention.size()) + " entries for " +
                              std::to_string(layers) + " layers");
  for (const auto& a : attention)
    if (a != "global" && a != "local") throw InputError(arg, "attention type must be global|local; got '" + a + "'");
  check_positive(arg + " layer_norm_epsilon", ln_eps);
  if (hidden > (1 << 28) || intermediate > (1 << 30))
    throw InputError(arg, "hidden " + std::to_string(hidden) + " / intermediate " + std::to_string(intermediate) +
                              " is beyond any model this tool can hold");
  // Memory before allocation (issue 15): θ in float64 (init_theta), its gradient and the
  // optimizer's state, in double so that absurd sizes cannot overflow the estimate.
  const double D = hidden, F = intermediate > 0 ? double(intermediate) : 4.0 * D;
  const double params = (double(vocab) + max_positions) * D + layers * (4 * D * D + 2 * F * D + 7 * D + F) + 2 * D;
  check_memory(arg, 8 * 4 * params,
               "the model (" + std::to_string(static_cast<long long>(params)) + " parameters, vocab " +
                   std::to_string(vocab) + ", hidden " + std::to_string(hidden) + ", " + std::to_string(layers) +
                   " layers)");
}

nlohmann::json ModelConfig::to_json() const {
  return {{"name", name},       {"vocab", vocab},     {"max_positions", max_positions},
          {"hidden", hidden},   {"layers", layers},   {"heads", heads},
          {"intermediate", ffn()}, {"window", window}, {"attention", attention},
          {"ln_eps", ln_eps},   {"scale_attention", scale_attention}, {"activation", "gelu_new"},
          {"tied_embeddings", true}};
}

namespace {
std::vector<std::string> alternating(int layers) {
  std::vector<std::string> a;
  for (int i = 0; i < layers; ++i) a.push_back(i % 2 == 0 ? "global" : "local");
  return a;
}
}  // namespace

std::vector<std::string> model_preset_names() { return {"gpt-neo-125m", "small", "tiny", "tiny-ref"}; }

ModelConfig model_preset(const std::string& name) {
  ModelConfig c;
  c.name = name;
  if (name == "gpt-neo-125m") {
    c.vocab = 50257; c.max_positions = 2048; c.hidden = 768; c.layers = 12; c.heads = 12; c.window = 256;
  } else if (name == "small") {
    c.vocab = 0; c.max_positions = 128; c.hidden = 64; c.layers = 4; c.heads = 4; c.window = 32;
  } else if (name == "tiny" || name == "tiny-ref") {
    c.vocab = 0; c.max_positions = 32; c.hidden = 16; c.layers = 2; c.heads = 2; c.window = 8;
  } else {
    std::string known;
    for (const auto& n : model_preset_names()) known += " " + n;
    throw InputError("--preset", "unknown preset '" + name + "'; known:" + known);
  }
  c.attention = alternating(c.layers);
  if (name == "tiny-ref") {
    c.attention.assign(c.layers, "global");
    c.scale_attention = true;
  }
  return c;
}

ModelConfig model_from_hf_config(const std::string& path) {
  // A config.json is a few hundred bytes; 16 MiB stops /dev/zero or an endless pipe.
  return model_from_hf_text(read_file_capped(path, 16 * kMiB, "--config"), path);
}

ModelConfig model_from_hf_text(const std::string& text, const std::string& path) {
  nlohmann::json j;
  // A config.json is flat: nesting beyond 16 levels is refused while parsing (90000 levels
  // overflowed the stack when an error message printed the value: issue 26).
  j = parse_json_bounded(text, 16, "--config", "'" + path + "'", "config");
  if (!j.is_object()) throw InputError("--config", "'" + path + "' is not a JSON object");
  // Checked: 4294967307 must not wrap to 11 (issue 15); sizes fit an int and are >= 1.
  auto geti = [&](const char* k) -> int {
    return static_cast<int>(json_integer("--config", "'" + path + "'", j, k, 1, std::numeric_limits<int>::max()));
  };
  if (j.contains("model_type") && j.at("model_type") != "gpt_neo")
    throw InputError("--config", "'" + path + "' is model_type " + j.at("model_type").dump() + ", expected \"gpt_neo\"");
  ModelConfig c;
  c.name = "hf:" + path;
  c.vocab = geti("vocab_size");
  c.max_positions = geti("max_position_embeddings");
  c.hidden = geti("hidden_size");
  // Bounded as attention_types is: 237777776 layers filled 2 GiB with layer kinds before any
  // parameter count was checked (fuzz_gptneo_config, issue 26).
  c.layers = static_cast<int>(json_integer("--config", "'" + path + "'", j, "num_layers", 1, 100000));
  c.heads = geti("num_heads");
  c.window = j.contains("window_size") ? geti("window_size") : 256;
  if (j.contains("intermediate_size") && !j.at("intermediate_size").is_null()) c.intermediate = geti("intermediate_size");
  if (j.contains("layer_norm_epsilon")) {
    if (!j.at("layer_norm_epsilon").is_number())
      throw InputError("--config", "'" + path + "': \"layer_norm_epsilon\" must be a number");
    c.ln_eps = j.at("layer_norm_epsilon").get<double>();
  }
  if (j.contains("activation_function") && j.at("activation_function") != "gelu_new")
    throw InputError("--config", "only activation_function \"gelu_new\" is supported; got " + j.at("activation_function").dump());
  // attention_types: [[["global","local"], 6]] expands to 12 layers.
  if (j.contains("attention_types")) {
    try {
      for (const auto& grp : j.at("attention_types")) {
        const auto& kinds = grp.at(0);
        const int reps = static_cast<int>(
            json_integer_value("--config", "'" + path + "': attention_types repeat count", grp.at(1), 0, 100000));
        if (static_cast<std::size_t>(reps) * kinds.size() > 100000)
          throw InputError("--config", "'" + path + "': attention_types expands to more than 100000 layers");
        for (int r = 0; r < reps; ++r)
          for (const auto& k : kinds) c.attention.push_back(k.get<std::string>());
      }
    } catch (const nlohmann::json::exception& e) {
      throw InputError("--config", "'" + path + "': attention_types malformed: " + e.what());
    }
  } else if (j.contains("attention_layers")) {
    try {
      for (const auto& k : j.at("attention_layers")) c.attention.push_back(k.get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      throw InputError("--config", "'" + path + "': attention_layers malformed: " + e.what());
    }
  } else {
    c.attention = alternating(c.layers);
  }
  c.validate("--config");
  return c;
}

std::vector<ParamBlock> param_layout(const ModelConfig& c) {
  const std::int64_t V = c.vocab, P = c.max_positions, D = c.hidden, F = c.ffn();
  std::vector<ParamBlock> out;
  std::int64_t off = 0;
  auto add = [&](std::string name, std::vector<std::int64_t> shape) {
    ParamBlock b{std::move(name), off, std::move(shape)};
    off += b.size();
    out.push_back(std::move(b));
  };
  add("wte.weight", {V, D});
  add("wpe.weight", {P, D});
  for (int i = 0; i < c.layers; ++i) {
    const std::string h = "h." + std::to_string(i) + ".";
    add(h + "ln_1.weight", {D});
    add(h + "ln_1.bias", {D});
    add(h + "attn.attention.q_proj.weight", {D, D});
    add(h + "attn.attention.k_proj.weight", {D, D});
    add(h + "attn.attention.v_proj.weight", {D, D});
    add(h + "attn.attention.out_proj.weight", {D, D});
    add(h + "attn.attention.out_proj.bias", {D});
    add(h + "ln_2.weight", {D});
    add(h + "ln_2.bias", {D});
    add(h + "mlp.c_fc.weight", {F, D});
    add(h + "mlp.c_fc.bias", {F});
    add(h + "mlp.c_proj.weight", {D, F});
    add(h + "mlp.c_proj.bias", {D});
  }
  add("ln_f.weight", {D});
  add("ln_f.bias", {D});
  return out;
}

std::int64_t param_count(const ModelConfig& c) {
  const auto l = param_layout(c);
  return l.back().offset + l.back().size();
}

}  // namespace villani::experiments
