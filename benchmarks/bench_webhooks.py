"""Benchmark webhook intake: signed sandbox events, 30% of them duplicates, against gunicorn.

    make bench-webhooks                                  # 10 s, 16 connections
    make bench-webhooks BENCH_ARGS="--seconds 20 --connections 32 --duplicates 0.3"
    python benchmarks/bench_webhooks.py --help

Needs wrk (Debian: ``apt-get install wrk``), DATABASE_URL (the PostgreSQL server: the run creates
``<name>_bench_webhooks`` there, migrates it and drops it afterwards unless ``--keep``; ``--reuse``
keeps an already migrated one) and REDIS_URL (cache and broker).

What it does:

1. Serves the marketplace with gunicorn (``marketplace/gunicorn.conf.py``, 2 sync workers,
   production settings as ``bench_shop.py`` serves them, the sandbox gateway with a known
   ``SANDBOX_WEBHOOK_SECRET``). No Celery worker runs: intake is measured, not processing.
2. Writes, per wrk thread, a stream of sandbox events (``payment.succeeded`` and friends, each signed
   the Standard Webhooks way: ``webhook-id``/``webhook-timestamp``/``webhook-signature``) in which
   ``--duplicates`` of the deliveries repeat an event the same thread sent earlier, byte for byte,
   as a provider's retry does.
3. Drives ``POST /payments/webhooks/sandbox/`` with wrk (``--connections`` connections, 2 threads,
   ``--seconds``); a Lua script posts the streams in order and counts the answers ("stored" or
   "duplicate").
4. Checks the inbox: stored events == distinct ids delivered (each once, duplicates removed), every
   stored event queued once through the outbox; then prints events/s, p50/p99 and PASS/FAIL
   against the issue's target (1,000 events/s). The queued ``payments.provider_event_process``
   messages it published are removed from the broker afterwards.
"""

# A command-line report prints.
# ruff: noqa: T201

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from bench_shop import (  # noqa: E402 - the sibling benchmark's servers and databases
    ROOT,
    VAR,
    _connect,
    _db_url,
    database_drop,
    database_recreate,
    log,
    ours_shop,
    wrk,
)

TARGET_EVENTS_PER_SECOND = 1_000
THREADS = 2
SECRET = "whsec_" + "YmVuY2gtd2ViaG9va3Mtc2VjcmV0LWtleQ=="  # base64 of a fixed bench key
EVENT_TYPES = ["payment.authorized", "payment.succeeded", "charge.refunded", "dispute.created"]

LUA = r"""
-- Each wrk thread posts its own stream (one event a line: id, timestamp, signature, body, tab
-- separated) in order and counts the answers.
local streams = {}
local counter = 1
local threads = {}

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  events = {}
  local path = args[1] .. "/stream-" .. id .. ".tsv"
  for line in io.lines(path) do
    local msg_id, ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    table.insert(events, {msg_id, ts, sig, body})
  end
  position = 0
  sent = 0
  stored = 0
  duplicate = 0
  other = 0
  wrapped = 0
end

function request()
  position = position + 1
  if position > #events then
    position = 1
    wrapped = 1
  end
  sent = sent + 1
  local e = events[position]
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["webhook-id"] = e[1],
    ["webhook-timestamp"] = e[2],
    ["webhook-signature"] = e[3],
  }, e[4])
end

function response(status, headers, body)
  if status == 200 and body == "stored" then
    stored = stored + 1
  elseif status == 200 and body == "duplicate" then
    duplicate = duplicate + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("THREAD %d sent=%d stored=%d duplicate=%d other=%d wrapped=%d\n",
      thread:get("id"), thread:get("sent"), thread:get("stored"), thread:get("duplicate"),
      thread:get("other"), thread:get("wrapped")))
  end
end
"""


