// `villani bench scale` (issue 24): villani's curvature path on GPT-Neo shapes beside a reference
// written as plain LibTorch modules with per-parameter leaves (what PyTorch eager runs), each in a
// process of its own so that each peak resident set is its own. This header is Torch-free: the
// CLI spawns the sides and renders them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "experiments/model_config.hpp"
#include "numerics/progress.hpp"

namespace villani::experiments {

/// GPT-Neo shapes of a size: "1m" (hidden 128, 2 layers, vocab 4096), "15m" (hidden 256, 2
/// layers, vocab 50257), "125m" (the gpt-neo-125m preset). InputError(argument) otherwise.
ModelConfig scale_config(const std::string& size, const std::string& argument = "--size");
const std::vector<std::string>& scale_sizes();

struct ScaleWork {
  std::string size = "15m";
  int batch = 2, seq = 128;  ///< tokens [batch, seq] (the loss predicts seq − 1 of them per row)
  int threads = 1;           ///< LibTorch intra-op threads
  int hvps = 4;              ///< products: `hessian --top 1 --max-matvecs 3` makes 3 + 1 (residual)
  std::uint64_t seed = 1;
};

/// One side's figures, measured inside its own process.
struct ScaleSide {
  std::string side;            ///< "villani" | "reference" | "reference-glibc" (the reference
                               ///< under glibc's malloc defaults, as PyTorch eager runs)
  std::int64_t d = 0;
  double load_seconds = 0;     ///< model and data built in memory (weights from the seeded init)
  double gradient_seconds = 0; ///< L(θ) and ∇L(θ): one forward, one forward + backward
  double graph_seconds = 0;    ///< forward + gradient with its graph (create_graph)
  double hvp_seconds = 0;      ///< per Hessian-vector product through that graph: the product itself
  double step_seconds = 0;     ///< per product, the eigen-solver's whole time (start vector,
                               ///< orthogonalization, Ritz vector and residual included)
  int hvps = 0;
  double total_seconds = 0;    ///< all of the above, as a user waits for it (process start excluded)
  double loss = 0;             ///< L(θ) (both sides must agree)
  double top = 0;              ///< the top-eigenvalue estimate after the products
  double vector_bytes = 0;     ///< the solver's stored vectors
  double peak_rss_bytes = 0;   ///< the process's peak resident set
  std::string method;
  std::string allocator;       ///< "glibc defaults" or villani's (numerics::keep_freed_memory)
};

/// Runs one side ("villani": the path of `villani hessian --top 1 --max-matvecs hvps−1 --trace
/// none --dtype float32` through numerics::analyze_curvature; "reference": torch::nn modules,
/// power iteration as PyHessian does) in this process.
ScaleSide run_scale_side(const std::string& side, const ScaleWork& w, const ProgressFn& progress);

}  // namespace villani::experiments
