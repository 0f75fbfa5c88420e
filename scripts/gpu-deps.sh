#!/usr/bin/env bash
# scripts/gpu-deps.sh [--full-boost]
#
# Prepares, on a Debian 12 machine with network (as root), everything the villani build needs on
# an offline GPU machine beyond what that machine has (CUDA, PyTorch, CMake, ninja, a compiler):
# Boost, Eigen, Spectra, fmt, nlohmann-json, CLI11, GiNaC/CLN, MPFR, MPFI, GMP, pkgconf and the
# Debian fortunes text (the real-text default of `villani run`). Writes one archive,
#
#     .gpu-deps/villani-deps.tar.xz   (+ .gpu-deps/MANIFEST.txt)
#
# that scripts/gpu-measure.sh unpacks and passes to CMake as VILLANI_DEPS_PREFIX. The device tool
# carries at most 64 MiB (working tree + carried paths), so Boost (162 MB of headers) is pruned to
# the Boost libraries the villani target's translation units include (found by preprocessing every
# TU of a configured build with -M, with g++ and with clang++), whole library directories kept so
# another compiler's preprocessor branches still find their headers; --full-boost keeps all of it.
# Work files (.debs, staging tree, scan build) live in build-gpu-deps/ (ignored, reusable).
# Re-run it after changes that include new Boost headers (the scan is what decides what travels).
set -euo pipefail

