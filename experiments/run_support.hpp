// Shared pieces of the measured runs (experiments/runs.cpp, train_loop.cpp, pacbayes.cpp): the
// cancel token, progress, the data/model set-up (with this rank's shard of the training set in
// data-parallel runs), the per-λ runner that owns each λ's config, record and resume check.
// Internal to experiments/; includes LibTorch.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "experiments/data.hpp"
#include "experiments/model_config.hpp"
#include "experiments/run_record.hpp"
#include "experiments/runs.hpp"
#include "numerics/distributed.hpp"

namespace villani::experiments::detail {

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
  torch::Tensor train, test;  // [N, T] int64 on dev; train: this rank's shard when data-parallel
  int T = 0;
  std::int64_t d = 0;
  long n_train = 0;  // training sequences over all ranks
  // Data-parallel (o.launch): the group, and this rank's block of the training sequences
  // (numerics::shard_rows); one process: none, and the whole set with weight 1.
  std::shared_ptr<numerics::Communicator> comm;
  numerics::Shard shard;
  bool leader() const { return !comm || comm->rank() == 0; }
};

/// The first n sequences of T tokens of a token stream, [min(n, |toks|/T), T] int64 on dev.
torch::Tensor chunks(const std::vector<std::int32_t>& toks, long n, int T, const torch::Device& dev);
/// Data, model configuration and device for a run; training/test sizes and the sequence length
/// are the kind's defaults where the options leave them at 0. `model_free`: the kind builds its
/// own model from cfg.vocab (pacbayes' bigram): no GPT-Neo preset, cfg.name = o.preset, d = 0.
/// With o.launch: after every check, keeps this rank's shard of the training set
/// (InputError("--train-sequences") when it has fewer sequences than ranks) and joins the group.
Setup make_setup(const RunOptions& o, torch::Dtype dflt, bool model_free = false);
nlohmann::json base_config(const RunOptions& o, const Setup& S, double lambda, const std::string& lambda_text);
nlohmann::json hardware(const Setup& S);
std::string lambda_dir(const RunOptions& o, std::size_t i);

/// θ0: --weights, or the seeded initialisation.
torch::Tensor initial_theta(const Setup& S, const RunOptions& o);
/// `local` (an objective on this rank's shard), all-reduced over the ranks when data-parallel.
std::shared_ptr<const numerics::Objective> over_ranks(const Setup& S, std::shared_ptr<const numerics::Objective> local);
/// The GPT-Neo loss L on this rank's training shard, plus (λ/2)‖θ‖² when lambda ≠ 0 (F
/// differentiated by LibTorch, not shifted analytically), in `dtype` on `device`, over the ranks
/// (over_ranks: Σ_r w_r (L_r + λ‖θ‖²/2) = F, as Σ_r w_r = 1). `name` labels it in messages.
std::shared_ptr<const numerics::Objective> training_objective(const Setup& S, torch::Dtype dtype,
                                                              torch::Device device, const std::string& name,
                                                              double lambda = 0);

/// The caller's cancel token (Ctrl-C) is set. stop_requested: the same, agreed between the ranks
/// of a data-parallel run (whether any rank's is set; one all-reduce), so that all stop together.
bool cancelled(const RunOptions& o);
bool stop_requested(const Setup& S, const RunOptions& o);

/// A file's bytes ("" when unreadable).
std::string read_bytes(const std::string& path);
/// Runs f on rank 0 alone (in one process: here) and returns its strings on every rank; an
/// InputError on rank 0 is thrown on every rank with the same message. Records and checkpoints
/// live with rank 0: the other ranks never read or write --out.
std::vector<std::string> from_leader(const Setup& S, const std::function<std::vector<std::string>()>& f);

/// A record opened by rank 0 (rec: rank 0 only), with what every rank needs to know of it.
struct OpenedRecord {
  std::optional<RunRecord> rec;
  bool done = false;              ///< --resume found it complete
  std::int64_t last_step = -1;    ///< its last recorded step when opened
};
OpenedRecord open_ranked_record(const std::string& dir, const nlohmann::json& cfg, const RunOptions& o,
                                const Setup& S);

/// One λ of a per-λ run, as for_each_lambda hands it to the kind's body.
struct LambdaRun {
  std::size_t i = 0;
  double lambda = 0;
  std::string text, dir;
  RunRecord* rec = nullptr;        ///< rank 0 only: the other ranks write nothing
  std::int64_t resumed_last = -1;  ///< the record's last step when opened (every rank)
  /// Rank 0: appends m unless its step is recorded already (a resumed run replays steps).
  void append(const nlohmann::json& m);
};
/// The kind's work on one λ: false when it was interrupted (the runner stops there).
using LambdaBody = std::function<bool(LambdaRun&)>;

/// The per-λ runner of run sgld|train|psi|pacbayes: for each λ of o, unless a stop was requested
/// (agreed between ranks), the record's configuration config(i), the record opened in
/// lambda_dir(o, i) by rank 0 (--resume: reopened; a complete one is skipped with a line on log),
/// then body. Fills out.records and out.interrupted.
void for_each_lambda(const RunOptions& o, const Setup& S, RunOutcome& out, std::ostream& log,
                     const std::function<nlohmann::json(std::size_t)>& config, const LambdaBody& body);

}  // namespace villani::experiments::detail
