// `villani bench scale` (bench_scale.hpp): one side of the comparison, in this process.
#include "experiments/bench_scale.hpp"

#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "experiments/gpt_neo.hpp"
#include "experiments/torch_sources.hpp"
#include "numerics/curvature.hpp"
#include "numerics/errors.hpp"
#include "numerics/memory.hpp"
#include "numerics/torch/torch_objective.hpp"

namespace villani::experiments {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// ---- the reference: GPT-Neo as torch::nn modules, every parameter a leaf of its own ----------

struct RefBlockImpl : torch::nn::Module {
  RefBlockImpl(int D, int F, double eps)
      : ln1(register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D}).eps(eps)))),
        q(register_module("q_proj", torch::nn::Linear(torch::nn::LinearOptions(D, D).bias(false)))),
        k(register_module("k_proj", torch::nn::Linear(torch::nn::LinearOptions(D, D).bias(false)))),
        v(register_module("v_proj", torch::nn::Linear(torch::nn::LinearOptions(D, D).bias(false)))),
        o(register_module("out_proj", torch::nn::Linear(D, D))),
        ln2(register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({D}).eps(eps)))),
        fc(register_module("c_fc", torch::nn::Linear(D, F))),
        proj(register_module("c_proj", torch::nn::Linear(F, D))) {}
  torch::nn::LayerNorm ln1;
  torch::nn::Linear q, k, v, o;
  torch::nn::LayerNorm ln2;
  torch::nn::Linear fc, proj;
};
TORCH_MODULE(RefBlock);

struct RefGptNeoImpl : torch::nn::Module {
  explicit RefGptNeoImpl(const ModelConfig& c)
      : cfg(c),
        wte(register_module("wte", torch::nn::Embedding(c.vocab, c.hidden))),
        wpe(register_module("wpe", torch::nn::Embedding(c.max_positions, c.hidden))),
        ln_f(register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden}).eps(c.ln_eps)))) {
    for (int i = 0; i < c.layers; ++i) h.push_back(register_module("h" + std::to_string(i), RefBlock(c.hidden, c.ffn(), c.ln_eps)));
  }
  /// The parameters in villani's θ layout order (param_layout), for copying weights in.
  std::vector<torch::Tensor> layout_order() {
    std::vector<torch::Tensor> p{wte->weight, wpe->weight};
    for (auto& b : h)
      for (const auto& t : {b->ln1->weight, b->ln1->bias, b->q->weight, b->k->weight, b->v->weight, b->o->weight,
                            b->o->bias, b->ln2->weight, b->ln2->bias, b->fc->weight, b->fc->bias, b->proj->weight,
                            b->proj->bias})
        p.push_back(t);
    p.push_back(ln_f->weight);
    p.push_back(ln_f->bias);
    return p;
  }
  torch::Tensor loss(const torch::Tensor& tokens) {
    const std::int64_t B = tokens.size(0), T = tokens.size(1) - 1, D = cfg.hidden, H = cfg.heads, hd = cfg.head_dim();
    if (!global_off.defined() || global_off.size(0) != T) {  // masks once per batch shape
      auto causal = torch::ones({T, T}, torch::kBool).tril();
      global_off = causal.logical_not();
      local_off = causal.logical_and(torch::ones({T, T}, torch::kBool).triu(-(cfg.window - 1))).logical_not();
    }
    auto in = tokens.narrow(1, 0, T);
    auto x = wte(in) + wpe(torch::arange(T, torch::kLong)).unsqueeze(0);
    const double neg = x.scalar_type() == torch::kFloat64 ? -1e300 : -1e30;
    for (int i = 0; i < cfg.layers; ++i) {
      auto& b = h[static_cast<std::size_t>(i)];
      auto y = b->ln1(x);
      auto q = b->q(y).view({B, T, H, hd}).transpose(1, 2);
      auto k = b->k(y).view({B, T, H, hd}).transpose(1, 2);
      auto v = b->v(y).view({B, T, H, hd}).transpose(1, 2);
      auto s = torch::matmul(q, k.transpose(-1, -2));
      if (cfg.scale_attention) s = s / std::sqrt(static_cast<double>(hd));
      s = s.masked_fill(cfg.attention[i] == "local" ? local_off : global_off, neg);
      auto o = torch::matmul(torch::softmax(s, -1), v).transpose(1, 2).reshape({B, T, D});
      x = x + b->o(o);
      x = x + b->proj(torch::gelu(b->fc(b->ln2(x)), "tanh"));
    }
    auto logits = torch::matmul(ln_f(x), wte->weight.t());
    return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                                tokens.narrow(1, 1, T).reshape({-1}));
  }
  ModelConfig cfg;
  torch::nn::Embedding wte, wpe;
  std::vector<RefBlock> h;
  torch::nn::LayerNorm ln_f;
  torch::Tensor global_off, local_off;
};
TORCH_MODULE(RefGptNeo);

