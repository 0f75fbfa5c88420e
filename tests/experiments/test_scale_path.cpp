// Issue 24's HVP path: per-parameter leaves instead of narrow() views of one flat θ, products
// written block by block, float32 Lanczos vectors for float32 models. The new path equals the
// old one to 1e-12 in float64; float32 eigenvalues agree with float64 ones to 1e-4 relative;
// `villani bench scale --quick` runs both sides and they compute the same loss.
#include <torch/torch.h>
#undef CHECK

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include "experiments/bench_scale.hpp"
#include "experiments/example_models.hpp"
#include "experiments/gpt_neo.hpp"
#include "experiments/model_config.hpp"
#include "experiments/torch_sources.hpp"
#include "numerics/curvature.hpp"
#include "numerics/linear_operator.hpp"
#include "numerics/sampling.hpp"
#include "numerics/torch/torch_objective.hpp"
#include "tests/support/gpt_neo_config.hpp"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using namespace villani;
using namespace villani::experiments;
using numerics::Vec;

namespace {

std::string tmpdir(const std::string& name) {
  const std::string d = std::string(VILLANI_TEST_TMP) + "/scale_" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

double rel(double a, double b) { return std::abs(a - b) / std::abs(b); }

/// A GPT-Neo config.json (d = 4160), its seeded weights ×8 (away from the near-linear init) as
/// safetensors, and a token file, in `dir`.
ModelConfig write_model(const std::string& dir) {
  villani::testing::GptNeoConfig{48, 8, 16, 1, 2, 4, {"global"}}.write(dir + "/config.json");
  write_example_tokens(dir + "/tokens.txt", 6, 8, 48, 2);
  const ModelConfig c = model_from_hf_config(dir + "/config.json");
  save_safetensors(dir + "/model.safetensors", c, init_theta(c, 3, torch::kFloat64, torch::kCPU) * 8.0);
  return c;
}

}  // namespace

TEST_CASE("scale path: per-parameter leaves equal the flat-θ path to 1e-12 in float64 (GPT-Neo, d = 4160)",
          "[hessian][gpt-neo][scale]") {
  const auto dir = tmpdir("equal");
  const ModelConfig c = write_model(dir);
  // New: what `villani hessian` loads (block leaves, masks built once).
  const auto src = load_gpt_neo_config(dir + "/config.json", dir + "/model.safetensors", dir + "/tokens.txt");
  // Old: the loss as a closure on the flat θ (every block a narrow() view of one leaf).
  const auto rows = read_token_file(dir + "/tokens.txt", c.vocab);
  auto tokens = torch::empty({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())}, torch::kInt64);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j) tokens[static_cast<long>(i)][static_cast<long>(j)] = rows[i][j];
  const numerics::torch_adapter::TorchObjective old(
      [c, tokens](const torch::Tensor& x) { return gpt_neo_loss(c, x, tokens); }, src.init.size());
  const auto& f = *src.loss;
  const Vec& theta = src.init;
  REQUIRE(theta.size() == 4160);
  CHECK(rel(f.value(theta), old.value(theta)) < 1e-12);
  const Vec g_new = f.gradient(theta), g_old = old.gradient(theta);
  CHECK((g_new - g_old).norm() <= 1e-12 * g_old.norm());
  const auto op_new = f.hessian_at(theta), op_old = old.hessian_at(theta);
  CHECK(op_new->precision() == numerics::VectorPrecision::Float64);
  numerics::Random rng(5);
  for (int i = 0; i < 3; ++i) {
    const Vec v = rng.normal_vector(f.dim());
    const Vec a = op_old->apply(v), b = op_new->apply(v), h = f.hvp(theta, v);
    CHECK((a - b).norm() <= 1e-12 * a.norm());
    CHECK((a - h).norm() <= 1e-12 * a.norm());
  }
  // The same top-3 eigenvalues through the whole curvature path.
  numerics::CurvatureOptions o;
  o.top = 3;
  o.trace = numerics::TraceChoice::None;
  o.eigen.tolerance = 1e-10;
  const auto r_new = numerics::analyze_curvature(f, theta, o), r_old = numerics::analyze_curvature(old, theta, o);
  for (std::size_t i = 0; i < 3; ++i) CHECK(rel(r_new.top->values[i], r_old.top->values[i]) < 1e-12);
  CHECK(r_new.top->storage == numerics::VectorPrecision::Float64);
  CHECK(r_new.peak_rss_bytes > 0);
  CHECK(r_new.vector_bytes == Approx(8.0 * 4160 * static_cast<double>(r_new.top->cost.hvps)));
}

