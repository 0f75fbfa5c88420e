// Shared pieces of the measured runs (experiments/runs.cpp, experiments/pacbayes.cpp): the
// SIGINT stop flag, progress, the data/model set-up, run-record opening. Internal to
// experiments/; includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "experiments/data.hpp"
#include "experiments/model_config.hpp"
#include "experiments/run_record.hpp"
#include "experiments/runs.hpp"

namespace villani::experiments::detail {

/// Set by the first Ctrl-C while a run is going (a second one leaves at once).
extern std::atomic<bool> g_stop;

/// Installs the SIGINT handler for the lifetime of a run and clears g_stop.
struct SigGuard {
  void (*prev)(int);
  SigGuard();
  ~SigGuard();
};

// Progress goes to the caller's ProgressFn (cli/progress.hpp shows it); this layer never prints.
struct Progress {
  const ProgressFn& fn;
  void show(const std::string& task, long done, long total, const char* unit, std::string detail = {}) {
    progress_update(fn, task, done, total, unit, std::move(detail));
  }
  void done() { progress_end(fn); }
};

torch::Dtype resolve_dtype(const std::string& t, torch::Dtype dflt, const torch::Device& dev);
const char* dtype_name(torch::Dtype t);

struct Setup {
  ModelConfig cfg;
  Corpus corpus;
  torch::Device dev = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
  torch::Tensor train, test;  // [N, T] int64 on dev
  int T = 0;
  std::int64_t d = 0;
};

/// The first n sequences of T tokens of a token stream, [min(n, |toks|/T), T] int64 on dev.
torch::Tensor chunks(const std::vector<std::int32_t>& toks, long n, int T, const torch::Device& dev);
/// Data, model configuration and device for a run; training/test sizes and the sequence length
/// are the kind's defaults where the options leave them at 0. `model_free`: the kind builds its
/// own model from cfg.vocab (pacbayes' bigram): no GPT-Neo preset, cfg.name = o.preset, d = 0.
Setup make_setup(const RunOptions& o, torch::Dtype dflt, bool model_free = false);
nlohmann::json base_config(const RunOptions& o, const Setup& S, double lambda, const std::string& lambda_text);
nlohmann::json hardware(const Setup& S);
std::string lambda_dir(const RunOptions& o, std::size_t i);
/// Opens the record of one λ; already_done when --resume finds it complete.
RunRecord open_record(const std::string& dir, const nlohmann::json& cfg, const RunOptions& o, const Setup& S,
                      bool& already_done);

}  // namespace villani::experiments::detail
