#!/usr/bin/env bash
# scripts/gpu-measure.sh [--dry] [--out DIR] [--budget SECONDS] [--only STEPS] [--build DIR] [--bin FILE]
#
# The preprint's measurements on GPT-Neo-125M on a lent GPU machine, in one call (issue 18):
# unpacks .gpu-deps/villani-deps.tar.xz (scripts/gpu-deps.sh), configures against it
# (VILLANI_DEPS_PREFIX) and the device's PyTorch (CMAKE_PREFIX_PATH; C++ ABI checked), builds only
# the villani target with all cores, then runs, each step under its own time limit:
#   bench     villani bench hvp --device cuda (gpt-neo-125m, batch 4 × 512, float32)
#   hessian   villani hessian on a GPT-Neo-125M config.json at the seeded initial weights:
#             top-5 eigenvalues, XTrace trace, SLQ density (three invocations, one record each)
#   psi       villani run psi, 6 radii (0, 0.5, 1, 2, 4, 8 × ‖θ0‖) × 3 λ, Hutchinson ΔL
#   sgld      villani run sgld, short, 2 λ, Debian fortunes text (the real-text default)
#   pacbayes  villani run pacbayes at 125M, with whatever time is left
# The hessian, psi and sgld steps run side by side (one process per λ) after the benchmark, which
# runs alone. Everything goes under --out (default: out/gpu-measure[-dry]; on the device, $OUT):
#   device.txt       GPU, driver, CUDA, PyTorch, compiler, the timings of every step
#   timings.tsv      step, exit status, seconds, limit
#   logs/*.log       configure, build and every step's output
#   records/...      run records (config.json, hardware.json, metrics.jsonl, summary.json; the
#                    checkpoints *.pt stay in the build directory), bench JSON, hessian reports
# A step that fails or runs out of time is recorded and the next one runs; a step that is cut
# off gets SIGINT first (villani run finishes its step and keeps every record), SIGKILL 20 s later.
#
# --dry        the same script on this CPU machine: tiny model instead of 125M, --device cpu,
#              tiny step counts, Debian's CPU LibTorch, build directory build-gpu-dry; it also
#              fails when any header or library of the carried packages came from /usr instead
#              of the extracted prefix, so it proves the archive and every command line.
# --budget S   seconds for the whole script (default 510 on the device; in --dry, for the steps
#              after the build, default 900)
# --only LIST  comma list of steps to run (default bench,hessian,psi,sgld,pacbayes); the build
#              always runs (a no-op when build-gpu is current, e.g. a re-run on a warm machine)
# --build DIR  build directory (default build-gpu, or build-gpu-dry with --dry)
# --bin FILE   run the steps with this villani, skipping configure, build and audit (to rehearse
#              the steps when a build is not at hand)
# The whole script is one brace group: bash parses it completely before running, so editing this
# file while it runs (a long --dry build) cannot change what the running copy does.
{
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DRY=0
OUTDIR=""
BUDGET=""
ONLY="bench,hessian,psi,sgld,pacbayes"
BUILD_ARG=""
PREBUILT=""
while (($#)); do
  case "$1" in
    --dry) DRY=1 ;;
    --out) OUTDIR=${2:?--out needs a directory}; shift ;;
    --budget) BUDGET=${2:?--budget needs seconds}; shift ;;
    --only) ONLY=${2:?--only needs a list}; shift ;;
    --build) BUILD_ARG=${2:?--build needs a directory}; shift ;;
    --bin) PREBUILT=$(cd "$(dirname "${2:?--bin needs a file}")" && pwd)/$(basename "$2"); shift ;;
    -h|--help) awk 'NR > 1 && /^#/ {print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "gpu-measure: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -z "$OUTDIR" ] && OUTDIR=${OUT:-$ROOT/out/gpu-measure$([ "$DRY" = 1 ] && echo -dry)}
mkdir -p "$OUTDIR/logs" "$OUTDIR/records"
OUTDIR=$(cd "$OUTDIR" && pwd)
LOGS=$OUTDIR/logs
REC=$OUTDIR/records
TIMINGS=$OUTDIR/timings.tsv
printf 'step\texit\tseconds\tlimit_s\tnote\n' > "$TIMINGS"
T0=$(date +%s)
ARCH=x86_64-linux-gnu
ARCHIVE=$ROOT/.gpu-deps/villani-deps.tar.xz

