// Memory figures every report carries (issue 24): the process's peak resident set so far and its
// current one, from the kernel (getrusage, /proc/self/status). Linux; 0 where unavailable.
#pragma once

namespace villani::numerics {

/// Peak resident set size of this process so far, in bytes (getrusage ru_maxrss).
double peak_rss_bytes();
/// Current resident set size of this process, in bytes (VmRSS); 0 when unknown.
double current_rss_bytes();

/// Keeps freed memory in the process for the next allocation of its size (glibc: no mmap for
/// large blocks, no trimming), instead of glibc's default of returning every block over 32 MiB to
/// the kernel when freed and faulting fresh zeroed pages in at the next one. A Hessian-vector
/// product at d = 15M allocates and frees ~40 such blocks (LibTorch's temporaries), and on a VM
/// the page faults were a third of its time: 1.035 s → 0.626 s per HVP for eager LibTorch modules
/// (`villani bench scale --size 15m`, experiments/results/gpt-neo-125m/cpu-2core/). Costs 10–20%
/// more peak RSS. Called first thing
/// by both executables; VILLANI_MALLOC=glibc in the environment leaves glibc's defaults. Returns
/// whether the policy was applied.
bool keep_freed_memory();
/// Returns the heap's free pages to the kernel (glibc malloc_trim): called between stages, after
/// the point's d-sized temporaries are gone and before the products start, so that the blocks
/// kept by keep_freed_memory do not add to the peak.
void release_free_memory();

}  // namespace villani::numerics
