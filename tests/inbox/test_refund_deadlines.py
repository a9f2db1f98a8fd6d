"""Staff see each withdrawal's refund deadline in the inbox, flagged in words when it is near or
past, counted in the shop's own days; a withdrawal's page shows the statement as received and
whether it still matches the fingerprint on the shopper's receipt."""

import datetime as dt
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contactkit.inbox.models import Source, Status, Topic
from contactkit.returns.withdrawal import fingerprint
from contactkit.returns.withdrawal.models import Withdrawal
from tests.conftest import log_in_owner
from tests.inbox.builders import conversation
from tests.inbox.test_admin import inline_styles_and_scripts
from tests.profile.builders import profile_for

UTC = dt.UTC
# 02:00 UTC on 1 July 2026: still 30 June in New York (22:00), already 1 July in Madrid (the
# project's TIME_ZONE), so a deadline counted in the wrong zone is one day off.
NOW = dt.datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
SHOP_TODAY = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def shop(site):
    return profile_for(site, time_zone="America/New_York")


def inbox(name="index", *args):
    return reverse(f"contactkit_inbox:{name}", args=args)


def withdrawal(site, *, due, status=Status.NEW, name="Ana García", **fields):
    """A withdrawal as the withdrawal button stores it: a conversation with its deadline."""
    made = conversation(
        site,
        name=name,
        topic=Topic.WITHDRAWAL,
        source=Source.WITHDRAWAL,
        status=status,
        refund_due=SHOP_TODAY + dt.timedelta(days=due),
        order_number=fields.get("order_number", "PED-1001"),
        message="Desisto del contrato del pedido PED-1001.",
    )
    statement = Withdrawal(
        conversation=made,
        name=name,
        email=made.email,
        order_number=made.order_number,
        received_at=fields.pop("received_at", dt.datetime(2026, 6, 16, 18, 3, 27, tzinfo=UTC)),
        time_zone="America/New_York",
        language="es",
        **{key: value for key, value in fields.items() if key != "order_number"},
    )
    statement.sign()
    statement.save()
    return made


def rows(response):
    """{reference: the text of its "Refund due" cell} of a listing."""
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    cells = {}
    for title in html.select("td.title a"):
        cell = title.find_parent("tr").select_one("td.ck-refund-due")
        cells[title.get_text(strip=True)] = " ".join(cell.get_text(" ").split())
    return cells


def flags(response):
    """{reference: the status tag of its "Refund due" cell, or None}."""
    html = BeautifulSoup(response.content, "html.parser")
    found = {}
    for title in html.select("td.title a"):
        tag = title.find_parent("tr").select_one("td.ck-refund-due .w-status")
        found[title.get_text(strip=True)] = " ".join(tag.get_text(" ").split()) if tag else None
    return found


def text(response):
    assert response.status_code == 200, response.status_code
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


# The listing


def test_the_listing_flags_refunds_due_soon_and_overdue_in_the_shops_own_days(admin_client, shop):
    soon = withdrawal(shop.site, due=2, name="Pronto")
    today = withdrawal(shop.site, due=0, name="Hoy")
    edge = withdrawal(shop.site, due=3, name="Tres días")
    later = withdrawal(shop.site, due=4, name="Más tarde")
    overdue = withdrawal(shop.site, due=-3, name="Vencido")
    yesterday = withdrawal(shop.site, due=-1, name="Ayer")
    question = conversation(shop.site, name="Pregunta")

    found = flags(admin_client.get(inbox()))

    assert found[soon.reference] == "Due in 2 days"
    assert found[today.reference] == "Due today"
    assert found[edge.reference] == "Due in 3 days"
    assert found[later.reference] is None
    assert found[overdue.reference] == "Overdue by 3 days"
    assert found[yesterday.reference] == "Overdue by 1 day"
    assert found[question.reference] is None


def test_the_date_is_shown_in_the_editors_format(admin_client, django_user_model, shop):
    made = withdrawal(shop.site, due=10)
    assert rows(admin_client.get(inbox()))[made.reference] == "07/10/2026"
    spanish = log_in_owner(Client(), django_user_model, "es")
    assert rows(spanish.get(inbox()))[made.reference] == "10/07/2026"
    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")
    assert html.select_one("td.ck-refund-due time")["datetime"] == "2026-07-10"
    assert "Refund due" in [th.get_text(strip=True) for th in html.select("thead th")]


