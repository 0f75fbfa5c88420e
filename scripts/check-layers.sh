#!/bin/bash
# Checks the layering of docs/design.md ("Layers") by reading #include lines (ctest runs it:
# tests "layers: …").
#   numerics <- theory <- validators <- experiments <- cli      (a lower layer never includes a higher one)
# Rules, each violation printed as FILE:LINE: rule, exit 1 when there is any:
#   layer      a file of a layer includes a higher layer ("validators/..." from numerics/); the tests
#              mirror the layers (tests/theory/ may include what theory/ may);
#   libtorch   a LibTorch header (<torch/...>, <ATen/...>, <c10/...>, <caffe2/...>) outside
#              numerics/torch/, experiments/, cli/torch/, tests/, bench/;
#   torch-free theory/, validators/, numerics/ outside numerics/torch/ and fuzz/ (built without
#              LibTorch) include numerics/torch/ or a project header that includes LibTorch,
#              directly or through other headers.
# Conditional includes (#ifdef VILLANI_HAVE_TORCH) count like any other: the Torch-free layers
# have none.
#   scripts/check-layers.sh [ROOT]        ROOT: the source tree (default: this script's ..)
set -euo pipefail
root=${1:-"$(dirname "$0")/.."}
cd "$root"

dirs=()
for d in numerics theory validators experiments cli tests bench fuzz; do
  [ -d "$d" ] && dirs+=("$d")
done
if [ ${#dirs[@]} -eq 0 ]; then
  echo "check-layers: no layer directory under $PWD" >&2
  exit 2
fi

# FILE:LINE:TEXT for every #include line of the C++ sources and headers.
includes=$(find "${dirs[@]}" -type f \( -name '*.hpp' -o -name '*.cpp' -o -name '*.h' -o -name '*.cc' \
             -o -name '*.hh' -o -name '*.inl' \) -print0 | sort -z |
           xargs -0 -r grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' /dev/null || true)

violations=$(printf '%s\n' "$includes" | awk '
function layer_of(path,   n, p) {  # the layer a file belongs to ("" for none)
  n = split(path, p, "/")
  if (p[1] == "tests" && n > 2) return p[2]
  return p[1]
}
function resolve(file, inc,   dir) {  # a quoted include: from the root, else next to the file
  if (inc in is_file) return inc
  dir = file
  sub(/\/[^\/]*$/, "", dir)
  if ((dir "/" inc) in is_file) return dir "/" inc
  return ""
}
function torch_allowed(file) {
  return file ~ /^(numerics\/torch|experiments|cli\/torch|tests|bench)\//
}
function torch_free(file) {
  return (file ~ /^(theory|validators|fuzz)\// || (file ~ /^numerics\// && file !~ /^numerics\/torch\//))
}
BEGIN {
  rank["numerics"] = 0; rank["theory"] = 1; rank["validators"] = 2; rank["experiments"] = 3; rank["cli"] = 4
  order = "numerics <- theory <- validators <- experiments <- cli"
}
NF == 0 { next }
{
  # FILE:LINE:TEXT (file names hold no colon in this tree)
  file = $0; sub(/:.*/, "", file)
  rest = substr($0, length(file) + 2)
  line = rest; sub(/:.*/, "", line)
  text = substr(rest, length(line) + 2)
  if (!match(text, /[<"][^>"]*[>"]/)) next
  inc = substr(text, RSTART + 1, RLENGTH - 2)
  quoted = (substr(text, RSTART, 1) == "\"")
  n++
  F[n] = file; L[n] = line; I[n] = inc; Q[n] = quoted
  is_file[file] = 1
}
END {
  # Headers that include LibTorch, directly or through other project headers (a fixed point).
  for (k = 1; k <= n; k++) {
    if (I[k] ~ /^(torch|ATen|c10|caffe2)\//) torchy[F[k]] = 1
    R[k] = Q[k] ? resolve(F[k], I[k]) : (I[k] in is_file ? I[k] : "")
  }
  do {
    changed = 0
    for (k = 1; k <= n; k++)
      if (R[k] != "" && (R[k] in torchy) && !(F[k] in torchy)) { torchy[F[k]] = 1; changed = 1 }
  } while (changed)

  for (k = 1; k <= n; k++) {
    file = F[k]; inc = I[k]; where = file ":" L[k] ": "
    own = layer_of(file)
    split(inc, part, "/")
    if ((own in rank) && (part[1] in rank) && rank[part[1]] > rank[own])
      print where "layer: " own "/ may not include " part[1] "/ (\"" inc "\"; " order ")"
    if (inc ~ /^(torch|ATen|c10|caffe2)\// && !torch_allowed(file))
      print where "libtorch: <" inc "> outside numerics/torch/, experiments/, cli/torch/, tests/, bench/"
    if (torch_free(file) && inc !~ /^(torch|ATen|c10|caffe2)\//) {
      if (inc ~ /^numerics\/torch\//)
        print where "torch-free: includes the LibTorch adapter \"" inc "\""
      else if (R[k] != "" && (R[k] in torchy))
        print where "torch-free: \"" inc "\" includes LibTorch (directly or through its includes)"
    }
  }
}')

if [ -n "$violations" ]; then
  printf '%s\n' "$violations"
  echo "check-layers: $(printf '%s\n' "$violations" | wc -l) violation(s) of docs/design.md's layering" >&2
  exit 1
fi
echo "check-layers: $(printf '%s\n' "$includes" | grep -c . || true) #include lines, no violation"
