// Claims and verdicts (docs/design.md "Claim"). A verdict is computed by villani, never copied
// from a paper: each Claim carries the check that decides it.
#pragma once
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "validators/verdict.hpp"

namespace villani::validators {

struct ClaimResult {
  Verdict verdict = Verdict::Inconclusive;
  std::string evidence;       ///< one paragraph: what was computed, sampled or certified
  nlohmann::json details;     ///< numbers behind the evidence (machine-readable)
};

struct CheckContext {
  bool full = false;          ///< --full: larger versions of each check
  std::string device = "cpu"; ///< cpu | cuda
  std::string out_dir;        ///< where a check may write artefacts (may be empty)
  /// Set when the user interrupts (Ctrl-C, cli/interrupt.hpp): a check that runs a long
  /// measured run passes it on, so the run checkpoints and returns early (null: never).
  const std::atomic<bool>* cancel = nullptr;
};

struct Claim {
  std::string id;         ///< stable identifier, e.g. "cls-explicit-bound"
  std::string statement;  ///< the claim in one sentence, as the paper makes it
  std::string source;     ///< paper and section
  std::string command;    ///< the villani command that re-runs this check; its output holds the numbers
                          ///< the evidence quotes (for a claim over several models, of the one named)
  std::function<ClaimResult(const CheckContext&)> check;
};

class Registry {
 public:
  void add(Claim c);
  const std::vector<Claim>& claims() const { return claims_; }

 private:
  std::vector<Claim> claims_;
};

/// Claims decided by theory/ alone (closed forms).
void register_theory_claims(Registry& r);

}  // namespace villani::validators