def test_closed_withdrawals_are_not_flagged(admin_client, shop):
    done = withdrawal(shop.site, due=-5, status=Status.CLOSED)
    answered = withdrawal(shop.site, due=-5, status=Status.WAITING)
    assert rows(admin_client.get(inbox()))[done.reference] == "06/25/2026"
    found = flags(admin_client.get(inbox()))
    assert found[done.reference] is None
    assert found[answered.reference] == "Overdue by 5 days"


def test_a_held_withdrawal_shows_its_deadline_in_the_held_folder(admin_client, shop):
    held = withdrawal(shop.site, due=1, status=Status.HELD)
    assert flags(admin_client.get(inbox("held")))[held.reference] == "Due in 1 day"


def test_a_flag_is_words_in_a_wagtail_status_tag_not_colour_alone(admin_client, shop):
    withdrawal(shop.site, due=-2)
    withdrawal(shop.site, due=1)
    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")
    tags = html.select("td.ck-refund-due .w-status")
    assert [tag.get_text(strip=True) for tag in tags] != []
    for tag in tags:
        assert "w-status" in tag["class"] and tag.get_text(strip=True)
    assert {c for tag in tags for c in tag["class"]} >= {"ck-flag--critical", "ck-flag--warning"}


def test_the_warning_days_are_a_setting(admin_client, shop, settings):
    settings.CONTACTKIT_REFUND_WARNING_DAYS = 7
    made = withdrawal(shop.site, due=6)
    assert flags(admin_client.get(inbox()))[made.reference] == "Due in 6 days"
    settings.CONTACTKIT_REFUND_WARNING_DAYS = 0
    assert flags(admin_client.get(inbox()))[made.reference] is None


def test_a_shop_without_a_profile_counts_in_the_default_time_zone(admin_client, site):
    # No store profile: Madrid (TIME_ZONE), where it is 1 July already.
    made = withdrawal(site, due=0)  # due 30 June
    assert flags(admin_client.get(inbox()))[made.reference] == "Overdue by 1 day"


# The filters


def test_the_topic_filter_offers_withdrawals(admin_client, shop):
    made = withdrawal(shop.site, due=5)
    conversation(shop.site, topic=Topic.COMPLAINT)
    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")
    topics = [box["value"] for box in html.select("input[name=topic]")]
    assert "withdrawal" in topics
    label = html.find(
        "label", attrs={"for": html.select_one("input[name=topic][value=withdrawal]")["id"]}
    )
    assert label.get_text(strip=True) == "Withdrawal from the contract"
    assert set(rows(admin_client.get(inbox(), {"topic": "withdrawal"}))) == {made.reference}


def test_the_refund_deadline_filter(admin_client, shop):
    soon = withdrawal(shop.site, due=1)
    today = withdrawal(shop.site, due=0)
    overdue = withdrawal(shop.site, due=-1)
    later = withdrawal(shop.site, due=9)
    closed_late = withdrawal(shop.site, due=-4, status=Status.CLOSED)
    closed_soon = withdrawal(shop.site, due=1, status=Status.CLOSED)
    question = conversation(shop.site)

    def listed(value):
        return set(rows(admin_client.get(inbox(), {"refund_due": value})))

    assert listed("soon") == {soon.reference, today.reference}
    assert listed("overdue") == {overdue.reference}
    everything = {soon, today, overdue, later, closed_late, closed_soon}
    assert listed("any") == {made.reference for made in everything}
    assert question.reference in listed("")

    html = BeautifulSoup(admin_client.get(inbox()).content, "html.parser")
    offered = {
        box["value"]: html.find("label", attrs={"for": box["id"]}).get_text(strip=True)
        for box in html.select("input[name=refund_due]")
    }
    assert offered == {"": "All", "soon": "Due soon", "overdue": "Overdue", "any": "Any withdrawal"}


def test_the_filter_counts_each_shop_in_its_own_time_zone(admin_client, shop):
    from wagtail.models import Page, Site

    other_root = Page.get_first_root_node().add_child(title="Tokio", slug="tokio")
    tokyo = Site.objects.create(hostname="tokio.example", root_page=other_root, site_name="JP")
    profile_for(tokyo, time_zone="Asia/Tokyo")  # 11:00 on 1 July there
    new_york = withdrawal(shop.site, due=0)  # 30 June: due today in New York
    in_tokyo = withdrawal(tokyo, due=0)  # 30 June: overdue by one day in Tokyo

    listed = set(rows(admin_client.get(inbox(), {"refund_due": "overdue"})))
    assert listed == {in_tokyo.reference}
    listed = set(rows(admin_client.get(inbox(), {"refund_due": "soon"})))
    assert listed == {new_york.reference}
    found = flags(admin_client.get(inbox()))
    assert found == {new_york.reference: "Due today", in_tokyo.reference: "Overdue by 1 day"}


