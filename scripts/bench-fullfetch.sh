#!/usr/bin/env bash
# Benchmark (not a test): `imapctl fullfetch` against its peers on the same Dovecot, same corpus,
# same run, using the measuring kit in ../shared/bench (start-dovecot.sh, gen-corpus.py, imaptool.py).
#
# usage: scripts/bench-fullfetch.sh [-n "SIZES"] [-r RUNS] [-c] [-t "TOOLS"]
#   -n  corpus sizes in messages, one Dovecot corpus each (default "10000 30000")
#   -r  runs of every tool per corpus; the table shows medians (default 3)
#   -c  also run mbsync and imapctl with COMPRESS=DEFLATE
#   -t  tools to run (default "baseline-tls mbsync imapctl")
#
# Measured, each after `sync`, with /usr/bin/time (wall seconds, CPU seconds user+system, peak RSS;
# on a shared machine the CPU seconds are the steadier figure):
#   baseline-tls imaptool.py fetchall over TLS: one connection, EXAMINE + UID FETCH 1:* BODY.PEEK[]
#   mbsync       isync 1.4 IMAP -> Maildir, COMPRESS disabled
#   imapctl      imapctl fullfetch (release build) into the embedded SQLite store, one run per mailbox
# Every imapctl store is then checked against Dovecot's copy (SHA-256 of the Maildir files).
# IMAPCTL_BASE=/path/to/imapctl adds the tool imapctl-base: that binary (e.g. a release build of
# main) run right after imapctl in every round, for an A/B in the same run.
# Corpora are generated once into bench-out/corpus/ (git-ignored) and hard-linked into Dovecot.
# The flatness check compares imapctl's peak RSS on the largest corpus with the smallest one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
SIZES="10000 30000"
RUNS=3
COMPRESS=0
TOOLS="baseline-tls mbsync imapctl"
while getopts "n:r:ct:h" o; do
    case "$o" in
        n) SIZES=$OPTARG ;;
        r) RUNS=$OPTARG ;;
        c) COMPRESS=1 ;;
        t) TOOLS=$OPTARG ;;
        *) sed -n '2,18p' "$0"; exit 0 ;;
    esac
done
# The kit sits beside the main checkout (/work/shared); worktrees are one level deeper.
KIT=${BENCH_KIT:-$(cd ../shared/bench 2>/dev/null || cd ../../shared/bench; pwd)}
OUT=$PWD/bench-out
scripts/setup.sh
command -v mbsync >/dev/null || { apt-get install -y -qq isync >/dev/null; }
# Statically linked Swift runtime and Foundation, as the Dockerfile builds it: less RSS (no
# relocated and touched pages of the shared Swift libraries) and faster (docs/store.md).
# IMAPCTL=/path/to/imapctl skips the build and measures that binary.
if [ -z "${IMAPCTL:-}" ]; then
    scripts/build-release.sh imapctl
    IMAPCTL=$(swift build -c release --show-bin-path)/imapctl
fi
IMAPCTL_BASE=${IMAPCTL_BASE:-}

INSTANCE=imapworker-bench
BASE=/tmp/testbed-dovecot-$INSTANCE
RUN=$(mktemp -d /tmp/imapworker-bench-XXXXXX)
RESULTS=$RUN/results.tsv   # size tool run seconds rss_kb cpu_seconds
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
trap '"$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true' EXIT
has_tool() { [[ " $TOOLS " == *" $1 "* ]]; }

