#include "experiments/gpt_neo.hpp"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "experiments/formats.hpp"
#include "numerics/errors.hpp"

namespace villani::experiments {

torch::Tensor init_theta(const ModelConfig& c, std::uint64_t seed, torch::Dtype dtype, torch::Device dev) {
  c.validate("model");
  auto gen = at::detail::createCPUGenerator(seed);
  const auto layout = param_layout(c);
  const std::int64_t d = layout.back().offset + layout.back().size();
  auto theta = torch::zeros({d}, torch::TensorOptions().dtype(torch::kFloat64));
  for (const auto& b : layout) {
    auto view = theta.narrow(0, b.offset, b.size());
    const bool is_ln = b.name.find("ln_") != std::string::npos;
    const bool is_bias = b.name.size() >= 4 && b.name.compare(b.name.size() - 4, 4, "bias") == 0;
    if (is_ln && !is_bias) view.fill_(1.0);
    else if (!is_bias) view.normal_(0.0, 0.02, gen);
  }
  return theta.to(dev, dtype);
}

namespace {
torch::Tensor block(const torch::Tensor& theta, const ParamBlock& b) {
  return theta.narrow(0, b.offset, b.size()).view(b.shape);
}
// Fused ATen kernels: their backward and double-backward formulas are single kernels too, which
// keeps the Hessian-vector product (double backward) near 3 gradients (`villani bench hvp`).
// torch::linear with its bias is one addmm, as torch::nn::Linear runs it: matmul + bias was two
// nodes and a temporary each, 4% of an HVP at 15M (`villani bench scale`).
// torch::gelu(…, "tanh") is exactly GELU-new, 0.5x(1 + tanh(sqrt(2/π)(x + 0.044715x³))).
torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, double eps) {
  return torch::layer_norm(x, {x.size(-1)}, w, b, eps);
}
torch::Tensor gelu_new(const torch::Tensor& x) { return torch::gelu(x, "tanh"); }
}  // namespace

std::vector<std::vector<std::int64_t>> gpt_neo_shapes(const ModelConfig& c) {
  std::vector<std::vector<std::int64_t>> out;
  for (const auto& b : param_layout(c)) out.push_back(b.shape);
  return out;
}

AttentionMasks attention_masks(const ModelConfig& c, std::int64_t T, torch::Device dev) {
  auto opts_b = torch::TensorOptions().dtype(torch::kBool).device(dev);
  auto causal = torch::ones({T, T}, opts_b).tril();
  auto local = causal.logical_and(torch::ones({T, T}, opts_b).triu(-(c.window - 1)));
  return {causal.logical_not(), local.logical_not()};
}

torch::Tensor gpt_neo_logits_blocks(const ModelConfig& c, const std::vector<torch::Tensor>& blocks,
                                    const torch::Tensor& tokens, const AttentionMasks* masks) {
  if (tokens.dim() != 2) throw DomainError("gpt_neo_logits: tokens must be [B, T]");
  const std::int64_t B = tokens.size(0), T = tokens.size(1), D = c.hidden, H = c.heads, hd = c.head_dim();
  if (T > c.max_positions) throw InputError("--seq", "sequence length " + std::to_string(T) + " exceeds max_positions " + std::to_string(c.max_positions));
  if (blocks.size() != param_layout(c).size()) throw DomainError("gpt_neo_logits: wrong number of parameter blocks");
  const torch::Device dev = blocks.front().device();
  AttentionMasks built;
  if (!masks || masks->global_off.size(0) != T) {
    built = attention_masks(c, T, dev);
    masks = &built;
  }
  std::size_t k = 0;
  auto next = [&]() -> const torch::Tensor& { return blocks.at(k++); };
  const auto& wte = next();
  const auto& wpe = next();
  auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(dev));
  auto x = wte.index_select(0, tokens.reshape({-1})).view({B, T, D}) + wpe.index_select(0, pos).unsqueeze(0);
  const double scale = c.scale_attention ? 1.0 / std::sqrt(static_cast<double>(hd)) : 1.0;
  const double neg = wte.scalar_type() == torch::kFloat64 ? -1e300 : -1e30;
  for (int i = 0; i < c.layers; ++i) {
    const auto &ln1w = next(), &ln1b = next(), &wq = next(), &wk = next(), &wv = next(), &wo = next(), &bo = next();
    const auto &ln2w = next(), &ln2b = next(), &wfc = next(), &bfc = next(), &wpr = next(), &bpr = next();
    auto h = layer_norm(x, ln1w, ln1b, c.ln_eps);
    auto q = torch::linear(h, wq).view({B, T, H, hd}).transpose(1, 2);
    auto kk = torch::linear(h, wk).view({B, T, H, hd}).transpose(1, 2);
    auto v = torch::linear(h, wv).view({B, T, H, hd}).transpose(1, 2);
    auto s = torch::matmul(q, kk.transpose(-1, -2));
    if (scale != 1.0) s = s * scale;
    s = s.masked_fill(c.attention[i] == "local" ? masks->local_off : masks->global_off, neg);
    auto a = torch::softmax(s, -1);
    auto o = torch::matmul(a, v).transpose(1, 2).reshape({B, T, D});
    x = x + torch::linear(o, wo, bo);
    auto h2 = layer_norm(x, ln2w, ln2b, c.ln_eps);
    auto m = gelu_new(torch::linear(h2, wfc, bfc));
    x = x + torch::linear(m, wpr, bpr);
  }
  const auto &lnfw = next(), &lnfb = next();
  x = layer_norm(x, lnfw, lnfb, c.ln_eps);
  return torch::matmul(x, wte.t());
}