def _sign(msg_id: str, timestamp: int, body: bytes) -> str:
    import base64
    import hashlib
    import hmac

    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def streams_write(directory: Path, *, per_thread: int, duplicates: float, seed: int) -> list[list]:
    """Write one stream file per wrk thread; return each stream's ids in order."""
    rng = random.Random(seed)
    now = int(time.time())
    run = secrets.token_hex(4)
    ids_by_thread = []
    for thread in range(1, THREADS + 1):
        lines: list[str] = []
        ids: list[str] = []
        for n in range(per_thread):
            if ids and rng.random() < duplicates:
                # a retry: an earlier delivery of this thread, byte for byte
                index = rng.randrange(len(ids))
                lines.append(lines[index])
                ids.append(ids[index])
                continue
            msg_id = f"evt_bench_{run}_{thread}_{n}"
            body = json.dumps(
                {
                    "id": msg_id,
                    "type": rng.choice(EVENT_TYPES),
                    "created": now,
                    "data": {
                        "object": {
                            "id": f"sbx_ch_bench_{run}_{rng.randrange(1_000_000)}",
                            "status": "captured",
                            "amount_minor": rng.randrange(1_000_000, 90_000_000),
                            "currency": "IRR",
                            "captured_minor": 0,
                            "refunded_minor": 0,
                            "dispute_status": "none",
                            "metadata": {"purchase": f"P{n}"},
                        }
                    },
                },
                sort_keys=True,
            ).encode()
            lines.append(f"{msg_id}\t{now}\t{_sign(msg_id, now, body)}\t{body.decode()}")
            ids.append(msg_id)
        (directory / f"stream-{thread}.tsv").write_text("\n".join(lines) + "\n")
        ids_by_thread.append(ids)
    return ids_by_thread


def database_ready(base: str, name: str, *, reuse: bool) -> tuple[str, bool]:
    """The bench database's URL and whether it still needs migrating."""
    if reuse:
        with _connect(_db_url(base, "postgres")) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            url = _db_url(base, name)
            with _connect(url) as conn:
                migrated = conn.execute(
                    "SELECT 1 FROM django_migrations WHERE app = 'outbox' LIMIT 1"
                ).fetchone()
            return url, not migrated
    return database_recreate(base, name), True


def inbox_counts(url: str, prefix: str) -> dict[str, int]:
    with _connect(url) as conn:
        # one statement, one snapshot: the events and their outbox messages are written together
        events, distinct, queued, published = conn.execute(
            "SELECT (SELECT count(*) FROM payments_providerevent "
            "        WHERE provider = 'sandbox' AND event_id LIKE %s), "
            "       (SELECT count(DISTINCT event_id) FROM payments_providerevent "
            "        WHERE provider = 'sandbox' AND event_id LIKE %s), "
            "       (SELECT count(*) FROM outbox_outboxmessage "
            "        WHERE task_name = 'payments.provider_event_process'), "
            "       (SELECT count(*) FROM outbox_outboxmessage "
            "        WHERE task_name = 'payments.provider_event_process' AND sent_at IS NOT NULL)",
            [prefix + "%", prefix + "%"],
        ).fetchone()
    return {"events": events, "distinct": distinct, "queued": queued, "published": published}


