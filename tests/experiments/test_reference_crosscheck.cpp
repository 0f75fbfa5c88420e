// Cross-check: the LibTorch GPT-Neo with tiny-ref settings (scaled attention, all global) against
// the reference transformer of numerics/models/ (docs/models.md) on the same θ and batch:
// value, gradient and HVP at float64 agree to 1e-10 relative.
#include "experiments/gpt_neo.hpp"
#include "numerics/models/architectures.hpp"
#include "numerics/models/presets.hpp"
#include "numerics/torch/torch_objective.hpp"

// LibTorch (c10 logging) defines a glog-style CHECK macro; Catch must own CHECK here.
#undef CHECK
#include <catch2/catch.hpp>

using namespace villani;
using namespace villani::experiments;
namespace ta = villani::numerics::torch_adapter;

TEST_CASE("LibTorch tiny-ref model equals the numerics/models reference transformer", "[model][reference]") {
  const nlohmann::json spec = {{"kind", "transformer"}, {"vocab", 16}, {"positions", 8}, {"width", 8}, {"heads", 2},
                               {"layers", 1},           {"batch", 2},  {"seq_len", 6},   {"seed", 3}};
  const auto ref = numerics::models::model_from_spec(spec);
  numerics::models::TransformerArch a;
  a.vocab = 16; a.positions = 8; a.width = 8; a.heads = 2; a.layers = 1; a.batch = 2; a.seq_len = 6; a.seed = 3;
  a.make_data();
  std::vector<std::int64_t> tv(a.tokens.begin(), a.tokens.end());
  auto tok = torch::from_blob(tv.data(), {a.batch, a.seq_len}, torch::kLong).clone();

  ModelConfig c = model_preset("tiny-ref");
  c.vocab = 16; c.max_positions = 8; c.hidden = 8; c.heads = 2; c.layers = 1;
  c.attention = {"global"};
  REQUIRE(param_count(c) == ref->dim());
  // Same block order and sizes (docs/models.md vs experiments/model_config.hpp).
  const auto L1 = ref->layout();
  const auto L2 = param_layout(c);
  REQUIRE(L1.size() == L2.size());
  for (std::size_t i = 0; i < L1.size(); ++i) CHECK(L1[i].second == L2[i].size());

  ta::TorchObjective tf([c, tok](const torch::Tensor& x) { return gpt_neo_loss(c, x, tok); }, ref->dim());
  numerics::Vec th = ref->initial_theta(5);
  th += 0.3 * numerics::Vec::Random(th.size());  // a generic point
  const numerics::Vec v = numerics::Vec::Random(th.size());
  const double fr = ref->value(th), ft = tf.value(th);
  CHECK(std::abs(fr - ft) <= 1e-10 * std::abs(fr));
  const numerics::Vec gr = ref->gradient(th), gt = tf.gradient(th);
  CHECK((gr - gt).norm() <= 1e-10 * gr.norm());
  const numerics::Vec hr = ref->hvp(th, v), ht = tf.hvp(th, v);
  CHECK((hr - ht).norm() <= 1e-10 * hr.norm());
}