if [ "$DRY" = 1 ]; then
  BUILD=$ROOT/build-gpu-dry
  DEVICE=cpu
  JOBS=2
  NICE="nice -n 10"
  BUDGET=${BUDGET:-900}
else
  BUILD=$ROOT/build-gpu
  DEVICE=cuda
  JOBS=$(nproc)
  NICE=""
  BUDGET=${BUDGET:-510}
fi
[ -n "$BUILD_ARG" ] && BUILD=$(mkdir -p "$BUILD_ARG" && cd "$BUILD_ARG" && pwd)
DEPS=$BUILD/deps
RUNS=$BUILD/measure-runs          # run roots with checkpoints; records are copied to $REC
BIN=${PREBUILT:-$BUILD/bin/villani}

say() { echo "gpu-measure: $*" | tee -a "$LOGS/gpu-measure.log" >&2; }
now() { date +%s; }
left() { echo $((DEADLINE - $(now))); }
wants() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
DEADLINE=$((T0 + BUDGET))

# step NAME LIMIT_S CMD...: runs CMD with LIMIT_S (cut to the time left), output in logs/NAME.log.
step() {
  local name=$1 lim=$2 t rc note=""
  shift 2
  local l
  l=$(left)
  ((lim > l)) && lim=$l
  if ((lim < 5)); then
    printf '%s\t-\t0\t%s\tskipped: no time left\n' "$name" "$lim" >> "$TIMINGS"
    say "$name: skipped (no time left)"
    return 0
  fi
  say "$name: start (limit ${lim}s): $*"
  t=$(now)
  LD_LIBRARY_PATH="${RUNLIB:-${LD_LIBRARY_PATH:-}}" timeout -s INT -k 20 "$lim" "$@" > "$LOGS/$name.log" 2>&1
  rc=$?
  ((rc == 124 || rc == 137)) && note="cut off at the limit"
  ((rc == 130)) && note="interrupted; records kept"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$(($(now) - t))" "$lim" "$note" >> "$TIMINGS"
  say "$name: exit $rc after $(($(now) - t))s ${note:+($note)}"
  return 0
}

# Copies a run root's records (not its checkpoints) under records/.
keep_records() {
  local src=$1 dst=$2
  [ -d "$src" ] || return 0
  (cd "$src" && find . -type f ! -name '*.pt' ! -name '*.tmp' -print0 | while IFS= read -r -d '' f; do
     mkdir -p "$dst/$(dirname "$f")" && cp -p "$f" "$dst/$f"; done)
}

write_device_txt() {
  {
    echo "# villani gpu-measure $([ "$DRY" = 1 ] && echo '--dry (CPU rehearsal)')"
    echo "date_utc: $(date -u +%FT%TZ)"
    echo "git: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "${VILLANI_GIT_REV:-unknown (no .git here: pass VILLANI_GIT_REV=...)}") $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo '(with local changes)')"
    echo "host: $(hostname 2>/dev/null || cat /proc/sys/kernel/hostname) · $(nproc) cores · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "os: $(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-?}") · glibc $(ldd --version 2>/dev/null | head -1 | grep -oE '[0-9.]+$')"
    echo "compiler: $(${CXX:-c++} --version 2>/dev/null | head -1)"
    echo "cmake: $(cmake --version 2>/dev/null | head -1) · ninja $(ninja --version 2>/dev/null || echo absent)"
    echo "torch: ${TORCH_INFO:-?}"
    echo "torch prefix: ${TORCH_PREFIX:-?}"
    echo "deps: $(sed -n 2p "$DEPS/MANIFEST.txt" 2>/dev/null)"
    if command -v nvidia-smi >/dev/null; then
      echo "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>/dev/null)"
      echo "cuda (nvidia-smi): $(nvidia-smi 2>/dev/null | grep -oE 'CUDA Version: [0-9.]+' | head -1)"
      echo "nvcc: $(nvcc --version 2>/dev/null | grep -oE 'release [0-9.]+' | head -1)"
    else
      echo "gpu: none (nvidia-smi absent)"
    fi
    echo "budget_s: $BUDGET · elapsed_s: $(($(now) - T0))"
    echo
    echo "## timings (seconds; exit 124/137: cut off at the limit, 130: interrupted)"
    column -t -s $'\t' "$TIMINGS" 2>/dev/null || cat "$TIMINGS"
    if [ -f "$REC/bench-hvp.json" ]; then
      echo
      echo "## bench hvp"
      python3 - "$REC/bench-hvp.json" <<'EOF' 2>/dev/null || cat "$REC/bench-hvp.json"
import json, sys
f = json.load(open(sys.argv[1]))["figures"]
tok = f["batch"] * f["seq"]
print(f"{f['preset']} d={f['d']} {f['device']} {f['dtype']} batch×seq={f['batch']}×{f['seq']} threads={f['threads']}")
print(f"gradient {f['seconds_per_gradient']:.4g} s ({tok / f['seconds_per_gradient']:.4g} tokens/s), "
      f"HVP {f['seconds_per_hvp']:.4g} s, value {f['seconds_per_value']:.4g} s, "
      f"HVP/gradient {f['hvp_over_gradient']:.3f} (issue 18 target ≤ 2.5, bench's own ≤ {f['target_ratio']})")
EOF
    fi
    if command -v nvidia-smi >/dev/null; then echo; echo "## nvidia-smi"; nvidia-smi 2>&1; fi
  } > "$OUTDIR/device.txt"
}

