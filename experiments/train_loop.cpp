// The training / sampling loop of `villani run sgld|train` (moved out of runs.cpp; see
// train_loop.hpp and docs/distributed.md for the data-parallel case).
#include "experiments/train_loop.hpp"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <limits>
#include <sstream>

#include "experiments/gpt_neo.hpp"
#include "numerics/distributed.hpp"
#include "numerics/errors.hpp"
#include "numerics/io.hpp"

namespace villani::experiments::detail {

namespace fs = std::filesystem;

namespace {

void save_checkpoint(const Setup& S, const std::string& dir, const torch::Tensor& theta, long step,
                     torch::optim::Optimizer* opt) {
  if (!S.leader()) return;  // rank 0 alone writes
  const std::string p = dir + "/checkpoint.pt";
  std::vector<torch::Tensor> v{theta.detach().to(torch::kCPU).clone(), torch::tensor(static_cast<std::int64_t>(step))};
  // Serialized in memory, then written through write_file_atomic: a full or read-only disk is an
  // OutputError naming the file (exit 2), with no temporary left, instead of LibTorch's c10::Error
  // from inside torch::save (issue 26); the previous checkpoint stays whole for --resume.
  std::ostringstream ckpt;
  torch::save(v, ckpt);
  if (opt) {
    std::ostringstream o;
    torch::save(*opt, o);
    write_file_atomic(dir + "/optimizer.pt", o.str());
  }
  write_file_atomic(p, ckpt.str());
}

std::string first_line(const std::exception& e) {
  const std::string w = e.what();
  return w.substr(0, w.find('\n'));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(GptNeo& model, const LoopSpec& L) {
  if (L.optimizer == "sgd") return std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(L.lr));
  if (L.optimizer == "sgd-l2")
    return std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(L.lr).weight_decay(L.lambda));
  if (L.optimizer == "adam-l2")
    return std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(L.lr).weight_decay(L.lambda));
  if (L.optimizer == "adamw")
    return std::make_unique<torch::optim::AdamW>(model->parameters(), torch::optim::AdamWOptions(L.lr).weight_decay(L.lambda));
  if (L.optimizer != "sgld")
    throw InputError("--optimizer", "expected sgd|sgd-l2|adam-l2|adamw|sgld; got '" + L.optimizer + "'");
  return nullptr;
}

// The step to continue from under --resume (θ and the optimizer state set from the checkpoint).
// Rank 0 reads the files and hands their bytes to every rank, so that all ranks continue from
// the same state (and refuse a bad checkpoint with the same message) without reading --out.
long resume_point(const Setup& S, const RunOptions& o, const LambdaRun& run, const LoopSpec& L, torch::Tensor& theta,
                  torch::optim::Optimizer* opt) {
  if (!o.resume) return 0;
  const std::string ckpt = run.dir + "/checkpoint.pt", optf = run.dir + "/optimizer.pt";
  const auto files = from_leader(S, [&]() -> std::vector<std::string> {
    if (!fs::exists(ckpt)) return {};
    return {read_bytes(ckpt), fs::exists(optf) ? "1" : "0", fs::exists(optf) ? read_bytes(optf) : ""};
  });
  if (files.empty()) return 0;
  std::vector<torch::Tensor> v;
  try {
    std::istringstream in(files[0]);
    torch::load(v, in);
  } catch (const std::exception& e) {
    throw InputError("--resume", "checkpoint '" + ckpt + "' is unreadable (" + first_line(e) +
                                     "); delete it (and optimizer.pt) to run this λ again from step 0 "
                                     "(recorded steps are kept)");
  }
  if (v.size() != 2 || v[0].numel() != S.d || v[1].numel() != 1)
    throw InputError("--resume", "checkpoint in '" + run.dir + "' does not match the model");
  {
    torch::NoGradGuard ng;
    theta.copy_(v[0].to(S.dev, S.dtype));
  }
  long k0 = v[1].item<std::int64_t>();
  // The first step still to record; a checkpoint beyond it (its metrics line was torn and
  // dropped) would skip that step for good: replay from θ0 instead (exact: noise and batches
  // are seeded by the step, recorded steps are not appended again).
  std::int64_t next = run.resumed_last + 1;
  while (next % L.record_every != 0 && next < L.steps) ++next;
  if (k0 < 0 || k0 > L.steps || k0 > next) {
    if (S.leader())
      std::cerr << "villani: checkpoint of '" << run.dir << "' is at step " << k0 << " but the record ends at step "
                << run.resumed_last << "; replaying from step 0 so that no step is missing\n";
    torch::NoGradGuard ng;
    theta.copy_(initial_theta(S, o));
    return 0;
  }
  if (opt && files[1] == "1") {
    try {
      std::istringstream in(files[2]);
      torch::load(*opt, in);
    } catch (const std::exception& e) {
      throw InputError("--resume", "optimizer state '" + optf + "' is unreadable (" + first_line(e) +
                                       "); delete it and checkpoint.pt to run this λ again from step 0 "
                                       "(recorded steps are kept)");
    }
  }
  return k0;
}

