#!/usr/bin/env bash
# Benchmark (prints figures; not a test): `test` order latency of two imapworker release builds
# (BASE_DIR and NEW_DIR each hold imapworker and nats-bench) taking turns on one nats-server,
# with the NATS request/reply floor and our client's request/reply measured in every round: the
# plain one (requester task on the global pool) and the pinned one (requester on the client's event
# loop, as the floor's requester is one thread); each daemon is measured with both requesters.
# The last lines are the medians over the rounds.
#   scripts/bench-latency-ab.sh BASE_DIR NEW_DIR     (paths absolute or from the repo root)
#                                                   env: COUNT (3000), ROUNDS (3)
set -euo pipefail
BASE=$1; NEW=$2; COUNT=${COUNT:-3000}; ROUNDS=${ROUNDS:-3}
cd "$(dirname "$0")/.."
PY=$(scripts/pyenv.sh)
W=$(mktemp -d /tmp/latency-ab-XXXX)
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
P=$(port); nats-server -a 127.0.0.1 -p $P >$W/nats.log 2>&1 & NP=$!
DP=
trap 'kill $NP 2>/dev/null; [ -n "$DP" ] && kill $DP 2>/dev/null; rm -rf $W' EXIT
sleep 0.5
URL=nats://127.0.0.1:$P
start() { printf 'store:\n  path: %s/%s.db\nlog:\n  level: warning\nworker:\n  id: ab\n' $W $2 >$W/c.yaml
  IMAPWORKER_NATS_URL=$URL IMAPWORKER_WORKERS=4 "$1/imapworker" start --config $W/c.yaml 2>>$W/d.log & DP=$!
  for _ in $(seq 300); do "$1/nats-bench" $URL order 1 >/dev/null 2>&1 && return; sleep 0.1; done; echo no daemon; exit 1; }
stop() { kill -TERM $DP; wait $DP || true; DP=; }
for r in $(seq $ROUNDS); do
  echo "== round $r $(uptime | sed 's/.*load/load/')"
  "$PY" scripts/nats-floor.py $URL $COUNT | tee -a $W/all
  for m in reqrep reqrep-pinned; do "$NEW/nats-bench" $URL $m $COUNT 2>/dev/null | grep RESULT | sed 's/^/client /' | tee -a $W/all; done
  for v in base new; do d=$BASE; [ $v = new ] && d=$NEW
    start $d $v$r
    for m in order order-pinned; do "$NEW/nats-bench" $URL $m $COUNT 2>/dev/null | grep RESULT | sed "s/^/$v /" | tee -a $W/all; done
    stop; done
done
echo "== medians over $ROUNDS rounds (ratio to the floor's median)"
"$PY" - $W/all <<'PYEOF'
import statistics, sys
values = {}
for line in open(sys.argv[1]):
    f = line.split()
    key, value = (f[1], f[2]) if f[0] == "RESULT" else (f[0] + " " + f[2], f[3])
    if key.endswith("_us"): values.setdefault(key, []).append(float(value))
floor = statistics.median(values.get("floor_p50_us", [0]))
for key in sorted(values):
    m = statistics.median(values[key])
    print(f"{key:36} {m:9.1f} us {m / floor if floor else 0:6.2f}x")
PYEOF
