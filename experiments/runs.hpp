// Measured runs (issue 6, docs/theory.md §1, §4, §5): `villani run psi|spectrum|sgld|pacbayes|train`.
// Each writes run records (experiments/run_record.hpp), one per λ, under --out, can be
// interrupted (the caller's cancel token, set by Ctrl-C in cli/: the current step finishes, a
// checkpoint is written) and resumed. sgld, train, psi and spectrum also run data-parallel
// (RunOptions::launch, docs/distributed.md). No LibTorch in this header.
#pragma once
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "experiments/run_summary.hpp"
#include "numerics/distributed.hpp"
#include "numerics/progress.hpp"

namespace villani::experiments {

struct RunOptions {
  std::string kind;                  ///< psi | spectrum | sgld | pacbayes | train
  std::string preset = "tiny";       ///< pacbayes also: bigram (a V×V next-token table; its default)
  std::string config_file;           ///< Hugging Face GPT-Neo config.json (overrides preset)
  std::string weights_file;          ///< safetensors checkpoint to start from
  std::string data = "synthetic";    ///< see load_corpus()
  std::string bpe;                   ///< VOCAB_JSON,MERGES_TXT
  std::vector<double> lambdas{0.01, 0.1, 1.0};
  std::vector<std::string> lambda_texts{"0.01", "0.1", "1"};
  std::string device = "auto";       ///< auto | cpu | cuda
  std::string dtype = "auto";        ///< auto | float32 | float64 | bfloat16
  std::string out;                   ///< record root (required)
  bool resume = false;
  std::uint64_t seed = 1;
  long steps = 0;                    ///< 0: the kind's default
  double lr = 0;                     ///< 0: the kind's default
  double temperature = 1e-4;         ///< s
  std::string optimizer;             ///< train: sgd | sgd-l2 | adam-l2 | adamw | sgld
  int batch = 0;                     ///< sequences per micro-batch (0: full training set)
  int accum = 1;                     ///< gradient accumulation (micro-batches per step)
  int seq = 0;                       ///< sequence length (0: 32, pacbayes 8; ≤ max_positions)
  long train_sequences = 0;          ///< training set size in sequences (0: the kind's default)
  long test_sequences = 0;           ///< 0: 64 (pacbayes: 10000, --quick 2000)
  int record_every = 0;              ///< 0: automatic (≈ 300 records per run)
  int samples = 16;                  ///< Monte Carlo samples (pacbayes), directions (psi)
  bool quick = false;                ///< smaller sizes (tests, reproduce)
  std::string prior = "data";        ///< pacbayes: data (mean trained on a split) | zero (data-free grid)
  double prior_fraction = 0.5;       ///< pacbayes: share of the training sequences for the prior
  std::string objective = "quad";    ///< pacbayes: classic | quad | lambda (bound the posterior minimises)
  double prior_var = 0;              ///< pacbayes: fixed prior variance (0: s/λ, coupled to λ)
  double mean_lambda = 0;            ///< pacbayes: fixed weight decay of the trained mean (0: λ)
  ProgressFn progress;               ///< step/total and loss per λ (empty: none); never printed here
  /// Cancel token (cli/interrupt.hpp: Ctrl-C): when set, the run finishes its step, checkpoints
  /// and returns interrupted. Null: never.
  const std::atomic<bool>* cancel = nullptr;
  /// Data-parallel (docs/distributed.md): this process is launch->rank of launch->world; it keeps
  /// its shard of the training set, and rank 0 alone writes records (sgld, train, psi, spectrum).
  std::optional<numerics::LaunchEnv> launch;
};

struct RunOutcome {
  bool interrupted = false;
  std::vector<std::string> records;  ///< record directories written (one per λ)
  std::vector<RunSummary> summaries;  ///< one per record finished by this call (summary.json: run_json.hpp)
};

/// Runs one kind; results on `log`, progress through o.progress. A set o.cancel finishes the
/// current step, checkpoints and returns interrupted = true. InputError on bad options.
RunOutcome run_experiment(const RunOptions& o, std::ostream& log);

/// The check behind "Hessian spectral inflation": top and bottom eigenvalues of ∇²L and of
/// ∇²F (F differentiated by LibTorch, not shifted analytically) in float64 at a GPT-Neo point.
struct SpectrumCheck {
  std::string preset;
  std::int64_t d = 0;
  double lambda = 0;
  double top_L = 0, top_F = 0;
  double shift = 0;      ///< top_F − top_L
  double rel_err = 0;    ///< |shift − λ| / λ
  bool converged = false;
  long hvps = 0;
};
SpectrumCheck spectrum_check(const std::string& preset, double lambda, std::uint64_t seed, bool quick);

/// `villani bench hvp`: seconds per gradient and per Hessian-vector product (double backward)
/// for a GPT-Neo model; preset "" picks tiny on CPU and gpt-neo-125m on CUDA. Reports what it
/// measures before building the model, and the expected duration after a first repetition of
/// each figure, through `progress`.
struct HvpBench {
  std::string preset;
  std::int64_t d = 0;
  int batch = 0, seq = 0;
  std::string device;  ///< cpu | cuda
  std::string dtype;   ///< float32
  double seconds_per_value = 0, seconds_per_gradient = 0, seconds_per_hvp = 0;
  double target_ratio = 3.0;  ///< the HVP should cost at most this many gradients
  int threads = 0;
  double hvp_over_gradient() const { return seconds_per_hvp / seconds_per_gradient; }
};
HvpBench bench_hvp(bool quick, const std::string& device, const std::string& preset,
                         const ProgressFn& progress = {});

}  // namespace villani::experiments
