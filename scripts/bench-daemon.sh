#!/usr/bin/env bash
# Benchmark (prints figures; not a test): `test` orders through a running imapworker (release
# build) over NATS and over Redis Streams — round-trip latency one order at a time (p50/p99) and
# throughput with WINDOW orders in flight — and, in the same run and through the same nats-server,
# the NATS request/reply floor (two raw sockets, no client) and our client's plain request/reply
# against an echo responder. Target (issue 10): `test` p50 over NATS <= 1.2x the floor.
# Then (PARTS scheduler) the scheduler and push on one Dovecot with IDENTITIES users: a forced
# scheduler round over every identity (first sync, then the no-op round: target <= 10 s for
# 1,000), a no-op `sync` order of a synced identity (target <= 30 ms), and every identity held
# on push by one worker (target: peak RSS <= 200 MB for 1,000).
#
#   scripts/bench-daemon.sh            env: COUNT (5000), TP_COUNT (20000), WINDOW (64), WORKERS (4), ROUNDS (3),
#                                      BUILD (release; debug only to try the script out), PARTS ("orders scheduler"),
#                                      IDENTITIES (1000), MESSAGES (5 per INBOX), BG_WORKERS (8: workers and
#                                      scheduler.max_in_flight of the scheduler part), BIN_DIR (use the
#                                      imapworker, nats-bench and redis-bench there instead of building),
#                                      BASE_BIN_DIR (A/B: two more no-op rounds each of that build and this one,
#                                      taking turns), PUSH (1; 0 skips the push part)
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
PARTS=${PARTS:-orders scheduler}
IDENTITIES=${IDENTITIES:-1000}
MESSAGES=${MESSAGES:-5}
BG_WORKERS=${BG_WORKERS:-8}
want() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

PYTHON=$(scripts/pyenv.sh)
NATS_SERVER=${NATS_SERVER:-$(command -v nats-server || echo /usr/sbin/nats-server)}
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server || echo /usr/bin/redis-server)}
if [ -n "${BIN_DIR:-}" ]; then
    BIN=$(cd "$BIN_DIR" && pwd)  # binaries built elsewhere (an A/B of two builds): nothing is built
else
    # Release builds are the Dockerfile's and the other scripts' (scripts/build-release.sh).
    if [ "$BUILD" = release ]; then
        scripts/build-release.sh imapworker nats-bench redis-bench >&2
    else
        for product in imapworker nats-bench redis-bench; do swift build -c "$BUILD" --product "$product" >&2; done
    fi
    BIN="$(swift build -c "$BUILD" --show-bin-path)"
