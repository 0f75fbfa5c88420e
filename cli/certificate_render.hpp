// Rendering of validators::certify's result for `villani gap --certify` (the CLI edge, issue 12).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "validators/certify.hpp"

namespace villani::cli {

/// JSON object for `villani gap`'s "certificate" key (docs/gap.md).
nlohmann::json certificate_json(const validators::CertifyResult& r, const validators::CertifyStatement& st);

/// One readable line ("certified: Ψ_s ≥ 3 on 2 ≤ ‖θ‖ ≤ 5 (412 boxes, depth 9, min enclosure …)").
std::string certificate_line(const validators::CertifyResult& r);

}  // namespace villani::cli
