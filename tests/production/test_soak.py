"""A soak: shoppers browsing, sending the contact form and chatting through both servers for
``CONTACTKIT_SOAK_SECONDS``, while the mail server goes down for a third of the run.

What shoppers must notice: nothing. Every page and call answers, every message they were told
was received is in the inbox exactly once, and every confirmation and staff notification
arrives once the mail server is back, none of them twice.
"""

import pytest

from tests.production.conftest import SOAK_SECONDS, SOAK_THREADS
from tests.production.parts import STAFF_PASSWORD, STAFF_USERNAME
from tests.production.traffic import (
    Heartbeat,
    Soak,
    Staff,
    deliveries,
    stored_messages,
    wait_until_sent,
)

pytestmark = pytest.mark.production


@pytest.fixture(scope="module")
def soak(running_stack):
    """The soak, run once for the module: the mail server down from 30% to 65% of it."""
    stack = running_stack
    stack.heal()
    outage = {}

    def smtp_down_for_a_while(elapsed):
        if elapsed >= 0.3 * SOAK_SECONDS and "down" not in outage:
            stack.mail.down()
            outage["down"] = elapsed
        elif elapsed >= 0.65 * SOAK_SECONDS and "up" not in outage:
            stack.mail.up()
            outage["up"] = elapsed

    staff = Staff()
    staff.log_in(stack.a.url, STAFF_USERNAME, STAFF_PASSWORD)
    # Lucía is at her admin all along, so shoppers can chat.
    with Heartbeat(staff, stack.b.url):
        result = Soak(
            [stack.a.url, stack.b.url],
            stack.shop.site_id,
            threads=SOAK_THREADS,
            seconds=SOAK_SECONDS,
            during=smtp_down_for_a_while,
        ).run()
    staff.set_available(stack.a.url, False)
    stack.mail.up()
    print("soak:", result.summary(), "smtp outage:", outage)
    return result


@pytest.fixture
def soaked(soak, stack):
    return soak


def test_every_request_of_the_soak_was_answered_without_a_server_error(soaked):
    errors = soaked.server_errors()
    assert not errors, "\n".join(reply.describe() for reply in errors[:20])
    # And shoppers were served: every page, form, chat and line went through.
    refused = [
        reply.describe()
        for kind, reply in soaked.replies
        if reply.status not in {"form": (302,), "chat": (201,), "line": (201,)}.get(kind, (200,))
    ]
    assert not refused, "\n".join(refused[:20])
    summary = soaked.summary()
    assert summary["forms_accepted"] >= SOAK_THREADS, summary
    assert summary["chats_started"] >= 1, summary


def test_every_message_shoppers_were_told_was_received_is_stored_exactly_once(soaked, stack):
    stored = stored_messages(stack.shop)
    for submission in soaked.accepted_forms():
        found = stored.get(submission.token, [])
        assert len(found) == 1, (submission.token, found)
        _conversation, email, kind, status = found[0]
        # In the shopper's own conversation, a new one for the inbox (limits count each shopper
        # by their own address and session).
        assert (email, kind, status) == (submission.email, "shopper", "new")
    for chat in soaked.chats:
        first = stored.get(chat.lines[0], [])
        assert len(first) == 1, (chat.lines[0], first)
        conversation = first[0][0]
        for line in chat.lines[1:]:
            found = stored.get(line, [])
            assert len(found) == 1, (line, found)
            assert found[0][0] == conversation
    sent_lines = {line for _chat, line in soaked.accepted_lines()}
    assert sent_lines <= {line for chat in soaked.chats for line in chat.lines}


def test_every_email_arrives_once_the_mail_server_is_back_and_none_twice(soaked, stack):
    stored = stored_messages(stack.shop)
    words = [s.token for s in soaked.accepted_forms()] + [chat.lines[0] for chat in soaked.chats]
    conversations = {stored[word][0][0] for word in words}
    emails = deliveries(stack.shop, conversations)
    # A confirmation to the shopper and a notification to staff per conversation.
    assert len(emails) == 2 * len(conversations)
    # The outage was real: emails failed while the server was down.
    assert any(email["attempts"] > 1 or email["state"] == "failed" for email in emails), emails

    # The worker sends what is due; what failed waits its pause (a minute, then five...),
    # after which the worker's retry task or the next cron run of contactkit_send_emails sends
    # it: here the cron run six minutes later.
    stack.shop.send_emails_later(minutes=6)
    emails = wait_until_sent(stack, conversations)
    received = stack.mail.message_ids()
    for email in emails:
        assert received[email["message_id"]] == 1, email
    assert not [message_id for message_id, count in received.items() if count > 1]