// Loss at θ_k; its gradient in theta.grad() (the full training set, or micro-batches with
// accumulation). Data-parallel: this rank's part of the weighted sums, then one all-reduce of
// (∇L, L, stop) over the ranks. Returns the loss; `stop`: whether any rank asked to stop.
double loss_and_gradient(const Setup& S, const RunOptions& o, GptNeo& model, long k, bool& stop) {
  torch::Tensor& theta = model->theta;
  if (theta.grad().defined()) theta.mutable_grad().zero_();
  double loss = 0, weight = 1;
  if (o.batch <= 0) {
    auto l = model->loss(S.train);
    l.backward();
    loss = l.item<double>();
    weight = S.shard.weight;  // this shard's mean, weighted by its share of the sequences
  } else {
    const long n = S.n_train, B = std::min<long>(o.batch, n);
    for (int j = 0; j < o.accum; ++j) {
      auto gen = at::detail::createCPUGenerator(o.seed * 1000003ull + static_cast<std::uint64_t>(k) * 131ull + j);
      auto idx = torch::randint(n, {B}, gen, torch::TensorOptions().dtype(torch::kLong));
      torch::Tensor l;
      if (!S.comm) {
        l = model->loss(S.train.index_select(0, idx.to(S.dev))) / o.accum;
      } else {  // the batch's sequences that this rank holds, weighted by their share of the batch
        auto mine = idx.masked_select((idx >= S.shard.begin) & (idx < S.shard.end)) - S.shard.begin;
        if (mine.numel() == 0) continue;
        l = model->loss(S.train.index_select(0, mine.to(S.dev))) *
            (static_cast<double>(mine.numel()) / static_cast<double>(B)) / o.accum;
      }
      l.backward();
      loss += l.item<double>();
    }
  }
  stop = cancelled(o);
  if (!S.comm) return loss;
  const std::int64_t d = S.d;
  std::vector<double> buf(static_cast<std::size_t>(d) + 2, 0.0);
  if (theta.grad().defined()) {
    auto g = theta.grad().detach().to(torch::kCPU, torch::kFloat64).contiguous();
    std::copy(g.data_ptr<double>(), g.data_ptr<double>() + d, buf.begin());
  }
  buf[static_cast<std::size_t>(d)] = loss;
  buf[static_cast<std::size_t>(d) + 1] = stop ? 1.0 : 0.0;  // weighted too: > 0 when any rank asks
  numerics::weighted_allreduce(*S.comm, weight, buf.data(), d + 2);
  auto g = torch::from_blob(buf.data(), {d}, torch::kFloat64).to(S.dev, S.dtype);
  if (theta.grad().defined()) theta.mutable_grad().copy_(g);
  else theta.mutable_grad() = g.clone();
  stop = buf[static_cast<std::size_t>(d) + 1] > 0;
  return buf[static_cast<std::size_t>(d)];
}

}  // namespace

