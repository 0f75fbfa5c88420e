#!/bin/bash
# Builds the libFuzzer targets (cmake --preset fuzz) and runs each for SECONDS seconds (default
# 30) from the seed corpus under fuzz/corpus/<target>, into a scratch corpus so the repository
# is not modified. Exits non-zero on any crash, sanitizer report, leak or timeout finding.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 list metrics
# SECONDS = 0 replays the seed corpus only (every input that once crashed or hung), no mutation.
# VILLANI_FUZZ_SEED=N fixes libFuzzer's seed (CI uses 1, so its short run is reproducible here).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(list expr spec gptneo_config safetensors tokens metrics archive record)
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target $(printf 'fuzz_%s ' "${targets[@]}")
work=${VILLANI_FUZZ_WORK:-build-fuzz/work}
mkdir -p "$work"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  log="$work/$t/log.txt"
  echo "fuzz: $t for ${secs}s" >&2
  if ! LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" build-fuzz/bin/fuzz_"$t" "$work/$t/corpus" "fuzz/corpus/$t" $([ "$secs" = 0 ] && echo -runs=0 || echo -max_total_time="$secs") ${VILLANI_FUZZ_SEED:+-seed=$VILLANI_FUZZ_SEED} -timeout=20 \
       -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
       >"$log" 2>&1; then
    echo "fuzz: $t FOUND a problem; see $log and $work/$t/artifacts/" >&2
    tail -40 "$log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov: " "$log" | tail -2 >&2 || true
done
exit $status
