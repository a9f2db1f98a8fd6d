"""Two gunicorn servers over one PostgreSQL and one Redis behave as one shop.

Nothing a process keeps in its own memory may matter to another: a shopper's limit counts
what they sent through either server, staff available on one are available on the other,
and a message or a chat line that arrives through one is read by staff on the other.
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from tests.production.traffic import (
    Browser,
    chat_events,
    launcher_state,
    open_contact_form,
    say_in_chat,
    send_contact_form,
    start_chat,
    token,
)

pytestmark = pytest.mark.production

# What the thank-you page tells a shopper (contactkit/templates/contactkit/pages/contact_thanks).
EMAIL_SENT = "We have sent you an email with a copy of your message and this reference."
HELD_STORED = (
    "Your message is stored under this reference. A person from the team will review it "
    "before anyone answers."
)
# The demo's limit per browser session (CONTACTKIT_RATE_LIMIT_SESSION) and per email address.
LIMIT = 5


def spanish(text):
    with translation.override("es"):
        return gettext(text)


def statuses(stack, references):
    rows = stack.shop.sql(
        "SELECT reference, status, spam_reason FROM contactkit_conversation "
        "WHERE reference = ANY(%s)",
        [references],
    )
    return {reference: (status, reason) for reference, status, reason in rows}


def reference_of(submission):
    for word in submission.thanks_text().split():
        if word.startswith("CK-"):
            return word
    raise AssertionError(f"No reference on the thank-you page: {submission.thanks_text()[:300]}")


def test_a_shoppers_limit_counts_what_they_sent_through_either_server(stack):
    shopper = Browser()
    email = f"{token()}@example.com"
    # The forms opened together (on A), then written: the limit is about sending.
    forms = [open_contact_form(shopper, stack.a.url)[1] for _ in range(LIMIT + 1)]
    assert all(forms)
    sent = [send_contact_form(shopper, stack.a.url, form, email=email) for form in forms[:LIMIT]]
    assert all(submission.accepted for submission in sent), [s.post.describe() for s in sent]
    for submission in sent:
        assert spanish(EMAIL_SENT) in submission.thanks_text()

    # The next one goes through B: held for review, as one process counting alone would do.
    over = send_contact_form(shopper, stack.b.url, forms[LIMIT], email=email)
    assert over.accepted, over.post.describe()
    text = over.thanks_text()
    assert spanish(HELD_STORED) in text
    assert spanish(EMAIL_SENT) not in text

    found = statuses(stack, [reference_of(s) for s in [*sent, over]])
    assert [found[reference_of(s)][0] for s in sent] == ["new"] * LIMIT
    status, reasons = found[reference_of(over)]
    assert status == "held"
    # Both the browser session's limit and the email address's counted the five sent on A.
    assert {"rate_session", "rate_email"} <= set(reasons.split())


def test_staff_available_on_one_server_are_available_on_the_other(stack, staff):
    shopper = Browser()

    def chat_available(server):
        reply = launcher_state(shopper, server.url, stack.shop.site_id)
        assert reply.status == 200, reply.describe()
        return reply.json()["chat"]["available"]

    assert staff.set_available(stack.a.url, False).status == 200
    assert chat_available(stack.b) is False

    # Lucía turns the switch on in her admin tab, served by A; the launcher's state from B
    # offers the chat at once.
    assert staff.set_available(stack.a.url, True).status == 200
    assert chat_available(stack.b) is True
    assert chat_available(stack.a) is True
    # Her heartbeats go to whichever server: she stays available.
    assert staff.heartbeat(stack.b.url).status == 200
    assert chat_available(stack.a) is True

    assert staff.set_available(stack.b.url, False).status == 200
    assert chat_available(stack.a) is False
    assert chat_available(stack.b) is False


def test_a_message_sent_through_one_server_is_in_the_inbox_served_by_the_other(stack, staff):
    shopper = Browser()
    _reply, form = open_contact_form(shopper, stack.a.url)
    submission = send_contact_form(shopper, stack.a.url, form)
    assert submission.accepted, submission.post.describe()
    reference = reference_of(submission)

    inbox = staff.inbox(stack.b.url)
    assert inbox.status == 200, inbox.describe()
    assert reference in inbox.text
    search = staff.inbox(stack.b.url, f"q={submission.token}")
    assert search.status == 200, search.describe()
    assert reference in search.text


def test_a_chat_line_sent_through_one_server_is_read_by_staff_on_the_other(stack, staff):
    assert staff.set_available(stack.b.url, True).status == 200
    shopper = Browser()
    reply, chat = start_chat(shopper, stack.a.url, stack.shop.site_id)
    assert reply.status == 201, reply.describe()
    reply, line = say_in_chat(shopper, stack.a.url, chat)
    assert reply.status == 201, reply.describe()

    # Lucía, on B, hears of the new chat and reads both lines.
    news = staff.get(f"{stack.b.url}/admin/contactkit/chat/new/?after=0")
    assert news.status == 200, news.describe()
    conversation = next(c for c in news.json()["chats"] if c["reference"] == chat.reference)
    lines = staff.chat_lines(stack.b.url, conversation["id"])
    assert lines.status == 200, lines.describe()
    bodies = " ".join(message["body"] for message in lines.json()["messages"])
    assert chat.lines[0] in bodies
    assert line in bodies

    # Her answer, sent through B, reaches the shopper polling A.
    answer = f"Sí, enviamos a Canarias ({token('answer')})"
    sent = staff.answer_in_chat(stack.b.url, conversation["id"], answer)
    assert sent.status == 201, sent.describe()
    events = chat_events(shopper, stack.a.url, chat)
    assert events.status == 200, events.describe()
    assert answer in [message["body"] for message in events.json()["messages"]]
    staff.set_available(stack.b.url, False)
