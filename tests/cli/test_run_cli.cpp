// `villani run` in both builds (issue 12): `run boursier` needs no LibTorch and is in every build;
// the kinds that need LibTorch (cli/run_registry.cpp, torch_run_kind_names) are listed by a build
// without it as such and refused with exit 2 saying so.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "cli/run_registry.hpp"
#include "cli_run.hpp"
#include "experiments/companion/boursier.hpp"
#include "experiments/companion/boursier_record.hpp"

namespace {
// The kinds `villani run --help` lists as runnable: the indented lines under "kinds:".
std::set<std::string> listed_kinds(const std::string& help) {
  std::set<std::string> out;
  std::istringstream in(help);
  std::string line;
  bool in_kinds = false;
  while (std::getline(in, line)) {
    if (line == "kinds:") in_kinds = true;
    else if (line.empty()) in_kinds = false;
    else if (in_kinds && line.rfind("  ", 0) == 0) out.insert(line.substr(2, line.find(' ', 2) - 2));
  }
  return out;
}
}  // namespace

TEST_CASE("villani run lists boursier in every build and the LibTorch kinds only where it has them", "[cli][run]") {
  const CliResult help = run_villani("run --help", "run_help");
  REQUIRE(help.code == 0);
  const std::set<std::string> listed = listed_kinds(help.out);
  INFO(help.out);
  CHECK(listed.count("boursier") == 1);
  const auto& torch_kinds = villani::cli::torch_run_kind_names();
  REQUIRE(torch_kinds.size() >= 7);
  for (const auto& k : torch_kinds) {
    INFO(k);
#ifdef VILLANI_HAVE_TORCH_TESTS
    CHECK(listed.count(k) == 1);
#else
    CHECK(listed.count(k) == 0);
    CHECK(help.out.find(k) != std::string::npos);  // named under "need LibTorch"
    const CliResult r = run_villani("run " + k + " --help", "run_needs_torch");
    CHECK(r.code == 2);
    CHECK(r.err.find("'" + k + "' needs LibTorch: this build has none") != std::string::npos);
#endif
  }
#ifdef VILLANI_HAVE_TORCH_TESTS
  // Every kind but boursier needs LibTorch: a new one belongs in torch_run_kind_names().
  std::set<std::string> rest = listed;
  for (const auto& k : torch_kinds) rest.erase(k);
  CHECK(rest == std::set<std::string>{"boursier"});
#endif
  const CliResult unknown = run_villani("run no-such-kind", "run_unknown");
  CHECK(unknown.code == 2);
  CHECK(unknown.err.find("unknown kind 'no-such-kind'") != std::string::npos);
}

TEST_CASE("villani run boursier writes a run record in every build, bad input exits 2", "[cli][run]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/run_boursier";
  std::filesystem::remove_all(dir);
  const CliResult r = run_villani("run boursier --n 4 --planar-n 4 --seeds 3 --m-extra 1 --format json --out " + dir,
                                  "run_boursier");
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (const char* f : {"config.json", "hardware.json", "metrics.jsonl", "summary.json", "table.md", "success.gp"})
    CHECK(std::filesystem::file_size(dir + "/" + f) > 0);
  // One cell per (family, n, σ, width): orthogonal n = 4 and planar n = 4, widths 2…2^5, two σ.
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("cells").size() == 2 * 2 * 5);
  for (const auto& c : j["cells"]) {
    CHECK(c["success_fraction"].get<double>() >= 0);
    CHECK(c["success_fraction"].get<double>() <= 1);
  }
  for (const char* bad : {"--threads 0", "--seeds 0", "--n x", "--n 6:4", "--beta -1"}) {
    INFO(bad);
    CHECK(run_villani(std::string("run boursier ") + bad, "run_boursier_bad").code == 2);
  }
}

// The CLI edge prints the record rendering of the typed result and nothing else: the same options
// computed in-process and rendered give the printed JSON exactly (doubles round-trip through dump).
TEST_CASE("villani run boursier --format json prints to_json of the computed result", "[cli][run]") {
  const CliResult r = run_villani("run boursier --n 4 --planar-n 4 --seeds 2 --m-extra 0 --init-scale 0.01 --format json",
                                  "run_boursier_render");
  INFO(r.err);
  REQUIRE(r.code == 0);
  namespace comp = villani::experiments::companion;
  comp::BoursierOptions o;
  o.orthogonal_n = {4};
  o.planar_n = {4};
  o.seeds = 2;
  o.m_extra = 0;
  o.init_scales = {0.01};
  const comp::BoursierResult res = comp::run_boursier(o);
  const auto printed = nlohmann::json::parse(r.out);
  CHECK(printed == comp::to_json(res));
  REQUIRE(printed.at("cells").size() == 8);
  CHECK(printed["cells"][3]["success_fraction"].get<double>() == res.cells[3].success_fraction);
  CHECK(printed["convex"][1]["closed_form"].is_null());  // planar data: no closed form
}
