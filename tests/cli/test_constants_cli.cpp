#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/constants_table.hpp"
#include "cli/lists.hpp"
#include "cli_run.hpp"
#include "numerics/errors.hpp"

using nlohmann::json;

namespace {
// Every number in a document is finite and no string spells inf or nan.
void require_no_inf_nan(const json& j, const std::string& path = "") {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) require_no_inf_nan(it.value(), path + "/" + it.key());
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) require_no_inf_nan(j[i], path + "/" + std::to_string(i));
  } else if (j.is_number_float()) {
    INFO(path);
    REQUIRE(std::isfinite(j.get<double>()));
  } else if (j.is_string()) {
    const std::string s = j.get<std::string>();
    INFO(path << " = " << s);
    REQUIRE(s != "inf");
    REQUIRE(s != "-inf");
    REQUIRE(s != "nan");
  }
}
}  // namespace

TEST_CASE("constants --lambda 1 --dim 1: Gaussian reference 1, claim 2, exactly", "[cli]") {
  const auto r = run_villani("constants --lambda 1 --dim 1 --format json");
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  REQUIRE(j.at("rows").size() == 1);
  const auto& routes = j["rows"][0]["routes"];
  CHECK(routes["gaussian_reference"]["applies"] == true);
  CHECK(routes["gaussian_reference"]["c_ls"].get<double>() == 1.0);
  CHECK(routes["paper_claim"]["c_ls"].get<double>() == 2.0);
  CHECK(routes["paper_claim"]["kind"] == "claim");
  CHECK(routes["bakry_emery"]["applies"] == false);
  CHECK(routes["bakry_emery"]["c_ls"] == "n/a");
  CHECK(routes["holley_stroock"]["applies"] == false);
  CHECK(routes["lyapunov"]["applies"] == true);
  CHECK(routes["lyapunov"]["c_ls"] == "n/a");  // Poincaré only
}

TEST_CASE("constants at d = 1.25e8 with Ω = 50: no inf or nan anywhere", "[cli]") {
  const auto r = run_villani("constants --lambda 1e-3 --dim 1.25e8 --oscillation 50 --format json");
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  require_no_inf_nan(j);
  const auto& routes = j["rows"][0]["routes"];
  // Holley–Stroock: (s/λ)·e^{50} = 1000·e^{50} ≈ 5.18e24, fits a double.
  CHECK(routes["holley_stroock"]["c_ls"].get<double>() == Approx(1000 * std::exp(50.0)).epsilon(1e-12));
  // Lyapunov for L ≡ 0 is astronomically large: a decimal string with its log10.
  CHECK(routes["lyapunov"]["c_p"].is_string());
  CHECK(routes["lyapunov"]["log10_c_p"].get<double>() > 8e7);
}

TEST_CASE("constants at d = 1e12: exp(d/2)-sized values stay finite", "[cli]") {
  const auto r = run_villani("constants --lambda 1e-3 --dim 1e12 --format json");
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  require_no_inf_nan(j);
  CHECK(j["rows"][0]["routes"]["lyapunov"]["log10_c_p"].get<double>() > 0.5e12 / std::log(10.0));
}

TEST_CASE("bad input exits 2 and names the argument", "[cli]") {
  struct Case {
    const char* args;
    const char* names;
  };
  const Case cases[] = {
      {"constants --lambda -1 --dim 1", "--lambda"},
      {"constants --lambda 0 --dim 1", "--lambda"},
      {"constants --lambda nan --dim 1", "--lambda"},
      {"constants --lambda 1 --dim 0.5", "--dim"},
      {"constants --lambda 1 --dim nan", "--dim"},
      {"constants --lambda 1 --dim 1 --temperature 0", "--temperature"},
      {"constants --lambda 1 --dim 1 --temperature -2", "--temperature"},
      {"constants --lambda 1 --dim 1 --format xml", "--format"},
      {"constants --lambda 1e-4:1 --dim 1", "--lambda"},
      {"constants --lambda 1e-4:1:x --dim 1", "--lambda"},
      {"constants --lambda -1:1:3 --dim 1", "--lambda"},
      {"constants --lambda 1,,2 --dim 1", "--lambda"},
      {"constants --lambda 1 --dim 1 --oscillation -1", "--oscillation"},
      {"constants --dim 1", "--lambda"},
      {"nosuchcommand", "command"},
  };
  for (const auto& c : cases) {
    const auto r = run_villani(c.args, "bad");
    INFO(c.args << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.names) != std::string::npos);
    CHECK(r.out.empty());
  }
}

TEST_CASE("LIST ranges: geometric and linear, both ends exact", "[cli]") {
  using villani::cli::parse_list;
  const auto g = parse_list("--lambda", "1e-4:1:9");
  REQUIRE(g.size() == 9);
  CHECK(g.front().value == villani::Wide("1e-4"));
  CHECK(g.back().value == 1);
  CHECK(abs(g[4].value - villani::Wide("0.01")) < villani::Wide("1e-45"));
  const auto l = parse_list("--x", "lin:0.5:2:4,7");
  REQUIRE(l.size() == 5);
  CHECK(l[1].value == 1);
  CHECK(l[4].value == 7);
  CHECK_THROWS_AS(parse_list("--x", "1:2:0"), villani::InputError);
  CHECK_THROWS_AS(parse_list("--x", ""), villani::InputError);
}

