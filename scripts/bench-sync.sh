#!/bin/bash
# bench-sync.sh - imapctl sync against interimap and mbsync (IMAP -> IMAP), same corpus, same run.
#
# usage: scripts/bench-sync.sh [-n MESSAGES] [-s SEED] [-t "TOOLS"] [-r ROUNDS] [-C]
#   -n  corpus size (default 10000: ~460 MB in 3 mailboxes, the figures of the issue)
#   -s  corpus seed (default 42)
#   -t  tools, in order (default "imapctl interimap mbsync"): imapctl sync and interimap
#       run on the same interimap configuration; mbsync is its IMAP -> IMAP channel;
#       "base" is imapctl sync of another binary (IMAPCTL_BASE=path), for an A/B in one run
#   -C  compress = NO in the configuration of imapctl and interimap (mbsync never compresses):
#       on loopback COMPRESS only costs the remote Dovecot's CPU (~27 MB/s on one core), so a
#       first sync with it measures that core; without it, the tools themselves
#   -r  rounds mode, for the short phases on a loaded machine: one remote for all tools
#       (each makes its first sync in turn), then ROUNDS rounds of a no-op by every tool
#       and, after one mutation, an incremental by every tool (the order rotates each
#       round); prints each tool's median, and the no-op net of the harness's own time
#       ("harness": reap-run.py + time around `true`); then the move once. Verified after
#       the last round.
#
# Uses ../shared/bench (BENCH=…): start-dovecot.sh, gen-corpus.py, imaptool.py (mutate,
# summary, compare), reap-run.py, tunnel-imap.sh. Every tool starts from the same golden copy
# of the remote mail and an empty local account (a daemon-less Dovecot over a tunnel); the
# remote is a Dovecot over imaps with COMPRESS. Phases, each under /usr/bin/time -v:
#   first   full sync
#   noop    re-sync with nothing changed
#   incr    after FLAG (500) flag changes and DELETE (100) expunges on the remote
#   move    after MOVE (200) messages moved INBOX -> Archive/2023 on the remote
# Each phase is verified (per-mailbox counts, flags and a (Message-ID, flags) digest on the
# local side equal the remote's). imapctl's --json gives what it copied: "move" must copy 0.
# Builds imapctl in release mode first (IMAPCTL=path skips that). Prints a table and the
# ratios imapctl/interimap and imapctl/mbsync; writes $RUN/results.tsv.
# Not a timed test: the machine's load shows in the figures (uptime is printed with them).
# Environment: RUN, INSTANCE, IMAP_PORT, IMAPS_PORT (another instance for a second run at
# once), FLAG, DELETE, MOVE, IMAPCTL, IMAPCTL_BASE, KEEP=1 (leave the remote running).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/config-files.sh"
BENCH=${BENCH:-$ROOT/../shared/bench}
[ -d "$BENCH" ] || BENCH=/work/shared/bench
N=10000; SEED=42; TOOLS="imapctl interimap mbsync"; ROUNDS=0; COMPRESS=YES
while getopts "n:s:t:r:Ch" o; do
    case "$o" in
        n) N=$OPTARG ;; s) SEED=$OPTARG ;; t) TOOLS=$OPTARG ;; r) ROUNDS=$OPTARG ;; C) COMPRESS=NO ;;
        *) sed -n '2,34p' "$0"; exit 0 ;;
    esac
done
RUN=${RUN:-/tmp/testbed-syncbench-$N}
INSTANCE=${INSTANCE:-syncbench}
IMAP_PORT=${IMAP_PORT:-14320}
IMAPS_PORT=${IMAPS_PORT:-19950}
FLAG=${FLAG:-500}; DELETE=${DELETE:-100}; MOVE=${MOVE:-200}
USER_NAME=alice; USER_PASS=alicepw
BASE=/tmp/testbed-dovecot-$INSTANCE
CAFILE=$BASE/ssl/cert.pem
case "$RUN" in /tmp/testbed-*) ;; *) echo "RUN must be under /tmp/testbed-*" >&2; exit 2 ;; esac
for t in interimap mbsync /usr/bin/time openssl; do command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 2; }; done

if [ -z "${IMAPCTL:-}" ]; then
    export PATH=/opt/swift/usr/bin:$PATH
    "$ROOT/scripts/build-release.sh" imapctl >&2 || exit 1
    IMAPCTL=$ROOT/.build/release/imapctl
fi

IMAPT=(python3 "$BENCH/imaptool.py")
RCONN=(--mode tls --host 127.0.0.1 --port "$IMAPS_PORT" --user "$USER_NAME" --password "$USER_PASS" --cafile "$CAFILE")
log() { echo "[$(date +%H:%M:%S)] $*" | tee -a "$RUN/run.log" >&2; }
"$BENCH/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1
rm -rf "$RUN"; mkdir -p "$RUN/logs" "$RUN/golden"