# A corpus of N messages, generated once (same seed: byte-identical every time).
corpus() {  # N -> prints the cached Maildir path
    local dir=$OUT/corpus/$1-seed42
    if [ ! -f "$dir/.complete" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        python3 "$KIT/gen-corpus.py" --maildir "$dir/Maildir" --messages "$1" --seed 42 --chown 65534:65534 >/dev/null
        touch "$dir/.complete"
    fi
    echo "$dir/Maildir"
}

start_server() {  # N
    IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
    "$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true
    "$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
    "$KIT/stop-dovecot.sh" "$INSTANCE" >/dev/null
    local cached; cached=$(corpus "$1")
    rm -rf "$BASE/home/alice/Maildir"
    # Hard links: Dovecot only reads the message files (BODY.PEEK) and replaces its own files by rename.
    cp -al "$cached" "$BASE/home/alice/Maildir"
    "$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
    CA=$BASE/ssl/cert.pem
    python3 "$KIT/imaptool.py" prime --mode tls --port "$IMAPS_PORT" --user alice --password alicepw --cafile "$CA" >/dev/null 2>&1 || true
}

# Bytes as IMAP serves them (sum of RFC822.SIZE): the LF-only files gain a CR per line.
served_bytes() {
    python3 -c '
import os, sys
t = 0
for d, _, names in os.walk(sys.argv[1]):
    if os.path.basename(d) in ("cur", "new"):
        for n in names:
            b = open(os.path.join(d, n), "rb").read()
            t += len(b) + (b.count(b"\n") - b.count(b"\r\n"))
print(t)' "$1"
}

list_mailboxes() { python3 scripts/maildir-mailboxes.py "$1"; }

record() { echo "$SIZE $1 $2 $3" >> "$RESULTS"; }  # tool run "seconds rss cpu"

measure() {  # name run command...
    local name=$1 run=$2; shift 2
    sync
    local out=$RUN/$name-$SIZE-$run.time
    /usr/bin/time -f "%e %M %U %S" -o "$out" "$@" > "$RUN/$name-$SIZE-$run.log" 2>&1 \
        || { echo "$name failed:"; tail -5 "$RUN/$name-$SIZE-$run.log"; exit 1; }
    local e m u s; read -r e m u s < "$out"
    record "$name" "$run" "$e $m $(python3 -c "print($u + $s)")"
}

fetch_all_imapctl() {  # binary db extra-flags... ; prints "seconds peak_kb cpu" (sums over mailboxes, max RSS)
    local bin=$1 db=$2; shift 2
    local peak=0 total=0 cpu=0 s k u y
    while IFS= read -r mailbox; do
        /usr/bin/time -f "%e %M %U %S" -o "$RUN/one.time" env IMAPWORKER_PASSWORD=alicepw "$bin" fullfetch --local -q --db "$db" \
            --login alice --server "127.0.0.1:$IMAPS_PORT" --ca-file "$CA" --mailbox "$mailbox" --userid bench "$@" \
            >> "$RUN/imapctl-$SIZE.log" 2>&1 || { echo "imapctl failed:"; tail -5 "$RUN/imapctl-$SIZE.log"; exit 1; }
        read -r s k u y < "$RUN/one.time"
        total=$(python3 -c "print($total + $s)")
        cpu=$(python3 -c "print($cpu + $u + $y)")
        [ "$k" -gt "$peak" ] && peak=$k
    done <<< "$MAILBOXES"
    echo "$total $peak $cpu"
}

verify_store() {  # db
    python3 - "$1" "$BASE/home/alice/Maildir" <<'PY'
import hashlib, os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
stored = sorted(h for (h,) in db.execute("select d.sha256 from messages m join bodies d on d.id = m.body_id"))
files = []
for dirpath, _, names in os.walk(sys.argv[2]):
    if os.path.basename(dirpath) in ("cur", "new"):
        for n in names:
            data = open(os.path.join(dirpath, n), "rb").read()
            # Dovecot serves LF files with CRLF line ends
            if b"\r\n" not in data: data = data.replace(b"\n", b"\r\n")
            files.append(hashlib.sha256(data).hexdigest())
files.sort()
# The stored digests are what imapctl computed; check them against the stored bytes too.
bad = sum(1 for (raw, h) in db.execute("select d.raw, d.sha256 from messages m join bodies d on d.id = m.body_id") if hashlib.sha256(raw).hexdigest() != h)
ok = stored == files and bad == 0
print(f"  {len(stored)} stored, {len(files)} on the server, {bad} digest mismatches: {'identical' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
PY
}

mbsync_rc() {  # dir extra
    sed -e "s|@HOSTNAME@|localhost|; s|@IMAPS_PORT@|$IMAPS_PORT|; s|@USER@|alice|; s|@PASS@|alicepw|; s|@CAFILE@|$CA|; s|@DIR@|$1|g; s|@REMOTE_EXTRA@|$2|" \
        "$KIT/templates/mbsync-maildir.rc.in" > "$1/mbsyncrc"
}

for SIZE in $SIZES; do
    start_server "$SIZE"
    BYTES=$(served_bytes "$BASE/home/alice/Maildir")
    echo "$SIZE $BYTES" >> "$RUN/bytes"
    MAILBOXES=$(list_mailboxes "$BASE/home/alice/Maildir")
    echo "bench: $SIZE messages, $BYTES bytes, mailboxes: $(echo $MAILBOXES | tr '\n' ' '), $RUNS run(s)"
    for run in $(seq 1 "$RUNS"); do
        if has_tool baseline-tls; then
            measure baseline-tls "$run" python3 "$KIT/imaptool.py" fetchall --mode tls --port "$IMAPS_PORT" \
                --user alice --password alicepw --cafile "$CA"
        fi
        if has_tool mbsync; then
            rm -rf "$RUN/mbsync"; mkdir -p "$RUN/mbsync/Maildir"; mbsync_rc "$RUN/mbsync" "DisableExtensions COMPRESS=DEFLATE"
            measure mbsync "$run" mbsync -q -c "$RUN/mbsync/mbsyncrc" -a
            rm -rf "$RUN/mbsync"
        fi
        for tool in imapctl imapctl-base; do
            bin=$IMAPCTL
            if [ "$tool" = imapctl-base ]; then bin=$IMAPCTL_BASE; [ -n "$bin" ] || continue; fi
            has_tool imapctl || continue
            rm -f "$RUN"/imapctl.db*; sync
            record "$tool" "$run" "$(fetch_all_imapctl "$bin" "$RUN/imapctl.db")"
            echo "bench: run $run: verifying the $tool store against Dovecot's files"
            verify_store "$RUN/imapctl.db"
            rm -f "$RUN"/imapctl.db*
        done
        if [ "$COMPRESS" = 1 ]; then
            rm -rf "$RUN/mbsync-z"; mkdir -p "$RUN/mbsync-z/Maildir"; mbsync_rc "$RUN/mbsync-z" ""
            measure mbsync+compress "$run" mbsync -q -c "$RUN/mbsync-z/mbsyncrc" -a
            rm -rf "$RUN/mbsync-z" "$RUN"/imapctl-z.db*; sync
            record imapctl+compress "$run" "$(fetch_all_imapctl "$IMAPCTL" "$RUN/imapctl-z.db" --compress)"
            rm -f "$RUN"/imapctl-z.db*
        fi
    done
done

python3 - "$RESULTS" "$RUN/bytes" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
sizes = {int(n): int(b) for n, b in (l.split() for l in open(sys.argv[2]))}
by = {}
for size, tool, run, secs, rss, cpu in rows:
    by.setdefault(int(size), {}).setdefault(tool, []).append((float(secs), int(rss), float(cpu)))
peaks = {}
for size in sorted(by):
    tools = by[size]
    med = {t: statistics.median(s for s, _, _ in v) for t, v in tools.items()}
    cpu = {t: statistics.median(c for _, _, c in v) for t, v in tools.items()}
    raw, mb = med.get("baseline-tls"), med.get("mbsync")
    print(f"\n{size} messages, {sizes[size] / 1e6:.1f} MB; medians of {max(len(v) for v in tools.values())} run(s)\n")
    print("| tool | seconds | CPU s | msgs/s | MB/s | peak RSS MB | vs raw TLS | vs mbsync | runs (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for tool, v in tools.items():
        s = med[tool]
        rss = max(k for _, k, _ in v) / 1024
        if tool == "imapctl": peaks[size] = rss
        vs_raw = f"{s / raw:.2f}x" if raw else "-"
        vs_mb = f"{s / mb:.2f}x" if mb else "-"
        runs = " ".join(f"{x:.2f}" for x, _, _ in v)
        print(f"| {tool} | {s:.2f} | {cpu[tool]:.2f} | {size / s:.0f} | {sizes[size] / s / 1e6:.1f} | {rss:.1f} | {vs_raw} | {vs_mb} | {runs} |")
    if "imapctl" in med and "imapctl-base" in med:
        print(f"\nA/B: imapctl / imapctl-base: wall {med['imapctl'] / med['imapctl-base']:.2f}x, "
              f"CPU {cpu['imapctl'] / cpu['imapctl-base']:.2f}x, peak RSS "
              f"{max(k for _, k, _ in tools['imapctl']) / 1024:.1f} vs {max(k for _, k, _ in tools['imapctl-base']) / 1024:.1f} MB")
    if raw and "imapctl" in med:
        r = med["imapctl"] / raw
        print(f"\ntarget: imapctl <= 1.30x raw TLS: {r:.2f}x {'met' if r <= 1.3 else 'NOT met'}; "
              f"peak RSS <= 40 MB: {peaks[size]:.1f} MB {'met' if peaks[size] <= 40 else 'NOT met'}")
if len(peaks) > 1:
    lo, hi = min(peaks), max(peaks)
    ratio = peaks[hi] / peaks[lo]
    print(f"\nRSS flatness: imapctl peak {peaks[lo]:.1f} MB at {lo} messages, {peaks[hi]:.1f} MB at {hi}: "
          f"ratio {ratio:.2f} (target: the larger corpus peaks no higher; "
          f"{'met' if ratio <= 1.0 else 'within 5 %' if ratio <= 1.05 else 'NOT met'})")
PY
echo "bench: logs and results.tsv in $RUN"
