#!/usr/bin/env bash
# The main job on the embedded default, end to end on one machine:
# starts a throwaway Dovecot on 127.0.0.1 with generated mail, runs `imapctl fullfetch` for each
# of its mailboxes into the embedded SQLite store, checks every message against the generator's
# manifest (SHA-256), exports one mailbox as a Maildir; then the daemon: starts a local
# nats-server and `imapworker`, sends it a fullfetch order with `imapctl`, shows the final event,
# `imapctl status` and the worker's local account; then an identity kept in sync through the
# daemon (`addremote`, two `syncremote` orders with changes made on both sides in between);
# stops everything.
#
# usage: scripts/demo.sh [MESSAGES]       (default 500; the store is left in $DEMO_DIR/imapworker.db)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
N=${1:-500}
. scripts/config-files.sh
scripts/setup.sh
echo "demo: building imapctl and imapworker (release)"
scripts/build-release.sh imapctl imapworker
BIN=$(swift build -c release --show-bin-path)/imapctl
WORKER=$(swift build -c release --show-bin-path)/imapworker

DEMO_DIR=$(mktemp -d /tmp/imapworker-demo-XXXXXX)
chmod 755 "$DEMO_DIR"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
PIDS=()
cleanup() {
    local status=$?
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    scripts/dovecot-stop.sh "$DEMO_DIR/dovecot" >/dev/null 2>&1 || true
    exit "$status"
}
trap cleanup EXIT

echo "demo: generating $N messages"
mkdir -p "$DEMO_DIR/dovecot/home/alice"
python3 scripts/gen-mail.py --maildir "$DEMO_DIR/dovecot/home/alice/Maildir" --messages "$N" --seed 42 \
    --chown 65534:65534 --manifest "$DEMO_DIR/manifest.json" -q
scripts/dovecot-start.sh "$DEMO_DIR/dovecot" "$IMAP_PORT" "$IMAPS_PORT" alice:alicepw >/dev/null
echo "demo: Dovecot on 127.0.0.1:$IMAPS_PORT (imaps), CA $DEMO_DIR/dovecot/ssl/ca.pem"

export IMAPWORKER_PASSWORD=alicepw   # the password never goes on a command line or into a log
python3 -c 'import json,sys; [print(m) for m in json.load(open(sys.argv[1]))["mailboxes"]]' "$DEMO_DIR/manifest.json" |
while IFS= read -r mailbox; do
    "$BIN" fullfetch --local --db "$DEMO_DIR/imapworker.db" --login alice --server "127.0.0.1:$IMAPS_PORT" \
        --ca-file "$DEMO_DIR/dovecot/ssl/ca.pem" --mailbox "$mailbox" --userid demo-user
done

echo "demo: checking every stored message against the manifest"
python3 - "$DEMO_DIR/imapworker.db" "$DEMO_DIR/manifest.json" <<'PY'
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
manifest = json.load(open(sys.argv[2]))
bad = 0
for name, box in manifest["mailboxes"].items():
    want = sorted(m["sha256"] for m in box["messages"])
    rows = db.execute("select d.raw, d.sha256 from messages m join bodies d on d.id = m.body_id "
                      "join mailboxes b on b.id = m.mailbox_id "
                      "where b.user_id = 'demo-user' and b.name = ?", (name,)).fetchall()
    got = sorted(hashlib.sha256(raw).hexdigest() for raw, _ in rows)
    ok = got == want and all(hashlib.sha256(raw).hexdigest() == h for raw, h in rows)
    bad += not ok
    print(f"  {name}: {len(got)}/{len(want)} messages {'identical' if ok else 'MISMATCH'}")
sys.exit(1 if bad else 0)
PY
"$BIN" export --db "$DEMO_DIR/imapworker.db" --userid demo-user --mailbox INBOX --maildir "$DEMO_DIR/export/INBOX"

echo "demo: the daemon: nats-server and imapworker on 127.0.0.1, orders from imapctl"
NATS_PORT=$(free_port)
"$(command -v nats-server || echo /usr/sbin/nats-server)" -a 127.0.0.1 -p "$NATS_PORT" >"$DEMO_DIR/nats.log" 2>&1 &
PIDS+=($!)
write_worker_config "$DEMO_DIR/imapworker.yaml" "$DEMO_DIR/worker.db" "$DEMO_DIR/dovecot/ssl/ca.pem" \
    "nats://127.0.0.1:$NATS_PORT" demo-worker
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break; sleep 0.1; done
"$WORKER" start --config "$DEMO_DIR/imapworker.yaml" 2>"$DEMO_DIR/imapworker.log" &
PIDS+=($!)
for _ in $(seq 100); do grep -q "imapworker started" "$DEMO_DIR/imapworker.log" && break; sleep 0.1; done
# The same configuration file: imapctl finds the worker through nats.url.
echo "demo: imapctl fullfetch (an order on NATS subject outboundIMAP); its final event:"
"$BIN" fullfetch --config "$DEMO_DIR/imapworker.yaml" --login alice --server "127.0.0.1:$IMAPS_PORT" \
    --mailbox INBOX --userid demo-daemon --json
