// One verdict type for every decision villani makes (docs/design.md "Verdict"): claims, the
// criteria of `villani check`, interval certificates and the paper-bound check of `villani gap`.
//
// The enum is the decision; the words are the output vocabulary of each JSON key, kept as they
// have always been printed:
//   claim        holds | violated | inconclusive | not-applicable   (reproduce, claims JSON)
//   criterion    holds | fails    | inconclusive | not-applicable   (check: criteria.*.verdict)
//   certificate  certified | counterexample | inconclusive | not-applicable   (gap: certificate.verdict)
// to_string writes them and parse_verdict reads any of them back; nothing else compares verdict
// strings.
#pragma once
#include <string>

namespace villani::validators {

enum class Verdict { Holds, Violated, Inconclusive, NotApplicable };

/// Which vocabulary a JSON key uses (see the table above).
enum class VerdictWords { Claim, Criterion, Certificate };

const char* to_string(Verdict v, VerdictWords words = VerdictWords::Claim);

/// Reads a word of any vocabulary ("holds", "certified" → Holds; "violated", "fails",
/// "counterexample" → Violated; "not-applicable" → NotApplicable). Anything else — a verdict
/// that is missing or was written by something newer — reads as Inconclusive: never as a decision.
Verdict parse_verdict(const std::string& text);

}  // namespace villani::validators