torch::Tensor batch_tokens(const ModelConfig& c, const ScaleWork& w) {
  auto gen = at::detail::createCPUGenerator(w.seed + 7);
  return torch::randint(c.vocab, {w.batch, w.seq}, gen, torch::TensorOptions().dtype(torch::kLong));
}

ScaleSide reference_side(const ModelConfig& c, const ScaleWork& w, const ProgressFn& progress) {
  ScaleSide r;
  r.side = "reference";
  r.method = "torch::nn modules, per-parameter leaves; power iteration (PyHessian's algorithm)";
  const auto t_all = Clock::now();
  progress_update(progress, "bench scale (reference): building the model", 0, 0, "");
  auto t0 = Clock::now();
  const torch::Tensor tokens = batch_tokens(c, w);
  RefGptNeo m(c);
  m->to(torch::kFloat32);
  {
    torch::NoGradGuard ng;
    const torch::Tensor theta = init_theta(c, w.seed, torch::kFloat32, torch::kCPU);
    std::int64_t off = 0;
    for (auto& p : m->layout_order()) {
      p.copy_(theta.narrow(0, off, p.numel()).view(p.sizes()));
      off += p.numel();
    }
    r.d = off;
  }
  auto params = m->parameters();
  r.load_seconds = since(t0);
  progress_update(progress, "bench scale (reference): value and gradient", 0, 0, "");
  t0 = Clock::now();
  {
    torch::NoGradGuard ng;
    r.loss = m->loss(tokens).item<double>();
  }
  (void)torch::autograd::grad({m->loss(tokens)}, params);
  r.gradient_seconds = since(t0);
  progress_update(progress, "bench scale (reference): gradient graph", 0, 0, "");
  t0 = Clock::now();
  auto g = torch::autograd::grad({m->loss(tokens)}, params, {}, /*retain_graph=*/true, /*create_graph=*/true);
  r.graph_seconds = since(t0);
  // Power iteration: v ← Hv/‖Hv‖, the Rayleigh quotient vᵀHv as the estimate. The clock starts
  // before the random start vector, as villani's eigen-solve time includes its own.
  t0 = Clock::now();
  auto gen = at::detail::createCPUGenerator(w.seed + 11);
  std::vector<torch::Tensor> v;
  for (const auto& p : params) v.push_back(torch::randn(p.sizes(), gen, p.options()));
  auto norm = [](const std::vector<torch::Tensor>& x) {
    double s = 0;
    for (const auto& t : x) s += t.pow(2).sum().item<double>();
    return std::sqrt(s);
  };
  double n0 = norm(v);
  for (auto& t : v) t.div_(n0);
  double products = 0;
  for (int i = 0; i < w.hvps; ++i) {
    progress_update(progress, "bench scale (reference): HVPs", i, w.hvps, "HVP");
    const auto tp = Clock::now();
    auto hv = torch::autograd::grad(g, params, v, /*retain_graph=*/true);
    products += since(tp);
    double rq = 0;
    for (std::size_t j = 0; j < v.size(); ++j) rq += (v[j] * hv[j]).sum().item<double>();
    r.top = rq;
    const double hn = norm(hv);
    if (!(hn > 0)) break;
    for (std::size_t j = 0; j < v.size(); ++j) v[j] = hv[j].div_(hn);
  }
  r.hvps = w.hvps;
  r.step_seconds = since(t0) / w.hvps;
  r.hvp_seconds = products / w.hvps;
  r.vector_bytes = 2.0 * static_cast<double>(r.d) * 4.0;  // v and Hv
  r.total_seconds = since(t_all);
  r.peak_rss_bytes = numerics::peak_rss_bytes();
  return r;
}