"$BIN" fullfetch --config "$DEMO_DIR/imapworker.yaml" --login alice --server "127.0.0.1:$IMAPS_PORT" \
    --mailbox INBOX --userid demo-daemon
echo "demo: imapctl status"
"$BIN" status --config "$DEMO_DIR/imapworker.yaml"
echo "demo: the worker's local account (user demo-daemon):"
python3 - "$DEMO_DIR/worker.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for name, count, size in db.execute("select b.name, count(m.id), coalesce(sum(m.size), 0) from mailboxes b "
                                    "left join messages m on m.mailbox_id = b.id where b.user_id = 'demo-daemon' group by b.name"):
    print(f"  {name}: {count} messages, {size} bytes")
PY

echo "demo: a stored identity kept in sync through the daemon (sync orders, user demo-sync)"
CFG="$DEMO_DIR/imapworker.yaml"
# addremote writes the worker's store directly (as Caliopen's imapctl does); the password is sealed.
"$BIN" addremote --config "$CFG" --login alice --server "127.0.0.1:$IMAPS_PORT" --userid demo-sync \
    --ca-file "$DEMO_DIR/dovecot/ssl/ca.pem"
echo "demo: imapctl syncremote (a sync order on outboundIMAP): the first run copies everything"
"$BIN" syncremote --config "$CFG" --userid demo-sync --identifier alice
echo "demo: changes on both sides: the remote flags INBOX's first message and gets a new one;"
echo "      locally the second message is marked \\Answered and the third expunged"
python3 - "$IMAPS_PORT" "$DEMO_DIR/dovecot/ssl/ca.pem" <<'PY'
import imaplib, ssl, sys, time
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
imap = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
imap.login("alice", "alicepw"); imap.select("INBOX")
first = imap.uid("SEARCH", None, "ALL")[1][0].split()[0]
imap.uid("STORE", first, "+FLAGS", r"(\Flagged)")
msg = b"From: bob@example.org\r\nTo: alice@example.org\r\nSubject: arrived after the first sync\r\n" \
      b"Message-ID: <demo-new@example.org>\r\n\r\nHello.\r\n"
imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()), msg)
imap.logout()
PY
LOCAL_UIDS=($("$BIN" messages --config "$CFG" --userid demo-sync --mailbox INBOX --json |
    python3 -c 'import json,sys; print(" ".join(str(m["uid"]) for m in json.load(sys.stdin)[:3]))'))
"$BIN" flag --config "$CFG" --userid demo-sync --mailbox INBOX --uid "${LOCAL_UIDS[1]}" '+\Answered' -q
"$BIN" expunge --config "$CFG" --userid demo-sync --mailbox INBOX --uid "${LOCAL_UIDS[2]}" -q
echo "demo: imapctl syncremote again: only the changes travel, both ways"
"$BIN" syncremote --config "$CFG" --userid demo-sync --identifier alice
echo "demo: the synced local account (imapctl mailboxes / messages --userid demo-sync):"
"$BIN" mailboxes --config "$CFG" --userid demo-sync
"$BIN" messages --config "$CFG" --userid demo-sync --mailbox INBOX > "$DEMO_DIR/inbox.txt"
head -4 "$DEMO_DIR/inbox.txt"; echo "  …"; tail -1 "$DEMO_DIR/inbox.txt"
echo "demo: the remote after the sync (\\Answered arrived, the expunged message is gone):"
python3 - "$IMAPS_PORT" "$DEMO_DIR/dovecot/ssl/ca.pem" <<'PY'
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False
imap = imaplib.IMAP4_SSL("127.0.0.1", int(sys.argv[1]), ssl_context=ctx)
imap.login("alice", "alicepw"); imap.select("INBOX", readonly=True)
answered = imap.uid("SEARCH", None, "ANSWERED")[1][0].split()
print(f"  INBOX: {len(imap.uid('SEARCH', None, 'ALL')[1][0].split())} messages, {len(answered)} answered")
imap.logout()
PY
echo "demo: done; stores $DEMO_DIR/imapworker.db (imapctl --local) and $DEMO_DIR/worker.db (imapworker)"
