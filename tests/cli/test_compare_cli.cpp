// `villani compare` reads run records only (experiments/compare.cpp, no LibTorch), so it is in
// every build, the one without LibTorch included (issue 12). The records here are written by hand
// in the layout of experiments/run_record.hpp.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_run.hpp"

namespace {
void write_spectrum_record(const std::string& dir, double lambda, bool shift_ok) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json") << nlohmann::json{{"kind", "spectrum"}, {"lambda", lambda}}.dump();
  std::ofstream(dir + "/summary.json") << nlohmann::json{{"complete", true}}.dump();
  // top/bottom eigenvalues of ∇²L and of ∇²F = ∇²L + λI: the shifts equal λ.
  const nlohmann::json m = {{"step", 0},          {"lambda", lambda},         {"top_L", 2.5},
                            {"top_F", 2.5 + lambda}, {"top_shift", lambda},     {"top_rel_err", 0.0},
                            {"bottom_L", -0.25},  {"bottom_F", -0.25 + lambda}, {"bottom_shift", lambda},
                            {"shift_ok", shift_ok}};
  std::ofstream(dir + "/metrics.jsonl") << m.dump() << "\n";
}
}  // namespace

TEST_CASE("villani compare tables a spectrum record in every build, --strict exits 1 on a bad shift",
          "[cli][compare]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/compare_spectrum";
  write_spectrum_record(dir + "/good", 0.125, true);
  const CliResult ok = run_villani("compare --format json --strict " + dir + "/good", "compare_good");
  INFO(ok.err);
  REQUIRE(ok.code == 0);
  const auto j = nlohmann::json::parse(ok.out);
  CHECK(j.at("consistent") == true);
  bool found = false;
  for (const auto& t : j.at("tables"))
    if (t.at("title").get<std::string>().find("spectral inflation") != std::string::npos) {
      REQUIRE(t.at("rows").size() == 1);
      CHECK(t["rows"][0][0] == "0.125");
      CHECK(t["rows"][0].back() == "yes");
      found = true;
    }
  CHECK(found);
  CHECK(std::filesystem::exists(dir + "/good/compare/compare.md"));

  write_spectrum_record(dir + "/bad", 0.125, false);
  const CliResult bad = run_villani("compare --strict " + dir + "/bad", "compare_bad");
  CHECK(bad.code == 1);
  CHECK(bad.out.find("INCONSISTENT") != std::string::npos);
  CHECK(run_villani("compare " + dir + "/no-such-dir", "compare_missing").code == 2);
}