fail() {
  say "STOP: $*"
  printf '%s\t%s\t%s\t-\t%s\n' stop 1 "$(($(now) - T0))" "$*" >> "$TIMINGS"
  write_device_txt
  exit 1
}

say "mode $([ "$DRY" = 1 ] && echo dry || echo device), out $OUTDIR, budget ${BUDGET}s, steps $ONLY"

# ---- 1. the carried dependencies --------------------------------------------------------------
[ -f "$ARCHIVE" ] || fail "$ARCHIVE missing: run scripts/gpu-deps.sh here first and carry .gpu-deps"
mkdir -p "$BUILD"
sum=$(sha256sum "$ARCHIVE" | cut -d' ' -f1)
if [ "$(cat "$DEPS/.archive.sha256" 2>/dev/null)" != "$sum" ]; then
  say "unpacking $(du -h "$ARCHIVE" | cut -f1) into $DEPS"
  rm -rf "$DEPS.new" && mkdir -p "$DEPS.new"
  if command -v xz >/dev/null; then
    tar -C "$DEPS.new" -xJf "$ARCHIVE" || fail "cannot unpack $ARCHIVE"
  else  # no xz binary: Python's lzma
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$ARCHIVE" "$DEPS.new" \
      || fail "cannot unpack $ARCHIVE (no xz, and Python's tarfile failed)"
  fi
  if [ -d "$DEPS" ]; then
    # A re-made archive over an earlier one: replace only the files that differ, so that ninja
    # recompiles only what includes them.
    python3 - "$DEPS.new" "$DEPS" <<'EOF2' || fail "cannot update $DEPS"
import filecmp, os, shutil, sys
new, old = sys.argv[1], sys.argv[2]
keep, changed, removed = {".archive.sha256"}, 0, 0
for d, dirs, files in os.walk(new):
    rel = os.path.relpath(d, new)
    os.makedirs(os.path.join(old, rel), exist_ok=True)
    for f in files:
        a, b = os.path.join(d, f), os.path.join(old, rel, f)
        keep.add(os.path.normpath(os.path.join(rel, f)))
        if os.path.islink(a) or os.path.islink(b) or not os.path.exists(b) or not filecmp.cmp(a, b, shallow=False):
            if os.path.lexists(b):
                os.remove(b)
            shutil.move(a, b)
            changed += 1
for d, dirs, files in os.walk(old):
    rel = os.path.relpath(d, old)
    for f in files:
        if os.path.normpath(os.path.join(rel, f)) not in keep:
            os.remove(os.path.join(d, f))
            removed += 1
print(f"gpu-measure: deps updated in place: {changed} files changed, {removed} removed", file=sys.stderr)
EOF2
    rm -rf "$DEPS.new"
  else
    mv "$DEPS.new" "$DEPS"
  fi
  echo "$sum" > "$DEPS/.archive.sha256"
fi
DEPLIB=$DEPS/usr/lib/$ARCH
FORTUNES=$DEPS/usr/share/games/fortunes

# ---- 2. LibTorch: the device's PyTorch (CUDA), or Debian's CPU LibTorch in --dry ---------------
if [ "$DRY" = 1 ]; then
  TORCH_CONFIG=$(ls /usr/lib/$ARCH/cmake/Torch/TorchConfig.cmake 2>/dev/null)
  [ -n "$TORCH_CONFIG" ] || fail "Debian's libtorch-dev is not installed (scripts/setup.sh)"
  TORCH_PREFIX=$(dirname "$(dirname "$TORCH_CONFIG")")
  TORCH_LIB=/usr/lib/$ARCH
  TORCH_INFO="Debian libtorch-dev $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null) (CPU)"
else
  TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>"$LOGS/torch.log") \
    || fail "python3 cannot import torch ($(tail -1 "$LOGS/torch.log")): no CUDA LibTorch to build against"
  TORCH_LIB=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
  TORCH_INFO=$(python3 -c 'import torch; print(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, cuda available {torch.cuda.is_available()}, {torch.cuda.get_device_name(0) if torch.cuda.is_available() else \"no GPU\"}")' 2>>"$LOGS/torch.log")
  # docs/gpu.md: the carried C++ libraries (fmt, GiNaC, CLN) are built with the C++11 ABI; a
  # LibTorch with the pre-C++11 ABI cannot link them.
  abi=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>>"$LOGS/torch.log")
  [ "$abi" = 1 ] || fail "this PyTorch uses the pre-C++11 ABI (torch._C._GLIBCXX_USE_CXX11_ABI=$abi); Debian's fmt/GiNaC/CLN use the C++11 ABI: use the cxx11-ABI LibTorch zip from pytorch.org (docs/gpu.md)"
  TORCH_CONFIG=$(find "$TORCH_PREFIX" -name TorchConfig.cmake | head -1)
  if ! command -v nvcc >/dev/null && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
