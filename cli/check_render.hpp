// Rendering of `villani check`'s typed report (validators/check_report.hpp) at the CLI edge:
// the JSON of --format json and check.json, the Markdown report (check.md, --format markdown),
// the criteria and shells tables, and the gnuplot Ψ plot of --out.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "cli/output.hpp"
#include "validators/check_report.hpp"

namespace villani::cli {

/// The report as `villani check --format json` prints it: "model", "options", "criteria"
/// {"smoothness", "coercivity", "integrability", "growth"} (validators/check_details.hpp),
/// "growth" {"exponent", "coefficient", "predicted_coefficient", "shells": […], …}, "center",
/// "constants" {…, "routes": […]}, "precision" (docs/check.md).
nlohmann::json check_json(const validators::CheckReport& report);

/// The Markdown report (check.md).
std::string check_markdown(const validators::CheckReport& report);

/// The criteria with verdicts and evidence, notes on the centre and the growth fit.
Table check_criteria_table(const validators::CheckReport& report);
/// Ψ on the shells beside min F/‖θ‖².
Table check_shells_table(const validators::CheckReport& report);

/// Writes psi.dat and psi.gp into dir and runs gnuplot to render psi.svg (log-log Ψ_s and Ψ_{2s}
/// against r with the predicted λ²r²/s line). Returns "" on success, else why no SVG was made.
std::string write_psi_plot(const validators::CheckReport& report, const std::string& dir);

}  // namespace villani::cli
