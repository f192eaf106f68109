#!/usr/bin/env bash
# Benchmark (not a test): `imapctl fullfetch` against its peers on the same Dovecot, same corpus,
# same run, using the measuring kit in ../shared/bench (start-dovecot.sh, gen-corpus.py, imaptool.py).
#
# usage: scripts/bench-fullfetch.sh [-n MESSAGES] [-c]      (default 2000; -c also runs with COMPRESS)
#
# Measured, each after `sync`, with /usr/bin/time (wall seconds, peak RSS):
#   baseline     imaptool.py fetchall over TLS: one connection, EXAMINE + UID FETCH 1:* BODY.PEEK[]
#   mbsync       isync 1.4 IMAP -> Maildir, COMPRESS disabled
#   imapctl      imapctl fullfetch (release build) into the embedded SQLite store, one run per mailbox
# Every stored message is then checked against Dovecot's copy (SHA-256 of the Maildir files).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
N=2000
COMPRESS=0
while getopts "n:ch" o; do
    case "$o" in
        n) N=$OPTARG ;;
        c) COMPRESS=1 ;;
        *) sed -n '2,12p' "$0"; exit 0 ;;
    esac
done
KIT=$(cd ../shared/bench && pwd)
scripts/setup.sh
command -v mbsync >/dev/null || { apt-get install -y -qq isync >/dev/null; }
swift build -c release --product imapctl 2>&1 | tail -1
IMAPCTL=$(swift build -c release --show-bin-path)/imapctl

