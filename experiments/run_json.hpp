// The on-disk JSON form of the runs' results (a file format, docs/design.md "Run record"):
// summary.json of each kind, a spectrum row as a line of metrics.jsonl (and read back on
// --resume), and the spectrum check's row in the claim details (ClaimResult::details is JSON).
#pragma once
#include <nlohmann/json.hpp>

#include "experiments/run_summary.hpp"
#include "experiments/runs.hpp"

namespace villani::experiments {

/// {"ok", "why", "rate", "rate_lo", "rate_hi", "asymptote", "amplitude", "r2", "n"}
nlohmann::json to_json(const ExpFit& f);
/// summary.json of each kind ("complete": true with the kind's keys).
nlohmann::json to_json(const TrainSummary& s);
nlohmann::json to_json(const SpectrumSummary& s);
nlohmann::json to_json(const PsiSummary& s);
nlohmann::json to_json(const PacBayesSummary& s);
nlohmann::json to_json(const RunSummary& s);
/// A metrics.jsonl line of run spectrum, and back (a resumed run reads its finished rows).
nlohmann::json to_json(const SpectrumRow& r);
SpectrumRow spectrum_row(const nlohmann::json& j);
/// {"preset", "d", "lambda", "top_L", "top_F", "shift", "rel_err", "converged", "hvps"}
nlohmann::json to_json(const SpectrumCheck& c);

}  // namespace villani::experiments
