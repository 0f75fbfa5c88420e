#!/bin/bash
# Census of bad inputs by exit code (issue 15). Runs each line of fuzz/census/cases.txt as
# `villani LINE` (timeout 120 s each) in a scratch directory, with {FILES} standing for a copy of
# fuzz/census/files (small damaged model, data and weight files) and {RUNS} for a scratch record
# directory. Prints the count per exit code and flags what must never happen: a signal (crash), a
# timeout (hang), exit 3 (internal error) and exit 0 with inf/nan printed as a value.
#   scripts/bad-input-census.sh [VILLANI]     (default build/bin/villani; results.tsv is kept)
set -uo pipefail
cd "$(dirname "$0")/.."
V=$(realpath "${1:-build/bin/villani}")
work=$(mktemp -d "${TMPDIR:-/tmp}/villani-census.XXXXXX")
cp -r fuzz/census/files "$work/files"
mkdir -p "$work/runs"
results="$work/results.tsv"
: >"$results"
bad=0
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  line=${line//\{FILES\}/$work/files}
  line=${line//\{RUNS\}/$work/runs}
  (cd "$work" && timeout 120 bash -c "$V $line" >"$work/out.txt" 2>"$work/err.txt")
  rc=$?
  flag=""
  [ $rc -eq 124 ] && flag="TIMEOUT"
  [ $rc -gt 128 ] && [ $rc -ne 130 ] && flag="CRASH"
  [ $rc -eq 3 ] && flag="EXIT3"
  # A value that is inf or nan: a whole cell or JSON value (the infimum in prose is not one).
  if [ $rc -eq 0 ] && sed -E 's/inf (L|Ψ|F)/infimum/g' "$work/out.txt" |
      grep -Eq '(^|[[:space:]",|\[(])(-?inf|-?nan|NaN|-?Inf|infinity)([[:space:]",|\])]|$)'; then
    flag="NONFINITE"
  fi
  [ -n "$flag" ] && bad=$((bad + 1))
  printf '%s\t%s\t%s\t%s\n' "$rc" "$flag" "$line" "$(head -c 300 "$work/err.txt" | tr '\n\t' '  ')" >>"$results"
done <fuzz/census/cases.txt
echo "bad-input census: $(wc -l <"$results") invocations of $V"
echo "exit code  count"
cut -f1 "$results" | sort -n | uniq -c | awk '{printf "%9s  %5s\n", $2, $1}'
if [ $bad -gt 0 ]; then
  echo "FLAGGED ($bad):"
  grep -aP '\t(CRASH|NONFINITE|EXIT3|TIMEOUT)\t' "$results"
fi
echo "every line: $results"
exit $((bad > 0))
