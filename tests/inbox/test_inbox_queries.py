"""The inbox stays fast however many conversations it holds: a fixed number of queries for the
list, a filter and a search, and a search that counts and pages what it finds exactly.

The timings at 100,000 conversations are bench/inbox.py's; these tests pin what makes them:
the queries of a page do not grow with its rows, and a search reads its matches once.
"""

import re

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactkit.inbox.models import Message, Source, Status, Topic
from tests.inbox.builders import conversation, staff_user

# What a page of the inbox asks for, with 30 conversations or 3 (a member of staff with the
# inbox's permissions, warm caches): the session, the user, their permissions (2) and admin
# profile; Wagtail's menu: locales, page, collection and site permissions (4) and the count of
# new conversations; the spam and held counts; the site; the staff the assignee filter offers;
# the sources in use (one query, however often the form reads them). Then the page itself:
# its count and its rows (2: for a search, the ids of the page's rows with their count, then
# those rows).
# (The shops' time zones add one when a row has a refund deadline: test_refund_deadlines.)
QUERIES = 16
PAGE_SIZE = 50  # ConversationViewSet.list_per_page


def inbox(name="index"):
    return reverse(f"contactkit_inbox:{name}")


def rows(response):
    assert response.status_code == 200, response.status_code
    html = BeautifulSoup(response.content, "html.parser")
    return [cell.get_text(strip=True) for cell in html.select("td.title a")]


def said_count(response):
    """The number of conversations the pagination says there are."""
    html = BeautifulSoup(response.content, "html.parser")
    text = html.select_one(".pagination__end").get_text(" ", strip=True)
    return int(re.sub(r"\D", "", text))


def matches_heading(response):
    heading = BeautifulSoup(response.content, "html.parser").find("h2", attrs={"role": "alert"})
    return heading.get_text(" ", strip=True) if heading else ""


@pytest.fixture
def marta(site):
    return staff_user("view_conversation", "reply_conversation", username="marta")


@pytest.fixture
def staff_client(client, marta):
    client.force_login(marta)
    return client


def add(site, count, marta, *, start=0):
    """``count`` conversations with every status, topic, source, assignees, answers."""
    statuses = [Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED, Status.SPAM]
    for n in range(start, start + count):
        made = conversation(
            site,
            name=f"Cliente {n}",
            email=f"cliente{n}@example.com",
            message=f"Mensaje {n}: ¿la taza aguanta el lavavajillas?",
            status=statuses[n % len(statuses)],
            topic=list(Topic)[n % len(Topic)],
            source=[Source.FORM, Source.EMAIL, Source.CHAT][n % 3],
            assignee=marta if n % 2 else None,
            days_ago=n,
        )
        Message.objects.create(conversation=made, kind=Message.Kind.REPLY, body="Respuesta")
        made.mark_answered()
        made.save()


PAGES = {
    "list": {},
    "filter": {"status": ["new", "waiting"], "source": "form"},
    "search": {"q": "lavavajillas"},
}


@pytest.mark.parametrize("page", PAGES)
def test_a_page_asks_a_fixed_number_of_queries_however_many_conversations(
    staff_client, site, marta, page, django_assert_num_queries
):
    params = PAGES[page]
    add(site, 3, marta)
    staff_client.get(inbox(), params)  # warm caches (content types, reply figures)
    with django_assert_num_queries(QUERIES):
        few = staff_client.get(inbox(), params)
    add(site, 27, marta, start=3)
    with django_assert_num_queries(QUERIES):
        many = staff_client.get(inbox(), params)
    assert len(rows(many)) > len(rows(few)) > 0


def test_a_search_counts_its_matches_in_the_query_of_its_page(staff_client, site, marta):
    add(site, 30, marta)
    staff_client.get(inbox(), {"q": "lavavajillas"})
    with CaptureQueriesContext(connection) as captured:
        response = staff_client.get(inbox(), {"q": "lavavajillas"})
    counts = [q["sql"] for q in captured if q["sql"].startswith("SELECT COUNT(")]
    pages = [q["sql"] for q in captured if "OVER ()" in q["sql"]]
    # The menu's count of new conversations is the only COUNT query; the page counts itself.
    assert len(counts) == 1 and "contactkit_conversation" in counts[0]
    assert len(pages) == 1
    assert matches_heading(response) == "There are 24 matches"  # 30 less the 6 spam


@pytest.fixture
def sixty(site):
    """60 conversations the word "taza" finds (and 5 it does not): their references, newest
    first."""
    tazas = [conversation(site, name=f"Taza {n}", message="Hola", days_ago=n) for n in range(60)]
    for n in range(5):
        conversation(site, name=f"Plato {n}", message="Hola", days_ago=n)
    return [made.reference for made in tazas]


def test_a_search_pages_its_matches_with_the_exact_count(staff_client, sixty):
    first = staff_client.get(inbox(), {"q": "taza"})
    second = staff_client.get(inbox(), {"q": "taza", "p": 2})
    assert matches_heading(first) == matches_heading(second) == "There are 60 matches"
    assert said_count(first) == said_count(second) == 60
    assert rows(first) == sixty[:PAGE_SIZE]
    assert rows(second) == sixty[PAGE_SIZE:]


# As Django's paginator does: past the end or below 1 the last page, not a number the first.
@pytest.mark.parametrize(("asked", "shown"), [("99", 2), ("0", 2), ("-3", 2), ("x", 1), ("", 1)])
def test_a_search_page_out_of_range_shows_the_nearest_one(staff_client, sixty, asked, shown):
    response = staff_client.get(inbox(), {"q": "taza", "p": asked})
    assert said_count(response) == 60
    assert rows(response) == [sixty[:PAGE_SIZE], sixty[PAGE_SIZE:]][shown - 1]


def test_a_search_that_finds_nothing_says_so(staff_client, sixty):
    response = staff_client.get(inbox(), {"q": "zapato"})
    assert rows(response) == []
    assert "No conversations match your query." in response.content.decode()


def test_a_search_finds_a_word_in_any_message_field_or_all_words_across_them(staff_client, site):
    ana = conversation(
        site,
        name="Ana López",
        email="ana@example.com",
        message="¿La taza cabe?",
        order_number="PED-1",
    )
    Message.objects.create(conversation=ana, kind=Message.Kind.NOTE, body="Revisar almacén")
    luis = conversation(site, name="Luis", email="luis@example.com", message="taza rota")
    conversation(site, name="Robot", message="taza", status=Status.SPAM, spam_reason="honeypot")

    def found(query):
        return set(rows(staff_client.get(inbox(), {"q": query})))

    assert found("TAZA") == {ana.reference, luis.reference}
    # Each word may be in another field: the name, the order number, a note.
    assert found("lópez ped-1 ALMACén") == {ana.reference}
    assert found("luis taza") == {luis.reference}
    assert found("luis ped-1") == set()
    assert found(ana.reference.lower()) == {ana.reference}


def test_the_status_filter_counts_each_conversation_once(staff_client, site, marta):
    add(site, 30, marta)
    response = staff_client.get(inbox(), {"status": ["new", "open", "waiting", "closed"]})
    assert said_count(response) == 24
    assert len(rows(response)) == 24