fi

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
DOVECOT_DIR=
cleanup() {
    [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
    [ -n "$DOVECOT_DIR" ] && scripts/dovecot-stop.sh "$DOVECOT_DIR" >/dev/null 2>&1 || true
    kill "$NATS_PID" "$REDIS_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
wait_port "$NATS_PORT"
wait_port "$REDIS_PORT"
NATS_URL="nats://127.0.0.1:$NATS_PORT"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

if want orders; then
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
    echo "== round $round $(uptime | sed 's/.*load/load/')" >&2
    "$PYTHON" scripts/nats-floor.py "$NATS_URL" "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" reqrep "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" reqrep-pinned "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" order "$COUNT" | tee -a "$WORK/results.txt" >&2
    "$BIN/nats-bench" "$NATS_URL" order-pinned "$COUNT" | tee -a "$WORK/results.txt" >&2
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
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')"
printf "%-52s %14s %14s\n" "metric" "value" "/ NATS floor"
printf "%-52s %11s us %14s\n" "NATS request/reply floor p50 (raw sockets)" "$floor" "1.00x"
printf "%-52s %11s us %14s\n" "NATS request/reply p50, our client + echo responder" "$(value reqrep_p50_us)" "$(over_floor "$(value reqrep_p50_us)")"
printf "%-52s %11s us %14s\n" "NATS request/reply p50, pinned (task on the loop)" "$(value reqrep_pinned_p50_us)" "$(over_floor "$(value reqrep_pinned_p50_us)")"
printf "%-52s %11s us %14s\n" "test order over NATS, p50 (target <= 1.2x floor)" "$(value order_p50_us)" "$(over_floor "$(value order_p50_us)")"
printf "%-52s %11s us %14s\n" "test order over NATS, p99" "$(value order_p99_us)" "$(over_floor "$(value order_p99_us)")"
printf "%-52s %11s us %14s\n" "test order over NATS, p50, pinned requester" "$(value order_pinned_p50_us)" "$(over_floor "$(value order_pinned_p50_us)")"
printf "%-52s %11s us %14s\n" "test order over NATS, p99, pinned requester" "$(value order_pinned_p99_us)" "$(over_floor "$(value order_pinned_p99_us)")"
printf "%-52s %11s us\n" "test order over Redis Streams, p50" "$(value redis_order_p50_us)"
printf "%-52s %11s us\n" "test order over Redis Streams, p99" "$(value redis_order_p99_us)"
printf "%-52s %8s orders/s\n" "test orders over NATS, $WINDOW in flight" "$(value orders_per_sec)"
printf "%-52s %8s orders/s\n" "test orders over Redis Streams, $WINDOW in flight" "$(value redis_orders_per_sec)"
echo "orders not answered completed (all rounds): NATS $(( $(value order_failures | cut -d. -f1) + $(value order_pinned_failures | cut -d. -f1) + $(value orders_failures | cut -d. -f1) )), Redis $(( $(value redis_order_failures | cut -d. -f1) + $(value redis_orders_failures | cut -d. -f1) ))"
kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
fi

# --- The scheduler and push: IDENTITIES users on one Dovecot --------------------------------------
if want scheduler; then
    DOVECOT_DIR="$WORK/dovecot"
    IMAP_PORT=$(free_port)
    IMAPS_PORT=$(free_port)
    mkdir -p "$DOVECOT_DIR"
    # Many clients: imap-login in "performance mode" (few processes), and one imap process per
    # connection (Dovecot's imap serves one client per process) for every identity and a margin.
    cat >"$DOVECOT_DIR/extra.conf" <<CONF
default_client_limit = $((IDENTITIES * 3 + 100))
service imap-login {
  service_count = 0
  client_limit = $((IDENTITIES * 2 + 100))
  process_min_avail = 2
}
service imap {
  process_limit = $((IDENTITIES + 50))
}
service auth {
  client_limit = $((IDENTITIES * 3 + 100))
}
CONF
    chmod 0755 "$WORK"  # Dovecot's own users (as root) must reach the instance directory
    "$PYTHON" scripts/bench-scheduler.py maildirs "$DOVECOT_DIR" "$IDENTITIES" "$MESSAGES"
    # As root the mail belongs to Dovecot's mail user (dovecot-start.sh's MAIL_UID:MAIL_GID).
    if [ "$(id -u)" = 0 ]; then chown -R "${MAIL_UID:-65534}:${MAIL_GID:-65534}" "$DOVECOT_DIR/home"; fi
    users=()
    for i in $(seq "$IDENTITIES"); do users+=("bench$i:pw$i"); done
    scripts/dovecot-start.sh "$DOVECOT_DIR" "$IMAP_PORT" "$IMAPS_PORT" "${users[@]}" >&2
    SCHED_DB="$WORK/scheduler.db"
    cat >"$WORK/scheduler.yaml" <<YAML
store:
  path: $SCHED_DB
log:
  level: info
worker:
  id: bench-scheduler
  queue_limit: $((IDENTITIES * 2))
imap:
  tls:
    ca_file: $DOVECOT_DIR/ssl/ca.pem
YAML
    # start_daemon NAME [VAR=VALUE…]: the daemon on the scheduler store, NATS only.
    start_daemon() {
        local name=$1
        shift
        env IMAPWORKER_NATS_URL="$NATS_URL" IMAPWORKER_WORKERS="$BG_WORKERS" IMAPWORKER_NATS_QUEUE_LIMIT=64 \
            IMAPWORKER_SCHEDULER_MAX_IN_FLIGHT="$BG_WORKERS" "$@" \
            "${DAEMON_BIN:-$BIN}/imapworker" start --config "$WORK/scheduler.yaml" 2>"$WORK/$name.log" &
        DAEMON_PID=$!
        for _ in $(seq 600); do
            grep -q "imapworker started" "$WORK/$name.log" 2>/dev/null && return
            kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
            sleep 0.1
        done
        echo "$name did not start" >&2
        exit 1
    }
    stop_daemon() { kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID" || true; DAEMON_PID=; }
    # forced_round NAME: every identity due now; a fresh daemon (its scheduler interval an hour,
    # so only the forced round runs); the time from the first scheduled run accepted to the last answered.
    forced_round() {
        "$PYTHON" scripts/bench-scheduler.py due-now "$SCHED_DB"
        local out="$WORK/$1.out"
        "$PYTHON" scripts/bench-scheduler.py round "$NATS_URL" "$IDENTITIES" 300 >"$out" &
        local listener=$!
        for _ in $(seq 100); do grep -q ready "$out" 2>/dev/null && break; sleep 0.1; done
        start_daemon "$1" IMAPWORKER_SCHEDULER_POLL_INTERVAL_SECONDS=3600
        wait "$listener"
        sed "s/^RESULT round_/RESULT $1_/" "$out" | grep RESULT | tee -a "$WORK/scheduler.txt" >&2
    }
    echo "== scheduler: $IDENTITIES identities on one Dovecot (imaps), workers $BG_WORKERS" >&2
    start_daemon setup IMAPWORKER_SCHEDULER_POLL_INTERVAL_SECONDS=0
    "$PYTHON" scripts/bench-scheduler.py addremotes "$NATS_URL" "$IDENTITIES" "127.0.0.1:$IMAPS_PORT" "$WORK/ids.json"
    stop_daemon
    forced_round first_round
    stop_daemon
    forced_round noop_round
    # The no-op sync order, on the same daemon (its round is over).
    "$PYTHON" scripts/bench-scheduler.py noop-sync "$NATS_URL" "$WORK/ids.json" 200 | tee -a "$WORK/scheduler.txt" >&2
    stop_daemon
    if [ -n "${BASE_BIN_DIR:-}" ]; then
        # A/B: no-op rounds of another build (BASE_BIN_DIR) and this one taking turns on the same store.
        for ab in 1 2; do
            DAEMON_BIN=$BASE_BIN_DIR forced_round "noop_base$ab"
            stop_daemon
            forced_round "noop_new$ab"
            stop_daemon
        done
    fi

    if [ "${PUSH:-1}" = 1 ]; then
    echo "== push: $IDENTITIES identities on one worker" >&2
    started=$(date +%s.%N)
    start_daemon push IMAPWORKER_SCHEDULER_POLL_INTERVAL_SECONDS=0 IMAPWORKER_PUSH_ENABLED=true \
        IMAPWORKER_PUSH_MAX_CONNECTIONS="$IDENTITIES"
    idling=0
    for _ in $(seq 3000); do
        idling=$(grep -c "push: watching" "$WORK/push.log" || true)
        [ "$idling" -ge "$IDENTITIES" ] && break
        sleep 0.1
    done
    held=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    sleep 5  # held for a while: the RSS of holding, not only of connecting
    rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")
    hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")
    lost=$(grep -c "push connection lost" "$WORK/push.log" || true)
    stop_daemon
    {
        echo "RESULT push_idling $idling connections"
        echo "RESULT push_all_idling_s $held s"
        echo "RESULT push_rss_mb $((rss_kb / 1024)) MB"
        echo "RESULT push_peak_rss_mb $((hwm_kb / 1024)) MB"
        echo "RESULT push_reconnects $lost connections"
    } | tee -a "$WORK/scheduler.txt" >&2
    fi

    s() { awk -v m="$1" '$1 == "RESULT" && $2 == m { print $3 }' "$WORK/scheduler.txt"; }
    echo
    echo "scheduler and push ($BUILD, workers and scheduler.max_in_flight: $BG_WORKERS), one Dovecot over imaps, $IDENTITIES identities of $MESSAGES messages"
    printf "%-60s %10s\n" "first scheduler round (copies every INBOX)" "$(s first_round_seconds) s"
    printf "%-60s %10s\n" "no-op scheduler round (target <= 10 s for 1,000)" "$(s noop_round_seconds) s"
    printf "%-60s %10s\n" "  identities answered / failed" "$(s noop_round_identities) / $(s noop_round_failed)"
    if [ -n "${BASE_BIN_DIR:-}" ]; then
        printf "%-60s %10s\n" "no-op round A/B: base 1, new 1, base 2, new 2" \
            "$(s noop_base1_seconds) $(s noop_new1_seconds) $(s noop_base2_seconds) $(s noop_new2_seconds) s"
    fi
    printf "%-60s %10s\n" "no-op sync order p50 (target <= 30 ms)" "$(s noop_sync_p50_ms) ms"
    printf "%-60s %10s\n" "no-op sync order p99" "$(s noop_sync_p99_ms) ms"
    printf "%-60s %10s\n" "push: IDLE connections held by one worker" "$(s push_idling)"
    printf "%-60s %10s\n" "push: time until all were idling" "$(s push_all_idling_s) s"
    printf "%-60s %10s\n" "push: RSS while holding them / peak (target <= 200 MB)" "$(s push_rss_mb) / $(s push_peak_rss_mb) MB"
    printf "%-60s %10s\n" "push: connections lost meanwhile" "$(s push_reconnects)"
fi