fi
grep -q '_GLIBCXX_USE_CXX11_ABI=1' "$TORCH_CONFIG" 2>/dev/null || grep -q 'CXX11_ABI' "$TORCH_CONFIG" 2>/dev/null \
  || say "note: $TORCH_CONFIG does not state its ABI"
if grep -q '_GLIBCXX_USE_CXX11_ABI=0' "$TORCH_CONFIG" 2>/dev/null; then
  fail "$TORCH_CONFIG sets _GLIBCXX_USE_CXX11_ABI=0: incompatible with the carried C++ libraries (docs/gpu.md)"
fi
say "torch: $TORCH_INFO ($TORCH_PREFIX)"

# ---- 3. configure and build the villani target ----------------------------------------------------
if [ -z "$PREBUILT" ]; then
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
LAUNCHER=()
[ "$DRY" = 1 ] && command -v ccache >/dev/null && LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CONFIGURE=(cmake -S "$ROOT" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release
           -DVILLANI_DEPS_PREFIX="$DEPS" -DCMAKE_PREFIX_PATH="$TORCH_PREFIX"
           -DPKG_CONFIG_EXECUTABLE="$DEPS/usr/bin/villani-pkg-config"
           -DVILLANI_WITH_TORCH=ON -DVILLANI_BUILD_TESTS=OFF -DVILLANI_BUILD_BENCH=OFF "${LAUNCHER[@]}")
t=$(now)
say "configure: ${CONFIGURE[*]}"
if ! $NICE "${CONFIGURE[@]}" > "$LOGS/configure.log" 2>&1; then
  printf 'configure\t1\t%s\t-\t\n' "$(($(now) - t))" >> "$TIMINGS"
  fail "configure failed: $(grep -m3 -E 'CMake Error|error' "$LOGS/configure.log" | tr '\n' ' ')(logs/configure.log)"
fi
printf 'configure\t0\t%s\t-\t\n' "$(($(now) - t))" >> "$TIMINGS"
if ! grep -q '^Torch_DIR:PATH=' "$BUILD/CMakeCache.txt" || grep -q '^Torch_DIR:PATH=.*NOTFOUND' "$BUILD/CMakeCache.txt"; then
  # villani's CMakeLists looks for Torch QUIETly; ask again loudly to log why.
  mkdir -p "$BUILD/torch-diag"
  printf 'cmake_minimum_required(VERSION 3.18)\nproject(d CXX)\nfind_package(Torch REQUIRED)\n' > "$BUILD/torch-diag/CMakeLists.txt"
  cmake -S "$BUILD/torch-diag" -B "$BUILD/torch-diag/b" -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" > "$LOGS/torch-diag.log" 2>&1
  fail "CMake did not find LibTorch in $TORCH_PREFIX (logs/torch-diag.log: $(grep -m2 -A2 'CMake Error' "$LOGS/torch-diag.log" | tr '\n' ' '))"
