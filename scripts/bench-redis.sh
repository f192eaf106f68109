#!/usr/bin/env bash
# Redis Streams consume+ack throughput: our consumer (redis-bench, over hiredis) against redis-py,
# against one redis-server started here, in the same invocation. Each figure is the best of
# ROUNDS runs (the machine is shared). Batched = XREADGROUP COUNT 100 + one XACK per read;
# one by one = XREADGROUP COUNT 1 + one XACK per order. Our XACK rides in the pipeline of the
# next read (one round trip per read); the "write connection" rows send it on the consumer's
# second connection instead. redis-py reads, then acknowledges (two round trips per read).
#   scripts/bench-redis.sh            (env: ORDERS, ORDERS_ONE, PY_ORDERS, PY_ORDERS_ONE, ROUNDS)
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS=${ORDERS:-200000}
ORDERS_ONE=${ORDERS_ONE:-20000}
PY_ORDERS=${PY_ORDERS:-100000}
PY_ORDERS_ONE=${PY_ORDERS_ONE:-10000}
ROUNDS=${ROUNDS:-3}
STREAM=imapworker:orders
GROUP=imapworker

scripts/build-release.sh redis-bench >&2
BENCH=.build/release/redis-bench
PY=$(scripts/pyenv.sh)

DIR=$(mktemp -d /tmp/imapworker-bench-redis-XXXXXX)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" >"$DIR/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
URL="redis://127.0.0.1:$PORT"

cat >"$DIR/consume.py" <<'PY'
import sys, time, redis
port, count, batch = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
stream, group = "imapworker:orders", "imapworker"
r = redis.Redis(host="127.0.0.1", port=port)
done, start = 0, time.perf_counter()
while done < count:
    reply = r.xreadgroup(group, "py", {stream: ">"}, count=min(batch, count - done), block=2000)
    if not reply:
        continue
    ids = [entry_id for entry_id, _ in reply[0][1]]
    if batch == 1:
        for entry_id in ids:
            r.xack(stream, group, entry_id)
    else:
        r.xack(stream, group, *ids)
    done += len(ids)
elapsed = time.perf_counter() - start
print(f"consumed={done} seconds={elapsed:.3f} rate={done / elapsed:.0f}")
PY

# fresh stream + group, COUNT orders added (pipelined), then the consumer; prints orders/s
measure() {  # client count batch [ack mode]
    redis-cli -p "$PORT" DEL "$STREAM" >/dev/null
    redis-cli -p "$PORT" XGROUP CREATE "$STREAM" "$GROUP" 0 MKSTREAM >/dev/null
    "$BENCH" fill --url "$URL" --count "$2" >/dev/null
    if [ "$1" = ours ]; then
        out=$("$BENCH" consume --url "$URL" --count "$2" --batch "$3" --ack "${4:-next-read}")
    else
        out=$("$PY" "$DIR/consume.py" "$PORT" "$2" "$3")
    fi
    pending=$(redis-cli -p "$PORT" XPENDING "$STREAM" "$GROUP" | head -1)
    [ "$pending" = 0 ] || { echo "bench: $pending entries left pending" >&2; exit 1; }
    echo "$out" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'
}
best() {  # client count batch [ack mode]
    local top=0 r
    for _ in $(seq "$ROUNDS"); do
        r=$(measure "$@")
        [ "$r" -gt "$top" ] && top=$r
    done
    echo "$top"
}

echo "measuring (best of $ROUNDS; redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))" >&2
OURS_BATCH=$(best ours "$ORDERS" 100)
PY_BATCH=$(best py "$PY_ORDERS" 100)
OURS_ONE=$(best ours "$ORDERS_ONE" 1)
PY_ONE=$(best py "$PY_ORDERS_ONE" 1)
# The same with each XACK sent on the write connection while the next read runs.
OURS_BATCH_W=$(best ours "$ORDERS" 100 writer)
OURS_ONE_W=$(best ours "$ORDERS_ONE" 1 writer)

ratio() { python3 -c "print(f'{$1 / $2:.1f}x')"; }
printf '\n%-34s %14s %14s %8s\n' "consume+ack (orders/s)" "redis-bench" "redis-py" "ratio"
printf '%-34s %14s %14s %8s\n' "batched (COUNT 100, XACK per read)" "$OURS_BATCH" "$PY_BATCH" "$(ratio "$OURS_BATCH" "$PY_BATCH")"
printf '%-34s %14s %14s %8s\n' "one by one (COUNT 1, XACK each)" "$OURS_ONE" "$PY_ONE" "$(ratio "$OURS_ONE" "$PY_ONE")"
printf '%-34s %14s %14s %8s\n' "batched, XACK on write connection" "$OURS_BATCH_W" "$PY_BATCH" "$(ratio "$OURS_BATCH_W" "$PY_BATCH")"
printf '%-34s %14s %14s %8s\n' "one by one, XACK on write conn." "$OURS_ONE_W" "$PY_ONE" "$(ratio "$OURS_ONE_W" "$PY_ONE")"
printf '\ntargets: batched >= 200000/s: %s; one by one >= 2x redis-py: %s\n\n' \
    "$([ "$OURS_BATCH" -ge 200000 ] && echo met || echo MISSED)" \
    "$(python3 -c "print('met' if $OURS_ONE >= 2 * $PY_ONE else 'MISSED')")"
