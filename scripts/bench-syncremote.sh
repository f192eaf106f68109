#!/usr/bin/env bash
# Benchmark (not a test): `imapctl syncremote` against `imapctl fullfetch` on the same Dovecot,
# same corpus (bench-fullfetch.sh's: ../shared/bench/gen-corpus.py, seed 42), same run.
#
# usage: scripts/bench-syncremote.sh [-n MESSAGES] [-F]     (default 10000)
#   -F  the remote advertises neither CONDSTORE nor QRESYNC (Dovecot's imap_capability, set after
#       the fullfetch reference): syncremote runs on the IMAP endpoint's fallback mode
#
# Phases, each under /usr/bin/time (wall seconds, peak RSS), release build:
#   fullfetch  imapctl fullfetch --local of every mailbox into a fresh store (the reference)
#   first      addremote, then syncremote's first run into another fresh store
#   noop       syncremote again, nothing changed                      (target <= 0.10 s)
#   incr       after 500 flag changes and 100 expunges on the remote  (target <= 0.15 s)
#   dedup      a second remote mailbox for each mailbox, holding a copy of its messages, synced; the store
#              file (+WAL) against the naive size, every message stored for each mailbox
#              (target <= 0.55x)
# first must be <= 1.1x fullfetch. Both stores are checked against the server (per-mailbox
# counts; imaptool.py summary of the remote vs the store's messages).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
N=10000
FALLBACK=0
while getopts "n:Fh" o; do
    case "$o" in
        n) N=$OPTARG ;;
        F) FALLBACK=1 ;;
        *) sed -n '2,19p' "$0"; exit 0 ;;
    esac
done
KIT=${BENCH_KIT:-$(cd ../shared/bench 2>/dev/null || cd ../../shared/bench; pwd)}
OUT=$PWD/bench-out
if [ -z "${IMAPCTL:-}" ]; then
    scripts/build-release.sh imapctl
    IMAPCTL=$(swift build -c release --show-bin-path)/imapctl