fi
# An object compiled against a system header that the prefix now provides (a header added to the
# archive since) would not be rebuilt by ninja, whose record names the system header: drop it.
if command -v ninja >/dev/null && [ -f "$BUILD/.ninja_deps" ]; then
  ninja -C "$BUILD" -t deps 2>/dev/null | python3 -c '
import os, sys
deps, build, target, stale = sys.argv[1], sys.argv[2], None, set()
for line in sys.stdin:
    if line and not line[0].isspace() and ":" in line:
        target = line.split(":")[0]
    elif line.strip().startswith("/usr/include/") and os.path.exists(deps + line.strip()):
        stale.add(target)
for t in stale:
    p = os.path.join(build, t)
    if os.path.exists(p):
        os.remove(p)
if stale:
    print(f"gpu-measure: {len(stale)} objects used system headers the prefix now provides: rebuilt", file=sys.stderr)
' "$DEPS" "$BUILD"
fi
t=$(now)
say "build: cmake --build $BUILD --target villani -j $JOBS"
if ! $NICE cmake --build "$BUILD" --target villani -j "$JOBS" > "$LOGS/build.log" 2>&1; then
  printf 'build\t1\t%s\t-\t\n' "$(($(now) - t))" >> "$TIMINGS"
  fail "build failed: $(grep -m3 -E 'error|Error' "$LOGS/build.log" | cut -c1-300 | tr '\n' ' ')(logs/build.log)"
fi
printf 'build\t0\t%s\t-\t\n' "$(($(now) - t))" >> "$TIMINGS"
else
  say "--bin $PREBUILT: no configure, build or audit"
  printf 'build\t-\t0\t-\tskipped: --bin %s\n' "$PREBUILT" >> "$TIMINGS"
fi
[ "$DRY" = 1 ] && DEADLINE=$(($(now) + BUDGET))   # in --dry the budget covers the steps only

# The carried shared libraries (and LibTorch's), for villani only: the compiler and Python keep the system's.
RUNLIB="$DEPLIB:$TORCH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
V=("$BIN")   # step() runs it with LD_LIBRARY_PATH=$RUNLIB
LD_LIBRARY_PATH=$RUNLIB "$BIN" --version > "$LOGS/version.log" 2>&1 || fail "$BIN does not start: $(tail -2 "$LOGS/version.log" | tr '\n' ' ')"

# ---- 4. audit: did every carried package come from the extracted prefix? ------------------------
if [ -z "$PREBUILT" ]; then
{
  echo "# CMake cache: where each dependency was found"
  grep -E '^(Boost_DIR|Eigen3_DIR|fmt_DIR|nlohmann_json_DIR|CLI11_DIR|MPFR_LIB|MPFI_LIB|GMP_LIB|SPECTRA_INCLUDE|PKG_CONFIG_EXECUTABLE|pkgcfg_lib_GINAC_[a-z]+|Torch_DIR)[:=]' "$BUILD/CMakeCache.txt"
  echo "# shared libraries of villani (ldd)"
  LD_LIBRARY_PATH=$RUNLIB ldd "$BIN" | grep -E 'fmt|ginac|cln|mpfr|mpfi|gmp|torch|c10|not found'
} > "$LOGS/audit.log" 2>&1
bad=$( { grep -E '^(Boost_DIR|Eigen3_DIR|fmt_DIR|nlohmann_json_DIR|CLI11_DIR|MPFR_LIB|GMP_LIB|MPFI_LIB|SPECTRA_INCLUDE|pkgcfg_lib_GINAC_[a-z]+)[:=]' "$BUILD/CMakeCache.txt" | grep -v "=$DEPS/"
         LD_LIBRARY_PATH=$RUNLIB ldd "$BIN" | grep -E 'lib(fmt|ginac|cln|mpfr|mpfi|gmp)\.' | grep -v "=> $DEPS/"
         LD_LIBRARY_PATH=$RUNLIB ldd "$BIN" | grep 'not found'
         if command -v ninja >/dev/null; then
           ninja -C "$BUILD" -t deps 2>/dev/null | grep -E '^ +/usr/include/(boost|eigen3|Spectra|nlohmann|CLI|fmt|ginac|cln|mpfr|mpf2mpfr|mpfi|gmp|x86_64-linux-gnu/gmp)' | sort -u
         fi; } )
