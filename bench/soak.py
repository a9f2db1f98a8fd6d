#!/usr/bin/env python3
"""The long soak: shoppers on two gunicorn servers for minutes, while every part fails in turn.

    .venvs/test-py311/bin/python bench/soak.py                    # 5 minutes, 4 shoppers at once
    .venvs/test-py311/bin/python bench/soak.py --minutes 30 --threads 8 --out /tmp/soak

The same parts and traffic as the reliability tests (tests/production, which run a short
version in CI), for longer: a private PostgreSQL cluster, a private Redis, a real SMTP server,
two gunicorn servers (demoshop.settings.production, two sync workers each), the task worker
(``manage.py db_worker``) and ``manage.py contactkit_send_emails --loop``, all started by this
script on free ports of 127.0.0.1 and stopped by their own PIDs at the end (also on Ctrl-C).
The machine's own PostgreSQL and Redis are not touched.

``--threads`` shoppers at a time, each from an address of its own, open the contact form,
read other pages and the launcher's state, send the form, and one in three starts a chat and
writes in it, through either server at random. Along the run (as fractions of it):

- 0.15-0.25  the mail server is down;
- 0.30-0.40  the mail server hangs (accepts, never answers); at 0.35 the task worker is
             killed (SIGKILL) while it waits on it, and its service manager starts it again;
- 0.45-0.50  PostgreSQL is stopped, then started again (gunicorn is not restarted);
- 0.60-0.70  Redis is killed, then started again (empty).

Then the verdict, which is what the tests assert: no 5xx but clean 503s while the database was
away; pages fast (GET p95 under 500 ms) whenever the database was there, the hung relay
included; every message a shopper was told was received stored exactly once; every email
delivered once the mail server is back (the worker's retries, and ``contactkit_send_emails``
run as cron would once the retry pauses and a killed worker's claim have run out), none twice.
It prints a table per phase and writes ``summary.json`` to ``--out``; the exit status is 1 if
any verdict failed.
"""

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "site")]

from tests.production.parts import STAFF_PASSWORD, STAFF_USERNAME, Stack  # noqa: E402
from tests.production.traffic import (  # noqa: E402
    Heartbeat,
    Soak,
    Staff,
    deliveries,
    percentile,
    stored_messages,
    wait_until_sent,
)

FAST_P95 = 0.5
# (name, start, end) as fractions of the run.
PHASES = [
    ("steady", 0.00, 0.15),
    ("smtp down", 0.15, 0.25),
    ("steady", 0.25, 0.30),
    ("smtp hangs, worker killed", 0.30, 0.40),
    ("steady", 0.40, 0.45),
    ("postgres down", 0.45, 0.50),
    ("steady", 0.50, 0.60),
    ("redis down", 0.60, 0.70),
    ("steady", 0.70, 1.00),
]


class Faults:
    """Takes each part down and up again at its moment (``__call__`` gets the seconds since
    the start, from the soak's own thread), and notes when it really happened."""

    def __init__(self, stack, seconds):
        self.stack = stack
        self.seconds = seconds
        self.done = {}
        self.worker_claim = None
        self.steps = [
            (0.15, "smtp down", stack.mail.down),
            (0.25, "smtp up", stack.mail.up),
            (0.30, "smtp hangs", stack.mail.hanging),
            (0.35, "worker killed", self.kill_worker),
            (0.40, "smtp up again", stack.mail.up),
            (0.45, "postgres stopped", stack.postgres.stop),
            (0.50, "postgres started", stack.postgres.start),
            (0.60, "redis killed", stack.redis.kill),
            (0.70, "redis started", stack.redis.start),
        ]

    def __call__(self, elapsed):
        now = time.monotonic()
        for fraction, name, action in self.steps:
            if elapsed >= fraction * self.seconds and name not in self.done:
                self.done[name] = round(elapsed, 1)
                action()
                # When it was done: a start returns once the part answers.
                self.done[name] = (self.done[name], round(elapsed + time.monotonic() - now, 1))

    def kill_worker(self):
        # When it is waiting on the hung relay with an email it claimed, if it is by now.
        claimed = self.stack.shop.sql(
            "SELECT id FROM contactkit_emaildelivery WHERE state IN ('pending', 'failed') "
            "AND next_attempt_at > now() + interval '1 minute'"
        )
        self.worker_claim = [row[0] for row in claimed]
        self.stack.shop.worker.kill(signal.SIGKILL)


