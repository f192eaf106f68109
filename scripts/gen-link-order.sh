#!/usr/bin/env bash
# Writes scripts/link-order.txt, the function order scripts/build-release.sh links by: the
# functions imapctl and imapworker execute in real runs, first-executed first, so that they sit
# together in the binary (docs/store.md, "Memory"). Run it again when the code changed a lot
# (a stale file still links; it only costs memory), then rebuild with scripts/build-release.sh.
#
# usage: scripts/gen-link-order.sh [MESSAGES]     (default 600, in the kit's corpus generator)
# Needs valgrind (installed if missing) and ../shared/bench (Dovecot on loopback, gen-corpus.py,
# imaptool.py mutate, tunnel-imap.sh); about 3 minutes on 2 cores, most of it under callgrind.
# The runs, each under callgrind (which records every function executed):
#   imapctl fullfetch --local of every mailbox, messages, export;
#   imapctl addremote, syncremote --local, changes on both sides, syncremote again;
#   imapctl sync (interimap's configuration, the local side a tunnel), remote changes, sync again;
#   imapworker on a local nats-server: fullfetch, sync and status orders sent by imapctl.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
N=${1:-600}
. scripts/config-files.sh
KIT=${BENCH_KIT:-$(cd ../shared/bench 2>/dev/null || cd ../../shared/bench; pwd)}
scripts/setup.sh
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
scripts/build-release.sh imapctl imapworker
BIN=$(swift build -c release --show-bin-path)

WORK=$(mktemp -d /tmp/testbed-linkorder-XXXXXX)   # tunnel-imap.sh wants /tmp/testbed-*
chmod 755 "$WORK"
INSTANCE=linkorder
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    "$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# valgrind 3.19 cannot read this toolchain's DWARF 5: profile copies without debug information
# (the symbol table, all the order file needs, stays).
objcopy --strip-debug "$BIN/imapctl" "$WORK/imapctl"
objcopy --strip-debug "$BIN/imapworker" "$WORK/imapworker"
N_RUN=0
cg_next() {  # sets CG: the callgrind command line of the next run
    N_RUN=$((N_RUN + 1))
    CG=(valgrind -q --tool=callgrind --demangle=no --compress-strings=no --compress-pos=no
        --callgrind-out-file="$WORK/cg.$(printf %03d $N_RUN).%p")
}
cg() {  # cg BINARY ARGS...: one run under callgrind
    cg_next
    "${CG[@]}" "$@"
}

IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
"$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true
"$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
"$KIT/stop-dovecot.sh" "$INSTANCE" >/dev/null
DOVE=/tmp/testbed-dovecot-$INSTANCE
rm -rf "$DOVE/home/alice/Maildir"
python3 "$KIT/gen-corpus.py" --maildir "$DOVE/home/alice/Maildir" --messages "$N" --seed 7 --chown 65534:65534 >/dev/null
"$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
CA=$DOVE/ssl/cert.pem
REMOTE=(--login alice --server "127.0.0.1:$IMAPS_PORT" --ca-file "$CA")
MUTATE=(python3 "$KIT/imaptool.py" mutate --mode tls --host 127.0.0.1 --port "$IMAPS_PORT"
        --user alice --password alicepw --cafile "$CA")
export IMAPWORKER_PASSWORD=alicepw
IMAPWORKER_STORE_KEY=$(head -c 32 /dev/urandom | base64)
export IMAPWORKER_STORE_KEY
MAILBOXES=$(python3 scripts/maildir-mailboxes.py "$DOVE/home/alice/Maildir")

echo "gen-link-order: imapctl fullfetch, messages, export"
while IFS= read -r mailbox; do
    cg "$WORK/imapctl" fullfetch --local -q --db "$WORK/ff.db" "${REMOTE[@]}" --mailbox "$mailbox" --userid u
done <<< "$MAILBOXES"
cg "$WORK/imapctl" messages --db "$WORK/ff.db" --userid u --mailbox INBOX >/dev/null
cg "$WORK/imapctl" export --db "$WORK/ff.db" --userid u --mailbox INBOX --maildir "$WORK/export" >/dev/null

echo "gen-link-order: imapctl addremote, syncremote --local (twice, changes on both sides between)"
cg "$WORK/imapctl" addremote --db "$WORK/sr.db" "${REMOTE[@]}" --userid s >/dev/null
cg "$WORK/imapctl" syncremote --local --db "$WORK/sr.db" --userid s --identifier alice >/dev/null
"${MUTATE[@]}" --flag 40 --delete 5 --seed 4 >/dev/null
UIDS=($("$WORK/imapctl" messages --db "$WORK/sr.db" --userid s --mailbox INBOX --json |
    python3 -c 'import json,sys; print(" ".join(str(m["uid"]) for m in json.load(sys.stdin)[:2]))'))