def broker_cleanup(url: str) -> int:
    """Remove the ``provider_event_process`` messages this run published (no worker ran)."""
    import redis

    with _connect(url) as conn:
        ids = {
            f"outbox-{pk}"
            for (pk,) in conn.execute(
                "SELECT id FROM outbox_outboxmessage "
                "WHERE task_name = 'payments.provider_event_process'"
            )
        }
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    removed = 0
    for raw in client.lrange("celery", 0, -1):
        try:
            headers = json.loads(raw)["headers"]
        except (ValueError, KeyError):
            continue
        if headers.get("task") == "payments.provider_event_process" and headers.get("id") in ids:
            removed += client.lrem("celery", 0, raw)
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Benchmark webhook intake (needs wrk: apt-get install wrk).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--duplicates", type=float, default=0.3, help="share of deliveries that are retries (0.3)"
    )
    parser.add_argument(
        "--events",
        type=int,
        default=60_000,
        help="deliveries prepared (more than the run can send; default 60,000)",
    )
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="reuse an already migrated database")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not 0 <= args.duplicates < 1:
        sys.exit("--duplicates must be at least 0 and below 1")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (Debian), then run again")
    for var in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(var):
            sys.exit(f"{var} is not set (make bench-webhooks starts embedded servers when unset)")
    VAR.mkdir(parents=True, exist_ok=True)
    base = os.environ["DATABASE_URL"]
    name = f"{urlsplit(base).path.lstrip('/') or 'postgres'}_bench_webhooks"
    db_url, needs_migrate = database_ready(base, name, reuse=args.reuse)
    shop = ours_shop(argparse.Namespace(port=args.port), db_url, ROOT)
    shop.env.update(SANDBOX_WEBHOOK_SECRET=SECRET, AXES_ENABLED="false")
    shop.headers = {"X-Forwarded-Proto": "https"}
    work = Path(VAR / "webhooks")
    work.mkdir(parents=True, exist_ok=True)
    try:
        if needs_migrate:
            log(f"migrating {name}")
            t = time.monotonic()
            shop.run("manage.py", "migrate", "--noinput")
            log(f"migrated in {time.monotonic() - t:.0f} s")
        log("starting gunicorn (2 workers)")
        shop.start()
        per_thread = args.events // THREADS
        streams = streams_write(
            work, per_thread=per_thread, duplicates=args.duplicates, seed=args.seed
        )
        prefix = streams[0][0].rsplit("_", 2)[0] + "_"
        script = work / "post.lua"
        script.write_text(LUA)
        before = inbox_counts(db_url, prefix)
        log(
            f"posting for {args.seconds} s over {args.connections} connections "
            f"({args.duplicates:.0%} duplicates)"
        )
        load, threads = _wrk_post(shop, script, work, args)
        time.sleep(2)  # requests still in flight when wrk stopped finish
        after = inbox_counts(db_url, prefix)
        published = after["published"] - before["published"]
        log(f"the bare-request ceiling for comparison: GET /healthz for {args.seconds} s")
        ceiling = wrk(shop, "/healthz", seconds=args.seconds, connections=args.connections)
        removed = broker_cleanup(db_url)
    finally:
        shop.stop()
        if not args.keep:
            database_drop(base, name)
    sent = sum(t["sent"] for t in threads)
    answered_new = sum(t["stored"] for t in threads)
    answered_dup = sum(t["duplicate"] for t in threads)
    other = sum(t["other"] for t in threads)
    wrapped = any(t["wrapped"] for t in threads)
    # distinct ids among what each thread had sent (requests still in flight at the stop included)
    distinct_sent = sum(len(set(ids[: t["sent"]])) for ids, t in zip(streams, threads, strict=True))
    stored = after["events"] - before["events"]
    queued = after["queued"] - before["queued"]
    answered = answered_new + answered_dup + other
    events_per_s = answered / args.seconds
    dedup_ok = (
        after["distinct"] == after["events"]
        and answered_new <= stored <= distinct_sent
        and stored == queued
    )
    figures = {
        "seconds": args.seconds,
        "connections": args.connections,
        "deliveries_answered": answered,
        "events_per_second": round(events_per_s, 1),
        "wrk_requests_per_second": load.rps,
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "answered_stored": answered_new,
        "answered_duplicate": answered_dup,
        "errors": other + load.errors,
        "stored_events": stored,
        "distinct_ids_sent": distinct_sent,
        "queued_once_per_stored_event": stored == queued,
        "published_at_once": published,
        "healthz_requests_per_second": ceiling.rps,
        "broker_messages_removed": removed,
        "stream_wrapped": wrapped,
        "target_events_per_second": TARGET_EVENTS_PER_SECOND,
    }
    print()
    print(
        f"webhook intake: {events_per_s:,.0f} events/s ({answered:,} deliveries in "
        f"{args.seconds} s, {args.connections} connections, gunicorn 2 sync workers)"
    )
    print(f"  latency p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms")
    print(
        f"  bare-request ceiling (GET /healthz, same server and connections): "
        f"{ceiling.rps:,.0f} requests/s; intake reaches {events_per_s / ceiling.rps:.0%} of it"
    )
    print(
        f"  answered: {answered_new:,} stored, {answered_dup:,} duplicate, {other:,} other; "
        f"wrk errors {load.errors}"
    )
    print(
        f"  duplicates removed: stored events {stored:,} == distinct ids sent "
        f"{distinct_sent:,} (minus at most the {sent - answered} in flight at the stop): "
        f"{'yes' if dedup_ok else 'NO'}; one outbox message per stored event: "
        f"{'yes' if stored == queued else 'NO'} ({published:,} published to the broker at once)"
    )
    if wrapped:
        print("  note: a stream ran out and started again (all repeats): raise --events")
    met = events_per_s >= TARGET_EVENTS_PER_SECOND and dedup_ok and other == 0
    print(
        f"  target >= {TARGET_EVENTS_PER_SECOND:,} events/s with duplicates removed: "
        f"{'PASS' if met else 'FAIL'}"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if not met:
        sys.exit(1)


def _wrk_post(shop, script: Path, work: Path, args) -> tuple:
    """Run wrk with the posting script; return its Load and the per-thread counts."""
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{args.connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "30s",
        "--latency",
        "-H",
        "X-Forwarded-Proto: https",
        "-s",
        str(script),
        shop.base + "/payments/webhooks/sandbox/",
        "--",
        str(work),
    ]
    out = subprocess.run(  # noqa: S603 - wrk with our arguments
        command, capture_output=True, text=True, check=True
    ).stdout
    threads = [
        {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)}
        for line in out.splitlines()
        if line.startswith("THREAD ")
    ]
    load = _load(out)
    return load, threads


def _load(out: str):
    from bench_shop import wrk_output_parse

    return wrk_output_parse(out, status=200)


if __name__ == "__main__":
    main()
