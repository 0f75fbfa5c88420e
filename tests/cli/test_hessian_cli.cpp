// `villani hessian` on a reference model (no LibTorch needed): JSON shape, exact trace = the
// model's exact Laplacian plus nothing estimated, groups tile the trace, bad input exits 2.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "numerics/models/presets.hpp"

TEST_CASE("hessian CLI: a preset's trace, eigenvalues and layer groups — bad input", "[cli][hessian]") {
  const auto r = run_villani("hessian --model mlp-gelu --lambda 0.1 --top 2 --bottom 1 --trace exact --groups layer "
                             "--density --format json --quiet",
                             "hessian_ok");
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  const auto m = villani::numerics::models::make_reference("mlp-gelu");
  const auto theta = m->initial_theta(0);
  const double d = static_cast<double>(m->dim());
  // tr ∇²F = ΔL + λd, the reference model's own exact Laplacian (an independent code path).
  CHECK(j["trace"]["value"].get<double>() == Approx(m->laplacian(theta) + 0.1 * d).epsilon(1e-10));
  CHECK(j["trace"]["cost"]["hvps"].get<double>() == d);
  CHECK(j["point"]["loss"].get<double>() == Approx(m->value(theta)).epsilon(1e-15));
  CHECK(j["top"]["values"].size() == 2);
  CHECK(j["top"]["values"][0].get<double>() >= j["top"]["values"][1].get<double>());
  CHECK(j["bottom"]["values"][0].get<double>() <= j["top"]["values"][1].get<double>());
  CHECK(std::abs(j["density"]["mass"].get<double>() - 1.0) < 1e-12);
  double sum = 0;
  for (const auto& g : j["groups"]) sum += g["trace"]["value"].get<double>();
  CHECK(sum == Approx(j["trace"]["value"].get<double>()).epsilon(1e-12));
  CHECK(j["groups"][0]["name"] == "W1");

  auto bad = [](const std::string& args, const std::string& arg) {
    INFO(args);
    const auto b = run_villani("hessian --model mlp-gelu " + args, "hessian_bad");
    CHECK(b.code == 2);
    CHECK(b.err.find(arg) != std::string::npos);
  };
  bad("--lambda 0.1 --top 100000", "--top");
  bad("--lambda -0.1", "--lambda");
  bad("--lambda 0.1 --groups blocks", "--groups");
  bad("--lambda 0.1 --dtype float32", "--dtype");
  bad("--lambda 0.1 --at /nonexistent/theta.txt", "--at");
  bad("--lambda 0.1 --tol 0", "--tol");
}
