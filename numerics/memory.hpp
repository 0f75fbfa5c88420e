// Memory figures every report carries (issue 24): the process's peak resident set so far and its
// current one, from the kernel (getrusage, /proc/self/status). Linux; 0 where unavailable.
#pragma once

namespace villani::numerics {

/// Peak resident set size of this process so far, in bytes (getrusage ru_maxrss).
double peak_rss_bytes();
/// Current resident set size of this process, in bytes (VmRSS); 0 when unknown.
double current_rss_bytes();

}  // namespace villani::numerics
