// Ctrl-C for long commands (villani run, villani reproduce): the first SIGINT sets a cancel token
// that the work polls between steps (it finishes the current step, checkpoints and returns
// interrupted); a second SIGINT leaves at once (exit 130). One handler for every command, so
// that a run started by a claim of `villani reproduce` and the reproduce loop itself see the same
// token. Torch-free.
#pragma once
#include <atomic>

namespace villani::cli {

/// Installs the SIGINT handler for its lifetime (restoring the previous one after) and clears the
/// token. Scopes nest: an inner scope shares the outer one's token and leaves it as it found it.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
  /// The cancel token: true once Ctrl-C was pressed inside the scope.
  const std::atomic<bool>* token() const;
  bool requested() const { return token()->load(); }

 private:
  void (*prev_)(int) = nullptr;
  bool outermost_ = false;
};

}  // namespace villani::cli
