// `villani bench hvp` (runs.hpp): seconds per value, gradient and Hessian-vector product of a
// GPT-Neo model in LibTorch; moved out of runs.cpp.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <functional>
#include <string>

#include "experiments/gpt_neo.hpp"
#include "experiments/runs.hpp"
#include "numerics/torch/torch_objective.hpp"

namespace villani::experiments {

namespace ta = villani::numerics::torch_adapter;

HvpBench bench_hvp(bool quick, const std::string& device, const std::string& preset_in,
                         const ProgressFn& progress) {
  const torch::Device dev = resolve_device(device);
  const std::string preset = !preset_in.empty() ? preset_in : (dev.is_cuda() ? "gpt-neo-125m" : (quick ? "tiny" : "small"));
  ModelConfig cfg = model_preset(preset);
  if (cfg.vocab == 0) cfg.vocab = 256;
  const int T = std::min(cfg.max_positions, dev.is_cuda() ? 512 : (quick ? 32 : 64));
  const int B = dev.is_cuda() ? 4 : (quick ? 4 : 8);
  progress_note(progress, fmt::format("bench hvp: measuring seconds per value, gradient and HVP of {} (d = {}) on {}, "
                                      "batch {}×{}, float32, {} threads",
                                      preset, param_count(cfg), dev.is_cuda() ? "cuda" : "cpu", B, T,
                                      torch::get_num_threads()));
  progress_update(progress, "bench hvp: building the model", 0, 0, "");
  const torch::Dtype dt = torch::kFloat32;
  auto gen = at::detail::createCPUGenerator(7);
  auto tok = torch::randint(cfg.vocab, {B, T}, gen, torch::TensorOptions().dtype(torch::kLong)).to(dev);
  auto theta = init_theta(cfg, 1, dt, dev);
  ta::TorchOptions to;
  to.dtype = dt;
  to.device = dev;
  ta::TorchObjective obj([cfg, tok](const torch::Tensor& x) { return gpt_neo_loss(cfg, x, tok); }, theta.numel(), to,
                         preset);
  auto v = torch::randn_like(theta);
  auto sync = [&] {
    if (dev.is_cuda()) torch::cuda::synchronize();
  };
  auto seconds = [&](auto&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    sync();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  // A first (warm-up, untimed) repetition of each figure gives the expected duration of the
  // timed ones: each repeats until min_time has passed (at least once, at most 1000 times).
  const double min_time = quick ? 0.3 : 1.5;
  struct Figure {
    const char* name;
    std::function<void()> fn;
    double first = 0;
    long reps = 1;
  };
  Figure figs[] = {{"gradient", [&] { (void)obj.gradient_t(theta); }},
                   {"HVP", [&] { (void)obj.hvp_t(theta, v); }},
                   {"value", [&] { (void)obj.value_t(theta); }}};
  double expected = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    progress_update(progress, "bench hvp: first repetitions (warm-up)", static_cast<long>(i), 3, "figure",
                    std::string("measuring ") + figs[i].name);
    figs[i].first = seconds(figs[i].fn);
    figs[i].reps = std::clamp<long>(static_cast<long>(std::ceil(min_time / std::max(figs[i].first, 1e-9))), 1, 1000);
    expected += static_cast<double>(figs[i].reps) * figs[i].first;
  }
  progress_note(progress, fmt::format("bench hvp: first repetitions {:.3g} s (gradient), {:.3g} s (HVP), {:.3g} s "
                                      "(value); the timed repetitions will take about {:.0f} s",
                                      figs[0].first, figs[1].first, figs[2].first, std::ceil(expected)));
  auto time = [&](const Figure& f) {
    const std::string task = std::string("bench hvp: timing ") + f.name;
    int reps = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double el = 0;
    do {
      progress_update(progress, task, reps, std::max<long>(f.reps, reps + 1), "rep");
      f.fn();
      sync();
      ++reps;
      el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (el < min_time && reps < 1000);
    return el / reps;
  };
  const double tg = time(figs[0]);
  const double th = time(figs[1]);
  const double tv = time(figs[2]);
  progress_end(progress);
  HvpBench r;
  r.preset = preset;
  r.d = theta.numel();
  r.batch = B;
  r.seq = T;
  r.device = dev.is_cuda() ? "cuda" : "cpu";
  r.dtype = "float32";
  r.seconds_per_value = tv;
  r.seconds_per_gradient = tg;
  r.seconds_per_hvp = th;
  r.threads = torch::get_num_threads();
  return r;
}

}  // namespace villani::experiments
