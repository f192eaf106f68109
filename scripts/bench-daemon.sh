#!/usr/bin/env bash
# Benchmark (prints figures; not a test): `test` orders through a running imapworker (release
# build) over NATS and over Redis Streams — round-trip latency one order at a time (p50/p99) and
# throughput with WINDOW orders in flight — and, in the same run and through the same nats-server,
# the NATS request/reply floor (two raw sockets, no client) and our client's plain request/reply
# against an echo responder. Target (issue 10): `test` p50 over NATS <= 1.2x the floor.
#
#   scripts/bench-daemon.sh            env: COUNT (5000), TP_COUNT (20000), WINDOW (64), WORKERS (4), ROUNDS (3),
#                                      BUILD (release; debug only to try the script out)
#
# nats-server and redis-server are started here on free loopback ports; the daemon is fed by both.
# Each measurement runs ROUNDS times and the best round is kept (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5000}
TP_COUNT=${TP_COUNT:-20000}
WINDOW=${WINDOW:-64}
WORKERS=${WORKERS:-4}
ROUNDS=${ROUNDS:-3}
BUILD=${BUILD:-release}

PYTHON=$(scripts/pyenv.sh)
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
for product in imapworker nats-bench redis-bench; do swift build -c "$BUILD" --product "$product" >&2; done
BIN="$(swift build -c "$BUILD" --show-bin-path)"

WORK=$(mktemp -d /tmp/bench-daemon-XXXXXX)
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }
NATS_PORT=$(free_port)
REDIS_PORT=$(free_port)
"$NATS_SERVER" -a 127.0.0.1 -p "$NATS_PORT" >"$WORK/nats.log" 2>&1 &
NATS_PID=$!
"$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
DAEMON_PID=
cleanup() {
    [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
    kill "$NATS_PID" "$REDIS_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
wait_port "$NATS_PORT"
wait_port "$REDIS_PORT"
NATS_URL="nats://127.0.0.1:$NATS_PORT"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

# The daemon, configured the way a deployment does it: a file, then IMAPWORKER_* variables.
cat >"$WORK/imapworker.yaml" <<YAML
store:
  path: $WORK/imapworker.db
log:
  level: warning
worker:
  id: bench
YAML
IMAPWORKER_NATS_URL=$NATS_URL IMAPWORKER_REDIS_URL=$REDIS_URL IMAPWORKER_WORKERS=$WORKERS \
    IMAPWORKER_NATS_QUEUE_LIMIT=$((WINDOW * 4)) IMAPWORKER_WORKER_QUEUE_LIMIT=$((WINDOW * 4)) \
    "$BIN/imapworker" start --config "$WORK/imapworker.yaml" 2>"$WORK/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 300); do
    "$BIN/nats-bench" "$NATS_URL" order 1 >/dev/null 2>&1 && break
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/daemon.log" >&2; exit 1; }
    sleep 0.1
done


for round in $(seq "$ROUNDS"); do
    echo "== round $round" >&2
    "$PYTHON" scripts/nats-floor.py "$NATS_URL" "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" reqrep "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" order "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" orders "$TP_COUNT" "$WINDOW" | tee -a "$WORK/results.txt" >&2
    "$BIN/redis-bench" order --url "$REDIS_URL" --count "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/redis-bench" orders --url "$REDIS_URL" --count "$TP_COUNT" --window "$WINDOW" | tee -a "$WORK/results.txt" >&2
done

# The best round: the lowest latency, the highest rate; failures summed over the rounds.
value() {
    awk -v m="$1" '$1 == "RESULT" && $2 == m { v = $3; u = $4
        if (u == "us") { if (best == "" || v + 0 < best + 0) best = v }
        else if (u == "orders/s") { if (best == "" || v + 0 > best + 0) best = v }
        else best += v }
        END { print best }' "$WORK/results.txt"
}
floor=$(value floor_p50_us)
over_floor() { awk -v a="$1" -v f="$floor" 'BEGIN { if (a == "" || f == "" || f == 0) print "-"; else printf "%.2fx\n", a / f }'; }

echo
echo "imapworker ($BUILD, workers: $WORKERS), nats-server and redis-server on 127.0.0.1; best of $ROUNDS rounds"
printf "%-52s %14s %14s\n" "metric" "value" "/ NATS floor"
printf "%-52s %11s us %14s\n" "NATS request/reply floor p50 (raw sockets)" "$floor" "1.00x"
printf "%-52s %11s us %14s\n" "NATS request/reply p50, our client + echo responder" "$(value reqrep_p50_us)" "$(over_floor "$(value reqrep_p50_us)")"
printf "%-52s %11s us %14s\n" "test order over NATS, p50 (target <= 1.2x floor)" "$(value order_p50_us)" "$(over_floor "$(value order_p50_us)")"
printf "%-52s %11s us %14s\n" "test order over NATS, p99" "$(value order_p99_us)" "$(over_floor "$(value order_p99_us)")"
printf "%-52s %11s us\n" "test order over Redis Streams, p50" "$(value redis_order_p50_us)"
printf "%-52s %11s us\n" "test order over Redis Streams, p99" "$(value redis_order_p99_us)"
printf "%-52s %8s orders/s\n" "test orders over NATS, $WINDOW in flight" "$(value orders_per_sec)"
printf "%-52s %8s orders/s\n" "test orders over Redis Streams, $WINDOW in flight" "$(value redis_orders_per_sec)"
echo "orders not answered completed (all rounds): NATS $(( $(value order_failures | cut -d. -f1) + $(value orders_failures | cut -d. -f1) )), Redis $(( $(value redis_order_failures | cut -d. -f1) + $(value redis_orders_failures | cut -d. -f1) ))"