if [ -n "$bad" ]; then
  echo "# NOT from the carried prefix:" >> "$LOGS/audit.log"
  echo "$bad" >> "$LOGS/audit.log"
  if [ "$DRY" = 1 ]; then
    fail "some dependencies came from /usr, not the extracted prefix: $(echo "$bad" | head -5 | tr '\n' ' ') (logs/audit.log)"
  fi
  say "note: some dependencies came from the device's system, not the carried prefix (logs/audit.log)"
fi
say "audit: every carried dependency resolved inside $DEPS"
fi
write_device_txt

# ---- 5. the measurements --------------------------------------------------------------------------
mkdir -p "$RUNS"
rm -rf "${RUNS:?}"/*
# A GPT-Neo config.json for `villani hessian` (its model sources are those of `villani check`:
# the GPT-Neo run presets are not among them, a Hugging Face config.json is), and a token file:
# bytes of the carried fortunes text, which are valid GPT-2 ids (< 256 ≤ vocab).
MODEL=$REC/model
mkdir -p "$MODEL"
if [ "$DRY" = 1 ]; then
  # the tiny preset's shape (experiments/model_config.cpp) with a byte vocabulary
  NEO='"vocab_size": 256, "max_position_embeddings": 32, "hidden_size": 16, "num_layers": 2, "num_heads": 2,
  "window_size": 8, "attention_types": [[["global", "local"], 1]], "attention_layers": ["global", "local"]'
  TOK_SEQ=2; TOK_LEN=16
else
  # EleutherAI/gpt-neo-125M's config.json (the values villani reads, and the rest as published)
  NEO='"vocab_size": 50257, "max_position_embeddings": 2048, "hidden_size": 768, "num_layers": 12, "num_heads": 12,
  "window_size": 256, "attention_types": [[["global", "local"], 6]],
  "attention_layers": ["global", "local", "global", "local", "global", "local", "global", "local", "global", "local", "global", "local"]'
  TOK_SEQ=2; TOK_LEN=64
fi
cat > "$MODEL/config.json" <<EOF
{
  "model_type": "gpt_neo", "architectures": ["GPTNeoForCausalLM"],
  $NEO,
  "activation_function": "gelu_new", "intermediate_size": null, "layer_norm_epsilon": 1e-05,
  "initializer_range": 0.02, "embed_dropout": 0, "attention_dropout": 0, "resid_dropout": 0,
  "bos_token_id": 50256, "eos_token_id": 50256, "use_cache": true
}
EOF
python3 - "$FORTUNES/fortunes" "$MODEL/tokens.txt" "$TOK_SEQ" "$TOK_LEN" <<'EOF' || fail "cannot write the token file"
import sys
src, dst, n, t = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
b = open(src, "rb").read().replace(b"\n%\n", b"\n")[: n * t]
open(dst, "w").write("".join(" ".join(str(x) for x in b[i * t:(i + 1) * t]) + "\n" for i in range(n)))
EOF

if [ "$DRY" = 1 ]; then
  PRESET=tiny
  BENCH=(bench hvp --device cpu --preset tiny --quick --format json)
  HESS_THREADS=1; HESS_MV=40; TRACE_MV=16; DENS=(--density-probes 1 --density-steps 16)
  PSI=(--quick)                      # 2 directions × 4 Hutchinson probes per shell
  SGLD_STEPS=20
  PACB=(--steps 10 --samples 1 --train-sequences 16 --test-sequences 8)
  LAM_PSI=(1e-3 1e-2 1e-1); LAM_SGLD=(1e-2 1e-1); LAM_PACB=1e-2
  LIM_BENCH=120; LIM_PHASE=420; LIM_PACB=240
  RUN_THREADS=1
else
  PRESET=gpt-neo-125m
  BENCH=(bench hvp --device cuda --format json)
  HESS_THREADS=6; HESS_MV=30; TRACE_MV=16; DENS=(--density-probes 1 --density-steps 16)
  # --quick: 2 directions × 4 Hutchinson probes per shell (without it: --samples/4 directions ×
  # 16 probes). Each probe is a Rademacher vector of 125M numbers drawn on the CPU (about 1.5 s),
  # so 6 shells × 2 × (1 + 4) vectors take about 90 s per λ; 16 probes would take about 160 s.
  PSI=(--quick)
  SGLD_STEPS=100
  PACB=(--steps 30 --samples 1 --train-sequences 64)
  LAM_PSI=(1e-3 1e-2 1e-1); LAM_SGLD=(1e-2 1e-1); LAM_PACB=1e-2
  LIM_BENCH=75; LIM_PHASE=200; LIM_PACB=150
  RUN_THREADS=2
fi
DATA="fortunes:$FORTUNES"

# 5.1 gradient vs HVP time, alone on the machine. (bench hvp has no --dtype: float32 only.)
if wants bench; then
  step bench "$LIM_BENCH" sh -c '"$0" "$@" > "'"$REC"'/bench-hvp.json"' "${V[@]}" "${BENCH[@]}"
  write_device_txt
fi

# 5.2–5.4 side by side: the Hessian at init (CPU threads + the device), Ψ_s per λ, SGLD per λ.
PHASE_END=$(($(now) + LIM_PHASE))
((PHASE_END > DEADLINE)) && PHASE_END=$DEADLINE
until_phase() { echo $((PHASE_END - $(now))); }
pids=()
if wants hessian; then
  (
    H=(hessian --model "$MODEL/config.json" --tokens "$MODEL/tokens.txt" --lambda 1e-2 --at init
       --dtype float32 --device "$DEVICE" --threads "$HESS_THREADS" --format json --quiet)
    step hessian-top "$(until_phase)" "${V[@]}" "${H[@]}" --top 5 --max-matvecs "$HESS_MV" --trace none --out "$REC/hessian-top"
    step hessian-trace "$(until_phase)" "${V[@]}" "${H[@]}" --top 0 --trace xtrace --trace-matvecs "$TRACE_MV" --out "$REC/hessian-trace"
    step hessian-density "$(until_phase)" "${V[@]}" "${H[@]}" --top 0 --trace none --density "${DENS[@]}" --out "$REC/hessian-density"
  ) & pids+=($!)
fi
if wants psi; then
  for l in "${LAM_PSI[@]}"; do
    ( export OMP_NUM_THREADS=$RUN_THREADS; step "psi-lambda=$l" "$(until_phase)" "${V[@]}" run psi --preset "$PRESET" \
        --device "$DEVICE" --data "$DATA" --lambda "$l" "${PSI[@]}" --out "$RUNS/psi"
      keep_records "$RUNS/psi/lambda=$l" "$REC/psi/lambda=$l" ) & pids+=($!)
  done
fi
if wants sgld; then
  for l in "${LAM_SGLD[@]}"; do
    ( export OMP_NUM_THREADS=$RUN_THREADS; step "sgld-lambda=$l" "$(until_phase)" "${V[@]}" run sgld --preset "$PRESET" \
        --device "$DEVICE" --dtype float32 --data "$DATA" --lambda "$l" --steps "$SGLD_STEPS" --out "$RUNS/sgld"
      keep_records "$RUNS/sgld/lambda=$l" "$REC/sgld/lambda=$l" ) & pids+=($!)
  done
fi
((${#pids[@]})) && wait "${pids[@]}"
write_device_txt

# 5.5 PAC-Bayes at 125M with the time left (at 125M its bound stage does not finish within a
# device session: see docs/gpu.md; the training records it writes first are kept).
if wants pacbayes; then
  if (($(left) >= 45)); then
    step pacbayes "$LIM_PACB" "${V[@]}" run pacbayes --preset "$PRESET" --device "$DEVICE" --data "$DATA" \
      --lambda "$LAM_PACB" "${PACB[@]}" --out "$RUNS/pacbayes"
    keep_records "$RUNS/pacbayes" "$REC/pacbayes"
  else
    printf 'pacbayes\t-\t0\t%s\tskipped: no time left\n' "$(left)" >> "$TIMINGS"
  fi
fi

write_device_txt
say "done in $(($(now) - T0))s: $OUTDIR (device.txt, timings.tsv, logs/, records/)"
failed=$(awk -F'\t' 'NR > 1 && $2 != "0" && $2 != "-" {print $1}' "$TIMINGS" | tr '\n' ' ')
[ -n "$failed" ] && say "steps not finished cleanly: $failed(see logs/)"
exit 0
}