TEST_CASE("table, markdown, csv and latex formats", "[cli]") {
  const std::string base = "constants --lambda 0.1,1 --dim 10 --curvature-floor 0.05 --format ";
  const auto t = run_villani(base + "table");
  REQUIRE(t.code == 0);
  CHECK(t.out.find("Bakry") != std::string::npos);
  const auto md = run_villani(base + "markdown");
  REQUIRE(md.code == 0);
  CHECK(md.out.find("| λ |") != std::string::npos);
  const auto csv = run_villani(base + "csv");
  REQUIRE(csv.code == 0);
  CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') == 3);  // header + 2 rows
  const auto tex = run_villani(base + "latex");
  REQUIRE(tex.code == 0);
  for (const char* s : {"\\documentclass", "\\usepackage{booktabs}", "\\toprule", "\\midrule",
                        "\\bottomrule", "\\end{document}"})
    CHECK(tex.out.find(s) != std::string::npos);
  // Bakry–Émery with K = 0.05 at λ = 0.1: s/(λ−K) = 20.
  const auto js = run_villani(base + "json");
  const json j = json::parse(js.out);
  CHECK(j["rows"][0]["routes"]["bakry_emery"]["c_ls"].get<double>() == Approx(20.0).epsilon(1e-14));
  // When pdflatex is installed the document must compile as is.
  if (std::system("command -v pdflatex >/dev/null 2>&1") == 0) {
    const std::string dir = std::string(VILLANI_TEST_TMP) + "/latex";
    std::filesystem::create_directories(dir);
    {
      std::ofstream f(dir + "/t.tex");
      f << tex.out;
    }
    const int rc = std::system(("cd " + dir + " && pdflatex -interaction=nonstopmode -halt-on-error t.tex >/dev/null 2>&1").c_str());
    CHECK(rc == 0);
  }
}

TEST_CASE("constants --out writes every format atomically", "[cli]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/constants_out";
  std::filesystem::remove_all(dir);
  const auto r = run_villani("constants --lambda 0.5 --dim 3 --out " + dir);
  REQUIRE(r.code == 0);
  for (const char* f : {"constants.json", "constants.md", "constants.csv", "constants.tex"})
    CHECK(std::filesystem::exists(dir + "/" + f));
  std::ifstream in(dir + "/constants.json");
  const json j = json::parse(in);
  CHECK(j["rows"][0]["routes"]["gaussian_reference"]["c_p"].get<double>() == 2.0);
}

TEST_CASE("constants rows render to the documented JSON keys and table cells at the CLI edge", "[cli]") {
  villani::theory::ConstantsSettings o;
  o.lambdas = {villani::Wide("0.5")};
  o.dims = {villani::Wide(10), villani::Wide("1e300")};
  o.hessian_bound = villani::Wide(3);
  const auto rows = villani::theory::constants_rows(o);
  const nlohmann::json j = villani::cli::constants_json(rows);
  REQUIRE(j.size() == 2);
  // s/λ = 2 exactly, claim 1/λ + d/λ² = 2 + 40 = 42.
  CHECK(j[0]["claim_vs_gaussian"]["exact_c_ls_at_L0"].get<double>() == 2.0);
  CHECK(j[0]["claim_vs_gaussian"]["claimed_c_ls"].get<double>() == 42.0);
  CHECK(j[0]["claim_vs_gaussian"]["violated_at_L0"].get<bool>() == rows[0].violated_at_l0);
  CHECK(j[0]["routes"]["gaussian_reference"]["c_ls"].get<double>() == 2.0);
  // --hessian-bound bounds ‖∇²L‖ for the SGLD plan only: the constants stay those of L ≡ 0.
  CHECK(j[0]["best"]["c_ls_route"] == "gaussian_reference");
  CHECK(j[0]["dynamics"]["basis"] == "gaussian_reference");
  CHECK(j[0]["dynamics"]["sgld"]["hessian_bound_f"].get<double>() == 3.5);  // λ + H
  CHECK(j[0]["dynamics_claim"]["sgld"]["hessian_bound_f"].get<double>() == 3.5);  // λ + H
  // 4e300 fits a double; the Lyapunov bound for d = 1e300 does not: "overflow" in JSON and table.
  CHECK(j[1]["claim_vs_gaussian"]["claimed_c_ls"].get<double>() == Approx(4e300));
  const auto table = villani::cli::constants_table(rows);
  REQUIRE(table.rows.size() == 2);
  CHECK(table.rows[0][3] == "2");
  CHECK(table.rows[0][4] == "42");
  CHECK(table.rows[0][5] == "consistent");
  CHECK(table.rows[0][9] == "2");  // relaxation time C_P/s = 1/λ
}
