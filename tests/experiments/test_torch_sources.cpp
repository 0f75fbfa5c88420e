// User architectures for `villani check`: TorchScript modules written with LibTorch itself
// (torch::jit::Module::define + save, the same format PyTorch's torch.jit.save writes) and a
// tiny GPT-Neo config.json with safetensors weights. Audit, objective (gradient and HVP against
// finite differences), the criteria end to end, and bad input.
#include <unistd.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>
#include <torch/torch.h>
#undef CHECK

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "experiments/gpt_neo.hpp"
#include "experiments/model_config.hpp"
#include "experiments/torch_sources.hpp"
#include "numerics/errors.hpp"
#include "validators/villani_check.hpp"

#include <catch2/catch.hpp>
#include "tests/support/gpt_neo_config.hpp"
#include "tests/support/input_error.hpp"

namespace fs = std::filesystem;
using namespace villani::experiments;
using villani::InputError;
using villani::numerics::Vec;

namespace {

std::string tmpdir(const std::string& name) {
  const std::string d = std::string(VILLANI_TEST_TMP) + "/torch_sources_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A tiny language model: embedding [7, 4] (tied unembedding), a projection submodule, and an
// activation; relu sits inside the submodule so the audit must inline to find it.
void write_lm(const std::string& path, const std::string& activation, bool nan = false) {
  torch::manual_seed(3);
  torch::jit::Module proj("Proj");
  proj.register_parameter("weight", torch::randn({4, 4}, torch::kFloat64) * 0.5, false);
  const std::string act = activation == "relu"
                              ? "torch.relu(y)"
                              : "0.5 * y * (1.0 + torch.tanh(0.7978845608028654 * (y + 0.044715 * y * y * y)))";
  proj.define("def forward(self, x):\n    y = torch.matmul(x, self.weight)\n    return " + act + "\n");
  torch::jit::Module m("TinyLM");
  auto emb = torch::randn({7, 4}, torch::kFloat64) * 0.5;
  if (nan) emb[2][1] = std::nan("");
  m.register_parameter("emb", emb, false);
  m.register_module("proj", proj);
  m.define(
      "def forward(self, tokens):\n"
      "    h = torch.embedding(self.emb, tokens)\n"
      "    h = self.proj.forward(h)\n"
      "    return torch.matmul(h, self.emb.t())\n");
  m.save(path);
}

void write_tokens(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

/// A copy of the archive `from` whose tensor record `victim` (e.g. "data/0") keeps only `keep` of
/// its bytes, its zip sizes consistent: the archive opens, the record is short.
void copy_archive_cutting(const std::string& from, const std::string& to, const std::string& victim, double keep) {
  caffe2::serialize::PyTorchStreamReader in(from);
  caffe2::serialize::PyTorchStreamWriter out(to);
  bool cut = false;
  for (const auto& name : in.getAllRecords()) {
    if (name == "version" || name == ".data/version") continue;  // the writer adds its own
    auto [data, size] = in.getRecord(name);
    if (name == victim) {
      size = static_cast<std::size_t>(static_cast<double>(size) * keep);
      cut = true;
    }
    out.writeRecord(name, data.get(), size);
  }
  out.writeEndOfFile();
  REQUIRE(cut);
}

const char* kTokens = "0 1 2 3 4 5\n6 5 4 3 2 1\n1 3 5 0 2 4\n";

int sh(const std::string& cmd, std::string* out) {
  const std::string file = std::string(VILLANI_TEST_TMP) + "/torch_sources_out." + std::to_string(::getpid()) + ".txt";
  const int rc = std::system((cmd + " > " + file + " 2>&1").c_str());
  std::ifstream f(file);
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("TorchScript: audit, objective against finite differences, criteria end to end", "[torchscript]") {
  const auto d = tmpdir("gelu");
  write_lm(d + "/gelu.pt", "gelu");
  write_lm(d + "/relu.pt", "relu");
  write_tokens(d + "/tokens.txt", kTokens);

  CHECK(audit_torchscript(d + "/gelu.pt").empty());
  const auto relu_audit = audit_torchscript(d + "/relu.pt");
  REQUIRE(relu_audit.size() == 1);
  CHECK(relu_audit[0].rfind("aten::relu (in forward(), line ", 0) == 0);

  const auto src = load_torchscript(d + "/gelu.pt", d + "/tokens.txt");
  REQUIRE(src.loss->dim() == 7 * 4 + 4 * 4);
  REQUIRE(src.init.size() == src.loss->dim());
  // The loss at the loaded parameters equals the module's own forward + cross-entropy.
  {
    auto m = torch::jit::load(d + "/gelu.pt");
    m.to(torch::kFloat64);
    auto tokens = torch::tensor({0, 1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1, 1, 3, 5, 0, 2, 4}, torch::kInt64).view({3, 6});
    auto logits = m.forward({tokens}).toTensor();
    auto ce = torch::nn::functional::cross_entropy(logits.narrow(1, 0, 5).reshape({-1, 7}),
                                                   tokens.narrow(1, 1, 5).reshape({-1}));
    CHECK(src.loss->value(src.init) == Approx(ce.item<double>()).epsilon(1e-14));
  }
  // Gradient and HVP (double backward) against central differences.
  const Vec th = src.init;
  const Vec g = src.loss->gradient(th);
  Vec u = Vec::LinSpaced(th.size(), -1.0, 1.0);
  u /= u.norm();
  const double h = 1e-5;
  const double fd = (src.loss->value(th + h * u) - src.loss->value(th - h * u)) / (2 * h);
  CHECK(g.dot(u) == Approx(fd).epsilon(1e-7));
  const Vec hv = src.loss->hvp(th, u);
  const Vec fdh = (src.loss->gradient(th + h * u) - src.loss->gradient(th - h * u)) / (2 * h);
  CHECK((hv - fdh).norm() <= 1e-6 * (1 + hv.norm()));

  // The criteria run end to end on the TorchScript loss (Laplacian estimated by Hutchinson).
  villani::validators::CheckOptions o;
  o.lambda = 0.1;
  o.radii = {1, 10, 60};
  o.directions = 3;
  o.probes = 2;
  o.probe_points = 16;
  o.matvecs = 8;
  o.precision = villani::validators::PrecisionMode::Double;
  villani::validators::CheckInput in;
  in.loss = src.loss;
  in.model = src.label;
  in.audit = src.audit;
  in.audit_source = src.audit_source;
  const auto rep = villani::validators::run_check(in, o);
  CHECK(rep.criteria.smoothness.verdict == villani::validators::Verdict::Holds);
  CHECK(rep.criteria.coercivity.verdict == villani::validators::Verdict::Holds);
  CHECK(rep.growth.shells.size() == 3);

  const auto rsrc = load_torchscript(d + "/relu.pt", d + "/tokens.txt");
  in.loss = rsrc.loss;
  in.audit = rsrc.audit;
  const auto rrep = villani::validators::run_check(in, o);
  CHECK(rrep.criteria.smoothness.verdict == villani::validators::Verdict::Violated);
  CHECK(rrep.criteria.smoothness.evidence.find("aten::relu") != std::string::npos);
}

TEST_CASE("TorchScript: a tensor record cut short is refused, not read from uninitialized memory",
          "[torchscript][bad-input]") {
  const auto d = tmpdir("cut");
  write_lm(d + "/lm.pt", "gelu");
  write_tokens(d + "/t.txt", kTokens);
  TorchLoadOptions lo;
  lo.dtype = "float64";
  // The intact archive loads (the check accepts what torch.jit.save writes).
  CHECK_NOTHROW(load_torchscript(d + "/lm.pt", d + "/t.txt", lo));
  std::vector<std::string> data;
  for (const auto& n : caffe2::serialize::PyTorchStreamReader(d + "/lm.pt").getAllRecords())
    if (n.rfind("data/", 0) == 0) data.push_back(n);
  REQUIRE(data.size() == 2);  // emb and proj.weight
  for (const auto& victim : data) {
    const std::string cut = d + "/cut.pt";
    copy_archive_cutting(d + "/lm.pt", cut, victim, 0.5);
    INFO("record " << victim << " cut to half");
    std::string msg = "(no throw)", arg;
    try {
      (void)load_torchscript(cut, d + "/t.txt", lo);
    } catch (const InputError& e) {
      msg = e.what();
      arg = e.argument();
    }
    CHECK(arg == "--model");
    CHECK(msg.find("damaged") != std::string::npos);
    std::string out;
    CHECK(sh(std::string(VILLANI_EXE) + " check --lambda 0.1 --model " + cut + " --tokens " + d + "/t.txt", &out) == 2);
    CHECK(out.find("damaged") != std::string::npos);
  }
}

namespace {
std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}
void write_all(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
// The InputError of loading `model` with `tokens`: "argument|message", or "(no throw)".
std::string load_error(const std::string& model, const std::string& tokens) {
  TorchLoadOptions lo;
  lo.dtype = "float64";
  try {
    (void)load_torchscript(model, tokens, lo);
  } catch (const InputError& e) {
    return e.argument() + "|" + e.what();
  }
  return "(no throw)";
}
// A TinyLM-shaped module whose forward body is `body` (after the embedding h is computed).
void write_forward(const std::string& path, const std::string& body) {
  torch::manual_seed(3);
  torch::jit::Module m("Odd");
  m.register_parameter("emb", torch::randn({7, 4}, torch::kFloat64) * 0.5, false);
  m.define("def forward(self, tokens):\n    h = torch.embedding(self.emb, tokens)\n" + body);
  m.save(path);
}
}  // namespace

TEST_CASE("TorchScript archives: a flipped data byte (CRC-32) and a duplicated entry are refused before loading",
          "[torchscript][bad-input]") {
  const auto d = tmpdir("zip");
  write_lm(d + "/lm.pt", "gelu");
  write_tokens(d + "/t.txt", kTokens);
  REQUIRE(load_error(d + "/lm.pt", d + "/t.txt") == "(no throw)");
  std::string victim;
  for (const auto& n : caffe2::serialize::PyTorchStreamReader(d + "/lm.pt").getAllRecords())
    if (n.find("data/0") != std::string::npos) victim = n;
  REQUIRE(!victim.empty());
  const std::size_t off = caffe2::serialize::PyTorchStreamReader(d + "/lm.pt").getRecordOffset(victim);
  std::string bytes = read_all(d + "/lm.pt");
  {  // one bit of a weight: torch::jit::load reads a different model without a word
    std::string flipped = bytes;
    flipped[off + 5] = static_cast<char>(flipped[off + 5] ^ 0x10);
    write_all(d + "/flip.pt", flipped);
    const std::string e = load_error(d + "/flip.pt", d + "/t.txt");
    INFO(e);
    CHECK(e.rfind("--model|", 0) == 0);
    CHECK(e.find("CRC") != std::string::npos);
    CHECK(e.find(victim) != std::string::npos);
  }
  {  // data/1 renamed data/0 in its local header and the central directory alike
    std::string dup = bytes;
    const std::string from = victim.substr(0, victim.size() - 1) + "1";
    std::size_t n = 0;
    for (auto p = dup.find(from); p != std::string::npos; p = dup.find(from, p + 1), ++n) dup.replace(p, from.size(), victim);
    REQUIRE(n == 2);
    write_all(d + "/dup.pt", dup);
    const std::string e = load_error(d + "/dup.pt", d + "/t.txt");
    INFO(e);
    CHECK(e.rfind("--model|", 0) == 0);
    CHECK(e.find("share one name") != std::string::npos);
  }
  {  // an entry's name changed in the central directory only: it no longer matches its local header
    std::string edited = bytes;
    const auto p = edited.rfind(victim);  // the central directory comes last
    REQUIRE(p != std::string::npos);
    edited[p + victim.size() - 1] = '7';
    write_all(d + "/cd.pt", edited);
    const std::string e = load_error(d + "/cd.pt", d + "/t.txt");
    INFO(e);
    CHECK(e.rfind("--model|", 0) == 0);
    CHECK(e.find("not an intact zip archive") != std::string::npos);
  }
}

TEST_CASE("TorchScript forward: a tuple, integer logits, a raise and a raise far away blame the model, not the tokens",
          "[torchscript][bad-input]") {
  const auto d = tmpdir("forward");
  write_tokens(d + "/t.txt", kTokens);
  write_tokens(d + "/big.txt", "0 1 2 3 4 99\n6 5 4 3 2 1\n1 3 5 0 2 4\n");
  write_forward(d + "/tuple.pt", "    return (torch.matmul(h, self.emb.t()), h)\n");
  write_forward(d + "/long.pt", "    return torch.matmul(h, self.emb.t()).long()\n");
  write_forward(d + "/raise.pt", "    assert bool(h.sum() != h.sum()), 'boom'\n    return h\n");
  write_forward(d + "/ok.pt", "    return torch.matmul(h, self.emb.t())\n");
  write_forward(d + "/far.pt",
                "    assert float(self.emb.abs().max()) <= 100.0, 'far'\n"
                "    return torch.matmul(h, self.emb.t())\n");
  auto has = [](const std::string& e, const std::string& arg, const std::string& text) {
    INFO(e);
    CHECK(e.rfind(arg + "|", 0) == 0);
    CHECK(e.find(text) != std::string::npos);
  };
  has(load_error(d + "/tuple.pt", d + "/t.txt"), "--model", "returned a Tuple");
  has(load_error(d + "/long.pt", d + "/t.txt"), "--model", "floating point");
  has(load_error(d + "/raise.pt", d + "/t.txt"), "--model", "fails on any tokens");
  // Token id 99 beyond the embedding's 7 rows: the tokens' fault, since id 0 runs.
  has(load_error(d + "/ok.pt", d + "/big.txt"), "--tokens", "runs on token id 0");
  // A forward that raises only far from the weights: InputError naming the model, not exit 3.
  TorchLoadOptions lo;
  lo.dtype = "float64";
  const auto src = load_torchscript(d + "/far.pt", d + "/t.txt", lo);
  std::string e = "(no throw)";
  try {
    (void)src.loss->value(src.init * 1000.0);
  } catch (const InputError& x) {
    e = x.argument() + "|" + x.what();
  }
  has(e, "--model", "raised at these weights");
}

TEST_CASE("TorchScript and token files: bad input is an InputError naming it", "[torchscript][bad-input]") {
  const auto d = tmpdir("bad");
  write_lm(d + "/ok.pt", "gelu");
  write_lm(d + "/nan.pt", "gelu", /*nan=*/true);
  write_tokens(d + "/tokens.txt", kTokens);
  {  // truncated file
    std::ifstream f(d + "/ok.pt", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::ofstream(d + "/cut.pt", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  CHECK(villani::testing::thrown_argument([&] { load_torchscript(d + "/cut.pt", d + "/tokens.txt"); }) == "--model");
  CHECK(villani::testing::thrown_argument([&] { load_torchscript(d + "/missing.pt", d + "/tokens.txt"); }) == "--model");
  CHECK(villani::testing::thrown_argument([&] { load_torchscript(d + "/nan.pt", d + "/tokens.txt"); }) == "--model");
  CHECK(villani::testing::thrown_argument([&] { load_torchscript(d + "/ok.pt", ""); }) == "--tokens");
  write_tokens(d + "/range.txt", "0 1 2\n3 4 99\n");
  CHECK(villani::testing::thrown_argument([&] { load_torchscript(d + "/ok.pt", d + "/range.txt"); }) == "--tokens");
  write_tokens(d + "/ragged.txt", "0 1 2\n3 4\n");
  CHECK(villani::testing::thrown_argument([&] { read_token_file(d + "/ragged.txt"); }) == "--tokens");
  write_tokens(d + "/words.txt", "0 1 two\n");
  CHECK(villani::testing::thrown_argument([&] { read_token_file(d + "/words.txt"); }) == "--tokens");
  write_tokens(d + "/empty.txt", "\n\n");
  CHECK(villani::testing::thrown_argument([&] { read_token_file(d + "/empty.txt"); }) == "--tokens");
  CHECK(villani::testing::thrown_argument([&] { read_token_file(d + "/tokens.txt", 5); }) == "--tokens");  // 6 ≥ vocab 5
}

TEST_CASE("GPT-Neo config.json + safetensors: bit-exact load, checked by villani check", "[gpt-neo][cli]") {
  const auto d = tmpdir("neo");
  villani::testing::GptNeoConfig{11, 12, 8, 2, 2, 4}.write(d + "/config.json");
  const ModelConfig c = model_from_hf_config(d + "/config.json");
  const auto theta = init_theta(c, 7, torch::kFloat64, torch::kCPU) + 0.01;
  save_safetensors(d + "/model.safetensors", c, theta);
  write_tokens(d + "/tokens.txt", "1 2 3 4 5 6 7 8\n10 9 8 7 6 5 4 3\n");

  const auto src = load_gpt_neo_config(d + "/config.json", d + "/model.safetensors", d + "/tokens.txt");
  REQUIRE(src.init.size() == theta.numel());
  const auto t = theta.contiguous();
  bool exact = true;
  for (std::int64_t i = 0; i < theta.numel(); ++i) exact = exact && src.init[i] == t.data_ptr<double>()[i];
  CHECK(exact);
  auto tokens = torch::tensor({1, 2, 3, 4, 5, 6, 7, 8, 10, 9, 8, 7, 6, 5, 4, 3}, torch::kInt64).view({2, 8});
  CHECK(src.loss->value(src.init) == gpt_neo_loss(c, theta, tokens).item<double>());

  // Bad input: tokens out of the vocabulary, NaN weights, truncated safetensors.
  write_tokens(d + "/range.txt", "1 2 11\n");
  CHECK_THROWS_AS(load_gpt_neo_config(d + "/config.json", d + "/model.safetensors", d + "/range.txt"), InputError);
  auto bad = theta.clone();
  bad[5] = std::nan("");
  save_safetensors(d + "/nan.safetensors", c, bad);
  CHECK_THROWS_AS(load_gpt_neo_config(d + "/config.json", d + "/nan.safetensors", ""), InputError);
  {
    std::ifstream f(d + "/model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::ofstream(d + "/cut.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  }
  CHECK_THROWS_AS(load_gpt_neo_config(d + "/config.json", d + "/cut.safetensors", ""), InputError);

  // End to end through the executable: JSON with the four criteria; bad input exits 2.
  std::string out;
  const std::string base = std::string(VILLANI_EXE) + " check --lambda 0.1 --radii 1,10,40 --directions 2 --probes 1 "
                                                      "--precision double --format json --model ";
  REQUIRE(sh(base + d + "/config.json --weights " + d + "/model.safetensors --tokens " + d + "/tokens.txt", &out) == 0);
  const auto j = nlohmann::json::parse(out.substr(out.find('{')));
  for (const char* k : {"smoothness", "coercivity", "integrability", "growth"})
    CHECK(j["criteria"][k].contains("verdict"));
  CHECK(j["criteria"]["smoothness"]["verdict"] == "holds");
  CHECK(sh(base + d + "/config.json --weights " + d + "/cut.safetensors", &out) == 2);
  CHECK(out.find("--weights") != std::string::npos);
  write_lm(d + "/relu.pt", "relu");
  CHECK(sh(base + d + "/relu.pt", &out) == 2);  // no --tokens
  CHECK(out.find("--tokens") != std::string::npos);
  write_tokens(d + "/lm_tokens.txt", kTokens);
  REQUIRE(sh(base + d + "/relu.pt --tokens " + d + "/lm_tokens.txt", &out) == 0);
  const auto r = nlohmann::json::parse(out.substr(out.find('{')));
  CHECK(r["criteria"]["smoothness"]["verdict"] == "fails");
}
