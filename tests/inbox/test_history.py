"""Every conversation has a History: what staff did to it, who and when, in Wagtail's own
History view and in Reports → Site history."""

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.log_actions import registry as log_registry

from contactkit.inbox.models import Status
from tests.inbox.builders import conversation, staff_user


def inbox(name, *args):
    return reverse(f"contactkit_inbox:{name}", args=args)


def bulk(action, *conversations):
    ids = "&".join(f"id={c.pk}" for c in conversations)
    url = reverse("wagtail_bulk_action", args=["contactkit", "conversation", action])
    return f"{url}?{ids}&next={inbox('index')}"


def history_rows(client, made):
    """The History page's rows as (action, user, time) tuples."""
    response = client.get(inbox("history", made.pk))
    assert response.status_code == 200
    rows = []
    for row in BeautifulSoup(response.content, "html.parser").select("tbody tr"):
        cells = row.find_all("td")
        rows.append(
            (
                cells[0].get_text(" ", strip=True),
                cells[1].get_text(" ", strip=True),
                dt.datetime.fromisoformat(cells[2].find("time")["datetime"]),
            )
        )
    return rows


def test_every_staff_action_is_in_the_history_with_who_and_when(admin_client, site):
    marta = staff_user("view_conversation")
    made = conversation(site)
    held = conversation(site, status=Status.HELD, spam_reason="rate_ip")

    admin_client.post(
        inbox("handle", made.pk), {"handling-status": "open", "handling-assignee": marta.pk}
    )
    admin_client.post(inbox("note", made.pk), {"note-body": "Llamé a la agencia"})
    admin_client.post(inbox("reply", made.pk), {"reply-body": "Hola", "reply-then": "closed"})
    admin_client.post(bulk("close", made))  # already closed: nothing to log
    admin_client.post(bulk("assign", made), {"assignee": ""})
    admin_client.post(inbox("mark_spam", made.pk))
    admin_client.post(inbox("not_spam", made.pk))
    admin_client.post(bulk("mark_spam", made))
    admin_client.post(bulk("not_spam", made))
    admin_client.post(inbox("release", held.pk))
    admin_client.post(bulk("close", held))

    rows = history_rows(admin_client, made)
    expected = [
        "Status changed from New to Open",
        "Assigned to Marta Ruiz",
        "Added an internal note",
        "Replied to the shopper; status changed from Open to Closed",
        "No longer assigned to Marta Ruiz",
        "Marked as spam (status was Closed)",
        "Marked as not spam: back in the inbox as new",
        "Marked as spam (status was New)",
        "Marked as not spam: back in the inbox as new",
    ]
    # Newest first, each with the staff member and the time it happened.
    assert [action for action, _user, _time in rows] == expected[::-1]
    assert {user for _action, user, _time in rows} == {"owner-en"}
    entries = log_registry.get_logs_for_instance(made).order_by("-timestamp", "-pk")
    assert [time for _action, _user, time in rows] == [entry.timestamp for entry in entries]

    assert [action for action, _user, _time in history_rows(admin_client, held)] == [
        "Status changed from New to Closed",
        "Released from review: back in the inbox as new",
    ]


def test_a_bulk_action_shows_in_the_history_of_each_conversation(admin_client, site):
    chosen = [conversation(site, name=f"C{n}") for n in range(3)]
    admin_client.post(bulk("close", *chosen))
    for made in chosen:
        assert [row[0] for row in history_rows(admin_client, made)] == [
            "Status changed from New to Closed"
        ]


def test_the_conversation_links_to_its_history_and_back(admin_client, site):
    made = conversation(site)
    detail = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")
    assert detail.find("a", href=inbox("history", made.pk))

    history = admin_client.get(inbox("history", made.pk)).content.decode()
    assert made.reference in history
    assert f'href="{inbox("detail", made.pk)}"' in history


def test_the_history_can_be_filtered_by_action(admin_client, site):
    made = conversation(site)
    admin_client.post(inbox("note", made.pk), {"note-body": "Nota"})
    admin_client.post(
        inbox("handle", made.pk), {"handling-status": "closed", "handling-assignee": ""}
    )
    response = admin_client.get(
        inbox("history_results", made.pk), {"action": "contactkit.conversation.note"}
    )
    html = response.content.decode()
    assert "Added an internal note" in html
    assert "Status changed" not in html


def test_the_site_history_report_shows_inbox_work(admin_client, site):
    made = conversation(site)
    admin_client.post(
        inbox("handle", made.pk), {"handling-status": "closed", "handling-assignee": ""}
    )
    report = admin_client.get(reverse("wagtailadmin_reports:site_history")).content.decode()
    assert "Status changed from New to Closed" in report
    assert made.reference in report
    # The report links to the conversation, for those who may read it.
    assert inbox("detail", made.pk) in report


@pytest.mark.parametrize(
    ("codenames", "allowed"),
    [(("view_conversation",), True), (("reply_conversation",), False), ((), False)],
)
def test_who_may_read_a_history(client, site, codenames, allowed):
    made = conversation(site)
    client.force_login(staff_user(*codenames))
    response = client.get(inbox("history", made.pk))
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