torch::Tensor gpt_neo_loss_blocks(const ModelConfig& c, const std::vector<torch::Tensor>& blocks,
                                  const torch::Tensor& tokens, const AttentionMasks* masks) {
  const std::int64_t T = tokens.size(1);
  auto logits = gpt_neo_logits_blocks(c, blocks, tokens.narrow(1, 0, T - 1), masks);
  auto target = tokens.narrow(1, 1, T - 1).reshape({-1});
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), target);
}

torch::Tensor gpt_neo_logits(const ModelConfig& c, const torch::Tensor& theta, const torch::Tensor& tokens) {
  std::vector<torch::Tensor> blocks;
  for (const auto& b : param_layout(c)) blocks.push_back(block(theta, b));
  return gpt_neo_logits_blocks(c, blocks, tokens);
}

torch::Tensor gpt_neo_loss(const ModelConfig& c, const torch::Tensor& theta, const torch::Tensor& tokens) {
  const std::int64_t T = tokens.size(1);
  auto logits = gpt_neo_logits(c, theta, tokens.narrow(1, 0, T - 1));
  auto target = tokens.narrow(1, 1, T - 1).reshape({-1});
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), target);
}

std::pair<torch::Tensor, torch::Tensor> gpt_neo_per_sequence(const ModelConfig& c, const torch::Tensor& theta,
                                                             const torch::Tensor& tokens) {
  torch::NoGradGuard ng;
  const std::int64_t B = tokens.size(0), T = tokens.size(1);
  auto logits = gpt_neo_logits(c, theta, tokens.narrow(1, 0, T - 1));
  auto target = tokens.narrow(1, 1, T - 1);
  auto logp = torch::log_softmax(logits, -1);
  auto ce = -logp.gather(-1, target.unsqueeze(-1)).squeeze(-1).mean(1);
  auto err = (logits.argmax(-1) != target).to(logits.scalar_type()).mean(1);
  (void)B;
  return {ce, err};
}

GptNeoImpl::GptNeoImpl(ModelConfig c, torch::Tensor theta0) : cfg(std::move(c)) {
  theta = register_parameter("theta", theta0.detach().clone());
}

// ---------------------------------------------------------------------------------------------
// safetensors

