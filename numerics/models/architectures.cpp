#include "numerics/models/architectures.hpp"

#include <fmt/format.h>

namespace villani::numerics::models {

Activation parse_activation(const std::string& name, const std::string& arg) {
  if (name == "relu") return Activation::Relu;
  if (name == "gelu") return Activation::Gelu;
  if (name == "gelu_tanh") return Activation::GeluTanh;
  if (name == "tanh") return Activation::Tanh;
  if (name == "softplus") return Activation::Softplus;
  throw InputError(arg, "unknown activation '" + name + "'; expected relu|gelu|gelu_tanh|tanh|softplus");
}

std::string activation_name(Activation a) {
  switch (a) {
    case Activation::Relu: return "relu";
    case Activation::Gelu: return "gelu";
    case Activation::GeluTanh: return "gelu_tanh";
    case Activation::Tanh: return "tanh";
    case Activation::Softplus: return "softplus";
  }
  return "?";
}

namespace {
// Features uniform in [-1, 1); labels argmax of a random linear teacher plus uniform noise.
void teacher_data(std::uint64_t seed, int n, int p, int K, std::vector<double>& X, std::vector<int>& y) {
  DataRng rng(seed);
  std::vector<double> Wt(static_cast<std::size_t>(K) * p);
  for (auto& w : Wt) w = rng.uniform(-1, 1);
  X.resize(static_cast<std::size_t>(n) * p);
  y.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) X[static_cast<std::size_t>(i) * p + j] = rng.uniform(-1, 1);
    int best = 0;
    double bv = -1e300;
    for (int k = 0; k < K; ++k) {
      double s = rng.uniform(-0.5, 0.5);
      for (int j = 0; j < p; ++j) s += Wt[static_cast<std::size_t>(k) * p + j] * X[static_cast<std::size_t>(i) * p + j];
      if (s > bv) bv = s, best = k;
    }
    y[static_cast<std::size_t>(i)] = best;
  }
}
}  // namespace

void LogisticArch::make_data() { teacher_data(seed, samples, features, classes, X, y); }
std::string LogisticArch::name() const {
  return fmt::format("logistic(K={},p={},n={},d={})", classes, features, samples, dim());
}
Layout LogisticArch::layout() const {
  return {{"W", static_cast<long>(classes) * features}, {"b", classes}};
}
nlohmann::json LogisticArch::spec() const {
  return {{"kind", "logistic"}, {"classes", classes}, {"features", features}, {"samples", samples}, {"seed", seed}};
}

void MlpArch::make_data() { teacher_data(seed, samples, features, classes, X, y); }
std::string MlpArch::name() const {
  return fmt::format("mlp-{}(p={},H={},K={},n={},bias={},d={})", activation_name(activation), features,
                     hidden, classes, samples, bias, dim());
}
std::vector<std::string> MlpArch::nonsmooth() const {
  if (activation == Activation::Relu) return {"relu (hidden layer)"};
  return {};
}
Layout MlpArch::layout() const {
  Layout l{{"W1", static_cast<long>(hidden) * features}};
  if (bias) l.emplace_back("b1", hidden);
  l.emplace_back("W2", static_cast<long>(classes) * hidden);
  if (bias) l.emplace_back("b2", classes);
  return l;
}
nlohmann::json MlpArch::spec() const {
  return {{"kind", "mlp"},       {"features", features}, {"hidden", hidden},
          {"classes", classes},  {"samples", samples},   {"activation", activation_name(activation)},
          {"bias", bias},        {"seed", seed}};
}

// Tokens: the first uniform; each next one is (previous + 1) mod V with probability 3/4, else
// uniform — a learnable but noisy sequence.
void TransformerArch::make_data() {
  DataRng rng(seed);
  tokens.resize(static_cast<std::size_t>(batch) * seq_len);
  for (int b = 0; b < batch; ++b) {
    int prev = rng.below(vocab);
    tokens[static_cast<std::size_t>(b) * seq_len] = prev;
    for (int t = 1; t < seq_len; ++t) {
      const bool follow = rng.uniform01() < 0.75;
      const int u = rng.below(vocab);
      prev = follow ? (prev + 1) % vocab : u;
      tokens[static_cast<std::size_t>(b) * seq_len + t] = prev;
    }
  }
}
std::string TransformerArch::name() const {
  return fmt::format("transformer(V={},D={},heads={},layers={},B={},T={},d={})", vocab, width, heads,
                     layers, batch, seq_len, dim());
}
Layout TransformerArch::layout() const {
  const long D = width, F = ffn();
  Layout l{{"E", vocab * D}, {"P", positions * D}};
  for (int i = 0; i < layers; ++i) {
    const std::string p = "layer" + std::to_string(i) + ".";
    for (const auto& [n, s] : Layout{{"ln1.w", D}, {"ln1.b", D}, {"Wq", D * D}, {"Wk", D * D},
                                     {"Wv", D * D}, {"Wo", D * D}, {"bo", D}, {"ln2.w", D},
                                     {"ln2.b", D}, {"W1", F * D}, {"b1", F}, {"W2", D * F}, {"b2", D}})
      l.emplace_back(p + n, s);
  }
  l.emplace_back("lnf.w", D);
  l.emplace_back("lnf.b", D);
  return l;
}
nlohmann::json TransformerArch::spec() const {
  return {{"kind", "transformer"}, {"vocab", vocab},   {"positions", positions}, {"width", width},
          {"heads", heads},        {"layers", layers}, {"batch", batch},         {"seq_len", seq_len},
          {"seed", seed}};
}

}  // namespace villani::numerics::models
