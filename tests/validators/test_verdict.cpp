// One verdict type, three output vocabularies (validators/verdict.hpp).
#include <catch2/catch.hpp>
#include <string>

#include "validators/verdict.hpp"

namespace v = villani::validators;

TEST_CASE("verdict words: each vocabulary reads back to its verdict", "[validators]") {
  using W = v::VerdictWords;
  for (const auto verdict : {v::Verdict::Holds, v::Verdict::Violated, v::Verdict::Inconclusive, v::Verdict::NotApplicable})
    for (const auto words : {W::Claim, W::Criterion, W::Certificate})
      CHECK(v::parse_verdict(v::to_string(verdict, words)) == verdict);
  // The words each JSON key has always printed.
  CHECK(std::string(v::to_string(v::Verdict::Violated, W::Claim)) == "violated");
  CHECK(std::string(v::to_string(v::Verdict::Violated, W::Criterion)) == "fails");
  CHECK(std::string(v::to_string(v::Verdict::Violated, W::Certificate)) == "counterexample");
  CHECK(std::string(v::to_string(v::Verdict::Holds, W::Certificate)) == "certified");
  CHECK(v::parse_verdict("") == v::Verdict::Inconclusive);
  CHECK(v::parse_verdict("maybe") == v::Verdict::Inconclusive);
}