namespace {
struct StHeader {
  nlohmann::json meta;
  std::uint64_t data_start = 0;
  std::uint64_t file_size = 0;
};
StHeader read_st_header(std::ifstream& f, const std::string& path) {
  StHeader h;
  h.file_size = std::filesystem::file_size(path);
  unsigned char len8[8] = {0};
  if (h.file_size < 8 || !f.read(reinterpret_cast<char*>(len8), 8))
    throw InputError("--weights", "'" + path + "' is too short for a safetensors file");
  const std::uint64_t n = safetensors_header_length(len8, h.file_size, path);
  std::string text(n, '\0');
  f.read(text.data(), static_cast<std::streamsize>(n));
  if (!f) throw InputError("--weights", "'" + path + "' is too short for its header");
  h.meta = safetensors_header_json(text, path);
  h.data_start = 8 + n;
  safetensors_check_layout(h.meta, h.data_start, h.file_size, path);
  return h;
}
}  // namespace

torch::Tensor load_safetensors(const std::string& path, const ModelConfig& c, torch::Dtype dtype) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))  // a directory or /dev/zero: no file size (was exit 3)
    throw InputError("--weights", "'" + path + "' is not a regular file (a directory, device or missing file)");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError("--weights", "cannot read '" + path + "'");
  const StHeader h = read_st_header(f, path);
  const auto layout = param_layout(c);
  auto theta = torch::zeros({param_count(c)}, torch::kFloat64);
  for (const auto& b : layout) {
    std::string key = "transformer." + b.name;
    if (!h.meta.contains(key)) key = b.name;
    if (!h.meta.contains(key))
      throw InputError("--weights", "'" + path + "' has no tensor 'transformer." + b.name + "'");
    const SafetensorsEntry e = safetensors_entry(h.meta, key, h.data_start, h.file_size, path);
    if (e.shape != b.shape) {
      auto str = [](const std::vector<std::int64_t>& s) {
        std::string o = "[";
        for (std::size_t i = 0; i < s.size(); ++i) o += (i ? "," : "") + std::to_string(s[i]);
        return o + "]";
      };
      throw InputError("--weights", "'" + path + "': tensor '" + key + "' has shape " + str(e.shape) +
                                        " but the model config needs " + str(b.shape));
    }
    const torch::Dtype sdt = e.dtype == "F32" ? torch::kFloat32 : e.dtype == "F64" ? torch::kFloat64
                             : e.dtype == "F16" ? torch::kFloat16 : torch::kBFloat16;
    const std::uint64_t beg = e.begin, end = e.end;
    std::vector<char> buf(end - beg);
    f.seekg(static_cast<std::streamoff>(h.data_start + beg));
    if (!f.read(buf.data(), static_cast<std::streamsize>(buf.size())))
      throw InputError("--weights", "'" + path + "': truncated data for '" + key + "'");
    auto t = torch::from_blob(buf.data(), {b.size()}, sdt).to(torch::kFloat64);
    theta.narrow(0, b.offset, b.size()).copy_(t);
  }
  return theta.to(dtype);
}

void save_safetensors(const std::string& path, const ModelConfig& c, const torch::Tensor& theta) {
  const bool f64 = theta.scalar_type() == torch::kFloat64;
  auto t = theta.detach().to(torch::kCPU).contiguous();
  if (!f64) t = t.to(torch::kFloat32);
  const std::size_t esz = f64 ? 8 : 4;
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& b : param_layout(c))
    meta["transformer." + b.name] = {{"dtype", f64 ? "F64" : "F32"},
                                     {"shape", b.shape},
                                     {"data_offsets", {b.offset * esz, (b.offset + b.size()) * esz}}};
  std::string head = meta.dump();
  while ((head.size() + 8) % 8) head += ' ';
  const std::string tmp = path + ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    std::uint64_t n = head.size();
    unsigned char len8[8];
    for (int i = 0; i < 8; ++i) len8[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
    o.write(reinterpret_cast<const char*>(len8), 8);
    o.write(head.data(), static_cast<std::streamsize>(head.size()));
    o.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * esz));
    if (!o) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

torch::Device resolve_device(const std::string& d) {
  if (d == "cpu") return torch::kCPU;
  if (d == "cuda") {
    if (!torch::cuda::is_available())
      throw InputError("--device", "cuda requested but this LibTorch has no usable CUDA device (see docs/gpu.md)");
    return torch::kCUDA;
  }
  if (d == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  throw InputError("--device", "expected auto|cpu|cuda; got '" + d + "'");
}

}  // namespace villani::experiments
