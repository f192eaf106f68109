#!/usr/bin/env bash
# The release build of our executables, as the README, the Dockerfile, demo.sh and the bench
# scripts make it (one set of flags keeps one build cache):
#   scripts/build-release.sh [PRODUCT ...]     (default: imapctl imapworker)
# then $(swift build -c release --show-bin-path)/PRODUCT.
#
# - --static-swift-stdlib: the Swift runtime and Foundation linked in (less memory, no Swift
#   libraries needed where it runs; docs/store.md).
# - Every function in its own section (-function-sections for Swift, -ffunction-sections for C,
#   dependencies included), linked by lld in the order of scripts/link-order.txt: the functions a
#   run executes sit together, so the kernel's fault-around (64 KiB per page fault on a binary's
#   pages) maps about 5 MB of the binary's text instead of 15-20 MB scattered over 26 MB
#   (docs/store.md, "Memory"). Packed relative relocations (DT_RELR, glibc 2.36) shrink the 2.7 MB
#   relocation table the loader reads at every start to 22 KB. PACK_RELOCS=0 leaves them out, for
#   binaries meant to run on a glibc older than 2.36 (remove the binaries first: SwiftPM relinks
#   only for a newer order file).
#   The order file is a list of symbols (scripts/gen-link-order.sh writes it from real runs);
#   symbols it names that no longer exist are ignored, and a stale file only costs memory.
# - LINK_ORDER=FILE uses another order file; LINK_ORDER= (empty) links in the default order.
#   Without ld.lld beside swift the default linker is used, unordered (a warning says so).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
PRODUCTS=("$@")
[ ${#PRODUCTS[@]} -gt 0 ] || PRODUCTS=(imapctl imapworker)
LINK_ORDER=${LINK_ORDER-$PWD/scripts/link-order.txt}

# -function-sections is a frontend flag: given to the driver, SwiftPM's own argument parsing traps.
COMPILE=(-c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)
LINK=()
if [ -x "$(dirname "$(command -v swift)")/ld.lld" ] || command -v ld.lld >/dev/null; then
    LINK+=(-Xswiftc -use-ld=lld)
    [ "${PACK_RELOCS:-1}" = 0 ] || LINK+=(-Xlinker -z -Xlinker pack-relative-relocs)
    if [ -n "$LINK_ORDER" ]; then
        [ -f "$LINK_ORDER" ] || { echo "build-release: no order file $LINK_ORDER" >&2; exit 1; }
        LINK+=(-Xlinker "--symbol-ordering-file=$LINK_ORDER" -Xlinker --no-warn-symbol-ordering)
    fi
else
    echo "build-release: ld.lld not found beside swift: linking unordered with the default linker" >&2
fi
BIN=$(swift build -c release --show-bin-path)
# SwiftPM recompiles nothing when only -Xswiftc / -Xcc flags changed (objects built without
# function sections would stay): a release build made with other compile flags is started afresh.
STAMP=.build/release-compile-flags
if [ "$(cat "$STAMP" 2>/dev/null)" != "${COMPILE[*]}" ]; then
    rm -rf "$BIN"
fi
for product in "${PRODUCTS[@]}"; do
    # Nor does it relink for a changed order file.
    if [ -n "$LINK_ORDER" ] && [ "$LINK_ORDER" -nt "$BIN/$product" ]; then rm -f "$BIN/$product"; fi
    if ! out=$(swift build "${COMPILE[@]}" "${LINK[@]}" --product "$product" 2>&1); then
        printf '%s\n' "$out" | tail -40 >&2; exit 1
    fi
    printf '%s\n' "$out" | tail -1
    printf '%s' "${COMPILE[*]}" > "$STAMP"
done