LoopResult run_loop(const Setup& S, const RunOptions& o, LambdaRun& run, const LoopSpec& L, Progress& prog) {
  GptNeo model(S.cfg, initial_theta(S, o));
  torch::Tensor& theta = model->theta;
  std::unique_ptr<torch::optim::Optimizer> opt = make_optimizer(model, L);
  const long k0 = resume_point(S, o, run, L, theta, opt.get());
  const double sq = std::sqrt(2.0 * L.lr * L.temperature);
  double last_norm2 = std::numeric_limits<double>::quiet_NaN();
  for (long k = k0;; ++k) {
    // One process stops before the step's work; data-parallel ranks agree on stopping through
    // the gradient's all-reduce (every rank stops at the same step).
    if (!S.comm && cancelled(o)) {
      save_checkpoint(S, run.dir, theta, k, opt.get());
      return {true, theta.detach()};
    }
    bool stop = false;
    const double loss = loss_and_gradient(S, o, model, k, stop);
    if (stop) {
      save_checkpoint(S, run.dir, theta, k, opt.get());
      return {true, theta.detach()};
    }
    if (k % L.record_every == 0 || k == L.steps) {
      torch::NoGradGuard ng;
      const double norm2 = theta.to(torch::kFloat64).pow(2).sum().item<double>();
      const auto gF = theta.grad().to(torch::kFloat64) + L.lambda * theta.to(torch::kFloat64);
      nlohmann::json m = {{"step", k},
                          {"t", k * L.lr},
                          {"loss", loss},
                          {"F", loss + 0.5 * L.lambda * norm2},
                          {"norm2", norm2},
                          {"grad_norm", gF.norm().item<double>()}};
      if (!std::isfinite(loss)) {  // the same all-reduced loss on every rank: all refuse alike
        save_checkpoint(S, run.dir, theta, k, opt.get());
        // Blame the temperature only when it alone makes the noise large: SGLD's noise √(2ηs)
        // per step at a sane step 0.05 of 1 or more is far beyond weights of size 0.02.
        const bool noise = L.optimizer == "sgld" && std::sqrt(2.0 * std::min(L.lr, 0.05) * L.temperature) >= 1;
        const std::string arg = noise ? "--temperature" : "--lr";
        throw InputError(arg, fmt::format("the loss became {} at step {} ({}{}): lower {}", loss, k, L.label,
                                          noise ? fmt::format(", noise √(2ηs) = {:.3g} per step", sq) : "", arg));
      }
      // The test loss on the whole test set, by rank 0 (which alone records it).
      if (S.leader() && ((k / L.record_every) % 10 == 0 || k == L.steps))
        m["test_loss"] = gpt_neo_loss(S.cfg, theta, S.test).item<double>();
      run.append(m);
      // Checkpoints every 20 records (replay from a checkpoint is exact: the noise of step k is
      // seeded by k, and steps already recorded are not appended again).
      if (k != k0 && (k / L.record_every) % 20 == 0) save_checkpoint(S, run.dir, theta, k, opt.get());
      last_norm2 = norm2;
    }
    prog.show(L.label, k, L.steps, "step", fmt::format("loss {:.4f} ‖θ‖² {:.4g}", loss, last_norm2));
    if (k >= L.steps) break;
    if (L.optimizer == "sgld") {
      torch::NoGradGuard ng;
      auto gen = at::detail::createCPUGenerator(o.seed * 7919ull + static_cast<std::uint64_t>(k) + 1);
      auto xi = torch::randn({S.d}, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(S.dev, S.dtype);
      theta.add_(theta.grad() + L.lambda * theta, -L.lr).add_(xi, sq);
    } else {
      opt->step();
    }
  }
  save_checkpoint(S, run.dir, theta, L.steps, opt.get());
  return {false, theta.detach()};
}

}  // namespace villani::experiments::detail
