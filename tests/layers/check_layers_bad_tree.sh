#!/bin/bash
# scripts/check-layers.sh can fail: trees with one violation each must exit 1 naming FILE:LINE and
# the rule, and a clean tree must pass (ctest: "layers: bad trees").
#   tests/layers/check_layers_bad_tree.sh SCRIPT SCRATCH_DIR
set -uo pipefail
script=$1
scratch=$2
status=0

# expect NAME RC PATTERN: a tree under $scratch/NAME, built by the caller, gives exit RC and
# prints PATTERN (grep -E).
expect() {
  local name=$1 want_rc=$2 pattern=$3 out rc
  out=$("$script" "$scratch/$name" 2>&1)
  rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL $name: exit $rc (expected $want_rc), output:"
    echo "$out"
    echo "--- expected to match: $pattern"
    status=1
  else
    echo "ok   $name: exit $rc"
  fi
}
# tree NAME FILE TEXT [FILE TEXT ...]: a fresh tree holding these files.
tree() {
  local dir=$scratch/$1
  shift
  rm -rf "$dir"
  while [ $# -gt 0 ]; do
    mkdir -p "$(dirname "$dir/$1")"
    printf '%s\n' "$2" >"$dir/$1"
    shift 2
  done
}

ok_numerics=$'#pragma once\n#include <vector>\n#include "numerics/scalar.hpp"'
tree clean numerics/a.hpp "$ok_numerics" theory/b.cpp '#include "numerics/a.hpp"' \
  numerics/torch/t.hpp '#include <torch/torch.h>' experiments/e.cpp '#include "numerics/torch/t.hpp"'
expect clean 0 "no violation"

tree numerics_validators numerics/a.hpp "$ok_numerics" numerics/bad.cpp $'// x\n#include "validators/verdict.hpp"'
expect numerics_validators 1 '^numerics/bad\.cpp:2: layer: numerics/ may not include validators/'

tree theory_cli theory/c.cpp '  #  include "cli/output.hpp"'
expect theory_cli 1 '^theory/c\.cpp:1: layer: theory/ may not include cli/'

tree numerics_theory numerics/a.hpp '#include "theory/routes.hpp"'
expect numerics_theory 1 '^numerics/a\.hpp:1: layer: numerics/ may not include theory/'

tree tests_mirror tests/validators/t.cpp '#include "experiments/runs.hpp"'
expect tests_mirror 1 '^tests/validators/t\.cpp:1: layer: validators/ may not include experiments/'

tree torch_in_validators validators/v.cpp $'#include <cmath>\n#include <ATen/ATen.h>'
expect torch_in_validators 1 '^validators/v\.cpp:2: libtorch: <ATen/ATen\.h>'

tree torch_in_cli cli/cmd.cpp '#include <torch/script.h>'
expect torch_in_cli 1 '^cli/cmd\.cpp:1: libtorch: <torch/script\.h> outside numerics/torch/'

tree adapter_in_numerics numerics/n.cpp '#include "numerics/torch/torch_objective.hpp"' \
  numerics/torch/torch_objective.hpp '#include <torch/torch.h>'
expect adapter_in_numerics 1 '^numerics/n\.cpp:1: torch-free: includes the LibTorch adapter'

# LibTorch two headers away: fuzz/ (built without LibTorch) -> experiments/x.hpp -> y.hpp -> <c10/...>.
tree transitive fuzz/f.cpp '#include "experiments/x.hpp"' experiments/x.hpp '#include "y.hpp"' \
  experiments/y.hpp '#include <c10/util/Half.h>'
expect transitive 1 '^fuzz/f\.cpp:1: torch-free: "experiments/x\.hpp" includes LibTorch'

exit $status
