#include "numerics/models/presets.hpp"

#include <fmt/format.h>

#include <set>

#include "numerics/checked.hpp"
#include "numerics/models/architectures.hpp"

namespace villani::numerics::models {

namespace {

int get_int(const nlohmann::json& s, const char* key, int def, int lo, int hi) {
  if (!s.contains(key)) return def;
  const auto& v = s.at(key);
  if (!v.is_number_integer())
    throw InputError("spec", fmt::format("key '{}': expected an integer; got {}", key, v.dump()));
  const auto x = v.get<long long>();
  if (x < lo || x > hi)
    throw InputError("spec", fmt::format("key '{}': must be in [{}, {}]; got {}", key, lo, hi, x));
  return static_cast<int>(x);
}

std::uint64_t get_seed(const nlohmann::json& s) {
  if (!s.contains("seed")) return 1;
  const auto& v = s.at("seed");
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
    throw InputError("spec", "key 'seed': expected a non-negative integer; got " + v.dump());
  return v.get<std::uint64_t>();
}

void check_keys(const nlohmann::json& s, const std::set<std::string>& allowed, const std::string& kind) {
  for (const auto& [k, v] : s.items())
    if (!allowed.count(k)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw InputError("spec", fmt::format("unknown key '{}' for kind '{}' (allowed: {})", quote_input(k),
                                           quote_input(kind), list));
    }
}

}  // namespace

std::shared_ptr<const ReferenceModel> model_from_spec(const nlohmann::json& s) {
  if (!s.is_object()) throw InputError("spec", "expected a JSON object; got " + s.dump());
  if (!s.contains("kind") || !s.at("kind").is_string())
    throw InputError("spec", "key 'kind': required, one of logistic|mlp|transformer");
  const std::string kind = s.at("kind").get<std::string>();
  if (kind == "logistic") {
    check_keys(s, {"kind", "classes", "features", "samples", "seed"}, kind);
    LogisticArch a;
    a.classes = get_int(s, "classes", 3, 2, 1000);
    a.features = get_int(s, "features", 5, 1, 100000);
    a.samples = get_int(s, "samples", 40, 1, 1000000);
    a.seed = get_seed(s);
    const double params = double(a.classes) * (a.features + 1), data = double(a.samples) * a.features;
    check_memory("--model", 8 * (8 * params + 2 * data + 4 * double(a.samples) * a.classes),
                 fmt::format("the logistic spec ({} classes × {} features, {} samples)", a.classes, a.features, a.samples));
    return make_model(a);
  }
  if (kind == "mlp") {
    check_keys(s, {"kind", "features", "hidden", "classes", "samples", "activation", "bias", "seed"}, kind);
    MlpArch a;
    a.features = get_int(s, "features", 4, 1, 100000);
    a.hidden = get_int(s, "hidden", 8, 1, 100000);
    a.classes = get_int(s, "classes", 3, 2, 1000);
    a.samples = get_int(s, "samples", 32, 1, 1000000);
    if (s.contains("activation")) {
      if (!s.at("activation").is_string())
        throw InputError("spec", "key 'activation': expected a string; got " + s.at("activation").dump());
      a.activation = parse_activation(quote_input(s.at("activation").get<std::string>()), "spec");
    }
    if (s.contains("bias")) {
      if (!s.at("bias").is_boolean())
        throw InputError("spec", "key 'bias': expected true|false; got " + s.at("bias").dump());
      a.bias = s.at("bias").get<bool>();
    }
    a.seed = get_seed(s);
    // Memory before allocation (issue 15): 1e5×1e5 layers must be refused, not end in bad_alloc.
    const double params = double(a.features + 1) * a.hidden + double(a.hidden + 1) * a.classes;
    const double acts = double(a.samples) * (a.features + 2.0 * a.hidden + a.classes);
    check_memory("--model", 8 * (8 * params + 4 * acts),
                 fmt::format("the mlp spec ({} features, {} hidden, {} classes, {} samples)", a.features, a.hidden,
                             a.classes, a.samples));
    return make_model(a);
  }
  if (kind == "transformer") {
    check_keys(s, {"kind", "vocab", "positions", "width", "heads", "layers", "batch", "seq_len", "seed"}, kind);
    TransformerArch a;
    a.vocab = get_int(s, "vocab", 16, 2, 100000);
    a.width = get_int(s, "width", 8, 1, 4096);
    a.heads = get_int(s, "heads", 2, 1, 4096);
    a.layers = get_int(s, "layers", 1, 0, 64);
    a.batch = get_int(s, "batch", 4, 1, 100000);
    a.seq_len = get_int(s, "seq_len", 8, 2, 4096);
    a.positions = get_int(s, "positions", a.seq_len, 1, 100000);
    a.seed = get_seed(s);
    if (a.width % a.heads != 0)
      throw InputError("spec", fmt::format("key 'heads': must divide width {}; got {}", a.width, a.heads));
    if (a.positions < a.seq_len)
      throw InputError("spec", fmt::format("key 'positions': must be >= seq_len {}; got {}", a.seq_len, a.positions));
    const double D = a.width, params = double(a.vocab + a.positions) * D + a.layers * (12 * D * D + 13 * D) + 2 * D;
    const double acts = double(a.batch) * a.seq_len * (a.vocab + a.layers * (16 * D + double(a.heads) * a.seq_len));
    check_memory("--model", 8 * (8 * params + 4 * acts),
                 fmt::format("the transformer spec (vocab {}, width {}, {} layers, batch {} × seq_len {})", a.vocab,
                             a.width, a.layers, a.batch, a.seq_len));
    return make_model(a);
  }
  throw InputError("spec", "key 'kind': unknown '" + quote_input(kind) + "'; expected logistic|mlp|transformer");
}

namespace {
nlohmann::json preset_spec(const std::string& name) {
  if (name == "logistic")
    return {{"kind", "logistic"}, {"classes", 3}, {"features", 5}, {"samples", 40}, {"seed", 1}};
  const std::string mlp = "mlp-";
  if (name.rfind(mlp, 0) == 0) {
    const std::string act = name.substr(mlp.size());
    if (act == "gelu" || act == "relu" || act == "tanh" || act == "softplus")
      return {{"kind", "mlp"}, {"features", 4}, {"hidden", 8},   {"classes", 3},
              {"samples", 32}, {"activation", act}, {"bias", true}, {"seed", 1}};
  }
  if (name == "tiny-transformer")
    return {{"kind", "transformer"}, {"vocab", 16}, {"positions", 8}, {"width", 8}, {"heads", 2},
            {"layers", 1},           {"batch", 4},  {"seq_len", 8},   {"seed", 1}};
  std::string list;
  for (const auto& n : preset_names()) list += (list.empty() ? "" : ", ") + n;
  throw InputError("--model", "unknown model preset '" + name + "'; known: " + list);
}
}  // namespace

std::vector<std::string> preset_names() {
  return {"logistic", "mlp-gelu", "mlp-relu", "mlp-tanh", "mlp-softplus", "tiny-transformer"};
}

std::shared_ptr<const ReferenceModel> make_reference(const std::string& name) {
  return model_from_spec(preset_spec(name));
}

std::shared_ptr<const Objective> make_preset(const std::string& name) { return make_reference(name); }

template <class S>
std::vector<S> theta_from_strings(const std::vector<std::string>& theta) {
  std::vector<S> out;
  out.reserve(theta.size());
  for (std::size_t i = 0; i < theta.size(); ++i) {
    try {
      std::size_t used = 0;
      (void)std::stod(theta[i], &used);  // syntax check (accepts what MPFR would)
      if (used != theta[i].size()) throw std::invalid_argument("trailing text");
      out.push_back(from_string<S>(theta[i]));
    } catch (const std::exception&) {
      throw InputError("theta", fmt::format("entry {}: not a number: '{}'", i, theta[i]));
    }
  }
  return out;
}
template std::vector<double> theta_from_strings<double>(const std::vector<std::string>&);
template std::vector<Real50> theta_from_strings<Real50>(const std::vector<std::string>&);
template std::vector<Real100> theta_from_strings<Real100>(const std::vector<std::string>&);

}  // namespace villani::numerics::models
