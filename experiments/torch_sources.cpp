#include "experiments/torch_sources.hpp"

#include "numerics/distributed.hpp"

#include "experiments/archive.hpp"
#include "experiments/formats.hpp"

#include <c10/util/accumulate.h>
#include <torch/script.h>
#include <torch/csrc/jit/passes/inliner.h>
#include <torch/torch.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "experiments/gpt_neo.hpp"
#include "experiments/model_config.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"
#include "numerics/torch/torch_objective.hpp"

namespace villani::experiments {

namespace {

namespace ta = numerics::torch_adapter;

std::string first_line(const std::string& s) {
  const auto p = s.find('\n');
  return p == std::string::npos ? s : s.substr(0, p);
}

torch::Tensor tokens_tensor(const std::vector<std::vector<std::int64_t>>& rows) {
  const auto b = static_cast<std::int64_t>(rows.size()), t = static_cast<std::int64_t>(rows.front().size());
  auto out = torch::empty({b, t}, torch::kInt64);
  auto a = out.accessor<std::int64_t, 2>();
  for (std::int64_t i = 0; i < b; ++i)
    for (std::int64_t j = 0; j < t; ++j) a[i][j] = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
  return out;
}

// Mean next-token cross-entropy of logits [B, T, V] on tokens [B, T].
torch::Tensor next_token_ce(const torch::Tensor& logits, const torch::Tensor& tokens) {
  const auto v = logits.size(2);
  auto pred = logits.narrow(1, 0, logits.size(1) - 1).reshape({-1, v});
  auto target = tokens.narrow(1, 1, tokens.size(1) - 1).reshape({-1});
  return torch::nn::functional::cross_entropy(pred, target);
}

// Operations whose result is not a C^∞ function of their inputs (at least at one point).
// Not listed: aten::where and masked_fill (causal masks are constant in θ; a θ-dependent
// condition is what the kink probe looks for) and dropout (the identity in eval mode).
const std::set<std::string>& nonsmooth_kinds() {
  static const std::set<std::string> k = {
      "aten::relu",      "aten::relu_",     "aten::relu6",      "aten::leaky_relu", "aten::leaky_relu_",
      "aten::prelu",     "aten::rrelu",     "aten::elu",        "aten::selu",       "aten::celu",
      "aten::hardtanh",  "aten::hardtanh_", "aten::hardswish",  "aten::hardsigmoid", "aten::hardshrink",
      "aten::softshrink", "aten::threshold", "aten::threshold_", "aten::abs",       "aten::abs_",
      "aten::max",       "aten::min",       "aten::maximum",    "aten::minimum",    "aten::amax",
      "aten::amin",      "aten::clamp",     "aten::clamp_",     "aten::clamp_min",  "aten::clamp_max",
      "aten::clip",      "aten::sign",      "aten::sgn",        "aten::round",      "aten::floor",
      "aten::ceil",      "aten::trunc",     "aten::frac",       "aten::fmod",       "aten::remainder",
      "aten::max_pool1d", "aten::max_pool2d", "aten::adaptive_max_pool1d",
      "aten::adaptive_max_pool2d", "aten::topk", "aten::sort", "aten::argmax", "aten::argmin",
      "aten::heaviside"};
  return k;
}

void walk(const torch::jit::Block* block, std::vector<std::string>& out) {
  for (const torch::jit::Node* node : block->nodes()) {
    const std::string kind = node->kind().toQualString();
    if (nonsmooth_kinds().count(kind)) {
      std::string where = "in forward()";
      const auto& range = node->sourceRange();
      if (range.source()) where += fmt::format(", line {} of the module's TorchScript code", range.source()->lineno_for_offset(range.start()) + 1);
      out.push_back(fmt::format("{} ({})", kind, where));
    }
    for (const torch::jit::Block* sub : node->blocks()) walk(sub, out);
  }
}

// The archive's tensor records against the tensors LibTorch made of them. torch::jit::load sizes
// each storage from the element count in data.pkl and fills it from the record data/N: a record
// cut short (its zip sizes edited to agree, so the archive still opens) leaves the rest of the
// storage uninitialized, and the model computes from whatever that memory held (issue 26: L = 2.56,
// then 4.3e59 on a rerun). So every module tensor's storage must have exactly the size of a
// distinct data/ record.
void check_tensor_records(const std::string& path, const std::vector<ArchiveEntry>& entries,
                          const torch::jit::Module& m) {
  std::multiset<std::size_t> records;
  for (const auto& e : entries) {
    const std::string& name = e.name;
    const auto slash = name.find('/');
    const std::string rel = slash != std::string::npos && name.rfind("data/", 0) != 0 ? name.substr(slash + 1) : name;
    if (rel.rfind("data/", 0) == 0) records.insert(static_cast<std::size_t>(e.size));
  }
  std::set<const void*> seen;
  for (const auto& a : m.named_attributes(/*recurse=*/true)) {
    if (!a.value.isTensor()) continue;
    const at::Tensor t = a.value.toTensor();
    if (!t.defined() || !t.has_storage() || t.storage().nbytes() == 0) continue;
    if (!seen.insert(t.storage().data()).second) continue;  // views of one storage: one record
    const std::size_t need = t.storage().nbytes();
    const auto it = records.find(need);
    if (it == records.end())
      throw InputError("--model", fmt::format("'{}' is damaged: tensor '{}' needs {} bytes of data and no data/ record "
                                              "of the archive has that size (an entry cut short or edited?); save "
                                              "the model again with torch.jit.save",
                                              path, a.name, need));
    records.erase(it);
  }
}

torch::jit::Module load_module(const std::string& path) {
  {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw InputError("--model", "cannot open the TorchScript file '" + path + "'");
  }
  // Sizes, CRCs, local headers and unique names first: torch::jit::load checks none of them
  // (a cut-short entry was read from uninitialized memory; issue 26).
  const std::vector<ArchiveEntry> entries = check_zip_archive(path, "--model");
  torch::jit::Module m;
  try {
    m = torch::jit::load(path, torch::kCPU);
  } catch (const std::exception& e) {
    throw InputError("--model", "'" + path + "' is not a loadable TorchScript file (truncated or not saved "
                                "with torch.jit.save?): " + first_line(e.what()));
  }
  check_tensor_records(path, entries, m);
  return m;
}

// Sets attribute `dotted` ("block.0.weight") of a module to t.
void set_param(torch::jit::Module m, const std::string& dotted, const torch::Tensor& t) {
  std::string rest = dotted;
  for (auto p = rest.find('.'); p != std::string::npos; p = rest.find('.')) {
    m = m.attr(rest.substr(0, p)).toModule();
    rest = rest.substr(p + 1);
  }
  m.setattr(rest, t);
}

// Non-C^∞ operations of the module's forward(), after inlining the methods it calls.
std::vector<std::string> audit_module(const torch::jit::Module& m, const std::string& path) {
  if (!m.find_method("forward")) throw InputError("--model", "'" + path + "' has no forward method");
  auto graph = m.get_method("forward").graph()->copy();
  torch::jit::Inline(*graph);
  std::vector<std::string> out;
  walk(graph->block(), out);
  return out;
}

// dtype, device and threads of a LibTorch source; InputError("--dtype"/"--device"/"--threads").
struct Placement {
  torch::Dtype dtype;
  torch::Device device;
};
Placement apply_load_options(const TorchLoadOptions& o) {
  // Capped as `bench` caps it: 100000 threads ran for minutes without a word (issue 26).
  if (o.threads < 0 || o.threads > 1024)
    throw InputError("--threads", "expected 0..1024 (0: LibTorch's default); got " + std::to_string(o.threads));
  if (o.threads > 0) ta::set_compute_threads(o.threads);
  const torch::Device dev = resolve_device(o.device);
  if (o.dtype == "float64") return {torch::kFloat64, dev};
  if (o.dtype == "float32") return {torch::kFloat32, dev};
  throw InputError("--dtype", "expected float64 | float32; got '" + o.dtype + "'");
}

// The logits a TorchScript forward returned: a floating-point tensor, or InputError("--model")
// naming what came back (a tuple, an integer tensor: exit 3 before; issue 26).
torch::Tensor logits_tensor(const c10::IValue& v, const std::string& path) {
  if (!v.isTensor())
    throw InputError("--model", "forward(tokens) of '" + path + "' returned a " + v.tagKind() +
                                    ", not a tensor; villani needs the logits [B, T, V] (return the logits alone)");
  torch::Tensor t = v.toTensor();
  if (!t.is_floating_point())
    throw InputError("--model", "forward(tokens) of '" + path + "' returned " + std::string(c10::toString(t.scalar_type())) +
                                    " logits; they must be floating point (float32 or float64) to be differentiated");
  return t;
}

void require_finite(const torch::Tensor& t, const std::string& arg, const std::string& what) {
  if (!torch::isfinite(t).all().item<bool>())
    throw InputError(arg, what + " contains NaN or infinite values");
}

}  // namespace

std::vector<std::vector<std::int64_t>> read_token_file(const std::string& path, std::int64_t vocab) {
  std::istringstream f(read_file_capped(path, kMaxTokenFileBytes, "--tokens"));
  return parse_token_text(f, path, vocab);
}

std::vector<std::string> audit_torchscript(const std::string& path) { return audit_module(load_module(path), path); }

TorchModelSource load_torchscript(const std::string& path, const std::string& tokens_path,
                                  const TorchLoadOptions& lo) {
  const Placement at = apply_load_options(lo);
  const torch::Dtype dtype = at.dtype;
  auto module = std::make_shared<torch::jit::Module>(load_module(path));
  std::vector<std::string> audit = audit_module(*module, path);
  if (tokens_path.empty())
    throw InputError("--tokens", "a TorchScript model needs --tokens FILE (one sequence of token ids per line)");
  // Data-parallel: this rank's block of sequences; the whole file is parsed and range-checked on
  // every rank, so bad input is reported identically everywhere.
  const torch::Tensor all_tokens = tokens_tensor(read_token_file(tokens_path));
  const numerics::Shard shard = numerics::shard_rows(all_tokens.size(0), lo.shard_rank, lo.shard_count, "--tokens");
  const std::int64_t max_id = all_tokens.max().item<std::int64_t>();
  const torch::Tensor tokens = all_tokens.narrow(0, shard.begin, shard.end - shard.begin).contiguous().to(at.device);
  module->to(at.device, dtype);
  module->eval();
  std::vector<std::string> names;
  std::vector<std::vector<std::int64_t>> shapes;
  std::vector<torch::Tensor> values;
  std::vector<numerics::ParamGroup> blocks;
  std::int64_t d = 0;
  for (const auto& p : module->named_parameters(/*recurse=*/true)) {
    require_finite(p.value, "--model", "parameter '" + p.name + "' of '" + path + "'");
    blocks.push_back({p.name, d, p.value.numel()});
    names.push_back(p.name);
    shapes.push_back(p.value.sizes().vec());
    values.push_back(p.value.detach().reshape({-1}));
    d += p.value.numel();
  }
  if (d == 0) throw InputError("--model", "'" + path + "' has no parameters (a zero-dimensional model)");
  const torch::Tensor theta0 = torch::cat(values).to(at.device, dtype);
  // Logits at θ's blocks: each parameter of the module is set to its block (a leaf of its own
  // when differentiated: issue 24), so autograd differentiates through them.
  auto raw_logits = [module, names, tokens, path](const std::vector<torch::Tensor>& blocks) {
    for (std::size_t i = 0; i < names.size(); ++i) set_param(*module, names[i], blocks[i]);
    return logits_tensor(module->forward({tokens}), path);
  };
  // At any later θ (--at, a descent, an SGLD step), an exception the forward raises is the
  // model's, named as such (it was exit 3, "internal error": issue 26).
  auto logits_of = [raw_logits, path](const std::vector<torch::Tensor>& blocks) {
    try {
      return raw_logits(blocks);
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      throw InputError("--model", "forward(tokens) of '" + path + "' raised at these weights: " + first_line(e.what()));
    }
  };
  auto split_blocks = [shapes](const torch::Tensor& theta) {
    std::vector<torch::Tensor> blocks;
    std::int64_t off = 0;
    for (const auto& sh : shapes) {
      const std::int64_t n = c10::multiply_integers(sh);
      blocks.push_back(theta.narrow(0, off, n).view(sh));
      off += n;
    }
    return blocks;
  };
  auto loss = [logits_of, tokens](const std::vector<torch::Tensor>& blocks) {
    return next_token_ce(logits_of(blocks), tokens);
  };
  // One evaluation now, so that bad tokens or a wrong output shape are input errors here.
  try {
    torch::NoGradGuard ng;
    const torch::Tensor logits = raw_logits(split_blocks(theta0));
    if (logits.dim() != 3 || logits.size(0) != tokens.size(0) || logits.size(1) != tokens.size(1))
      throw InputError("--model", fmt::format("forward(tokens [{}, {}]) must return logits [B, T, V]; got {}",
                                              tokens.size(0), tokens.size(1), fmt::join(logits.sizes().vec(), "×")));
    const auto v = logits.size(2);
    if (max_id >= v)
      throw InputError("--tokens", fmt::format("token id {} is out of range for the model's {} logits", max_id, v));
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    // Which input is to blame: a forward that also fails on token id 0 everywhere fails on any
    // tokens (the model's fault); one that runs there rejects these ids (issue 26: a raising
    // forward was reported as ids out of range).
    bool zeros_ok = false;
    try {
      torch::NoGradGuard ng;
      (void)logits_tensor(module->forward({torch::zeros_like(tokens)}), path);
      zeros_ok = true;
    } catch (const std::exception&) {
    }
    if (zeros_ok)
      throw InputError("--tokens", "forward(tokens) failed on the token file '" + tokens_path +
                                       "' and runs on token id 0 (ids out of range for the embedding?): " +
                                       first_line(e.what()));
    throw InputError("--model", "forward(tokens) of '" + path + "' fails on any tokens (token id 0 too): " +
                                    first_line(e.what()));
  }
  TorchModelSource out;
  ta::TorchOptions o;
  o.dtype = dtype;
  o.device = at.device;
  out.loss = std::make_shared<ta::TorchObjective>(ta::TorchObjective::BlockLoss(loss), shapes, o, "torchscript " + path);
  out.params = std::move(blocks);
  out.audit = std::move(audit);
  out.audit_source = "operations of the inlined TorchScript graph of forward()";
  out.init = ta::TorchObjective::to_vec(theta0);
  out.label = "TorchScript " + path;
  out.sharded = lo.shard_count > 1;
  out.shard_weight = shard.weight;
  return out;
}

TorchModelSource load_gpt_neo_config(const std::string& config_path, const std::string& weights_path,
                                     const std::string& tokens_path, const TorchLoadOptions& lo) {
  const Placement at = apply_load_options(lo);
  const torch::Dtype dtype = at.dtype;
  const std::uint64_t seed = lo.seed;
  const ModelConfig c = model_from_hf_config(config_path);
  torch::Tensor theta0 = weights_path.empty() ? init_theta(c, seed, dtype, torch::kCPU)
                                              : load_safetensors(weights_path, c, dtype);
  theta0 = theta0.to(at.device);
  require_finite(theta0, weights_path.empty() ? "--model" : "--weights",
                 weights_path.empty() ? "the initialization" : "'" + weights_path + "'");
  torch::Tensor tokens;
  double shard_weight = 1;
  if (!tokens_path.empty()) {
    auto rows = read_token_file(tokens_path, c.vocab);
    if (static_cast<int>(rows.front().size()) > c.max_positions)
      throw InputError("--tokens", fmt::format("sequences of {} tokens exceed max_position_embeddings = {}",
                                               rows.front().size(), c.max_positions));
    tokens = tokens_tensor(rows);
    const numerics::Shard shard = numerics::shard_rows(tokens.size(0), lo.shard_rank, lo.shard_count, "--tokens");
    tokens = tokens.narrow(0, shard.begin, shard.end - shard.begin).contiguous();
    shard_weight = shard.weight;
  } else {
    torch::manual_seed(seed);
    tokens = torch::randint(0, c.vocab, {4, std::min(16, c.max_positions)}, torch::kInt64);
  }
  tokens = tokens.to(at.device);
  // Per-parameter leaves (issue 24): each block of θ is differentiated on its own; the masks are
  // built once here.
  const auto masks = std::make_shared<AttentionMasks>(attention_masks(c, tokens.size(1) - 1, at.device));
  auto loss = [c, tokens, masks](const std::vector<torch::Tensor>& blocks) {
    return gpt_neo_loss_blocks(c, blocks, tokens, masks.get());
  };
  TorchModelSource out;
  ta::TorchOptions o;
  o.dtype = dtype;
  o.device = at.device;
  out.loss = std::make_shared<ta::TorchObjective>(ta::TorchObjective::BlockLoss(loss), gpt_neo_shapes(c), o,
                                                  "gpt-neo " + config_path);
  for (const auto& b : param_layout(c)) out.params.push_back({b.name, b.offset, b.size()});
  out.audit = {};  // GPT-Neo: embeddings, LayerNorm, softmax attention, GELU-new (tanh): all C^∞
  out.audit_source = "GPT-Neo operations (embeddings, LayerNorm, softmax attention, gelu_new, tied unembedding)";
  out.init = ta::TorchObjective::to_vec(theta0);
  out.label = "GPT-Neo " + config_path + (weights_path.empty() ? " (seeded init)" : " + " + weights_path);
  out.sharded = !tokens_path.empty() && lo.shard_count > 1;
  out.shard_weight = shard_weight;
  return out;
}

}  // namespace villani::experiments
