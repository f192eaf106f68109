#!/usr/bin/env bash
# Checks the release build the README, the Dockerfile and the benchmarks use (scripts/build-release.sh):
# both executables build and start, and the link did what it is for (docs/store.md, "Memory"):
#   - packed relative relocations (a DT_RELR entry; the old table was 2.7 MB),
#   - the Swift functions of scripts/link-order.txt laid out together: 80 % of them fit in 8 MiB
#     (4.8 MiB on 3 Dec; unordered, 12 MiB). Some cannot move: those in the one .text section of an
#     object compiled without function sections (the Swift runtime's own archives in part).
# usage: scripts/check-release.sh      Last line: "check-release: ok" or "check-release: N problem(s)".
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
problems=0
fail() { echo "check-release: $*" >&2; problems=$((problems + 1)); }

scripts/build-release.sh imapctl imapworker || { echo "check-release: the release build failed"; exit 1; }
BIN=$(swift build -c release --show-bin-path)
"$BIN/imapctl" --help >/dev/null || fail "imapctl --help failed"
"$BIN/imapworker" --version >/dev/null || fail "imapworker --version failed"

for product in imapctl imapworker; do
    # build-release.sh falls back to the default linker when there is no lld; the binary says which.
    if ! readelf -p .comment "$BIN/$product" | grep -q 'Linker: LLD'; then
        echo "check-release: $product not linked by lld: the build is unordered, layout not checked"
        continue
    fi
    readelf -d "$BIN/$product" | grep -q '(RELR)' || fail "$product has no packed relative relocations"
    span=$(python3 - "$BIN/$product" scripts/link-order.txt <<'PY'
import subprocess, sys
addr = {}
for line in subprocess.run(["nm", "--defined-only", sys.argv[1]], capture_output=True, text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 3 and p[1] in "tTwW":
        addr[p[2]] = int(p[0], 16)
ordered = sorted(addr[s] for s in (l.strip() for l in open(sys.argv[2])) if s.startswith("$s") and s in addr)
if len(ordered) < 1000:
    print(-1)
else:
    k = len(ordered) * 4 // 5  # the narrowest window holding 80 % of them
    print(min(ordered[i + k - 1] - ordered[i] for i in range(len(ordered) - k + 1)))
PY
)
    if [ "$span" -lt 0 ]; then fail "$product: fewer than 1,000 functions of scripts/link-order.txt found"
    elif [ "$span" -gt $((8 * 1024 * 1024)) ]; then fail "$product: 80 % of the ordered functions span $((span / 1024)) KiB (not ordered?)"
    else echo "check-release: $product: 80 % of the ordered functions within $((span / 1024)) KiB"; fi
done
if [ "$problems" -eq 0 ]; then echo "check-release: ok"; else echo "check-release: $problems problem(s)"; fi
[ "$problems" -eq 0 ]