cg "$WORK/imapctl" flag --db "$WORK/sr.db" --userid s --mailbox INBOX --uid "${UIDS[0]}" '+\Answered' -q
cg "$WORK/imapctl" expunge --db "$WORK/sr.db" --userid s --mailbox INBOX --uid "${UIDS[1]}" -q
cg "$WORK/imapctl" syncremote --local --db "$WORK/sr.db" --userid s --identifier alice >/dev/null

echo "gen-link-order: imapctl sync (IMAP <-> IMAP over a tunnel, twice, remote changes between)"
write_interimap_config "$WORK/interimap.conf" "$WORK/interimap.db" "$KIT/tunnel-imap.sh $WORK/local" \
    "$IMAPS_PORT" alice alicepw "$CA"
cg "$WORK/imapctl" sync --config="$WORK/interimap.conf" -q
"${MUTATE[@]}" --flag 40 --delete 5 --seed 5 >/dev/null
cg "$WORK/imapctl" sync --config="$WORK/interimap.conf" -q

echo "gen-link-order: imapworker on nats-server: fullfetch, sync and status orders"
NATS_PORT=$(free_port)
"$(command -v nats-server || echo /usr/sbin/nats-server)" -a 127.0.0.1 -p "$NATS_PORT" >"$WORK/nats.log" 2>&1 &
PIDS+=($!)
write_worker_config "$WORK/imapworker.yaml" "$WORK/worker.db" "$CA" "nats://127.0.0.1:$NATS_PORT" linkorder
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break; sleep 0.1; done
# Started directly, not through cg: $! must be valgrind's own pid, so that SIGTERM reaches the
# daemon and callgrind writes its file when the daemon exits.
cg_next
"${CG[@]}" "$WORK/imapworker" start --config "$WORK/imapworker.yaml" 2>"$WORK/imapworker.log" &
WORKER_PID=$!
PIDS+=($WORKER_PID)
for _ in $(seq 600); do grep -q "imapworker started" "$WORK/imapworker.log" && break; sleep 0.1; done
grep -q "imapworker started" "$WORK/imapworker.log" || { echo "imapworker did not start"; tail "$WORK/imapworker.log"; exit 1; }
ORDER=(--config "$WORK/imapworker.yaml" --timeout 600 -q)
cg "$WORK/imapctl" fullfetch "${ORDER[@]}" --login alice --server "127.0.0.1:$IMAPS_PORT" --mailbox INBOX --userid d
"$WORK/imapctl" addremote --config "$WORK/imapworker.yaml" "${REMOTE[@]}" --userid w >/dev/null
cg "$WORK/imapctl" syncremote "${ORDER[@]}" --userid w --identifier alice
"${MUTATE[@]}" --flag 20 --delete 3 --seed 6 >/dev/null
"$WORK/imapctl" syncremote "${ORDER[@]}" --userid w --identifier alice
cg "$WORK/imapctl" status --config "$WORK/imapworker.yaml" >/dev/null
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" || true   # callgrind writes its file at exit
grep -lq '^ob=.*/imapworker$' "$WORK"/cg.* || { echo "gen-link-order: no profile of imapworker was written"; exit 1; }

python3 - "$WORK" > scripts/link-order.txt <<'PY'
# Every function of our two binaries that a run executed, first seen first (callgrind's
# uncompressed output: "ob=" names the object, "fn=" the function).
import glob, os, sys
seen = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "cg.*"))):
    ob = ""
    for line in open(path, errors="replace"):
        if line.startswith("ob="):
            ob = line[3:].strip()
        elif line.startswith("fn=") and os.path.basename(ob) in ("imapctl", "imapworker"):
            name = line[3:].strip()
            if not name.startswith("0x"):  # an address: no symbol to order by
                seen.setdefault(name, None)
print("# Link order of imapctl and imapworker: written by scripts/gen-link-order.sh, read by")
print("# scripts/build-release.sh (lld --symbol-ordering-file). Generated: do not edit.")
print("\n".join(seen))
PY
echo "gen-link-order: $(grep -vc '^#' scripts/link-order.txt) functions written to scripts/link-order.txt"