INSTANCE=imapworker-bench
BASE=/tmp/testbed-dovecot-$INSTANCE
RUN=$(mktemp -d /tmp/imapworker-bench-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
IMAP_PORT=$(free_port); IMAPS_PORT=$(free_port)
trap '"$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true' EXIT
"$KIT/stop-dovecot.sh" --purge "$INSTANCE" >/dev/null 2>&1 || true
"$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
"$KIT/stop-dovecot.sh" "$INSTANCE" >/dev/null
python3 "$KIT/gen-corpus.py" --maildir "$BASE/home/alice/Maildir" --messages "$N" --seed 42 --chown 65534:65534 >/dev/null
"$KIT/start-dovecot.sh" -q --no-check "$INSTANCE" "$IMAP_PORT" "$IMAPS_PORT"
CA=$BASE/ssl/cert.pem
python3 "$KIT/imaptool.py" prime --mode tls --port "$IMAPS_PORT" --user alice --password alicepw --cafile "$CA" >/dev/null 2>&1 || true
# Bytes as IMAP serves them (sum of RFC822.SIZE): the LF-only files gain a CR per line.
BYTES=$(python3 -c '
import os, sys
t = 0
for d, _, names in os.walk(sys.argv[1]):
    if os.path.basename(d) in ("cur", "new"):
        for n in names:
            b = open(os.path.join(d, n), "rb").read()
            t += len(b) + (b.count(b"\n") - b.count(b"\r\n"))
print(t)' "$BASE/home/alice/Maildir")
MAILBOXES=$(python3 - "$BASE/home/alice/Maildir" <<'PY'
import os, sys
root = sys.argv[1]
def decode(name):
    # modified UTF-7 -> Unicode (only what gen-corpus.py produces)
    import base64, re
    def dec(m):
        s = m.group(1)
        if not s: return "&"
        b = base64.b64decode(s.replace(",", "/") + "=" * (-len(s) % 4))
        return b.decode("utf-16-be")
    return re.sub(r"&([^-]*)-", dec, name)
boxes = []
if any(os.scandir(os.path.join(root, "cur"))) or any(os.scandir(os.path.join(root, "new"))): boxes.append("INBOX")
for d in sorted(os.listdir(root)):
    p = os.path.join(root, d)
    if d.startswith(".") and os.path.isdir(os.path.join(p, "cur")):
        if any(os.scandir(os.path.join(p, "cur"))) or any(os.scandir(os.path.join(p, "new"))):
            boxes.append(decode(d[1:].replace(".", "/")))
print("\n".join(boxes))
PY
)

declare -a ROWS
measure() {  # name command...
    local name=$1; shift
    sync
    local out=$RUN/$name.time
    /usr/bin/time -f "%e %M" -o "$out" "$@" > "$RUN/$name.log" 2>&1 || { echo "$name failed:"; tail -5 "$RUN/$name.log"; exit 1; }
    ROWS+=("$name $(cat "$out")")
}

fetch_all_imapctl() {  # db extra-flags...
    local db=$1; shift
    local peak=0 total=0
    while IFS= read -r mailbox; do
        /usr/bin/time -f "%e %M" -o "$RUN/one.time" env IMAPWORKER_PASSWORD=alicepw "$IMAPCTL" fullfetch -q --db "$db" \
            --login alice --server "127.0.0.1:$IMAPS_PORT" --ca-file "$CA" --mailbox "$mailbox" --userid bench "$@"
        read -r s k < "$RUN/one.time"
        total=$(python3 -c "print($total + $s)")
        [ "$k" -gt "$peak" ] && peak=$k
    done <<< "$MAILBOXES"
    echo "$total $peak"
}

mbsync_rc() {  # dir extra
    sed -e "s|@HOSTNAME@|localhost|; s|@IMAPS_PORT@|$IMAPS_PORT|; s|@USER@|alice|; s|@PASS@|alicepw|; s|@CAFILE@|$CA|; s|@DIR@|$1|g; s|@REMOTE_EXTRA@|$2|" \
        "$KIT/templates/mbsync-maildir.rc.in" > "$1/mbsyncrc"
}

echo "bench: $N messages, $BYTES bytes, mailboxes: $(echo $MAILBOXES | tr '\n' ' ')"
measure baseline-tls python3 "$KIT/imaptool.py" fetchall --mode tls --port "$IMAPS_PORT" --user alice --password alicepw --cafile "$CA"
mkdir -p "$RUN/mbsync/Maildir"; mbsync_rc "$RUN/mbsync" "DisableExtensions COMPRESS=DEFLATE"
measure mbsync mbsync -q -c "$RUN/mbsync/mbsyncrc" -a
sync; ROWS+=("imapctl $(fetch_all_imapctl "$RUN/imapctl.db")")
if [ "$COMPRESS" = 1 ]; then
    mkdir -p "$RUN/mbsync-z/Maildir"; mbsync_rc "$RUN/mbsync-z" ""
    measure mbsync+compress mbsync -q -c "$RUN/mbsync-z/mbsyncrc" -a
    sync; ROWS+=("imapctl+compress $(fetch_all_imapctl "$RUN/imapctl-z.db" --compress)")
fi

echo "bench: verifying the imapctl store against Dovecot's files"
python3 - "$RUN/imapctl.db" "$BASE/home/alice/Maildir" <<'PY'
import hashlib, os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
stored = sorted(h for (h,) in db.execute("select sha256 from messages"))
files = []
for dirpath, _, names in os.walk(sys.argv[2]):
    if os.path.basename(dirpath) in ("cur", "new"):
        for n in names:
            data = open(os.path.join(dirpath, n), "rb").read()
            # Dovecot serves LF files with CRLF line ends
            if b"\r\n" not in data: data = data.replace(b"\n", b"\r\n")
            files.append(hashlib.sha256(data).hexdigest())
files.sort()
print(f"  {len(stored)} stored, {len(files)} on the server: {'identical' if stored == files else 'MISMATCH'}")
sys.exit(0 if stored == files else 1)
PY

python3 - "$N" "$BYTES" "${ROWS[@]}" <<'PY'
import sys
n, total = int(sys.argv[1]), int(sys.argv[2])
rows = [r.split() for r in sys.argv[3:]]
ref = {r[0]: float(r[1]) for r in rows}
mb = ref.get("mbsync")
print(f"\n| tool | seconds | msgs/s | MB/s | peak RSS MB | time vs mbsync |")
print("|---|---:|---:|---:|---:|---:|")
for name, secs, rss in rows:
    s = float(secs)
    ratio = f"{s / mb:.2f}x" if mb else "-"
    print(f"| {name} | {s:.2f} | {n / s:.0f} | {total / s / 1e6:.1f} | {int(rss) / 1024:.1f} | {ratio} |")
PY
echo "bench: logs in $RUN"
