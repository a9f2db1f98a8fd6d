"""Faults on a busy day: a hung mail relay, a task worker killed while sending, a database
restart, Redis gone. What shoppers and staff notice must stay small and honest: pages keep
coming fast, a message they were told was received is never lost, an email is never lost nor
sent twice, and the same web processes carry on once the part is back.
"""

import os
import signal
import time

import pytest
from django.utils import translation
from django.utils.translation import gettext

from contactkit.inbox.emails import SENDING_LEASE
from tests.production.conftest import SOAK_THREADS
from tests.production.parts import EMAIL_TIMEOUT, wait_for
from tests.production.traffic import (
    PAGES,
    Browser,
    Heartbeat,
    Soak,
    chat_events,
    deliveries,
    open_contact_form,
    say_in_chat,
    send_contact_form,
    start_chat,
    stored_messages,
    token,
    wait_until_sent,
)

pytestmark = pytest.mark.production

# How long each fault's traffic runs (seconds): long enough for several forms per shopper.
FAULT_SECONDS = float(os.environ.get("CONTACTKIT_FAULT_SECONDS", "10"))
# "The pages stay fast": the 95th percentile of page views and launcher states.
FAST_P95 = 0.5
# How far ahead the cron run after a fault looks: past the first two pauses of a failed email
# (1 and 5 minutes), short of a claim's lease (see Shop.send_emails_later).
RETRY_MINUTES = 6
# The 503 page's title (contactkit/templates/contactkit/unavailable.html).
UNAVAILABLE_TITLE = "Temporarily unavailable"


def conversations_of(stack, result):
    """The conversations of every message a soak's shoppers were told was received."""
    stored = stored_messages(stack.shop)
    words = [s.token for s in result.accepted_forms()] + [chat.lines[0] for chat in result.chats]
    missing = [word for word in words if len(stored.get(word, [])) != 1]
    assert not missing, f"Accepted but not stored exactly once: {missing}"
    return {stored[word][0][0] for word in words}


def assert_stored_once(stack, result):
    stored = stored_messages(stack.shop)
    for submission in result.accepted_forms():
        assert len(stored.get(submission.token, [])) == 1, submission.post.describe()
    for _chat, line in result.accepted_lines():
        assert len(stored.get(line, [])) == 1, line


def assert_delivered_once(stack, conversations):
    """Every email about ``conversations`` went out, each exactly once at the mail server."""
    emails = wait_until_sent(stack, conversations)
    received = stack.mail.message_ids()
    twice = {e["message_id"]: received[e["message_id"]] for e in emails if e["message_id"]}
    assert all(count == 1 for count in twice.values()), twice
    return emails


def test_a_hung_mail_server_never_slows_the_pages(stack, staff):
    # The relay accepts connections and never answers: each email costs the worker the mail
    # timeout; no request may wait on it, since a request only queues its emails.
    stack.mail.hanging()
    with Heartbeat(staff, stack.a.url):
        result = Soak(
            [stack.a.url, stack.b.url],
            stack.shop.site_id,
            threads=SOAK_THREADS,
            seconds=FAULT_SECONDS,
        ).run()
    print("hung relay:", result.summary())
    hung = stack.mail.hung_connections()

    errors = result.server_errors()
    assert not errors, "\n".join(reply.describe() for reply in errors[:20])
    assert result.accepted_forms() and len(result.accepted_forms()) == len(result.submissions)
    # The worker was really talking to the hung relay meanwhile.
    assert hung >= 1
    assert result.get_p95() < FAST_P95, result.summary()
    # Not one submission took anything like the mail timeout.
    slowest = max(submission.post.elapsed for submission in result.submissions)
    assert slowest < EMAIL_TIMEOUT, result.summary()
    assert_stored_once(stack, result)

    conversations = conversations_of(stack, result)
    timed_out = [e for e in deliveries(stack.shop, conversations) if e["error"]]
    assert timed_out, "no email was tried while the relay hung"
    # Back to a working relay: what failed is sent by the next run after its pause.
    stack.mail.up()
    stack.shop.send_emails_later(minutes=RETRY_MINUTES)
    assert_delivered_once(stack, conversations)