remote_start() { "$BENCH/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT" "$USER_NAME:$USER_PASS" >> "$RUN/logs/dovecot.log" 2>&1 || { log "remote start failed"; exit 1; }; }
remote_stop() { "$BENCH/stop-dovecot.sh" "$INSTANCE" >> "$RUN/logs/dovecot.log" 2>&1; }
remote_restore() { remote_stop; rm -rf "${BASE:?}/home/$USER_NAME"; cp -a "$RUN/golden/$USER_NAME" "$BASE/home/"; sync; remote_start; }

"$BENCH/start-dovecot.sh" -q "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT" "$USER_NAME:$USER_PASS" > "$RUN/logs/dovecot.log" 2>&1 || { cat "$RUN/logs/dovecot.log"; exit 1; }
remote_stop
log "corpus: $N messages, seed $SEED, compress = $COMPRESS"
python3 "$BENCH/gen-corpus.py" --maildir "$BASE/home/$USER_NAME/Maildir" --messages "$N" --seed "$SEED" \
    --chown 65534:65534 --manifest "$RUN/corpus.json" > "$RUN/logs/corpus.log" 2>&1 || { log "gen-corpus failed"; exit 1; }
remote_start
"${IMAPT[@]}" prime "${RCONN[@]}" >> "$RUN/logs/prime.log" 2>&1
remote_stop
cp -a "$BASE/home/$USER_NAME" "$RUN/golden/"
remote_start

parse_time() {
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; wall = s }
                /Maximum resident set size/ { rss = $2 }
                END { printf "%.3f %d\n", wall, rss }' "$1"
}
printf "tool\tphase\twall_s\tmaxrss_kb\trc\tverify\tcopied\n" > "$RUN/results.tsv"

measure() {  # measure TOOL PHASE CMD... (VERIFY=0: skip the comparison, verdict "-")
    local tool=$1 phase=$2; shift 2
    local tag=$tool-$phase verdict=MISMATCH copied=-
    sync
    timeout 3600 /usr/bin/time -v -o "$RUN/logs/$tag.time" "$BENCH/reap-run.py" "$@" > "$RUN/logs/$tag.log" 2> "$RUN/logs/$tag.err"
    local rc=$?
    read -r wall rss < <(parse_time "$RUN/logs/$tag.time")
    if [ "${VERIFY:-1}" = 1 ]; then
        "${IMAPT[@]}" summary --quiet "${RCONN[@]}" --out "$RUN/logs/$tag.remote.json"
        "${IMAPT[@]}" summary --quiet --mode tunnel --tunnel "$BENCH/tunnel-imap.sh $RUN/$tool/local" --out "$RUN/logs/$tag.local.json"
        "${IMAPT[@]}" compare --strict "$RUN/logs/$tag.remote.json" "$RUN/logs/$tag.local.json" > "$RUN/logs/$tag.verify" 2>&1 && verdict=OK
    else
        verdict=-
    fi
    if [ "$tool" = imapctl ] || [ "$tool" = base ]; then
        copied=$(python3 -c 'import json,sys
r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(sum(m["copied"]["local"]+m["copied"]["remote"] for m in r["mailboxes"]), "moved", sum(m["moved"]["local"]+m["moved"]["remote"] for m in r["mailboxes"]))' "$RUN/logs/$tag.log" 2>/dev/null || echo "?")
    fi
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$tool" "$phase" "$wall" "$rss" "$rc" "$verdict" "$copied" >> "$RUN/results.tsv"
    log "$tag: rc=$rc wall=${wall}s rss=${rss}KB verify=$verdict copied=$copied"
}

move_remote() {
    printf 'a LOGIN %s %s\r\nb SELECT INBOX\r\nc UID MOVE 1:%d "Archive/2023"\r\nz LOGOUT\r\n' "$USER_NAME" "$USER_PASS" "$MOVE" \
        | openssl s_client -connect "127.0.0.1:$IMAPS_PORT" -quiet -CAfile "$CAFILE" > "$RUN/logs/$1-move.log" 2>&1
}

prepare() {  # prepare TOOL: its empty local account and configuration; sets CMD
    local tool=$1 D=$RUN/$1
    mkdir -p "$D/local" "$D/state"
    write_interimap_config "$D/config" "$D/state/$tool.db" "$BENCH/tunnel-imap.sh $D/local" \
        "$IMAPS_PORT" "$USER_NAME" "$USER_PASS" "$CAFILE" "$COMPRESS"
    case "$tool" in
        imapctl) CMD=("$IMAPCTL" sync --config="$D/config" --json) ;;
        base) CMD=("${IMAPCTL_BASE:?base needs IMAPCTL_BASE}" sync --config="$D/config" --json) ;;
        interimap) CMD=(interimap --config="$D/config") ;;
        mbsync)
            sed -e "s|@DIR@|$D|g" -e "s|@HERE@|$BENCH|g" -e "s|@HOSTNAME@|localhost|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" \
                -e "s|@USER@|$USER_NAME|g" -e "s|@PASS@|$USER_PASS|g" -e "s|@CAFILE@|$CAFILE|g" -e "s|@REMOTE_EXTRA@||g" \
                "$BENCH/templates/mbsync-imap.rc.in" > "$D/mbsyncrc"
            CMD=(mbsync -c "$D/mbsyncrc" -a) ;;
        *) log "unknown tool $tool"; return 1 ;;
    esac
}

