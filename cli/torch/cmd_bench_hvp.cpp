// villani bench hvp: seconds per gradient and per Hessian-vector product (double backward) of a
// GPT-Neo LibTorch model, and their ratio (target ≤ 3). Tiny/small preset on CPU, 125M on CUDA.
#include "cli/bench.hpp"
#include "experiments/runs.hpp"

namespace villani::cli {
namespace {
const BenchRegistrar reg{{"hvp", "GPT-Neo gradient vs Hessian-vector product time (LibTorch)",
                          [](const BenchOptions& o) { return experiments::bench_hvp(o.quick, o.device, o.preset, o.progress); }}};
}  // namespace
}  // namespace villani::cli