def phase_of(result, reply):
    elapsed = reply.at - result.started
    for index, (_name, start, end) in enumerate(PHASES):
        if start * result.seconds <= elapsed < end * result.seconds:
            return index
    return len(PHASES) - 1


def phase_table(result):
    rows = []
    for index, (name, start, end) in enumerate(PHASES):
        replies = [reply for _kind, reply in result.replies if phase_of(result, reply) == index]
        gets = [
            reply.elapsed
            for kind, reply in result.replies
            if kind in ("page", "launcher", "events")
            and reply.status == 200
            and phase_of(result, reply) == index
        ]
        statuses = {}
        for reply in replies:
            statuses[str(reply.status)] = statuses.get(str(reply.status), 0) + 1
        p95 = percentile(gets, 0.95)
        rows.append(
            {
                "phase": name,
                "from_s": round(start * result.seconds),
                "to_s": round(end * result.seconds),
                "requests": len(replies),
                "statuses": dict(sorted(statuses.items())),
                "get_p50_ms": round(percentile(gets, 0.5) * 1000) if gets else None,
                "get_p95_ms": round(p95 * 1000) if gets else None,
            }
        )
    return rows


def verdicts(stack, result, table, faults):
    checks = []

    def check(name, ok, detail=""):
        checks.append({"check": name, "ok": bool(ok), "detail": detail})

    # While the database was away: from its stop to a few seconds after it answered again.
    stopped = result.started + faults.done.get("postgres stopped", (result.seconds,))[0]
    started = result.started + faults.done.get("postgres started", (0, result.seconds))[1] + 5

    def while_away(reply):
        return reply.at + reply.elapsed >= stopped and reply.at <= started

    bad = [
        reply.describe()
        for _kind, reply in result.replies
        if (reply.status is None or reply.status >= 500)
        and not (reply.status == 503 and while_away(reply))
    ]
    check("no 5xx (but 503 while the database was away)", not bad, "; ".join(bad[:5]))
    refused = [
        reply.describe()
        for _kind, reply in result.replies
        if reply.status is not None and 400 <= reply.status < 500
    ]
    check("no shopper refused (4xx)", not refused, "; ".join(refused[:5]))
    unclean = [
        reply.describe()
        for _kind, reply in result.replies
        if reply.status == 503
        and (not reply.headers.get("Retry-After") or "Traceback" in reply.text)
    ]
    check("every 503 clean (Retry-After, no traceback)", not unclean, "; ".join(unclean[:5]))
    # Without the database nothing is served; without Redis every page is rendered anew
    # (degraded, as promised): the other phases must be fast.
    slow = [
        f"{row['phase']} ({row['from_s']}-{row['to_s']} s): {row['get_p95_ms']} ms"
        for row in table
        if row["phase"] not in ("postgres down", "redis down")
        and (row["get_p95_ms"] or 0) > FAST_P95 * 1000
    ]
    check(
        f"GET p95 under {FAST_P95 * 1000:.0f} ms whenever PostgreSQL and Redis were up",
        not slow,
        "; ".join(slow),
    )

    stored = stored_messages(stack.shop)
    words = [s.token for s in result.accepted_forms()] + [c.lines[0] for c in result.chats]
    words += [line for _chat, line in result.accepted_lines()]
    not_once = [word for word in words if len(stored.get(word, [])) != 1]
    check(
        f"{len(words)} accepted messages and chat lines stored exactly once",
        not not_once,
        ", ".join(not_once[:5]),
    )

    conversations = {stored[word][0][0] for word in words if stored.get(word)}
    # Past every pause a failed email waited in the run, and past the killed worker's claim.
    stack.shop.send_emails_later(minutes=30, quiet_first=True)
    try:
        emails = wait_until_sent(stack, conversations, timeout=120)
        unsent = []
    except AssertionError as error:
        emails, unsent = deliveries(stack.shop, conversations), [str(error)[:300]]
    check(f"all {len(emails)} emails sent after the retries", not unsent, "; ".join(unsent))
    received = stack.mail.message_ids()
    lost = [e["message_id"] for e in emails if e["message_id"] and not received[e["message_id"]]]
    twice = [e for e in emails if e["message_id"] and received[e["message_id"]] > 1]
    arrivals = {}
    for at, message_id in stack.mail.arrivals:
        arrivals.setdefault(message_id, []).append(round(at - result.started, 1))
    check("no email lost at the mail server", not lost, ", ".join(lost[:5]))
    check(
        "no email sent twice",
        not twice,
        "; ".join(
            f"{e['kind']} {e['message_id']}: arrived at {arrivals.get(e['message_id'])} s, "
            f"{e['attempts']} tries"
            for e in twice[:5]
        ),
    )
    retried = [e for e in emails if e["attempts"] > 1]
    check(
        "the faults were felt: emails retried, the worker killed and started again",
        retried and stack.shop.worker.starts > 1,
        f"{len(retried)} emails needed more than one try; worker started "
        f"{stack.shop.worker.starts} times; claim held by the killed worker: "
        f"{faults.worker_claim}",
    )
    return checks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="length of the soak")
    parser.add_argument("--threads", type=int, default=4, help="shoppers at a time")
    parser.add_argument("--out", type=Path, help="folder for summary.json (default: a new one)")
    parser.add_argument("--python", default=sys.executable, help="the shop's Python")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="ck-soak-"))
    out.mkdir(parents=True, exist_ok=True)
    seconds = args.minutes * 60

    # Ctrl-C or a kill: stop everything this script started, by PID.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    stack = Stack(python=args.python)
    try:
        print("Starting PostgreSQL, Redis, SMTP, two gunicorn servers and the workers…")
        stack.start()
        print(f"  ready in {stack.started_in:.0f} s: A {stack.a.url}, B {stack.b.url}")
        staff = Staff()
        staff.log_in(stack.a.url, STAFF_USERNAME, STAFF_PASSWORD)
        faults = Faults(stack, seconds)
        print(f"Soak: {args.threads} shoppers for {seconds:.0f} s, with faults along the way…")
        with Heartbeat(staff, stack.b.url):
            result = Soak(
                [stack.a.url, stack.b.url],
                stack.shop.site_id,
                threads=args.threads,
                seconds=seconds,
                during=faults,
            ).run()
        stack.heal()
        table = phase_table(result)
        checks = verdicts(stack, result, table, faults)
        summary = {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "machine": f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
            "python": platform.python_version(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "overall": result.summary(),
            "faults_at_seconds": faults.done,
            "phases": table,
            "checks": checks,
        }
        (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    finally:
        stack.stop()

    print(f"\n{'phase':<28}{'seconds':>10}{'requests':>10}{'GET p50':>9}{'GET p95':>9}  statuses")
    for row in table:
        span = f"{row['from_s']}-{row['to_s']}"
        p50 = "-" if row["get_p50_ms"] is None else f"{row['get_p50_ms']} ms"
        p95 = "-" if row["get_p95_ms"] is None else f"{row['get_p95_ms']} ms"
        statuses = " ".join(f"{code}×{count}" for code, count in row["statuses"].items())
        print(f"{row['phase']:<28}{span:>10}{row['requests']:>10}{p50:>9}{p95:>9}  {statuses}")
    print(f"\noverall: {json.dumps(result.summary(), ensure_ascii=False)}")
    print()
    for item in checks:
        mark = "ok  " if item["ok"] else "FAIL"
        print(f"{mark} {item['check']}" + (f"  ({item['detail']})" if item["detail"] else ""))
    print(f"\nsummary: {out / 'summary.json'}")
    return 0 if all(item["ok"] for item in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
