#include "cli/interrupt.hpp"

#include <csignal>
#include <unistd.h>

namespace villani::cli {
namespace {

std::atomic<bool> g_cancel{false};
std::atomic<int> g_depth{0};

extern "C" void on_sigint(int) {
  if (g_cancel.exchange(true)) _exit(130);  // second Ctrl-C: leave now
}

}  // namespace

InterruptScope::InterruptScope() {
  outermost_ = g_depth.fetch_add(1) == 0;
  if (outermost_) {
    g_cancel = false;
    prev_ = std::signal(SIGINT, on_sigint);
  }
}

InterruptScope::~InterruptScope() {
  if (outermost_) std::signal(SIGINT, prev_);
  g_depth.fetch_sub(1);
}

const std::atomic<bool>* InterruptScope::token() const { return &g_cancel; }

}  // namespace villani::cli