def test_a_task_worker_killed_while_sending_loses_no_email(stack):
    shop = stack.shop
    # Only the worker sends here (no cron run) until it is killed: the email it holds is its.
    shop.mailer.kill(signal.SIGTERM, restart=False)
    shopper, later = Browser(), Browser()
    first_form = open_contact_form(shopper, stack.a.url)[1]
    second_form = open_contact_form(later, stack.b.url)[1]

    stack.mail.hanging()
    first = send_contact_form(shopper, stack.a.url, first_form)
    assert first.accepted, first.post.describe()
    first_conversation = stored_messages(shop)[first.token][0][0]

    # The worker claims one of its emails (for SENDING_LEASE) and waits on the relay: it is
    # SIGKILLed there, the email neither sent nor recorded as failed.
    def held_by_the_worker():
        return shop.sql(
            "SELECT id FROM contactkit_emaildelivery WHERE conversation_id = %s "
            "AND state IN ('pending', 'failed') AND next_attempt_at > now() + interval '5 minutes'",
            [first_conversation],
        )

    held = wait_for(held_by_the_worker, 30, interval=0.05, what="the worker to take an email")
    shop.worker.kill(signal.SIGKILL, restart=False)
    assert shop.worker.pid is None
    stack.mail.up()

    # Shoppers keep writing while no worker runs; their emails wait in the database.
    second = send_contact_form(later, stack.b.url, second_form)
    assert second.accepted, second.post.describe()
    second_conversation = stored_messages(shop)[second.token][0][0]

    # The worker is started again (as its service manager does) and sends what is waiting.
    shop.worker.start()
    shop.worker.wait_ready()
    assert_delivered_once(stack, {second_conversation})

    # The email the killed worker held is still there, claimed until SENDING_LEASE runs out
    # (its task died with the worker: django-tasks-db never runs it again); the first run of
    # contactkit_send_emails after that (cron, or its --loop service) sends it.
    unsent = {e["id"] for e in deliveries(shop, {first_conversation}) if e["state"] != "sent"}
    assert {row[0] for row in held} <= unsent
    lease_minutes = SENDING_LEASE.total_seconds() / 60
    shop.send_emails_later(minutes=lease_minutes + 1, quiet_first=True)
    assert_delivered_once(stack, {first_conversation, second_conversation})


def test_a_database_restart_answers_clean_503s_then_the_same_servers_recover(stack, staff):
    pids = {server.name: server.process.pid for server in stack.shop.servers.values()}
    mailer = stack.shop.mailer.pid
    outage = {}

    def restart_postgres(elapsed):
        if elapsed >= 0.25 * FAULT_SECONDS and "stop" not in outage:
            outage["stop"] = time.monotonic()
            stack.postgres.stop()
        elif elapsed >= 0.55 * FAULT_SECONDS and "start" not in outage:
            stack.postgres.start()
            outage["start"] = time.monotonic()

    with Heartbeat(staff, stack.a.url, every=2):
        result = Soak(
            [stack.a.url, stack.b.url],
            stack.shop.site_id,
            threads=SOAK_THREADS,
            seconds=FAULT_SECONDS * 1.4,
            during=restart_postgres,
        ).run()
    print("postgres restart:", result.summary(), "worker exits:", stack.shop.worker.exits)

    # No 500, no broken connection: while the database was away, 503s, and clean ones.
    broken = result.server_errors(allowed=(503,))
    assert not broken, "\n".join(reply.describe() for reply in broken[:20])
    unavailable = [reply for _kind, reply in result.replies if reply.status == 503]
    assert unavailable, "the outage was not noticed: nothing answered 503"
    with translation.override("es"):
        title = gettext(UNAVAILABLE_TITLE)
    for reply in unavailable:
        assert reply.headers.get("Retry-After"), reply.describe()
        assert "Traceback" not in reply.text and "Exception" not in reply.text, reply.text[:500]
        if reply.headers.get("Content-Type", "").startswith("application/json"):
            assert reply.json()["detail"], reply.text
        else:
            assert f"<title>{title}</title>" in reply.text, reply.text[:500]
    # Only while it was away (a request under way when it went is answered after that).
    late = [
        reply.describe()
        for reply in unavailable
        if not (outage["stop"] <= reply.at + reply.elapsed and reply.at <= outage["start"] + 5)
    ]
    assert not late, (outage, late)

    # The same gunicorn processes serve again, by themselves; contactkit_send_emails --loop
    # waited the outage out (db_worker exits on it: its service manager started it again).
    assert {s.name: s.process.pid for s in stack.shop.servers.values()} == pids
    assert all(server.running for server in stack.shop.servers.values())
    assert stack.shop.mailer.pid == mailer, stack.shop.mailer.exits
    assert stack.shop.worker.pid is not None
    recovered = [reply for _kind, reply in result.replies if reply.at > outage["start"] + 5]
    assert recovered
    failing = [r.describe() for r in recovered if r.status not in (200, 201, 302)]
    assert not failing, failing
    shopper = Browser()
    for server in stack.shop.servers.values():
        assert shopper.get(server.url + "/contactkit/health/").status == 200
        _reply, form = open_contact_form(shopper, server.url)
        assert send_contact_form(shopper, server.url, form).accepted

    # Nothing a shopper was told was received is lost, nor any of its emails.
    assert_stored_once(stack, result)
    stack.shop.send_emails_later(minutes=RETRY_MINUTES)
    wait_until_sent(stack, conversations_of(stack, result))