FULL_BOOST=0
for a in "$@"; do
  case "$a" in
    --full-boost) FULL_BOOST=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ {print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "gpu-deps: unknown argument '$a' (expected --full-boost)" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/build-gpu-deps
DEBS=$WORK/debs
STAGE=$WORK/stage          # every package extracted (the unpruned prefix)
PRUNED=$WORK/pruned        # what goes into the archive
OUTDIR=$ROOT/.gpu-deps
PACK=$OUTDIR/villani-deps.tar.xz
ARCH=x86_64-linux-gnu

# Runtime libraries (libfmt9, libmpfr6, libmpfi0, libgmp10, libginac11, libcln6, libzip4) with their -dev
# packages (mpfi.h is in libmpfi-dev-common, not libmpfi-dev); pkgconf because the device image may lack pkg-config (CMake's pkg_check_modules finds
# GiNaC with it); fortunes for --data fortunes. Catch2 and Google Benchmark are not needed: the
# device builds only the villani target (-DVILLANI_BUILD_TESTS=OFF -DVILLANI_BUILD_BENCH=OFF).
PKGS=(libboost1.74-dev libeigen3-dev libspectra-dev nlohmann-json3-dev libcli11-dev
      libfmt-dev libfmt9 libmpfr-dev libmpfr6 libmpfi-dev libmpfi-dev-common libmpfi0 libgmp-dev libgmp10
      libginac-dev libginac11 libcln-dev libcln6 libzip-dev libzip4 zlib1g-dev pkgconf pkgconf-bin libpkgconf3
      fortunes-min fortunes)

log() { echo "gpu-deps: $*" >&2; }

# 1. Download (cached in build-gpu-deps/debs; apt-get download needs no root but writes to cwd).
mkdir -p "$DEBS" "$OUTDIR"
missing=()
for p in "${PKGS[@]}"; do
  compgen -G "$DEBS/${p}_*.deb" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  log "downloading ${missing[*]}"
  if ! (cd "$DEBS" && apt-get download "${missing[@]}"); then
    log "apt-get download failed; running apt-get update once and retrying"
    apt-get update -q
    (cd "$DEBS" && apt-get download "${missing[@]}")
  fi
fi

# 2. Extract every package into the staging prefix.
rm -rf "$STAGE"
mkdir -p "$STAGE"
for p in "${PKGS[@]}"; do
  for f in "$DEBS/${p}"_*.deb; do dpkg-deb -x "$f" "$STAGE"; done
done

# 3. Make the prefix relocatable and self-contained.
#  - .pc files say prefix=/usr: make them relative to their own directory.
find "$STAGE/usr" -name '*.pc' -exec sed -i 's|^prefix=/usr$|prefix=${pcfiledir}/../../..|' {} +
sed -i 's|^prefix=.*|prefix=${pcfiledir}/../..|' "$STAGE"/usr/share/pkgconfig/*.pc 2>/dev/null || true
#  - gmp.h sits in Debian's multiarch include directory, which only the system compiler searches:
#    put it where VILLANI_DEPS_PREFIX's include directory (PREFIX/usr/include) finds it.
if [ -f "$STAGE/usr/include/$ARCH/gmp.h" ]; then
  mv "$STAGE/usr/include/$ARCH/gmp.h" "$STAGE/usr/include/gmp.h"
  rmdir "$STAGE/usr/include/$ARCH" 2>/dev/null || true
fi
#  - pkg-config that runs from anywhere and sees only this prefix's .pc files.
cat > "$STAGE/usr/bin/villani-pkg-config" <<'EOF'
#!/bin/sh
# pkgconf from the extracted Debian packages, restricted to this prefix's .pc files.
P=$(cd "$(dirname "$0")/../.." && pwd)
LD_LIBRARY_PATH="$P/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
PKG_CONFIG_LIBDIR="$P/usr/lib/x86_64-linux-gnu/pkgconfig:$P/usr/share/pkgconfig" \
PKG_CONFIG_PATH="$P/usr/lib/x86_64-linux-gnu/pkgconfig:$P/usr/share/pkgconfig" \
  exec "$P/usr/bin/pkgconf" "$@"
EOF
chmod +x "$STAGE/usr/bin/villani-pkg-config"
#  - Not needed to build or run villani: documentation, static archives (the .so are used),
#    fortunes' index files (villani reads the extension-less text files), the off-color fortunes.
rm -rf "$STAGE/usr/share/doc" "$STAGE/usr/share/man" "$STAGE/usr/share/lintian" "$STAGE/usr/share/info" \
       "$STAGE/usr/share/games/fortunes/off" "$STAGE/usr/share/aclocal"
find "$STAGE/usr/lib" -name '*.a' -delete
find "$STAGE/usr/share/games/fortunes" -name '*.*' \( -name '*.dat' -o -name '*.u8' \) -delete
"$STAGE/usr/bin/villani-pkg-config" --modversion ginac cln >/dev/null \
  || { log "the extracted pkgconf cannot resolve ginac/cln"; exit 1; }

# 4. Prune Boost to the libraries the villani target includes.
rm -rf "$PRUNED"
cp -a "$STAGE" "$PRUNED"
if [ "$FULL_BOOST" = 0 ]; then
  SCAN=$WORK/scan
  log "configuring a scan build ($SCAN) against the staging prefix"
  rm -rf "$SCAN"
  cmake -S "$ROOT" -B "$SCAN" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DVILLANI_DEPS_PREFIX="$STAGE" -DPKG_CONFIG_EXECUTABLE="$STAGE/usr/bin/villani-pkg-config" \
        -DVILLANI_BUILD_TESTS=OFF -DVILLANI_BUILD_BENCH=OFF >"$WORK/scan-configure.log" 2>&1 \
    || { log "scan configure failed: see $WORK/scan-configure.log"; exit 1; }
  log "preprocessing every translation unit with -M (g++, then clang++ where present)"
  python3 - "$SCAN" "$STAGE" "$WORK/boost-headers.txt" <<'EOF'
import json, os, shlex, subprocess, sys, concurrent.futures as cf
scan, stage, out = sys.argv[1:4]
cmds = json.load(open(os.path.join(scan, "compile_commands.json")))
compilers = ["g++"] + (["clang++"] if subprocess.call(["sh", "-c", "command -v clang++ >/dev/null"]) == 0 else [])
def deps(entry, cxx):
    args = shlex.split(entry["command"])
    # drop the launcher and compiler (everything before the first option), -o OUT and -c; add -M
    while args and not args[0].startswith("-"):
        args = args[1:]
    a, skip = [], False
    for x in args:
        if skip: skip = False; continue
        if x == "-o": skip = True; continue
        if x in ("-c",) or x.startswith("-fconcepts-diagnostics") or x == "-Winvalid-pch": continue
        a.append(x)
    r = subprocess.run([cxx, *a, "-M", "-w", "-o", "-"], cwd=entry["directory"], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr[-800:]
    return r.stdout.replace("\\\n", " ").split(), ""
found, failed = set(), []
with cf.ThreadPoolExecutor(max_workers=2) as ex:
    for cxx in compilers:
        for e, (d, err) in zip(cmds, ex.map(lambda e: deps(e, cxx), cmds)):
            if d is None:
                failed.append((cxx, e["file"], err)); continue
            for p in d:
                p = os.path.normpath(p)
                if p.startswith(stage + "/usr/include/boost/"):
                    found.add(os.path.relpath(p, stage + "/usr/include"))
for cxx, f, err in failed:
    print(f"gpu-deps: {cxx} -M failed on {f}: {err.strip().splitlines()[-1] if err.strip() else '?'}", file=sys.stderr)
if any(c == "g++" for c, _, _ in failed):
    sys.exit("gpu-deps: g++ could not preprocess every TU; the header list would be incomplete")
open(out, "w").write("\n".join(sorted(found)) + "\n")
print(f"gpu-deps: {len(cmds)} TUs, {len(found)} Boost headers included ({', '.join(compilers)})", file=sys.stderr)
EOF
  # Keep whole library directories: boost/LIB/** for every LIB touched, every top-level header touched,
  # and boost/config, boost/detail (every compiler's and standard library's branch).
  libs=$( (grep -o '^boost/[^/]*/' "$WORK/boost-headers.txt" | sort -u; echo boost/config/; echo boost/detail/) | sort -u)
  NEWB=$WORK/boost-keep
  rm -rf "$NEWB"; mkdir -p "$NEWB/boost"
  for d in $libs; do cp -a "$STAGE/usr/include/$d" "$NEWB/boost/"; done
  grep -E '^boost/[^/]+$' "$WORK/boost-headers.txt" | while read -r f; do cp -a "$STAGE/usr/include/$f" "$NEWB/boost/"; done
  rm -rf "$PRUNED/usr/include/boost"
  mv "$NEWB/boost" "$PRUNED/usr/include/boost"
  rmdir "$NEWB"
  log "Boost kept: $(echo $libs | wc -w) library directories + $(grep -cE '^boost/[^/]+$' "$WORK/boost-headers.txt") top-level headers ($(du -sh "$PRUNED/usr/include/boost" | cut -f1) of $(du -sh "$STAGE/usr/include/boost" | cut -f1))"
fi

# 5. Pack.
{
  echo "villani GPU deps: Debian 12 packages extracted as a prefix for VILLANI_DEPS_PREFIX"
  echo "made $(date -u +%FT%TZ) by scripts/gpu-deps.sh$([ "$FULL_BOOST" = 1 ] && echo ' --full-boost') at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
  for p in "${PKGS[@]}"; do basename "$DEBS/${p}"_*.deb .deb; done
} > "$PRUNED/MANIFEST.txt"
cp "$PRUNED/MANIFEST.txt" "$OUTDIR/MANIFEST.txt"
rm -f "$PACK"
tar -C "$PRUNED" -cf - . | xz -T0 -9 > "$PACK.tmp"
mv "$PACK.tmp" "$PACK"

tree_bytes=$(git -C "$ROOT" ls-files -z | (cd "$ROOT" && xargs -0 stat -c %s 2>/dev/null) | awk '{s+=$1} END {print s+0}')
pack_bytes=$(stat -c %s "$PACK")
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b/1048576}'; }
log "unpacked prefix: $(du -sh "$PRUNED" | cut -f1)"
log "archive: $PACK: $(mib "$pack_bytes")"
log "carried in all (tracked files $(mib "$tree_bytes") + archive): $(mib $((tree_bytes + pack_bytes))) of 64 MiB"
if [ $((tree_bytes + pack_bytes)) -gt $((60 * 1048576)) ]; then
  log "too large to carry with a margin (limit 64 MiB in all)"; exit 1
fi
echo "$PACK"
