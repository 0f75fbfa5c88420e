#include "validators/verdict.hpp"

namespace villani::validators {

const char* to_string(Verdict v, VerdictWords words) {
  switch (v) {
    case Verdict::Holds:
      return words == VerdictWords::Certificate ? "certified" : "holds";
    case Verdict::Violated:
      return words == VerdictWords::Criterion ? "fails" : words == VerdictWords::Certificate ? "counterexample" : "violated";
    case Verdict::Inconclusive: return "inconclusive";
    case Verdict::NotApplicable: return "not-applicable";
  }
  return "inconclusive";
}

Verdict parse_verdict(const std::string& text) {
  for (const auto words : {VerdictWords::Claim, VerdictWords::Criterion, VerdictWords::Certificate})
    for (const auto v : {Verdict::Holds, Verdict::Violated, Verdict::NotApplicable})
      if (text == to_string(v, words)) return v;
  return Verdict::Inconclusive;
}

}  // namespace villani::validators
