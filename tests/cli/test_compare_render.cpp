// `villani compare` at the CLI edge (cli/compare_render.hpp): a Comparison computed from records
// written here (in the layout of experiments/run_record.hpp) rendered to JSON keeps the keys of
// compare.json, and its numbers are the computed ones (an exact exponential's fitted rate, the
// Bakry–Émery rate λ − K, the λ minimising the certificate).
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli/compare_render.hpp"
#include "experiments/compare.hpp"

namespace {
namespace fs = std::filesystem;

std::set<std::string> keys(const nlohmann::json& j) {
  std::set<std::string> k;
  for (const auto& [key, v] : j.items()) k.insert(key);
  return k;
}

void write_record(const std::string& dir, const nlohmann::json& cfg, const nlohmann::json& summary,
                  const std::vector<nlohmann::json>& metrics) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir + "/config.json") << cfg.dump();
  std::ofstream(dir + "/summary.json") << summary.dump();
  std::ofstream m(dir + "/metrics.jsonl");
  for (const auto& x : metrics) m << x.dump() << "\n";
}

// SGLD: ‖θ‖² = 1 + 2 e^{−0.6 t} and L = 2 + e^{−0.6 t} exactly; ∇²L's bottom eigenvalue 0.1 (K = 0).
void write_sgld(const std::string& dir) {
  std::vector<nlohmann::json> M;
  for (int k = 0; k < 50; ++k) {
    const double t = 0.2 * k;
    M.push_back({{"step", 4 * k}, {"t", t}, {"norm2", 1 + 2 * std::exp(-0.6 * t)}, {"loss", 2 + std::exp(-0.6 * t)}});
  }
  write_record(dir, {{"kind", "sgld"}, {"lambda", 0.3}, {"temperature", 1e-4}, {"lr", 0.05}, {"d", 100}},
               {{"complete", true}, {"test_ce", 2.5}, {"hessian_L", {{"top", 3.0}, {"bottom", 0.1}}}}, M);
}

// PAC-Bayes at λ with the 0–1 certificate `cert` (every bound above the test error).
void write_pacbayes(const std::string& dir, double lambda, double cert) {
  auto loss = [&](double c) {
    return nlohmann::json{{"bounds_above_test", true}, {"test_risk_Q", c - 0.05}, {"test_risk_deterministic", c - 0.06},
                          {"seeger", c}, {"mcallester", c + 0.01},
                          {"at_seeger", {{"train_risk_mc", c - 0.04}, {"kl", 0.5}, {"posterior_var", 0.01}, {"prior_var", 0.02}}}};
  };
  write_record(dir, {{"kind", "pacbayes"}, {"lambda", lambda}},
               {{"complete", true}, {"n", 4000}, {"zero_one", loss(cert)}, {"clipped_ce", loss(cert / 2)}},
               {{{"step", 0}, {"loss", 1.0}}});
}
}  // namespace

