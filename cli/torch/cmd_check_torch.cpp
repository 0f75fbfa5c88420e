// `villani check` model sources that need LibTorch: TorchScript files and GPT-Neo config.json
// (experiments/torch_sources.hpp). They register with the Torch-free registry of
// cli/check_sources.hpp, so `villani check` itself never includes Torch.
#include "cli/check_sources.hpp"
#include "experiments/torch_sources.hpp"

namespace villani::cli {
namespace {

LoadedModel loaded(experiments::TorchModelSource src) {
  LoadedModel out;
  out.input.loss = src.loss;
  out.input.model = src.label;
  out.input.audit = src.audit;
  out.input.audit_source = src.audit_source;
  out.init = std::move(src.init);
  out.params = std::move(src.params);
  out.sharded = src.sharded;
  out.shard_weight = src.shard_weight;
  return out;
}

experiments::TorchLoadOptions load_options(const CheckRequest& r) {
  experiments::TorchLoadOptions o;
  o.dtype = r.dtype;
  o.threads = r.threads;
  o.device = r.device;
  o.shard_rank = r.shard_rank;
  o.shard_count = r.shard_count;
  return o;
}

const CheckSourceRegistrar torchscript_source{{
    "torchscript",
    [](const CheckRequest& r) {
      return ends_with(r.model, ".pt") || ends_with(r.model, ".pth") || ends_with(r.model, ".torchscript");
    },
    [](const CheckRequest& r) { return loaded(experiments::load_torchscript(r.model, r.tokens, load_options(r))); }}};

const CheckSourceRegistrar gpt_neo_source{{
    "gpt-neo", [](const CheckRequest& r) { return ends_with(r.model, "config.json"); },
    [](const CheckRequest& r) {
      return loaded(experiments::load_gpt_neo_config(r.model, r.weights, r.tokens, load_options(r)));
    }}};

}  // namespace
}  // namespace villani::cli
