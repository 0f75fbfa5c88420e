// villani check's typed report rendered at the CLI edge (cli/check_render.hpp): the JSON has the
// keys `villani check --format json` always printed, and its values are the struct's.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/check_render.hpp"
#include "validators/reference_input.hpp"

using nlohmann::json;
using namespace villani;
using namespace villani::validators;

namespace {
std::set<std::string> keys(const json& j) {
  std::set<std::string> k;
  for (const auto& [key, v] : j.items()) k.insert(key);
  return k;
}
}  // namespace

TEST_CASE("check render: the JSON of a computed CheckReport has the command's keys and the struct's values",
          "[cli][check]") {
  CheckOptions o;
  o.lambda = 0.1;
  o.s = 1;
  o.directions = 6;
  o.probes = 1;
  o.radii = {2, 20, 60, 120, 240};
  o.precision = PrecisionMode::Double;
  const auto model = numerics::models::make_reference("logistic");
  const CheckReport rep = run_check(reference_check_input(model, "preset logistic", "activations"), o);
  const json j = cli::check_json(rep);

  CHECK(keys(j) == std::set<std::string>{"model", "options", "criteria", "growth", "center", "constants", "precision"});
  CHECK(keys(j["criteria"]) == std::set<std::string>{"smoothness", "coercivity", "integrability", "growth"});
  for (const CheckCriterion k : kCheckCriteria) {
    const CriterionResult& c = criterion(rep.criteria, k);
    CHECK(j["criteria"][to_string(k)]["verdict"] == to_string(c.verdict, VerdictWords::Criterion));
    CHECK(j["criteria"][to_string(k)]["evidence"] == c.evidence);
    CHECK(j["criteria"][to_string(k)].contains("reason") == (c.verdict == Verdict::Inconclusive));
  }
  // Logistic regression at λ = 0.1 grows like λ²r²/s: the growth criterion holds in both.
  CHECK(rep.criteria.growth.verdict == Verdict::Holds);
  CHECK(j["criteria"]["growth"]["verdict"] == "holds");
  CHECK(j["growth"]["predicted_coefficient"].get<double>() == Approx(0.01));
  CHECK(j["model"]["dim"].get<std::int64_t>() == model->dim());

  REQUIRE(j["growth"]["shells"].size() == rep.growth.shells.size());
  REQUIRE(rep.growth.shells.size() == 5);
  for (std::size_t k = 0; k < rep.growth.shells.size(); ++k) {
    const GrowthShell& s = rep.growth.shells[k];
    const json& js = j["growth"]["shells"][k];
    REQUIRE(s.psi);
    CHECK(keys(js) == std::set<std::string>{"radius", "points", "rung", "predicted_psi_s", "psi_s", "psi_2s",
                                            "standard_error", "laplacian", "violations_2s", "violations_s",
                                            "violating_fraction_upper"});
    CHECK(js["radius"].get<double>() == o.radii[k]);
    CHECK(js["psi_s"]["median"].get<double>() == s.psi->psi_s.median);
    CHECK(js["psi_2s"]["min"].get<double>() == s.psi->psi_2s.min);
    CHECK(js["points"].get<std::size_t>() == 6);
    CHECK(js["rung"] == "double");
    CHECK(js["laplacian"] == "exact");
    // The prediction (λ²/s)r² − λd, written as computed.
    CHECK(js["predicted_psi_s"].get<double>() == Approx(0.01 * o.radii[k] * o.radii[k] - 0.1 * model->dim()));
  }
  REQUIRE(rep.growth.fit);
  CHECK(j["growth"]["exponent"].get<double>() == rep.growth.fit->exponent);
  CHECK(j["growth"]["coefficient"].get<double>() == rep.growth.fit->coefficient);
  CHECK(j["growth"]["radius_psi_2s"].get<double>() == rep.growth.radius_psi_2s.value());
  CHECK(j["growth"].contains("certificate") == rep.growth.certificate.has_value());
  // Constants: the measured radius and every route of theory/.
  REQUIRE(rep.constants.computed);
  CHECK(j["constants"]["radius"].get<double>() == rep.constants.radius.value());
  CHECK(j["constants"]["routes"].size() == rep.constants.routes.size());
  CHECK(j["constants"]["curvature_floor"].get<double>() == rep.constants.curvature.value().floor);
  CHECK(j["precision"]["decided_by"] == "double");
  CHECK(j["precision"]["shell_rungs"].size() == 5);
  // The Markdown and the tables show the same verdicts.
  const std::string md = cli::check_markdown(rep);
  CHECK(md.find("| growth | **holds** |") != std::string::npos);
  const cli::Table t = cli::check_shells_table(rep);
  CHECK(t.rows.size() == 5);
}
