#!/usr/bin/env bash
# Benchmarks our NATS client (nats-bench, release build) against nats-py in one invocation, both
# against the same nats-server started here on a free loopback port:
#   publish-only 16-byte messages (msg/s), publish→subscribe (msg/s), request/reply latency
#   (p50/p99), and our RSS while a subscriber never reads (it must stay flat).
# Counts can be changed with PUB_COUNT, PUBSUB_COUNT, REQ_COUNT, SLOW_COUNT (nats-py runs a
# fifth of the message counts: it is far slower, and rates do not depend on the count).
# Each measurement runs ROUNDS times (default 3), alternating ours and nats-py, and the best round
# of each is kept: the machine is shared, and the best round is the least disturbed one.
set -euo pipefail
cd "$(dirname "$0")/.."

PUB_COUNT=${PUB_COUNT:-5000000}
PUBSUB_COUNT=${PUBSUB_COUNT:-2000000}
REQ_COUNT=${REQ_COUNT:-20000}
SLOW_COUNT=${SLOW_COUNT:-10000000}
SIZE=16
ROUNDS=${ROUNDS:-3}

PYTHON=$(scripts/pyenv.sh)
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
scripts/build-release.sh nats-bench >&2
BENCH="$(swift build -c release --show-bin-path)/nats-bench"

WORK=$(mktemp -d /tmp/bench-nats-XXXXXX)
PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$NATS_SERVER" -a 127.0.0.1 -p "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
URL="nats://127.0.0.1:$PORT"

cat >"$WORK/bench.py" <<'PY'
import asyncio, resource, sys, time
import nats

async def main(url, mode, count, size):
    payload = b"x" * size
    if mode == "pub":
        nc = await nats.connect(url)
        start = time.perf_counter()
        for _ in range(count):
            await nc.publish("bench.pub", payload)
        await nc.flush(timeout=120)
        print(f"RESULT pub_msgs_per_sec {count / (time.perf_counter() - start):.1f} msg/s")
        await nc.close()
    elif mode == "pubsub":
        sub_nc = await nats.connect(url)
        pub_nc = await nats.connect(url)
        done = asyncio.get_running_loop().create_future()
        received = 0
        async def handler(msg):
            nonlocal received
            received += 1
            if received == count and not done.done():
                done.set_result(time.perf_counter())
        await sub_nc.subscribe("bench.pubsub", cb=handler, pending_msgs_limit=count + 1,
                               pending_bytes_limit=count * (size + 64))
        await sub_nc.flush()
        start = time.perf_counter()
        for _ in range(count):
            await pub_nc.publish("bench.pubsub", payload)
        await pub_nc.flush(timeout=120)
        end = await done
        print(f"RESULT pubsub_msgs_per_sec {count / (end - start):.1f} msg/s")
        await pub_nc.close()
        await sub_nc.close()
    elif mode == "reqrep":
        responder = await nats.connect(url)
        requester = await nats.connect(url)
        async def echo(msg):
            await responder.publish(msg.reply, msg.data)
        await responder.subscribe("bench.echo", cb=echo)
        await responder.flush()
        for _ in range(min(1000, count)):
            await requester.request("bench.echo", b"ping", timeout=5)
        latencies = []
        for _ in range(count):
            start = time.perf_counter()
            await requester.request("bench.echo", b"ping", timeout=5)
            latencies.append((time.perf_counter() - start) * 1e6)
        latencies.sort()
        print(f"RESULT reqrep_p50_us {latencies[len(latencies) // 2]:.1f} us")
        print(f"RESULT reqrep_p99_us {latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)]:.1f} us")
        await requester.close()
        await responder.close()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
PY


run_ours() { "$BENCH" "$URL" "$@" | tee -a "$WORK/ours.txt" >&2; }
run_python() { "$PYTHON" "$WORK/bench.py" "$URL" "$@" | tee -a "$WORK/python.txt" >&2; }

