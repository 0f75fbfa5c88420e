// Rendering of theory::constants_rows (theory/constants_report.hpp) for `villani constants` and the
// constants section of `villani reproduce`: the JSON rows (docs/constants.md documents every key)
// and the printable table.
#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/output.hpp"
#include "theory/constants_report.hpp"

namespace villani::cli {

using ConstantsOptions = theory::ConstantsSettings;

/// One JSON object per row.
nlohmann::json constants_json(const std::vector<theory::ConstantsRow>& rows);
/// The printable table of those rows.
Table constants_table(const std::vector<theory::ConstantsRow>& rows);

}  // namespace villani::cli