# A withdrawal's page


def test_a_withdrawals_page_shows_the_statement_as_received(admin_client, shop):
    made = withdrawal(
        shop.site,
        due=-2,
        order_number="PED-2040",
        order_date=dt.date(2026, 6, 1),
        delivery_date=dt.date(2026, 6, 5),
        items=[{"description": "Taza azul", "quantity": 2}],
        comment="La caja sigue cerrada.",
        order_found=True,
        order_details={"number": "PED-2040", "delivered_on": "2026-06-04"},
        period_ends=dt.date(2026, 6, 18),
    )
    statement = made.withdrawal

    page = text(admin_client.get(inbox("detail", made.pk)))

    # Received to the second, in the shop's time zone (18:03:27 UTC is 14:03:27 in New York).
    assert "Received at 06/16/2026 14:03:27 (America/New_York)" in page
    assert "Refund due 06/28/2026 Overdue by 2 days" in page
    assert "Email for the receipt ana@example.com" in page
    assert "Order number PED-2040" in page
    assert "Ordered on 06/01/2026" in page
    assert "Delivered on 06/05/2026" in page
    assert "Items 2 × Taza azul" in page
    assert "Comment La caja sigue cerrada." in page
    assert "Order Found" in page
    assert "Delivered on (shop’s system) 06/04/2026" in page
    assert "Withdrawal period ends 06/18/2026 Received within the period" in page
    assert fingerprint.formatted(statement.fingerprint) in page
    assert "Matches the stored statement" in page
    assert "was changed after it was received" not in page
    html = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")
    assert html.select_one("#withdrawal-section time")["datetime"] == "2026-06-16T14:03:27-04:00"


def test_the_order_lookups_answer_is_shown(admin_client, shop):
    unknown = withdrawal(shop.site, due=5, order_found=False)
    unchecked = withdrawal(shop.site, due=5)
    late = withdrawal(
        shop.site,
        due=5,
        order_found=True,
        period_ends=dt.date(2026, 6, 10),
        received_at=dt.datetime(2026, 6, 16, 12, tzinfo=UTC),
    )
    assert "Order Not found for this email address" in text(
        admin_client.get(inbox("detail", unknown.pk))
    )
    unchecked_page = text(admin_client.get(inbox("detail", unchecked.pk)))
    assert "Order Not checked" in unchecked_page
    assert "Withdrawal period ends Unknown" in unchecked_page
    assert "Withdrawal period ends 06/10/2026 Looked over when received" in text(
        admin_client.get(inbox("detail", late.pk))
    )


def test_the_whole_order_when_no_items_were_named(admin_client, shop):
    made = withdrawal(shop.site, due=5)
    assert "Items The whole order" in text(admin_client.get(inbox("detail", made.pk)))


def test_an_altered_statement_is_flagged(admin_client, shop):
    made = withdrawal(shop.site, due=5)
    # Someone edits the stored statement behind the shop's back.
    Withdrawal.objects.filter(conversation=made).update(order_number="PED-9999")

    response = admin_client.get(inbox("detail", made.pk))
    page = text(response)

    assert "This statement was changed after it was received" in page
    assert "Does not match the stored statement" in page
    assert "Matches the stored statement" not in page.replace("Does not match", "")
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one("#withdrawal-section .help-critical")


def test_a_closed_withdrawals_page_shows_the_date_without_a_flag(admin_client, shop):
    made = withdrawal(shop.site, due=-2, status=Status.CLOSED)
    page = text(admin_client.get(inbox("detail", made.pk)))
    assert "Refund due 06/28/2026 Received at" not in page
    assert "Refund due 06/28/2026" in page and "Overdue" not in page


def test_a_conversation_that_is_no_withdrawal_shows_none_of_it(admin_client, shop):
    made = conversation(shop.site)
    page = text(admin_client.get(inbox("detail", made.pk)))
    assert "Fingerprint" not in page and "Refund due" not in page


