// villani run psi|spectrum|sgld|pacbayes|train: measured runs on GPT-Neo in LibTorch (issue 6).
// The work is in experiments/runs.cpp; this file parses options (no LibTorch include).
#include <CLI/CLI.hpp>
#include <iostream>
#include <limits>
#include <sstream>

#include "cli/command.hpp"
#include "cli/interrupt.hpp"
#include "cli/strict_integers.hpp"
#include "cli/lists.hpp"
#include "cli/progress.hpp"
#include "cli/run_registry.hpp"
#include "experiments/runs.hpp"
#include "numerics/checked.hpp"
#include "numerics/distributed.hpp"
#include "numerics/errors.hpp"

namespace villani::cli {
namespace {

const char* kDetails[][2] = {
    {"sgld",
     "SGLD θ ← θ − η∇F(θ) + √(2ηs)·ξ on the full training set (docs/theory.md §4), one record per λ.\n"
     "Records ‖θ‖², L, F, ‖∇F‖ per step; the summary holds exponential fits of ‖θ‖² and L, the\n"
     "test CE, and Lanczos estimates of the extreme eigenvalues of ∇²L. `villani compare DIR`\n"
     "sets the measured rates beside the predicted ones. Default steps: 3/(λη) (≥ 400, ≤ 6000)."},
    {"train",
     "Training with --optimizer sgd|sgd-l2|adam-l2|adamw|sgld (AdamW: decoupled decay θ·(1−η·λ);\n"
     "Adam/SGD L2: λθ added to the gradient), minibatches (--batch) with --accum accumulation."},
    {"spectrum",
     "Top and bottom eigenvalues of ∇²L and ∇²F (Lanczos, same start vector) per λ, with the\n"
     "λ-shift checked to 1e-6 relative; F is differentiated by LibTorch (float64 by default)."},
    {"pacbayes",
     "PAC-Bayes with backprop, per λ: the prior mean is trained with weight decay λ (L2) on the\n"
     "prior part of the training set (--prior-fraction; --prior zero: data-free N(0, σp²I) with a\n"
     "union bound over a grid); prior variance s/λ (-s); the posterior N(μ, diag σ²) minimises the\n"
     "--objective bound on the rest (n_bound); certificate: Seeger kl⁻¹ of the Monte Carlo train\n"
     "risk (Langford–Caruana), 0–1 token error and clipped CE, δ = 0.05 over all certificates.\n"
     "Default model: --preset bigram (V×V table); GPT-Neo presets work too."},
    {"psi",
     "Ψ_s = −ΔF + ‖∇F‖²/s (and Ψ_2s) on shells ‖θ − θ0‖ = r around the initial point: ∇F exact,\n"
     "ΔL by Hutchinson probes; compared with the predicted growth (λ²/s)‖θ‖² − λd (docs/theory.md §1)."},
};

int run_kind(const std::string& kind, int argc, char** argv) {
  std::string details;
  for (const auto& d : kDetails)
    if (kind == d[0]) details = d[1];
  CLI::App app{details +
                   "\n\nData (--data): synthetic[:V] (Markov language with known entropy rate; default),\n"
                   "fortunes[:DIR] (Debian fortunes, byte tokens), bytes:FILE, ptb:DIR, wikitext:DIR;\n"
                   "--bpe VOCAB_JSON,MERGES_TXT for GPT-2 BPE. Interrupt with Ctrl-C and continue with --resume.",
               "villani run " + kind};
  experiments::RunOptions o;
  o.kind = kind;
  std::string lambda = kind == "pacbayes" ? "1e-4,3e-4,1e-3,3e-3,1e-2,3e-2,1e-1,3e-1,1" : "0.01,0.1,1", seed = "1";
  if (kind == "pacbayes") o.preset = "bigram";
  app.add_option("--preset", o.preset, "model preset: tiny, tiny-ref, small, gpt-neo-125m (pacbayes also bigram)")->capture_default_str();
  app.add_option("--config", o.config_file, "Hugging Face GPT-Neo config.json (overrides --preset)");
  app.add_option("--weights", o.weights_file, "safetensors checkpoint to start from");
  app.add_option("--data", o.data, "data source (see above)")->capture_default_str();
  app.add_option("--bpe", o.bpe, "GPT-2 tokenizer files VOCAB_JSON,MERGES_TXT");
  app.add_option("--lambda", lambda, "weight decays λ > 0 (LIST: 0.01,0.1,1 or 1e-3:1:4; at most 10000 values)")->capture_default_str();
  app.add_option("--temperature,-s", o.temperature, "SGLD temperature s > 0 (also Ψ_s; pacbayes: prior variance s/λ)")->capture_default_str();
  app.add_option("--device", o.device, "auto|cpu|cuda")->capture_default_str();
  app.add_option("--dtype", o.dtype, "auto|float32|float64|bfloat16 (bfloat16: CUDA)")->capture_default_str();
  app.add_option("--out", o.out, "record directory (one subdirectory per λ)")->required();
  app.add_flag("--resume", o.resume, "continue an interrupted run in --out");
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  app.add_option("--steps", o.steps, "steps per λ, 0…1e9 (0: the kind's default)")->capture_default_str();
  app.add_option("--lr", o.lr, "step size η (0: the kind's default)")->capture_default_str();
  app.add_option("--optimizer", o.optimizer, "train/pacbayes: sgd|sgd-l2|adam-l2|adamw|sgld");
  app.add_option("--batch", o.batch, "sequences per micro-batch (0: full training set)")->capture_default_str();
  app.add_option("--accum", o.accum, "gradient accumulation steps")->capture_default_str();
  app.add_option("--seq", o.seq, "sequence length (≤ the model's positions; 0: 32, pacbayes 8)")->capture_default_str();
  app.add_option("--train-sequences", o.train_sequences, "training set size in sequences")->capture_default_str();
  app.add_option("--test-sequences", o.test_sequences, "test set size in sequences (0: the kind's default)")->capture_default_str();
  app.add_option("--record-every", o.record_every, "record every k steps (0: about 300 records)")->capture_default_str();
  app.add_option("--samples", o.samples, "Monte Carlo samples (pacbayes) / 4× directions (psi)")->capture_default_str();
  app.add_flag("--quick", o.quick, "smaller sizes (tests)");
  if (kind == "pacbayes") {
    app.add_option("--prior", o.prior, "data (mean trained on a held-out split) | zero (data-free grid)")->capture_default_str();
    app.add_option("--prior-fraction", o.prior_fraction, "share of the training sequences for the prior mean")->capture_default_str();
    app.add_option("--objective", o.objective, "bound the posterior minimises: classic|quad|lambda")->capture_default_str();
    app.add_option("--prior-var", o.prior_var, "fixed prior variance (0: s/λ; ablation: λ then acts on the mean only)")->capture_default_str();
    app.add_option("--mean-lambda", o.mean_lambda, "fixed weight decay of the trained mean (0: λ; ablation: λ then sets the prior variance only)")->capture_default_str();
  }
  bool quiet = false;
  add_quiet_flag(app, quiet);
  std::string max_memory;
  app.add_option("--max-memory", max_memory, "memory limit in GiB for sizes set by the input (default: the machine's)");
  try {
    strict_integers(app);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "villani run " << kind << ": bad input: " << e.what() << "\n";
    return kBadInput;
  }
  return run_guarded("run " + kind, [&] {
    // Under a launcher (docs/distributed.md) sgld, train, psi and spectrum run data-parallel:
    // every rank checks the whole input, keeps its shard of the training set; rank 0 alone
    // writes the records and prints (pacbayes refuses).
    o.launch = numerics::launch_env();
    const bool leader = !o.launch || o.launch->rank == 0;
    o.lambdas.clear();
    o.lambda_texts.clear();
    for (const auto& v : parse_list("--lambda", lambda)) {
      o.lambdas.push_back(static_cast<double>(v.value));
      o.lambda_texts.push_back(v.text);
    }
    o.seed = static_cast<std::uint64_t>(parse_integer("--seed", seed, 0, std::numeric_limits<std::int64_t>::max()));
    set_memory_limit_from_flag("--max-memory", max_memory);
    InterruptScope interrupt;  // Ctrl-C: finish the step, checkpoint, exit 130
    o.cancel = interrupt.token();
    Progress progress(quiet || !leader);  // step/total, loss, steps/s and ETA per λ on stderr
    o.progress = progress.fn();
    std::ostringstream elsewhere;  // ranks other than 0 print nothing
    const auto res = experiments::run_experiment(o, leader ? static_cast<std::ostream&>(std::cout) : elsewhere);
    progress.end();
    if (res.interrupted) {
      if (leader)
        std::cerr << "villani run " << kind << ": interrupted; every finished step is recorded in " << o.out
                  << "; continue with --resume\n";
      return 130;
    }
    if (leader) std::cout << "records: " << o.out << "  (villani compare " << o.out << ")\n";
    return static_cast<int>(kOk);
  });
}

RunKindRegistrar r1{{"sgld", "SGLD relaxation per λ (rates vs theory)", [](int c, char** v) { return run_kind("sgld", c, v); }}};
RunKindRegistrar r2{{"train", "training runs (SGD, L2, Adam-L2, AdamW, SGLD)", [](int c, char** v) { return run_kind("train", c, v); }}};
RunKindRegistrar r3{{"spectrum", "Hessian extremes of L and F, λ-shift check", [](int c, char** v) { return run_kind("spectrum", c, v); }}};
RunKindRegistrar r4{{"pacbayes", "PAC-Bayes bounds vs measured test error", [](int c, char** v) { return run_kind("pacbayes", c, v); }}};
RunKindRegistrar r5{{"psi", "Ψ_s on shells vs predicted growth", [](int c, char** v) { return run_kind("psi", c, v); }}};

}  // namespace
}  // namespace villani::cli
