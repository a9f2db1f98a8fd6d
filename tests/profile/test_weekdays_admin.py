"""The owner gives a week of hours in a few rows, each on several days (Monday to Friday is
five ticks), and the admin explains a row it cannot take."""

import datetime as dt
import html
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from contactkit.pages.models import ContactPage
from contactkit.profile.models import ContactChannel
from contactkit.profile.shop import Shop
from contactkit.structured_data.graph import graph
from tests.languages import in_language
from tests.profile.builders import profile_for
from tests.profile.test_admin import add_channel_url, channel_form

MONDAY_TO_FRIDAY = ["0", "1", "2", "3", "4"]
MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Madrid"))
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def two_rows_with_a_lunch_break():
    return inline_formset(
        [
            {"weekdays": MONDAY_TO_FRIDAY, "opens": "09:00", "closes": "14:00"},
            {"weekdays": MONDAY_TO_FRIDAY, "opens": "16:00", "closes": "19:00"},
        ]
    )


def row_errors(response, index):
    """The messages the admin shows on hours row ``index``: its own, then its fields'."""
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    row = page.find(id=f"inline_child_hours-{index}-panel-content")
    assert row is not None
    return [
        " ".join(html.unescape(item.get_text()).split()) for item in row.select(".error-message")
    ]


@pytest.fixture
def saved(admin_client, site):
    profile_for(site)
    response = admin_client.post(
        add_channel_url(), channel_form(site=site.pk, hours=two_rows_with_a_lunch_break())
    )
    assert response.status_code == 302
    return ContactChannel.objects.get()


def test_two_rows_hold_a_week_with_a_lunch_break(saved):
    rows = list(saved.hours.order_by("opens"))
    assert [row.weekdays for row in rows] == [MONDAY_TO_FRIDAY, MONDAY_TO_FRIDAY]
    assert [str(row) for row in rows] == [
        "Monday, Tuesday, Wednesday, Thursday, Friday 09:00–14:00",
        "Monday, Tuesday, Wednesday, Thursday, Friday 16:00–19:00",
    ]


def test_the_edit_screen_shows_the_five_days_ticked(admin_client, saved):
    response = admin_client.get(
        reverse("wagtailsnippets_contactkit_contactchannel:edit", args=[saved.pk])
    )
    page = BeautifulSoup(response.content, "html.parser")
    for index in (0, 1):
        ticked = [
            box["value"]
            for box in page.find_all("input", attrs={"name": f"hours-{index}-weekdays"})
            if box.has_attr("checked")
        ]
        assert ticked == MONDAY_TO_FRIDAY


def test_the_shop_reads_monday_to_friday_with_the_lunch_break(site, saved):
    (view,) = Shop.for_site(site, now=MONDAY_10).channels
    assert [(row.days, row.hours) for row in view.week_rows] == [
        ("Monday to Friday", "9 a.m.–2 p.m., 4 p.m.–7 p.m."),
        ("Saturday and Sunday", "closed"),
    ]
    assert view.status_text.text == "Open now, until 2 p.m."
    # Search engines read the same week: each opening on the five days.
    (point,) = graph(Shop.for_site(site, now=MONDAY_10))["@graph"][0]["contactPoint"]
    assert [
        (spec["dayOfWeek"], spec["opens"], spec["closes"]) for spec in point["hoursAvailable"]
    ] == [
        ([f"https://schema.org/{day}" for day in WEEKDAYS], "09:00", "14:00"),
        ([f"https://schema.org/{day}" for day in WEEKDAYS], "16:00", "19:00"),
    ]


@pytest.mark.parametrize(
    ("language", "days", "hours"),
    [
        ("en", "Monday to Friday", "9 a.m.–2 p.m., 4 p.m.–7 p.m."),
        ("es", "Lunes a viernes", "09:00–14:00, 16:00–19:00"),
    ],
)
def test_the_contact_page_shows_monday_to_friday_with_the_lunch_break(
    client, site, saved, language, days, hours
):
    page = site.root_page.add_child(instance=ContactPage(title="Contact", slug="contact"))
    with time_machine.travel(MONDAY_10, tick=False):
        response = client.get(in_language(page.url, language))
    assert response.status_code == 200
    rows = [
        " ".join(row.get_text(" ").split())
        for row in BeautifulSoup(response.content, "html.parser").select(".ck-hours dl > div")
    ]
    assert rows[0] == f"{days} {hours}"


def test_a_row_with_no_day_ticked_is_refused_with_a_clear_message(admin_client, site):
    hours = inline_formset(
        [
            {"weekdays": MONDAY_TO_FRIDAY, "opens": "09:00", "closes": "14:00"},
            {"weekdays": [], "opens": "16:00", "closes": "19:00"},
        ]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert not ContactChannel.objects.exists()
    assert row_errors(response, 0) == []
    (message,) = row_errors(response, 1)
    # Not Django's "This field is required.": the owner is told to tick the days.
    assert "required" not in message.lower()
    assert "day" in message.lower()


def test_rows_sharing_days_that_overlap_are_refused_once_naming_both(admin_client, site):
    hours = inline_formset(
        [
            {"weekdays": MONDAY_TO_FRIDAY, "opens": "09:00", "closes": "14:00"},
            # Clashes on Monday, Tuesday and Wednesday: one message for the row, not three.
            {"weekdays": ["0", "1", "2"], "opens": "13:00", "closes": "17:00"},
            {"weekdays": ["5"], "opens": "10:00", "closes": "13:00"},
        ]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert not ContactChannel.objects.exists()
    assert row_errors(response, 0) == []
    (message,) = row_errors(response, 1)
    assert "overlaps" in message
    assert "09:00–14:00" in message
    assert "13:00–17:00" in message
    assert row_errors(response, 2) == []


def test_rows_that_share_no_day_may_keep_the_same_hours_or_overlap(admin_client, site):
    hours = inline_formset(
        [
            {"weekdays": ["0", "1", "2"], "opens": "09:00", "closes": "14:00"},
            {"weekdays": ["3", "4"], "opens": "10:00", "closes": "15:00"},
        ]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 302
    assert ContactChannel.objects.get().hours.count() == 2
