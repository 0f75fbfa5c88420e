// villani bench hvp: seconds per gradient and per Hessian-vector product (double backward) of a
// GPT-Neo LibTorch model, and their ratio (target ≤ 3). Tiny/small preset on CPU, 125M on CUDA.
// experiments::bench_hvp measures; the figures, table and notes are rendered here.
#include <fmt/format.h>

#include "cli/bench.hpp"
#include "experiments/runs.hpp"

namespace villani::cli {
namespace {

nlohmann::json render(const experiments::HvpBench& b) {
  const double ratio = b.hvp_over_gradient();
  nlohmann::json r;
  r["figures"] = {{"preset", b.preset}, {"d", b.d}, {"batch", b.batch}, {"seq", b.seq},
                  {"device", b.device}, {"dtype", b.dtype},
                  {"seconds_per_value", b.seconds_per_value}, {"seconds_per_gradient", b.seconds_per_gradient},
                  {"seconds_per_hvp", b.seconds_per_hvp}, {"hvp_over_gradient", ratio},
                  {"target_ratio", b.target_ratio}, {"threads", b.threads}};
  r["table"] = {{"model", b.preset + " (d=" + std::to_string(b.d) + ")", ""},
                {"batch × seq", std::to_string(b.batch) + "×" + std::to_string(b.seq), "tokens"},
                {"value", fmt::format("{:.4g}", b.seconds_per_value), "s"},
                {"gradient", fmt::format("{:.4g}", b.seconds_per_gradient), "s"},
                {"HVP (double backward)", fmt::format("{:.4g}", b.seconds_per_hvp), "s"},
                {"HVP / gradient", fmt::format("{:.2f}", ratio),
                 ratio <= b.target_ratio ? "≤ 3 (target met)" : "> 3 (target missed)"}};
  r["notes"] = {"device " + b.device + ", " + b.dtype + ", " + std::to_string(b.threads) + " threads; warm-up excluded"};
  return r;
}

const BenchRegistrar reg{{"hvp", "GPT-Neo gradient vs Hessian-vector product time (LibTorch)",
                          [](const BenchOptions& o) { return render(experiments::bench_hvp(o.quick, o.device, o.preset, o.progress)); }}};
}  // namespace
}  // namespace villani::cli
