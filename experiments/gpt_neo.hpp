// GPT-Neo in LibTorch as a function of one flat parameter vector θ (layout: model_config.hpp),
// so that gradients, Hessian-vector products (double backward), SGLD and PAC-Bayes sampling all
// act on θ directly. Includes LibTorch: only Torch translation units include this header.
#pragma once
#include <torch/torch.h>

#include "experiments/model_config.hpp"

namespace villani::experiments {

/// "cpu" | "cuda" | "auto" (CUDA when LibTorch sees a device). InputError("--device") for another
/// name or for cuda without a usable device.
torch::Device resolve_device(const std::string& name);

/// GPT-Neo initialization (weights N(0, 0.02²), LayerNorm weights 1, biases 0), seeded.
torch::Tensor init_theta(const ModelConfig& c, std::uint64_t seed, torch::Dtype dtype, torch::Device dev);

/// The shapes of θ's parameter blocks in layout order (param_layout).
std::vector<std::vector<std::int64_t>> gpt_neo_shapes(const ModelConfig& c);

/// The attention masks of T positions (true where a score is masked out): causal, and causal
/// within the local window. Built once per model and batch shape, not per evaluation.
struct AttentionMasks {
  torch::Tensor global_off, local_off;
};
AttentionMasks attention_masks(const ModelConfig& c, std::int64_t T, torch::Device dev);

/// Logits [B, T, V] for tokens [B, T] from θ's parameter blocks (gpt_neo_shapes order); each block
/// may be a leaf of its own, which is how the Hessian-vector products differentiate it (issue 24).
/// `masks` (optional) from attention_masks for this T.
torch::Tensor gpt_neo_logits_blocks(const ModelConfig& c, const std::vector<torch::Tensor>& blocks,
                                    const torch::Tensor& tokens, const AttentionMasks* masks = nullptr);
/// Mean next-token cross-entropy over tokens[:, 1:] given tokens[:, :-1], from the blocks.
torch::Tensor gpt_neo_loss_blocks(const ModelConfig& c, const std::vector<torch::Tensor>& blocks,
                                  const torch::Tensor& tokens, const AttentionMasks* masks = nullptr);

/// Logits [B, T, V] for tokens [B, T] (int64, T ≤ max_positions).
torch::Tensor gpt_neo_logits(const ModelConfig& c, const torch::Tensor& theta, const torch::Tensor& tokens);
/// Mean next-token cross-entropy over tokens[:, 1:] given tokens[:, :-1].
torch::Tensor gpt_neo_loss(const ModelConfig& c, const torch::Tensor& theta, const torch::Tensor& tokens);
/// Per-sequence mean next-token CE and 0–1 token error, each [B] (no graph).
std::pair<torch::Tensor, torch::Tensor> gpt_neo_per_sequence(const ModelConfig& c, const torch::Tensor& theta,
                                                             const torch::Tensor& tokens);

/// A torch::nn::Module holding θ as its single parameter "theta".
struct GptNeoImpl : torch::nn::Module {
  GptNeoImpl(ModelConfig c, torch::Tensor theta0);
  torch::Tensor forward(const torch::Tensor& tokens) { return gpt_neo_logits(cfg, theta, tokens); }
  torch::Tensor loss(const torch::Tensor& tokens) { return gpt_neo_loss(cfg, theta, tokens); }
  ModelConfig cfg;
  torch::Tensor theta;
};
TORCH_MODULE(GptNeo);

/// Loads a safetensors checkpoint (8-byte little-endian header length, JSON header, raw data)
/// into θ. Accepts names with or without the "transformer." prefix; F32/F16/BF16/F64.
/// InputError("--weights") naming the tensor on a missing tensor or a shape mismatch.
torch::Tensor load_safetensors(const std::string& path, const ModelConfig& c, torch::Dtype dtype);
/// Writes θ as safetensors (F32 or F64) with the Hugging Face names ("transformer." prefix).
void save_safetensors(const std::string& path, const ModelConfig& c, const torch::Tensor& theta);

}  // namespace villani::experiments