TEST_CASE("scale path: a float32 model stores float32 Lanczos vectors; its eigenvalues agree with float64 to 1e-4",
          "[hessian][gpt-neo][scale][float32]") {
  const auto dir = tmpdir("f32");
  (void)write_model(dir);
  const auto s64 = load_gpt_neo_config(dir + "/config.json", dir + "/model.safetensors", dir + "/tokens.txt");
  TorchLoadOptions lo;
  lo.dtype = "float32";
  const auto s32 = load_gpt_neo_config(dir + "/config.json", dir + "/model.safetensors", dir + "/tokens.txt", lo);
  CHECK(s32.loss->hessian_at(s32.init)->precision() == numerics::VectorPrecision::Float32);
  numerics::CurvatureOptions o;
  o.top = 3;
  o.bottom = 1;
  o.trace = numerics::TraceChoice::Hutchinson;
  o.trace_matvecs = 8;
  o.eigen.tolerance = 1e-6;
  const auto r64 = numerics::analyze_curvature(*s64.loss, s64.init, o);
  const auto r32 = numerics::analyze_curvature(*s32.loss, s64.init, o);
  CHECK(r32.top->storage == numerics::VectorPrecision::Float32);
  CHECK(r64.top->storage == numerics::VectorPrecision::Float64);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("top " << i << ": float32 " << r32.top->values[i] << ", float64 " << r64.top->values[i]);
    CHECK(rel(r32.top->values[i], r64.top->values[i]) < 1e-4);
  }
  // Same probes in both precisions: the Hutchinson trace agrees to single precision as well.
  CHECK(rel(r32.trace->value, r64.trace->value) < 1e-4);
  CHECK(std::abs(r32.bottom->values[0] - r64.bottom->values[0]) < 1e-4 * std::abs(r64.top->values[0]));
  // Half the bytes per stored vector.
  CHECK(r32.top->vector_bytes / static_cast<double>(r32.top->cost.hvps) <
        0.6 * r64.top->vector_bytes / static_cast<double>(r64.top->cost.hvps));
  // --vectors float64 on the float32 model keeps doubles and the same values to float rounding.
  numerics::CurvatureOptions o64 = o;
  o64.bottom = 0;
  o64.trace = numerics::TraceChoice::None;
  o64.eigen.vectors = numerics::VectorPrecision::Float64;
  const auto rf = numerics::analyze_curvature(*s32.loss, s64.init, o64);
  CHECK(rf.top->storage == numerics::VectorPrecision::Float64);
  for (std::size_t i = 0; i < 3; ++i) CHECK(rel(rf.top->values[i], r32.top->values[i]) < 1e-4);
}

TEST_CASE("bench scale --quick: villani and the eager reference, each in its own process, on the same loss",
          "[bench][scale][cli]") {
  const std::string out = std::string(VILLANI_TEST_TMP) + "/scale_bench.json";
  const std::string cmd = std::string(VILLANI_EXE) + " bench scale --quick --format json --quiet > " + out;
  const int rc = std::system(cmd.c_str());
  REQUIRE(WIFEXITED(rc));
  REQUIRE(WEXITSTATUS(rc) == 0);
  std::ifstream in(out);
  const auto j = nlohmann::json::parse(in);
  const auto& f = j.at("figures");
  CHECK(f.at("size") == "1m");
  const auto& v = f.at("villani");
  const auto& r = f.at("reference");
  const auto& g = f.at("reference_glibc");
  CHECK(v.at("d") == r.at("d"));
  CHECK(g.at("d") == r.at("d"));
  CHECK(g.at("loss") == r.at("loss"));  // the same computation under another allocator
  CHECK(g.at("allocator") == "glibc defaults");
  CHECK(v.at("allocator") == r.at("allocator"));
  CHECK(v.at("allocator") != g.at("allocator"));
  CHECK(v.at("d").get<std::int64_t>() == param_count(experiments::scale_config("1m")));
  CHECK(rel(v.at("loss").get<double>(), r.at("loss").get<double>()) < 1e-5);
  CHECK(v.at("hvps") == 4);
  CHECK(r.at("hvps") == 4);
  for (const auto* s : {&v, &r, &g}) {
    CHECK(s->at("hvp_seconds").get<double>() > 0);
    // The product is part of the solver's time per product.
    CHECK(s->at("step_seconds").get<double>() >= s->at("hvp_seconds").get<double>());
    CHECK(s->at("peak_rss_bytes").get<double>() > 1e6);
  }
  // Both estimates of the top eigenvalue are Rayleigh quotients of the same Hessian: positive here.
  CHECK(v.at("top").get<double>() > 0);
  CHECK(r.at("top").get<double>() > 0);
}