TEST_CASE("compare renders a computed Comparison to the JSON of compare.json", "[cli][compare]") {
  const std::string dir = std::string(VILLANI_TEST_TMP) + "/compare_render";
  write_sgld(dir + "/sgld");
  write_pacbayes(dir + "/pb/a", 0.1, 0.80);
  write_pacbayes(dir + "/pb/b", 0.01, 0.70);
  const auto cmp = villani::experiments::compare_records(villani::experiments::find_records({dir}));
  const nlohmann::json j = villani::cli::comparison_json(cmp);
  INFO(j.dump(2));

  CHECK(keys(j) == std::set<std::string>{"tables", "records", "consistent", "inconsistent", "pacbayes_trend",
                                         "pacbayes_vacuous", "pacbayes_tightens", "pacbayes_best_lambda",
                                         "pacbayes_curve"});
  CHECK(j.at("consistent") == true);
  CHECK(j.at("inconsistent").is_array());
  CHECK(j.at("inconsistent").empty());

  // Tables: SGLD, then PAC-Bayes in λ order; each as {title, columns [[text, right]], rows, notes}.
  REQUIRE(j.at("tables").size() == 2);
  for (const auto& t : j.at("tables")) CHECK(keys(t) == std::set<std::string>{"title", "columns", "rows", "notes"});
  const auto& pb = j["tables"][1];
  CHECK(pb["title"].get<std::string>().rfind("PAC-Bayes", 0) == 0);
  CHECK(pb["columns"][0] == nlohmann::json::array({"λ", true}));
  CHECK(pb["columns"][1] == nlohmann::json::array({"loss", false}));
  REQUIRE(pb["rows"].size() == 4);
  CHECK(pb["rows"][0][0] == "0.01");
  CHECK(pb["rows"][0][5] == "0.7");
  CHECK(pb["rows"][2][0] == "0.1");
  // The same table as a cli::Table.
  const auto tab = villani::cli::to_table(cmp.tables.at(1));
  CHECK(tab.title == pb["title"].get<std::string>());
  CHECK(tab.rows.size() == 4);
  CHECK(tab.columns.at(1).right == false);

  // The λ curve of the certificate: smallest at λ = 0.01, the smallest λ (so it does not tighten).
  const auto& curve = j.at("pacbayes_curve");
  CHECK(keys(curve) == std::set<std::string>{"lambda", "value", "best_lambda", "best_value", "decreasing_to_best",
                                             "increasing_after_best", "tolerance"});
  CHECK(curve["lambda"] == nlohmann::json::array({0.01, 0.1}));
  CHECK(curve["best_value"].get<double>() == 0.70);
  CHECK(j["pacbayes_best_lambda"].get<double>() == 0.01);
  CHECK(j["pacbayes_tightens"] == false);

  // Records in path order: pb/a, pb/b, sgld.
  REQUIRE(j.at("records").size() == 3);
  CHECK(keys(j["records"][0]) == std::set<std::string>{"dir", "kind", "complete", "lambda"});
  const auto& s = j["records"][2];
  CHECK(keys(s) == std::set<std::string>{"dir", "kind", "complete", "lambda", "measured", "predicted", "verdicts", "t0"});
  CHECK(s["kind"] == "sgld");
  CHECK(s["lambda"].get<double>() == 0.3);
  CHECK(keys(s["verdicts"]) == std::set<std::string>{"gaussian", "claim", "bakry_emery", "loss_vs_claim"});
  // An exact exponential: the fitted rate is 0.6 and the asymptote 1.
  CHECK(s["measured"]["norm2_fit_ok"] == true);
  CHECK(s["measured"]["norm2_rate"].get<double>() == Approx(0.6).epsilon(1e-4));
  CHECK(s["measured"]["norm2_asymptote"].get<double>() == Approx(1.0).epsilon(1e-4));
  CHECK(s["measured"]["loss_rate"].get<double>() == Approx(0.6).epsilon(1e-4));
  // Gaussian reference −2 ln(1 − ηλ)/η; Bakry–Émery λ − K with K = max(0, −0.1) = 0.
  CHECK(s["predicted"]["gaussian_norm2_rate"].get<double>() == Approx(-2 * std::log1p(-0.05 * 0.3) / 0.05));
  CHECK(s["predicted"]["bakry_emery_rate_lower"].get<double>() == Approx(0.3));
  CHECK(s["predicted"]["curvature_K"].get<double>() == 0.0);
  CHECK(s["verdicts"]["gaussian"] == "consistent (within ×2)");
  CHECK(s["verdicts"]["claim"] == "consistent");
  CHECK(s["verdicts"]["bakry_emery"] == "consistent");
  CHECK(s["t0"].get<double>() == 0.0);
  // The typed record holds the same numbers the JSON shows.
  REQUIRE(cmp.records.at(2).sgld);
  CHECK(cmp.records[2].sgld->norm2.rate == s["measured"]["norm2_rate"].get<double>());
  CHECK(cmp.records[2].sgld->claim.verdict == villani::validators::Verdict::Holds);
}