ScaleSide villani_side(const ModelConfig& c, const ScaleWork& w, const ProgressFn& progress) {
  ScaleSide r;
  r.side = "villani";
  const auto t_all = Clock::now();
  progress_update(progress, "bench scale (villani): building the model", 0, 0, "");
  auto t0 = Clock::now();
  // The files a user gives `villani hessian`: a Hugging Face config.json and a token file.
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("villani-bench-scale-{}", ::getpid());
  std::filesystem::create_directories(dir);
  nlohmann::json hf = {{"model_type", "gpt_neo"},     {"vocab_size", c.vocab},   {"max_position_embeddings", c.max_positions},
                       {"hidden_size", c.hidden},     {"num_layers", c.layers},  {"num_heads", c.heads},
                       {"window_size", c.window},     {"intermediate_size", c.ffn()}, {"layer_norm_epsilon", c.ln_eps},
                       {"attention_layers", c.attention}, {"activation_function", "gelu_new"}};
  std::ofstream((dir / "config.json").string()) << hf.dump();
  {
    const torch::Tensor tok = batch_tokens(c, w);
    std::ofstream f((dir / "tokens.txt").string());
    for (std::int64_t i = 0; i < tok.size(0); ++i) {
      for (std::int64_t j = 0; j < tok.size(1); ++j) f << (j ? " " : "") << tok[i][j].item<std::int64_t>();
      f << "\n";
    }
  }
  TorchLoadOptions lo;
  lo.dtype = "float32";
  lo.threads = w.threads;
  lo.seed = w.seed;
  TorchModelSource m = load_gpt_neo_config((dir / "config.json").string(), "", (dir / "tokens.txt").string(), lo);
  std::filesystem::remove_all(dir);
  r.load_seconds = since(t0);
  r.d = m.loss->dim();
  numerics::CurvatureOptions o;
  o.top = 1;
  o.trace = numerics::TraceChoice::None;
  o.eigen.max_matvecs = w.hvps - 1;
  o.progress = [&](const ProgressEvent& p) {
    if (!progress) return;
    ProgressEvent e = p;
    if (e.kind == ProgressEvent::Kind::Update) e.task = "bench scale (villani): " + e.task;
    progress(e);
  };
  const auto t_curv = Clock::now();
  const numerics::CurvatureReport rep = numerics::analyze_curvature(*m.loss, std::move(m.init), o);
  const double curv = since(t_curv);
  r.loss = rep.loss;
  r.gradient_seconds = rep.point_cost.seconds;
  r.hvps = static_cast<int>(rep.top->cost.hvps);
  r.step_seconds = rep.top->cost.seconds / std::max<std::int64_t>(1, rep.top->cost.hvps);
  r.hvp_seconds = rep.top->cost.product_seconds / std::max<std::int64_t>(1, rep.top->cost.hvps);
  r.graph_seconds = curv - rep.point_cost.seconds - rep.top->cost.seconds;
  r.top = rep.top->values.empty() ? 0 : rep.top->values[0];
  r.vector_bytes = rep.vector_bytes;
  r.method = rep.top->method + ", vectors " + numerics::to_string(rep.top->storage);
  r.total_seconds = since(t_all);
  r.peak_rss_bytes = numerics::peak_rss_bytes();
  return r;
}

}  // namespace

const std::vector<std::string>& scale_sizes() {
  static const std::vector<std::string> s{"1m", "15m", "125m"};
  return s;
}

ModelConfig scale_config(const std::string& size, const std::string& argument) {
  ModelConfig c;
  if (size == "125m") {
    c = model_preset("gpt-neo-125m");
  } else if (size == "15m" || size == "1m") {
    c.vocab = size == "15m" ? 50257 : 4096;
    c.max_positions = size == "15m" ? 2048 : 256;
    c.hidden = size == "15m" ? 256 : 128;
    c.layers = 2;
    c.heads = size == "15m" ? 4 : 2;
    c.window = 256;
    c.attention = {"global", "local"};
  } else {
    throw InputError(argument, "expected 1m | 15m | 125m; got '" + size + "'");
  }
  c.name = "gpt-neo shapes " + size;
  return c;
}

ScaleSide run_scale_side(const std::string& side, const ScaleWork& w, const ProgressFn& progress) {
  const ModelConfig c = scale_config(w.size);
  if (w.threads < 1) throw InputError("--threads", "expected ≥ 1");
  if (w.hvps < 2) throw InputError("--hvps", "expected ≥ 2");
  if (w.seq < 2 || w.seq > c.max_positions) throw InputError("--seq", "out of range");
  numerics::torch_adapter::set_compute_threads(w.threads);
  ScaleSide r;
  if (side == "reference" || side == "reference-glibc") r = reference_side(c, w, progress);
  else if (side == "villani") r = villani_side(c, w, progress);
  else throw InputError("--side", "expected villani | reference | reference-glibc; got '" + side + "'");
  r.side = side;
  const char* m = std::getenv("VILLANI_MALLOC");
  r.allocator = m && std::string(m) == "glibc" ? "glibc defaults" : "freed memory kept (numerics::keep_freed_memory)";
  return r;
}

}  // namespace villani::experiments
