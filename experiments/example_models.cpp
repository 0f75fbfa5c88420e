#include "experiments/example_models.hpp"

#include <torch/script.h>
#include <torch/torch.h>

#include <fstream>
#include <random>

#include "numerics/errors.hpp"
#include "numerics/io.hpp"

namespace villani::experiments {

namespace {
constexpr int kVocab = 32, kWidth = 24, kHidden = 40;
}

int example_torchscript_vocab() { return kVocab; }

void write_example_torchscript(const std::string& path, std::uint64_t seed) {
  torch::manual_seed(seed);
  auto w = [](std::initializer_list<std::int64_t> shape) { return torch::randn(shape, torch::kFloat64) * 0.3; };
  torch::jit::Module embed("Embed");
  embed.register_parameter("weight", w({kVocab, kWidth}), false);
  embed.define(
      "def forward(self, tokens):\n"
      "    return torch.embedding(self.weight, tokens)\n"
      "def unembed(self, h):\n"
      "    return torch.matmul(h, self.weight.t())\n");
  torch::jit::Module block("Block");
  block.register_parameter("ln_w", torch::ones({kWidth}, torch::kFloat64) + w({kWidth}) * 0.1, false);
  block.register_parameter("ln_b", w({kWidth}) * 0.1, false);
  for (const char* n : {"wq", "wk", "wv"}) block.register_parameter(n, w({kWidth, kWidth}), false);
  block.register_parameter("w1", w({kWidth, kHidden}), false);
  block.register_parameter("b1", w({kHidden}) * 0.1, false);
  block.register_parameter("w2", w({kHidden, kWidth}), false);
  block.register_parameter("b2", w({kWidth}) * 0.1, false);
  block.define(
      "def forward(self, x):\n"
      "    mu = torch.mean(x, -1, True)\n"
      "    xc = x - mu\n"
      "    var = torch.mean(xc * xc, -1, True)\n"
      "    y = xc / torch.sqrt(var + 1e-5) * self.ln_w + self.ln_b\n"
      "    q = torch.matmul(y, self.wq)\n"
      "    k = torch.matmul(y, self.wk)\n"
      "    v = torch.matmul(y, self.wv)\n"
      "    scores = torch.matmul(q, k.transpose(1, 2)) * 0.2041241452319315\n"
      "    mask = torch.triu(torch.ones_like(scores), 1) > 0.5\n"
      "    scores = scores.masked_fill(mask, -1e9)\n"
      "    x = x + torch.matmul(torch.softmax(scores, -1), v)\n"
      "    h = torch.tanh(torch.matmul(x, self.w1) + self.b1)\n"
      "    return x + torch.matmul(h, self.w2) + self.b2\n");
  torch::jit::Module head("Head");
  head.register_parameter("bias", torch::zeros({kVocab}, torch::kFloat64), false);
  head.define("def forward(self, logits):\n    return logits + self.bias\n");
  torch::jit::Module m("ExampleLM");
  m.register_module("embed", embed);
  m.register_module("block0", block);
  m.register_module("head", head);
  m.define(
      "def forward(self, tokens):\n"
      "    h = self.embed.forward(tokens)\n"
      "    h = self.block0.forward(h)\n"
      "    return self.head.forward(self.embed.unembed(h))\n");
  try {
    m.save(path);
  } catch (const std::exception& e) {
    throw InputError("--out", "cannot write the TorchScript file '" + path + "': " + e.what());
  }
}

numerics::Vec gradient_descent(const numerics::Objective& f, numerics::Vec theta, int steps, double lr) {
  for (int i = 0; i < steps; ++i) theta -= lr * f.gradient(theta);
  return theta;
}

void write_example_tokens(const std::string& path, int rows, int cols, int vocab, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string text;
  int tok = 0;
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      // Sticky walk: mostly the next id, sometimes a jump.
      tok = (rng() % 4 == 0) ? static_cast<int>(rng() % static_cast<std::uint64_t>(vocab)) : (tok + 1) % vocab;
      text += std::to_string(tok) + (j + 1 == cols ? "\n" : " ");
    }
  }
  write_file_atomic(path, text);
}

}  // namespace villani::experiments