rotated() {  # rotated K: the tools, starting with the K-th (mod their number)
    local tools=($TOOLS) i n=$(echo $TOOLS | wc -w)
    for ((i = 0; i < n; i++)); do echo "${tools[$(( (i + $1) % n ))]}"; done
}

if [ "$ROUNDS" -gt 0 ]; then
    # One remote for all tools: a no-op or an incremental of one tool never touches the
    # remote, so each tool sees exactly the same changes.
    for tool in $TOOLS; do prepare "$tool" && VERIFY=0 measure "$tool" first "${CMD[@]}"; done
    for ((round = 1; round <= ROUNDS; round++)); do
        last=$(( round == ROUNDS ))
        for tool in $(rotated $round); do prepare "$tool" && VERIFY=$last measure "$tool" noop "${CMD[@]}"; done
        # The harness alone (reap-run.py's Python start, /usr/bin/time): on a loaded machine it
        # is a large part of a no-op's figure; the summary subtracts its median.
        VERIFY=0 measure harness noop true
        "${IMAPT[@]}" mutate "${RCONN[@]}" --flag "$FLAG" --delete "$DELETE" --seed "$round" > "$RUN/logs/mutate-$round.log" 2>&1
        for tool in $(rotated $round); do prepare "$tool" && VERIFY=$last measure "$tool" incr "${CMD[@]}"; done
    done
    move_remote all
    for tool in $TOOLS; do prepare "$tool" && measure "$tool" move "${CMD[@]}"; done
else
    for tool in $TOOLS; do
        remote_restore
        prepare "$tool" || continue
        measure "$tool" first "${CMD[@]}"
        measure "$tool" noop "${CMD[@]}"
        "${IMAPT[@]}" mutate "${RCONN[@]}" --flag "$FLAG" --delete "$DELETE" --seed 7 > "$RUN/logs/$tool-mutate.log" 2>&1
        measure "$tool" incr "${CMD[@]}"
        move_remote "$tool"
        measure "$tool" move "${CMD[@]}"
    done
fi
# KEEP=1 leaves the remote running (stop it with stop-dovecot.sh INSTANCE), e.g. for more runs.
[ "${KEEP:-0}" = 1 ] || remote_stop

echo
echo "load: $(uptime)"
echo "corpus: $N messages (seed $SEED); incr: $FLAG flag changes + $DELETE expunges on the remote; move: $MOVE messages INBOX -> Archive/2023"
column -t -s $'\t' "$RUN/results.tsv"
echo
python3 - "$RUN/results.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
walls = {}
for r in rows:
    walls.setdefault((r["tool"], r["phase"]), []).append(float(r["wall_s"]))
def median(tool, phase):
    w = walls.get((tool, phase))
    return statistics.median(w) if w else None
tools = list(dict.fromkeys(r["tool"] for r in rows))
for phase in ("first", "noop", "incr", "move"):
    line = [f"{t} {median(t, phase):.3f} s" + (f" (median of {len(walls[(t, phase)])})" if len(walls[(t, phase)]) > 1 else "")
            for t in tools if median(t, phase) is not None]
    if line: print(f"{phase}: " + ", ".join(line))
    floor = median("harness", phase)
    if floor is not None:
        print(f"  net of the harness ({floor:.3f} s): " + ", ".join(
            f"{t} {median(t, phase) - floor:.3f} s" for t in tools if t != "harness" and median(t, phase) is not None))
    ours = median("imapctl", phase)
    if ours is None: continue
    for peer in ("base", "interimap", "mbsync"):
        theirs = median(peer, phase)
        if theirs:
            print(f"  imapctl / {peer} = {ours / theirs:.2f}x")
for tool in ("imapctl", "base"):
    rss = [int(r["maxrss_kb"]) for r in rows if r["tool"] == tool]
    if rss: print("peak RSS %s: %d KB" % (tool, max(rss)))
PY
echo "results: $RUN/results.tsv   logs: $RUN/logs/"