for round in $(seq "$ROUNDS"); do
    echo "== round $round: ours (nats-bench)" >&2
    run_ours pub "$PUB_COUNT" "$SIZE"
    run_ours pubsub "$PUBSUB_COUNT" "$SIZE"
    run_ours reqrep "$REQ_COUNT"
    run_ours reqrep-pinned "$REQ_COUNT"
    echo "== round $round: nats-py" >&2
    run_python pub $((PUB_COUNT / 5)) "$SIZE"
    run_python pubsub $((PUBSUB_COUNT / 5)) "$SIZE"
    run_python reqrep $((REQ_COUNT / 4)) "$SIZE"
    "$PYTHON" scripts/nats-floor.py "$URL" "$REQ_COUNT" | tee -a "$WORK/floor.txt" >&2
done
echo "== ours: slow subscriber" >&2
run_ours slowsub "$SLOW_COUNT" "$SIZE"

# The best round: the highest rate, the lowest latency; the last value of anything else.
value() {
    awk -v m="$2" '$2 == m { v = $3; u = $4
        if (u == "msg/s") { if (best == "" || v + 0 > best + 0) best = v }
        else if (u == "us") { if (best == "" || v + 0 < best + 0) best = v }
        else best = v }
        END { print best }' "$WORK/$1.txt"
}
ratio() { awk -v a="$1" -v b="$2" -v inv="$3" 'BEGIN { if (a == "" || b == "" || a == 0 || b == 0) print "-"; else if (inv) printf "%.1fx\n", b / a; else printf "%.1fx\n", a / b }'; }

echo
printf "%-34s %16s %16s %10s %12s\n" "metric" "ours" "nats-py" "ratio" "target"
for row in "pub_msgs_per_sec|msg/s publish-only ($SIZE B)|0|>= 3000000" \
           "pubsub_msgs_per_sec|msg/s publish->subscribe|0|>= 1000000" \
           "reqrep_p50_us|request/reply p50 (us)|1|<= 60" \
           "reqrep_p99_us|request/reply p99 (us)|1|-" \
           "reqrep_pinned_p50_us|req/reply p50, task on event loop|1|<= 60" \
           "reqrep_pinned_p99_us|req/reply p99, task on event loop|1|-"; do
    IFS='|' read -r metric label inverse target <<<"$row"
    ours=$(value ours "$metric"); theirs=$(value python "${metric/_pinned/}")
    printf "%-34s %16s %16s %10s %12s\n" "$label" "${ours:--}" "${theirs:--}" "$(ratio "$ours" "$theirs" "$inverse")" "$target"
done
echo
floor=$(value floor floor_p50_us)
echo "floor (raw sockets through this nats-server, no client): request/reply p50 $floor us"
over_floor() { awk -v a="$1" -v f="$floor" 'BEGIN { if (a == "" || f == "" || f == 0) print "-"; else printf "%.2fx\n", a / f }'; }
echo "request/reply p50 / floor (target <= 1.15x): ours $(over_floor "$(value ours reqrep_p50_us)")," \
     "ours on the event loop $(over_floor "$(value ours reqrep_pinned_p50_us)"), nats-py $(over_floor "$(value python reqrep_p50_us)")"
echo "RSS of our process while a subscriber never reads ($SLOW_COUNT x $SIZE B, pending limit 100k msgs / 8 MB):"
printf "  baseline %s MB; after" "$(value ours slowsub_rss_baseline_mb)"
for pct in 10 20 30 40 50 60 70 80 90 100; do printf " %s%%: %s" "$pct" "$(value ours "slowsub_rss_${pct}pct_mb")"; done
printf " MB; pending %s, dropped %s\n" "$(value ours slowsub_pending)" "$(value ours slowsub_dropped)"
echo "publish->subscribe drops (ours, last round): $(value ours pubsub_dropped)"
echo "(best of $ROUNDS rounds each)"