fi
INSTANCE=${INSTANCE:-imapworker-bench-sr}
BASE=/tmp/testbed-dovecot-$INSTANCE
RUN=$(mktemp -d /tmp/imapworker-bench-sr-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
trap '"$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true' EXIT

dir=$OUT/corpus/$N-seed42
if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    python3 "$KIT/gen-corpus.py" --maildir "$dir/Maildir" --messages "$N" --seed 42 --chown 65534:65534 >/dev/null
    touch "$dir/.complete"
fi
IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
"$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true
"$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
"$KIT/stop-dovecot.sh" "$INSTANCE" >/dev/null
rm -rf "$BASE/home/alice/Maildir"
# A copy, not hard links: this benchmark changes the remote's mail.
cp -a "$dir/Maildir" "$BASE/home/alice/Maildir"
"$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
CA=$BASE/ssl/cert.pem
CONN=(--mode tls --port "$IMAPS_PORT" --user alice --password alicepw --cafile "$CA")
python3 "$KIT/imaptool.py" prime "${CONN[@]}" >/dev/null 2>&1 || true

timed() {  # name command... ; appends "name seconds rss_kb" to results
    local name=$1; shift
    sync
    /usr/bin/time -f "%e %M" -o "$RUN/$name.time" "$@" > "$RUN/$name.log" 2>&1 \
        || { echo "$name failed:"; tail -5 "$RUN/$name.log"; exit 1; }
    echo "$name $(cat "$RUN/$name.time")" >> "$RUN/results"
}

# The reference: fullfetch of every mailbox (the sum of one run per mailbox, as bench-fullfetch.sh).
# Mailboxes with mail, decoded, from Dovecot's Maildir (as bench-fullfetch.sh lists them).
MAILBOXES=$(python3 scripts/maildir-mailboxes.py "$BASE/home/alice/Maildir")
total=0; peak=0
while IFS= read -r mailbox; do
    /usr/bin/time -f "%e %M" -o "$RUN/one.time" env IMAPWORKER_PASSWORD=alicepw "$IMAPCTL" fullfetch --local -q \
        --db "$RUN/fullfetch.db" --login alice --server "127.0.0.1:$IMAPS_PORT" --ca-file "$CA" --mailbox "$mailbox" \
        --userid bench >> "$RUN/fullfetch.log" 2>&1 || { echo "fullfetch failed"; tail -5 "$RUN/fullfetch.log"; exit 1; }
    read -r s k < "$RUN/one.time"
    total=$(python3 -c "print($total + $s)"); [ "$k" -gt "$peak" ] && peak=$k
done <<< "$MAILBOXES"
echo "fullfetch $total $peak" >> "$RUN/results"

if [ "$FALLBACK" = 1 ]; then
    # Dovecot 2.3's list without CONDSTORE and QRESYNC; new sessions read it after the reload.
    echo "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 LITERAL+ LIST-STATUS MOVE SPECIAL-USE" \
        >> "$BASE/dovecot.conf"
    doveadm -c "$BASE/dovecot.conf" reload
    sleep 1
fi
DB=$RUN/sync.db
ID=$("$IMAPCTL" addremote --db "$DB" --userid bench --login alice --pass alicepw --server "127.0.0.1:$IMAPS_PORT" --ca-file "$CA")
SR=("$IMAPCTL" syncremote --local --db "$DB" --userid bench --identifier "$ID" --json)
timed first "${SR[@]}"
timed noop "${SR[@]}"
python3 "$KIT/imaptool.py" mutate "${CONN[@]}" --flag 500 --delete 100 --seed 7 > "$RUN/mutate.log" 2>&1
timed incr "${SR[@]}"

# Each message in two mailboxes: a copy of every mailbox on the remote, synced into the same store.
python3 - "$IMAPS_PORT" "$CA" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
m.login("alice", "alicepw")
typ, lines = m.list()
names = []
for line in lines:
    flags, rest = line.decode().split(")", 1)
    if "\\Noselect" in flags or "\\NonExistent" in flags: continue
    names.append(rest.strip().split(" ", 1)[1])   # after the delimiter: the (quoted) wire name
for i, name in enumerate(names):
    typ, data = m.select(name, readonly=True)
    if typ != "OK" or int(data[0]) == 0: continue
    m.create(f"Copies{i}")
    m.uid("COPY", "1:*", f"Copies{i}")
m.logout()
PY
timed dedup "${SR[@]}"

FALLBACK=$FALLBACK python3 - "$RUN" "$DB" "$N" <<'PY'
import json, os, sqlite3, sys
run, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
res = {l.split()[0]: (float(l.split()[1]), int(l.split()[2])) for l in open(f"{run}/results")}
def report(name): return json.loads(open(f"{run}/{name}.log").read().strip().splitlines()[-1])
first = report("first")
copied = sum(m["copied"]["local"] for m in first["mailboxes"])
c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
messages, naive = c.execute("select count(*), coalesce(sum(size),0) from messages").fetchone()
size = os.path.getsize(db) + (os.path.getsize(db + "-wal") if os.path.exists(db + "-wal") else 0)
mode = " (fallback: no CONDSTORE/QRESYNC)" if os.environ.get("FALLBACK") == "1" else ""
print(f"\nsyncremote{mode}, {n} messages ({copied} copied by the first run)\n")
print("| phase | seconds | peak RSS MB | target |")
print("|---|---:|---:|---|")
ff = res["fullfetch"][0]
targets = {"first": ("<= 1.1x fullfetch", res["first"][0] <= 1.1 * ff, f"{res['first'][0] / ff:.2f}x"),
           "noop": ("<= 0.10 s", res["noop"][0] <= 0.10, ""), "incr": ("<= 0.15 s", res["incr"][0] <= 0.15, "")}
for name in ("fullfetch", "first", "noop", "incr", "dedup"):
    s, k = res[name]
    t = targets.get(name)
    note = f"{t[0]}: {t[2] + ' ' if t[2] else ''}{'met' if t[1] else 'NOT met'}" if t else ""
    print(f"| {name} | {s:.2f} | {k / 1024:.1f} | {note} |")
r = size / naive if naive else 0
print(f"\nstore: {messages} messages, {size / 1e6:.1f} MB on disk, naive {naive / 1e6:.1f} MB: {r:.2f}x "
      f"(target <= 0.55x: {'met' if r <= 0.55 else 'NOT met'})")
PY
echo "bench: logs in $RUN"