def test_the_pages_work_under_a_strict_content_security_policy(admin_client, shop):
    made = withdrawal(shop.site, due=-1, items=[{"description": "Taza", "quantity": 1}])
    altered = withdrawal(shop.site, due=2)
    Withdrawal.objects.filter(conversation=altered).update(name="Otra")
    for url in [
        inbox(),
        inbox("index_results"),
        f"{inbox()}?refund_due=overdue",
        inbox("detail", made.pk),
        inbox("detail", altered.pk),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert inline_styles_and_scripts(response.content.decode()) == [], url
    css = BeautifulSoup(admin_client.get(inbox("detail", made.pk)).content, "html.parser")
    assert css.find("link", href=re.compile(r"contactkit/admin/inbox\.css"))


def test_shoppers_words_in_a_statement_are_escaped(admin_client, shop):
    made = withdrawal(
        shop.site,
        due=3,
        name="<script>alert(1)</script>",
        items=[{"description": "<b>Taza</b>", "quantity": 1}],
        comment="<img src=x onerror=alert(1)>",
    )
    body = admin_client.get(inbox("detail", made.pk)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "<b>Taza</b>" not in body and "&lt;b&gt;Taza&lt;/b&gt;" in body
    assert "<img src=x" not in body


# Queries


def test_the_listing_with_withdrawals_does_not_query_more_for_more_rows(
    admin_client, shop, django_assert_max_num_queries
):
    def add(count):
        for n in range(count):
            # Overdue, due soon, later, and every fifth one closed.
            status = Status.CLOSED if n % 5 == 4 else Status.NEW
            withdrawal(shop.site, due=n % 6 - 1, status=status)
            conversation(shop.site, name=f"C{n}")

    add(2)
    admin_client.get(inbox())  # warm caches (content types, site root paths)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(inbox()).status_code == 200
    with CaptureQueriesContext(connection) as filtered:
        assert admin_client.get(inbox(), {"refund_due": "soon"}).status_code == 200
    add(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(rows(admin_client.get(inbox()))) == 40
    with django_assert_max_num_queries(len(filtered.captured_queries)):
        admin_client.get(inbox(), {"refund_due": "soon"})


def test_the_refund_deadlines_cost_one_query(admin_client, shop):
    """The shops' time zones are read once for the whole page, and only when a row has a
    refund deadline."""
    conversation(shop.site)
    admin_client.get(inbox())
    with CaptureQueriesContext(connection) as without:
        admin_client.get(inbox())
    for n in range(5):
        withdrawal(shop.site, due=n - 2)
    with CaptureQueriesContext(connection) as with_withdrawals:
        admin_client.get(inbox())
    profile_queries = [
        query["sql"]
        for query in with_withdrawals.captured_queries
        if "time_zone" in query["sql"] and "contactkit_storeprofile" in query["sql"]
    ]
    assert len(profile_queries) == 1
    assert len(with_withdrawals.captured_queries) <= len(without.captured_queries) + 1


def test_a_withdrawals_page_asks_a_fixed_number_of_queries(
    admin_client, shop, django_assert_max_num_queries
):
    made = withdrawal(shop.site, due=1, items=[{"description": "Taza", "quantity": 1}])
    plain = conversation(shop.site, email="luis@example.com")
    admin_client.get(inbox("detail", plain.pk))
    with CaptureQueriesContext(connection) as plain_page:
        admin_client.get(inbox("detail", plain.pk))
    # The withdrawal comes with the conversation; the shops' time zones cost one query.
    with django_assert_max_num_queries(len(plain_page.captured_queries) + 1):
        assert admin_client.get(inbox("detail", made.pk)).status_code == 200


# Downloads


def test_the_downloads_have_the_refund_deadline(admin_client, shop):
    import csv
    import io

    import openpyxl

    made = withdrawal(shop.site, due=5)
    question = conversation(shop.site)
    response = admin_client.get(inbox(), {"export": "csv", "refund_due": "any"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(content, newline="")))
    assert [(row["Reference"], row["Refund due"]) for row in lines] == [
        (made.reference, "2026-07-05")
    ]
    response = admin_client.get(inbox(), {"export": "xlsx"})
    content = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headings, *cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    column = headings.index("Refund due")
    due = {row[headings.index("Reference")]: row[column] for row in cells}
    assert due[made.reference] == dt.date(2026, 7, 5)
    assert due[question.reference] is None


def test_sorting_by_the_deadline_puts_withdrawals_first(admin_client, shop):
    conversation(shop.site, name="Pregunta")
    later = withdrawal(shop.site, due=9)
    sooner = withdrawal(shop.site, due=-1)
    conversation(shop.site, name="Otra pregunta")

    def order(ordering):
        return list(rows(admin_client.get(inbox(), {"ordering": ordering})))[:2]

    assert order("refund_due") == [sooner.reference, later.reference]
    assert order("-refund_due") == [later.reference, sooner.reference]
