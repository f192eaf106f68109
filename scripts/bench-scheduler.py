#!/usr/bin/env python3
"""Helpers of scripts/bench-daemon.sh for the scheduler and push figures (nats-py, sqlite3).

  bench-scheduler.py maildirs DOVECOT_DIR COUNT MESSAGES  write MESSAGES small messages into each benchN's INBOX
  bench-scheduler.py addremotes NATS_URL COUNT SERVER IDS_FILE   one addremote order per benchN user
  bench-scheduler.py due-now DATABASE                      every identity due at once (a forced round)
  bench-scheduler.py round NATS_URL COUNT TIMEOUT          waits for COUNT final events of schedule-* runs
  bench-scheduler.py noop-sync NATS_URL IDS_FILE COUNT     sequential sync orders of one synced identity
Figures are printed as `RESULT name value unit` lines.
"""
import asyncio, json, os, sqlite3, sys, time


def maildirs(directory, count, messages):
    for i in range(1, count + 1):
        box = os.path.join(directory, "home", f"bench{i}", "Maildir")
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(box, sub), exist_ok=True)
        for m in range(messages):
            body = (f"From: a{m}@example.org\r\nTo: bench{i}@example.org\r\nSubject: message {m}\r\n"
                    f"Message-ID: <{i}.{m}@bench.example.org>\r\nDate: Mon, 1 Dec 2025 10:00:{m % 60:02d} +0000\r\n\r\n"
                    f"Body {m} of bench{i}.\r\n")
            with open(os.path.join(box, "cur", f"{1700000000 + m}.M{m}P{i}.bench:2,S"), "w") as f:
                f.write(body)


async def addremotes(url, count, server, ids_file):
    import nats
    nc = await nats.connect(url)
    ids = []
    for i in range(1, count + 1):
        order = {"order": "addremote", "order_id": f"add-{i}", "user_id": f"u{i}", "login": f"bench{i}",
                 "password": f"pw{i}", "server": server}
        reply = json.loads((await nc.request("outboundIMAP", json.dumps(order).encode(), timeout=60)).data)
        if reply.get("event") != "completed":
            sys.exit(f"addremote {i} failed: {reply}")
        ids.append({"user_id": f"u{i}", "identity_id": reply["created_identity_id"]})
    await nc.close()
    with open(ids_file, "w") as f:
        json.dump(ids, f)


def due_now(database):
    db = sqlite3.connect(database, timeout=30)
    db.execute("INSERT OR IGNORE INTO identity_schedule (identity_id) SELECT id FROM identities")
    db.execute("UPDATE identity_schedule SET next_due = 0, owner = NULL, lease_expires_at = NULL")
    db.commit()
    db.close()


async def round_(url, count, timeout):
    """Prints `ready` once subscribed, then waits for `count` final events of scheduled runs."""
    import nats
    nc = await nats.connect(url)
    finals, failed, first = {}, 0, None
    done = asyncio.Event()

    async def on_event(msg):
        nonlocal failed, first
        e = json.loads(msg.data)
        if not str(e.get("order_id", "")).startswith("schedule-"):
            return
        if first is None and e.get("event") == "accepted":
            first = time.monotonic()
        if e.get("event") in ("completed", "failed"):
            finals[e["identity_id"]] = e
            failed += e["event"] == "failed"
            if len(finals) >= count:
                done.set()
    await nc.subscribe("imapworker.events", cb=on_event)
    await nc.flush()
    print("ready", flush=True)
    try:
        await asyncio.wait_for(done.wait(), timeout)
    except asyncio.TimeoutError:
        pass
    end = time.monotonic()
    await nc.close()
    fetched = sum((e.get("stats") or {}).get("messages_fetched", 0) for e in finals.values())
    print(f"RESULT round_identities {len(finals)} identities")
    print(f"RESULT round_failed {failed} identities")
    print(f"RESULT round_messages_fetched {fetched} messages")
    print(f"RESULT round_seconds {end - (first or end):.2f} s")
    codes = {}
    for e in finals.values():
        if e["event"] == "failed":
            code = e.get("error", {}).get("code")
            codes[code] = codes.get(code, 0) + 1
    if codes:
        print(f"failures by code: {codes}", file=sys.stderr)


async def noop_sync(url, ids_file, count):
    import nats
    with open(ids_file) as f:
        identity = json.load(f)[0]
    nc = await nats.connect(url)
    times, bad = [], 0
    for n in range(count + 3):
        order = {"order": "sync", "order_id": f"noop-{n}", **identity}
        start = time.perf_counter()
        reply = json.loads((await nc.request("outboundIMAP", json.dumps(order).encode(), timeout=60)).data)
        elapsed = time.perf_counter() - start
        appended = (reply.get("stats") or {}).get("messages_appended", 0)
        if reply.get("event") != "completed" or appended:
            bad += 1
        if n >= 3:  # the first ones warm the connection caches up
            times.append(elapsed * 1000)
    await nc.close()
    times.sort()
    print(f"RESULT noop_sync_p50_ms {times[len(times) // 2]:.1f} ms")
    print(f"RESULT noop_sync_p99_ms {times[min(len(times) - 1, int(len(times) * 0.99))]:.1f} ms")
    print(f"RESULT noop_sync_not_noop {bad} orders")


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "maildirs":
        maildirs(args[0], int(args[1]), int(args[2]))
    elif command == "addremotes":
        asyncio.run(addremotes(args[0], int(args[1]), args[2], args[3]))
    elif command == "due-now":
        due_now(args[0])
    elif command == "round":
        asyncio.run(round_(args[0], int(args[1]), float(args[2])))
    elif command == "noop-sync":
        asyncio.run(noop_sync(args[0], args[1], int(args[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
