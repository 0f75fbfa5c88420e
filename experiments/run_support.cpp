// Shared pieces of the measured runs; moved out of runs.cpp so that pacbayes.cpp can use them.
#include "experiments/run_support.hpp"

#include <torch/version.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "experiments/formats.hpp"
#include "experiments/gpt_neo.hpp"
#include "numerics/checked.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"
#include "numerics/torch/torch_objective.hpp"

namespace villani::experiments::detail {

namespace fs = std::filesystem;

torch::Dtype resolve_dtype(const std::string& t, torch::Dtype dflt, const torch::Device& dev) {
  if (t == "auto") return dflt;
  if (t == "float32") return torch::kFloat32;
  if (t == "float64") return torch::kFloat64;
  if (t == "bfloat16") {
    if (!dev.is_cuda()) throw InputError("--dtype", "bfloat16 is supported on CUDA only");
    return torch::kBFloat16;
  }
  throw InputError("--dtype", "expected auto|float32|float64|bfloat16; got '" + t + "'");
}
const char* dtype_name(torch::Dtype t) {
  return t == torch::kFloat64 ? "float64" : t == torch::kBFloat16 ? "bfloat16" : "float32";
}

torch::Tensor chunks(const std::vector<std::int32_t>& toks, long n, int T, const torch::Device& dev) {
  const long avail = static_cast<long>(toks.size()) / T;
  const long m = std::min(n, avail);
  if (m < 1) throw InputError("--data", "corpus too small for one sequence of " + std::to_string(T) + " tokens");
  std::vector<std::int64_t> v(static_cast<std::size_t>(m) * T);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = toks[i];
  return torch::from_blob(v.data(), {m, T}, torch::kLong).clone().to(dev);
}

Setup make_setup(const RunOptions& o, torch::Dtype dflt, bool model_free) {
  Setup S;
  S.dev = resolve_device(o.device);
  S.dtype = resolve_dtype(o.dtype, dflt, S.dev);
  if (model_free) {
    S.cfg.name = o.preset;
    S.cfg.max_positions = 1 << 20;
  } else {
    S.cfg = o.config_file.empty() ? model_preset(o.preset) : model_from_hf_config(o.config_file);
  }
  const bool pb = o.kind == "pacbayes";
  const int seq = o.seq > 0 ? o.seq : (pb ? 8 : 32);
  if (seq < 2) throw InputError("--seq", "sequence length must be >= 2; got " + std::to_string(o.seq));
  if (o.train_sequences < 0) throw InputError("--train-sequences", "must be >= 1");
  long ntrain = o.train_sequences;
  if (ntrain == 0)
    ntrain = o.kind == "sgld" ? 16 : pb ? (o.quick ? 8000 : 40000) : o.kind == "train" ? 512 : 8;
  const long ntest = o.test_sequences > 0 ? o.test_sequences : (pb ? (o.quick ? 2000 : 10000) : 64);
  if (seq > S.cfg.max_positions)
    throw InputError("--seq", "sequence length " + std::to_string(seq) + " exceeds the model's " +
                                  std::to_string(S.cfg.max_positions) + " positions (max_position_embeddings)");
  S.T = seq;
  const std::size_t want = static_cast<std::size_t>(std::max(ntrain, 4 * ntest)) * S.T;
  S.corpus = load_corpus(o.data, want, o.seed, o.bpe);
  if (S.cfg.vocab == 0) S.cfg.vocab = S.corpus.vocab;
  if (S.cfg.vocab < S.corpus.vocab)
    throw InputError("--data", "the data's vocabulary (" + std::to_string(S.corpus.vocab) +
                                   ") exceeds the model's (" + std::to_string(S.cfg.vocab) + ")");
  if (!model_free) {
    S.cfg.validate(o.config_file.empty() ? "--preset" : "--config");
    // Activations of one forward/backward: logits [B, T, V] and per-layer [B, T, D] tensors.
    const double B = o.batch > 0 ? double(o.batch) * o.accum : double(ntrain);
    const double acts = B * S.T * (double(S.cfg.vocab) + S.cfg.layers * (16.0 * S.cfg.hidden + double(S.cfg.heads) * S.T));
    check_memory(o.batch > 0 ? "--batch" : "--train-sequences", 8 * 3 * acts,
                 fmt::format("one step on {} sequences of {} tokens", B, S.T));
  }
  S.train = chunks(S.corpus.train, ntrain, S.T, S.dev);
  S.test = chunks(S.corpus.test, ntest, S.T, S.dev);
  S.n_train = S.train.size(0);
  S.d = model_free ? 0 : param_count(S.cfg);
  if (o.launch) {
    // Data-parallel: every rank built and checked the whole data set above (bad input exits 2 on
    // every rank alike); it keeps its block of the training sequences, then joins the group.
    S.shard = numerics::shard_rows(S.n_train, o.launch->rank, o.launch->world, "--train-sequences");
    S.train = S.train.slice(0, S.shard.begin, S.shard.end).clone();
    S.comm = numerics::make_communicator(*o.launch);
  }
  return S;
}

nlohmann::json base_config(const RunOptions& o, const Setup& S, double lambda, const std::string& lambda_text) {
  return {{"kind", o.kind},
          {"model", S.cfg.to_json()},
          {"d", S.d},
          {"data", o.data},
          {"corpus", S.corpus.name},
          {"tokenizer", S.corpus.tokenizer},
          {"entropy_rate", S.corpus.entropy_rate ? nlohmann::json(*S.corpus.entropy_rate) : nlohmann::json()},
          {"weights", o.weights_file},
          {"lambda", lambda},
          {"lambda_text", lambda_text},
          {"temperature", o.temperature},
          {"seed", o.seed},
          {"seq", S.T},
          {"train_sequences", S.n_train},
          {"test_sequences", S.test.size(0)},
          {"batch", o.batch},
          {"accum", o.accum},
          {"dtype", dtype_name(S.dtype)},
          {"device", S.dev.is_cuda() ? "cuda" : "cpu"},
          {"quick", o.quick}};
}

nlohmann::json hardware(const Setup& S) {
  auto h = host_info();
  h["device"] = S.dev.is_cuda() ? "cuda" : "cpu";
  h["torch_version"] = TORCH_VERSION;
  h["torch_threads"] = torch::get_num_threads();
  h["cuda_available"] = torch::cuda::is_available();
  return h;
}

std::string lambda_dir(const RunOptions& o, std::size_t i) { return o.out + "/lambda=" + o.lambda_texts.at(i); }

namespace {

// Opens (or reopens) the record of one λ; already_done when --resume finds it complete.
RunRecord open_record(const std::string& dir, const nlohmann::json& cfg, const RunOptions& o, const Setup& S,
                      bool& already_done) {
  already_done = false;
  if (o.resume && fs::exists(dir + "/summary.json")) {
    // Done only when the summary says so and every line of its metrics is whole; a torn last
    // line reopens the run (RunRecord::open drops it and the step is computed again).
    const MetricsFile mf = read_metrics_file(dir + "/metrics.jsonl", "--resume");
    if (mf.torn_line == 0) {
      const auto j = RunRecord::load(dir);
      if (j.contains("summary") && j["summary"].value("complete", false)) already_done = true;
    }
  }
  const bool resume = o.resume && fs::exists(dir + "/config.json");
  RunRecord rec = RunRecord::open(dir, cfg, resume);
  if (!resume) rec.write_hardware(hardware(S));
  return rec;
}

// Rank root's strings on every rank (their count, then each).
std::vector<std::string> share(numerics::Communicator& c, std::vector<std::string> v) {
  double n = static_cast<double>(v.size());
  numerics::broadcast(c, &n, 1);
  v.resize(static_cast<std::size_t>(n));
  for (auto& s : v) s = numerics::broadcast_bytes(c, s);
  return v;
}

}  // namespace

bool cancelled(const RunOptions& o) { return o.cancel && o.cancel->load(); }

bool stop_requested(const Setup& S, const RunOptions& o) {
  if (!S.comm) return cancelled(o);
  double flag = cancelled(o) ? 1.0 : 0.0;
  S.comm->allreduce_sum(&flag, 1);
  return flag > 0;
}

std::string read_bytes(const std::string& path) { return read_file_capped(path, 1ull << 40, "--resume"); }

std::vector<std::string> from_leader(const Setup& S, const std::function<std::vector<std::string>()>& f) {
  if (!S.comm) return f();
  // Rank 0's outcome: "ok" and its strings, or the argument and message of its InputError.
  std::vector<std::string> v;
  if (S.leader()) {
    try {
      v = f();
      v.insert(v.begin(), "ok");
    } catch (const InputError& e) {
      const std::string what = e.what();
      v = {"error", e.argument(), what.substr(std::min(what.size(), e.argument().size() + 2))};
    }
  }
  v = share(*S.comm, std::move(v));
  if (v.at(0) == "error") throw InputError(v.at(1), v.at(2));
  v.erase(v.begin());
  return v;
}

OpenedRecord open_ranked_record(const std::string& dir, const nlohmann::json& cfg, const RunOptions& o,
                                const Setup& S) {
  OpenedRecord r;
  const auto v = from_leader(S, [&]() -> std::vector<std::string> {
    bool done = false;
    r.rec.emplace(open_record(dir, cfg, o, S, done));
    return {done ? "1" : "0", std::to_string(r.rec->last_step())};
  });
  r.done = v.at(0) == "1";
  r.last_step = std::stoll(v.at(1));
  return r;
}

void LambdaRun::append(const nlohmann::json& m) {
  if (rec && m.at("step").get<std::int64_t>() > rec->last_step()) rec->append(m);
}

void for_each_lambda(const RunOptions& o, const Setup& S, RunOutcome& out, std::ostream& log,
                     const std::function<nlohmann::json(std::size_t)>& config, const LambdaBody& body) {
  for (std::size_t i = 0; i < o.lambdas.size(); ++i) {
    if (stop_requested(S, o)) {
      out.interrupted = true;
      break;
    }
    LambdaRun run{i, o.lambdas[i], o.lambda_texts[i], lambda_dir(o, i)};
    OpenedRecord opened = open_ranked_record(run.dir, config(i), o, S);
    out.records.push_back(run.dir);
    if (opened.done) {
      log << "λ=" << run.text << ": already complete in " << run.dir << "\n";
      continue;
    }
    run.rec = opened.rec ? &*opened.rec : nullptr;
    run.resumed_last = opened.last_step;
    if (!body(run)) {
      out.interrupted = true;
      log << "interrupted at λ=" << run.text << "; resume with --resume (record: " << run.dir << ")\n";
      break;
    }
  }
}

torch::Tensor initial_theta(const Setup& S, const RunOptions& o) {
  if (!o.weights_file.empty()) return load_safetensors(o.weights_file, S.cfg, S.dtype).to(S.dev);
  return init_theta(S.cfg, o.seed, S.dtype, S.dev);
}

std::shared_ptr<const numerics::Objective> over_ranks(const Setup& S, std::shared_ptr<const numerics::Objective> local) {
  if (!S.comm) return local;
  return std::make_shared<numerics::DistributedObjective>(std::move(local), S.comm, S.shard.weight);
}

std::shared_ptr<const numerics::Objective> training_objective(const Setup& S, torch::Dtype dtype,
                                                              torch::Device device, const std::string& name,
                                                              double lambda) {
  numerics::torch_adapter::TorchOptions to;
  to.dtype = dtype;
  to.device = device;
  const auto cfg = S.cfg;
  const auto tok = S.train;
  // Per-parameter leaves and masks built once (issue 24): the same loss as gpt_neo_loss on the
  // flat θ, without scattering each block's gradient into a d-sized tensor per backward pass.
  const auto masks = std::make_shared<AttentionMasks>(attention_masks(cfg, tok.size(1) - 1, device));
  auto loss = [cfg, tok, lambda, masks](const std::vector<torch::Tensor>& blocks) {
    auto l = gpt_neo_loss_blocks(cfg, blocks, tok, masks.get());
    if (lambda == 0) return l;
    auto sq = blocks.front().pow(2).sum();
    for (std::size_t i = 1; i < blocks.size(); ++i) sq = sq + blocks[i].pow(2).sum();
    return l + 0.5 * lambda * sq;
  };
  return over_ranks(S, std::make_shared<numerics::torch_adapter::TorchObjective>(
                           numerics::torch_adapter::TorchObjective::BlockLoss(loss), gpt_neo_shapes(cfg), to, name));
}

}  // namespace villani::experiments::detail
