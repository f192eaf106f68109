#!/usr/bin/env bash
# Builds a libFuzzer target (a folder under Fuzz/, listed in Package.swift's fuzzTargets) with
# -sanitize=fuzzer,address in release mode, seeds its corpus from the parser fixtures (each
# fixture's input and each response in it) and runs it. Prints one summary line:
#   fuzz TARGET: N runs in S s (E exec/s), cov C, ft F, crashes K, hangs H
# and exits non-zero if libFuzzer found a crash, a leak or a hang (the input is then under
# .build-fuzz/findings/TARGET/; add it as a fixture once fixed). Not .build-fuzz/artifacts: SwiftPM
# owns that folder and empties it when it resolves the package, which once lost a finding).
#
# usage: scripts/fuzz.sh [TARGET] [libFuzzer options …]
#   scripts/fuzz.sh -runs=20000                                   (CI smoke, default target)
#   scripts/fuzz.sh ResponseParserFuzz -runs=10000000 -jobs=1
#   scripts/fuzz.sh -max_total_time=600
# Defaults added unless given: -timeout=5 (an input running longer is a hang), -max_len=1024,
# -rss_limit_mb=2048. Everything lives in .build-fuzz/ (ignored by git).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

TARGET=ResponseParserFuzz
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then TARGET=$1; shift; fi
[ -d "Fuzz/$TARGET" ] || { echo "fuzz: no target Fuzz/$TARGET" >&2; exit 2; }

SCRATCH=.build-fuzz
BIN="$SCRATCH/bin/$TARGET"
mkdir -p "$SCRATCH/bin"
echo "fuzz $TARGET: building (release, -sanitize=fuzzer,address)…"
# SwiftPM compiles the target and its dependencies with the sanitizers; it cannot link the
# executable itself (it renames `main` for executables, and libFuzzer brings its own), so the
# objects of its link command are linked here with swiftc, which adds libFuzzer and ASan.
if ! IMAPWORKER_FUZZ=1 swift build -c release --scratch-path "$SCRATCH" --target "$TARGET" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library > "$SCRATCH/build.log" 2>&1; then
    grep -E "error" "$SCRATCH/build.log" | head -20
    echo "fuzz $TARGET: build failed (log: $SCRATCH/build.log)"
    exit 2
fi
mapfile -d '' objects < <(python3 - "$SCRATCH/release.yaml" "$TARGET" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
head = '  "C.%s-' % sys.argv[2]
for i, line in enumerate(lines):
    if line.startswith(head) and line.rstrip().endswith('-release.exe":'):
        inputs = json.loads(lines[i + 2].split("inputs:", 1)[1])
        sys.stdout.write("".join(p + "\0" for p in inputs if p.endswith(".o")))
        break
PY
)
[ ${#objects[@]} -gt 0 ] || { echo "fuzz $TARGET: no link command for it in $SCRATCH/release.yaml"; exit 2; }
if ! swiftc -sanitize=fuzzer,address -use-ld=lld -o "$BIN" "${objects[@]}" > "$SCRATCH/link.log" 2>&1; then
    head -20 "$SCRATCH/link.log"
    echo "fuzz $TARGET: link failed (log: $SCRATCH/link.log)"
    exit 2
fi

CORPUS="$SCRATCH/corpus/$TARGET"      # grows with what libFuzzer finds; kept between runs
SEEDS="$SCRATCH/seeds/$TARGET"        # regenerated from the fixtures every run
ARTIFACTS="$SCRATCH/findings/$TARGET"
rm -rf "$SEEDS"
mkdir -p "$CORPUS" "$ARTIFACTS"
nseeds=$(python3 scripts/fuzz-seeds.py Tests/IMAPCoreTests/Fixtures "$SEEDS") || exit 2
if [ -d "Fuzz/seeds/$TARGET" ]; then    # a target's own seeds, if it has any
    cp "Fuzz/seeds/$TARGET"/* "$SEEDS"/ 2>/dev/null
    nseeds=$(find "$SEEDS" -type f | wc -l)
fi
before=$(find "$ARTIFACTS" -type f | wc -l)

args=("$@")
has() { local o; for o in "${args[@]}"; do [ "${o%%=*}" = "$1" ] && return 0; done; return 1; }
has -timeout || args+=(-timeout=5)
has -max_len || args+=(-max_len=1024)
has -rss_limit_mb || args+=(-rss_limit_mb=2048)
LOG="$SCRATCH/$TARGET.log"
start=$(date +%s)
# With -jobs/-workers, libFuzzer writes each job's output to fuzz-N.log in its working directory:
# one directory per target, so that runs of two targets never mix their logs.
ROOT=$(pwd)
WORK="$SCRATCH/jobs/$TARGET"
mkdir -p "$WORK"
rm -f "$WORK"/fuzz-*.log
(cd "$WORK" && "$ROOT/$BIN" "${args[@]}" -artifact_prefix="$ROOT/$ARTIFACTS/" "$ROOT/$CORPUS" "$ROOT/$SEEDS") > "$LOG" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
# Each job's "Done N runs" counted once: libFuzzer's parent may echo a job's log into its own.
jobruns=0
for w in "$WORK"/fuzz-*.log; do
    [ -f "$w" ] || continue
    jobruns=$(( jobruns + $(grep -oE "Done [0-9]+ runs" "$w" | awk '{s += $2} END {print s + 0}') ))
    cat "$w" >> "$LOG" && rm -f "$w"
done

runs=$jobruns
[ "$runs" -gt 0 ] || runs=$(grep -oE "Done [0-9]+ runs" "$LOG" | head -1 | awk '{print $2 + 0}')
[ "$runs" -gt 0 ] || runs=$(grep -oE "^#[0-9]+" "$LOG" | tail -1 | tr -d '#')
cov=$(grep -oE "cov: [0-9]+" "$LOG" | tail -1 | awk '{print $2}')
ft=$(grep -oE "ft: [0-9]+" "$LOG" | tail -1 | awk '{print $2}')
crashes=$(( $(find "$ARTIFACTS" -type f -name 'crash-*' -o -type f -name 'leak-*' -o -type f -name 'oom-*' | wc -l) ))
hangs=$(find "$ARTIFACTS" -type f -name 'timeout-*' | wc -l)
new=$(( $(find "$ARTIFACTS" -type f | wc -l) - before ))
rate=$(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))
echo "fuzz $TARGET: ${runs:-0} runs in $elapsed s ($rate exec/s), cov ${cov:-?}, ft ${ft:-?}," \
     "seeds $nseeds, corpus $(find "$CORPUS" -type f | wc -l), crashes $crashes, hangs $hangs (log: $LOG)"
if [ "$rc" != 0 ] || [ "$new" -gt 0 ]; then
    grep -E "ERROR|Fatal error|SUMMARY|Test unit written" "$LOG" | head -10
    exit 1
fi