def test_with_redis_down_pages_are_served_messages_stored_and_chat_works_by_polling(stack, staff):
    assert staff.set_available(stack.a.url, True).status == 200
    servers = (stack.a, stack.b)
    # Ana was writing when Redis went; Bruno and Carmen open the form while it is away.
    ana = Browser()
    forms = [(ana, server, open_contact_form(ana, server.url)[1]) for server in servers]
    stack.redis.kill()

    # Pages: served (without the cache), on both servers.
    for server in servers:
        for path in PAGES:
            reply = Browser().get(server.url + path)
            assert reply.status == 200, reply.describe()
    for server in servers:
        shopper = Browser()
        reply, form = open_contact_form(shopper, server.url)
        assert form is not None, reply.describe()
        forms.append((shopper, server, form))
    health = ana.get(stack.a.url + "/contactkit/health/")
    assert health.status == 200
    assert health.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "unavailable"},
    }

    # Messages: stored as new (the limits, counted in Redis, let them through) and emailed.
    sent = [
        send_contact_form(shopper, server.url, form, email=f"{token()}@example.com")
        for shopper, server, form in forms
    ]
    assert all(submission.accepted for submission in sent), [s.post.describe() for s in sent]
    stored = stored_messages(stack.shop)
    for submission in sent:
        assert [(found[1], found[3]) for found in stored[submission.token]] == [
            (submission.email, "new")
        ]

    # Chat, by polling: started on A, a line through B, read and answered by staff.
    chatter = Browser()
    reply, chat = start_chat(chatter, stack.a.url, stack.shop.site_id)
    assert reply.status == 201, reply.describe()
    reply, line = say_in_chat(chatter, stack.b.url, chat)
    assert reply.status == 201, reply.describe()
    conversation = stored_messages(stack.shop)[chat.lines[0]][0][0]
    lines = staff.chat_lines(stack.b.url, conversation)
    assert lines.status == 200, lines.describe()
    assert line in " ".join(message["body"] for message in lines.json()["messages"])
    answer = f"Claro que sí ({token('answer')})"
    assert staff.answer_in_chat(stack.a.url, conversation, answer).status == 201
    events = chat_events(chatter, stack.b.url, chat)
    assert events.status == 200, events.describe()
    assert answer in [message["body"] for message in events.json()["messages"]]

    conversations = {stored[s.token][0][0] for s in sent} | {conversation}
    assert_delivered_once(stack, conversations)

    # Redis back (empty): the cache is used again.
    stack.redis.start()
    wait_for(
        lambda: ana.get(stack.b.url + "/contactkit/health/").json()["status"] == "ok",
        30,
        interval=0.5,
        what="the health check to say ok again",
    )
    staff.set_available(stack.a.url, False)


def test_over_the_whole_run_every_email_went_out_and_none_twice(stack):
    """The last test: every email of every message stored during the run (the soak, the
    faults) reached the mail server, after all the retries that were due."""
    stack.shop.send_emails_later(minutes=RETRY_MINUTES)
    emails = wait_until_sent(stack, None)
    received = stack.mail.message_ids()
    lost = [email for email in emails if email["message_id"] and not received[email["message_id"]]]
    assert not lost, lost
    twice = {message_id: count for message_id, count in received.items() if count > 1}
    assert not twice, twice
