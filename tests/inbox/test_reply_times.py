"""Honest reply times: the median first answer in working hours, on the contact page and in the
inbox (contactkit.inbox.reply_times)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from contactkit.inbox.models import Conversation, Source, Status
from contactkit.inbox.reply_times import (
    Figure,
    duration_text,
    reply_time_words,
    reply_times,
    staff_figures,
)
from contactkit.pages.models import ContactPage
from contactkit.profile.models import ChannelHoursException, StoreClosure
from contactkit.profile.shop import Shop
from tests.inbox.builders import staff_user
from tests.languages import in_language
from tests.profile.builders import channel, profile_for

MADRID = ZoneInfo("Europe/Madrid")
# A Wednesday in February (no clock change near it).
NOW = dt.datetime(2026, 2, 18, 12, 0, tzinfo=MADRID)
FRIDAY = dt.date(2026, 2, 13)
MONDAY = dt.date(2026, 2, 16)
TUESDAY = dt.date(2026, 2, 17)
OFFICE_HOURS = [(list(range(5)), "09:00", "17:00")]  # Monday to Friday, 09:00-17:00
HOUR = dt.timedelta(hours=1)


def at(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MADRID)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Figures are cached per site for minutes: every test starts, and leaves, without any."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(site):
    profile_for(site, time_zone="Europe/Madrid")
    return site


@pytest.fixture
def one_is_enough(settings):
    settings.CONTACTKIT_REPLY_TIME_MIN_CONVERSATIONS = 1


def answered(site, received, *, after=None, answered_at=None, by=None, **fields):
    """A conversation received at ``received`` and first answered ``after`` later (or at
    ``answered_at``), by ``by``."""
    fields.setdefault("status", Status.OPEN)
    return Conversation.objects.create(
        site=site,
        name="Ana García",
        email="ana@example.com",
        topic="order_status",
        created_at=received,
        first_response_at=answered_at or received + after,
        first_response_by=by,
        **fields,
    )


def measuring(query):
    """Whether ``query`` is the one that reads the answered conversations."""
    return '"first_response_at" >=' in query["sql"]


def figures(site):
    with time_machine.travel(NOW, tick=False):
        return reply_times(site)


def form_median(site):
    found = figures(site)
    assert found is not None
    return found.for_kind("form").median


# --- Working time -------------------------------------------------------------------------


def test_a_message_sent_on_friday_afternoon_waits_only_the_working_hours(shop, one_is_enough):
    channel(shop, "form", hours=OFFICE_HOURS)
    # Friday 16:00 -> Monday 10:00: one hour on Friday, one on Monday; not the night or weekend.
    answered(shop, at(FRIDAY, 16), answered_at=at(MONDAY, 10))
    assert form_median(shop) == 2 * HOUR


def test_time_outside_opening_hours_does_not_count(shop, one_is_enough):
    channel(shop, "form", hours=OFFICE_HOURS)
    # Written on Saturday, answered on Sunday: the shopper waited no working time at all.
    answered(shop, at(dt.date(2026, 2, 14), 11), answered_at=at(dt.date(2026, 2, 15), 18))
    # Written at 20:00 on Monday, answered at 09:30 on Tuesday: half an hour.
    answered(shop, at(MONDAY, 20), answered_at=at(TUESDAY, 9, 30))
    found = figures(shop).for_kind("form")
    assert found.median == dt.timedelta(minutes=15)
    assert found.count == 2


def test_a_holiday_does_not_count(shop, one_is_enough):
    StoreClosure.objects.create(profile=profile_for(shop), date=MONDAY, label="Fiesta")
    channel(shop, "form", hours=OFFICE_HOURS)
    # Friday 16:00 -> Tuesday 10:00, Monday closed: one hour on Friday, one on Tuesday.
    answered(shop, at(FRIDAY, 16), answered_at=at(TUESDAY, 10))
    assert form_median(shop) == 2 * HOUR


def test_a_special_day_counts_only_its_own_hours(shop, one_is_enough):
    form = channel(shop, "form", hours=OFFICE_HOURS)
    ChannelHoursException.objects.create(
        channel=form, date=MONDAY, opens=dt.time(9), closes=dt.time(11), label="Inventario"
    )
    # Friday 16:00-17:00, Monday 09:00-11:00 only, Tuesday 09:00-10:00.
    answered(shop, at(FRIDAY, 16), answered_at=at(TUESDAY, 10))
    assert form_median(shop) == 4 * HOUR


def test_an_opening_past_midnight_counts_until_it_closes(shop, one_is_enough):
    channel(shop, "form", hours=[(4, "20:00", "02:00", True)])  # Friday 20:00 -> Saturday 02:00
    answered(shop, at(FRIDAY, 23), answered_at=at(dt.date(2026, 2, 14), 12))
    assert form_median(shop) == 3 * HOUR


def test_without_any_opening_hours_the_wall_clock_counts(shop, one_is_enough):
    channel(shop, "email", email="hola@tienda.example")
    answered(shop, at(FRIDAY, 16), answered_at=at(MONDAY, 10), source=Source.EMAIL)
    found = figures(shop).for_kind("email")
    assert found.median == 66 * HOUR
    assert not found.working_hours


def test_a_channel_without_hours_is_measured_in_the_shops_general_hours(shop, one_is_enough):
    # Email has no hours of its own; the phone line's hours are when the team is in.
    channel(shop, "email", email="hola@tienda.example")
    channel(shop, "phone", hours=OFFICE_HOURS)
    answered(shop, at(FRIDAY, 16), answered_at=at(MONDAY, 10), source=Source.EMAIL)
    found = figures(shop).for_kind("email")
    assert found.median == 2 * HOUR
    assert found.working_hours


# --- The median, the threshold, what counts -----------------------------------------------------


def test_the_median_of_an_odd_and_an_even_number_of_answers(shop, one_is_enough):
    received = NOW - dt.timedelta(days=2)
    for hours in (1, 10, 2):
        answered(shop, received, after=hours * HOUR)
    assert figures(shop).median == 2 * HOUR
    answered(shop, received, after=4 * HOUR)
    cache.clear()
    found = figures(shop)
    assert found.median == 3 * HOUR  # between 2 and 4
    assert found.count == 4


def test_nothing_is_measured_below_ten_answered_conversations(shop):
    received = NOW - dt.timedelta(days=3)
    for _ in range(9):
        answered(shop, received, after=HOUR)
    assert figures(shop) is None
    answered(shop, received, after=HOUR)
    cache.clear()
    found = figures(shop)
    assert found.count == 10
    assert found.median == HOUR


def test_each_channel_kind_has_its_own_figure(shop, one_is_enough):
    channel(shop, "form", hours=OFFICE_HOURS)
    channel(shop, "email", email="hola@tienda.example", hours=[(list(range(7)), "08:00", "20:00")])
    # Everything typed on the shop's pages counts as the contact form.
    for source in (Source.FORM, Source.WITHDRAWAL, Source.LAUNCHER, Source.WIDGET):
        answered(shop, at(MONDAY, 10), answered_at=at(MONDAY, 11), source=source)
    # An email on Saturday morning, answered on Saturday afternoon: the email hours are open.
    answered(
        shop,
        at(dt.date(2026, 2, 14), 9),
        answered_at=at(dt.date(2026, 2, 14), 14),
        source=Source.EMAIL,
    )
    found = figures(shop)
    assert found.for_kind("form") == Figure(HOUR, 4, True, dt.timedelta(hours=8))
    assert found.for_kind("email") == Figure(5 * HOUR, 1, True, dt.timedelta(hours=12))
    assert found.for_kind("chat") is None
    assert found.count == 5


def test_a_kind_with_too_few_answers_has_no_figure_of_its_own(shop, settings):
    settings.CONTACTKIT_REPLY_TIME_MIN_CONVERSATIONS = 3
    for _ in range(3):
        answered(shop, at(MONDAY, 10), after=HOUR)
    answered(shop, at(MONDAY, 10), after=HOUR, source=Source.EMAIL)
    found = figures(shop)
    assert found.count == 4
    assert found.for_kind("form").count == 3
    assert found.for_kind("email") is None


def test_spam_held_unanswered_and_other_sites_do_not_count(shop, one_is_enough):
    from wagtail.models import Page, Site

    answered(shop, at(MONDAY, 10), after=HOUR)
    answered(shop, at(MONDAY, 10), after=50 * HOUR, status=Status.SPAM)
    answered(shop, at(MONDAY, 10), after=50 * HOUR, status=Status.HELD)
    Conversation.objects.create(
        site=shop, name="Luis", email="luis@example.com", topic="other", created_at=at(MONDAY, 9)
    )
    other = Site.objects.create(
        hostname="otra.example", root_page=Page.get_first_root_node(), site_name="Otra"
    )
    answered(other, at(MONDAY, 10), after=50 * HOUR)
    found = figures(shop)
    assert (found.count, found.median) == (1, HOUR)


def test_only_answers_of_the_last_30_days_count(shop, one_is_enough):
    answered(shop, NOW - dt.timedelta(days=31), after=HOUR)  # received and answered 31 days ago
    answered(shop, NOW - dt.timedelta(days=29), after=3 * HOUR)
    found = figures(shop)
    assert (found.count, found.median) == (1, 3 * HOUR)


def test_a_slow_answer_given_lately_to_an_older_message_counts(shop, one_is_enough):
    answered(shop, NOW - dt.timedelta(days=35), answered_at=NOW - dt.timedelta(days=2))
    assert figures(shop).median == dt.timedelta(days=33)


# --- Words ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "working", "day_hours", "english"),
    [
        (1, False, 24, "in about 5 minutes"),
        (8, False, 24, "in about 10 minutes"),
        (20, False, 24, "in about 15 minutes"),
        (23, True, 8, "in about 30 minutes during opening hours"),
        (50, False, 24, "in about 45 minutes"),
        (53, False, 24, "in about 1 hour"),
        (149, True, 8, "in about 2 working hours"),
        (151, True, 8, "in about 3 working hours"),
        (23 * 60 + 20, False, 24, "in about 23 hours"),
        (30 * 60, False, 24, "in about 1 day"),
        (40 * 60, False, 24, "in about 2 days"),
        (7 * 60 + 20, True, 8, "in about 7 working hours"),
        (7 * 60 + 40, True, 8, "in about 1 working day"),
        # 20 working hours of a shop open 8 hours a day: two and a half working days.
        (20 * 60, True, 8, "in about 3 working days"),
    ],
)
def test_reply_times_are_said_the_way_a_person_rounds_them(minutes, working, day_hours, english):
    figure = Figure(dt.timedelta(minutes=minutes), 12, working, dt.timedelta(hours=day_hours))
    with translation.override("en"):
        assert reply_time_words(figure) == english


def test_reply_times_in_spanish():
    with translation.override("es"):
        assert (
            reply_time_words(Figure(3 * HOUR, 12, True, 8 * HOUR)) == "en unas 3 horas laborables"
        )
        assert (
            reply_time_words(Figure(dt.timedelta(minutes=14), 12, True, 8 * HOUR))
            == "en unos 15 minutos dentro del horario de atención"
        )
        assert reply_time_words(Figure(48 * HOUR, 12, False, 24 * HOUR)) == "en unos 2 días"


def test_staff_read_durations_to_the_minute():
    with translation.override("en"):
        assert duration_text(dt.timedelta(minutes=45)) == "45 min"
        assert duration_text(dt.timedelta(hours=2, minutes=10, seconds=20)) == "2 h 10 min"
        assert duration_text(3 * HOUR) == "3 h"
        assert duration_text(26 * HOUR) == "26 h"


# --- The contact page ---------------------------------------------------------------------------


@pytest.fixture
def contact(shop):
    channel(shop, "form", hours=OFFICE_HOURS, reply_time=1440)
    channel(shop, "email", email="hola@tienda.example", reply_time=2880)
    channel(shop, "phone", hours=OFFICE_HOURS, reply_time=5)
    return shop.root_page.add_child(instance=ContactPage(title="Contacto", slug="contacto"))


def reply_times_on(client, page, language):
    """{channel name: what it says under "Usually replies"} on the contact page."""
    with time_machine.travel(NOW, tick=False):
        response = client.get(in_language(page.url, language))
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    said = {}
    for item in html.select("li.ck-channel"):
        name = item.select_one(".ck-channel__name").get_text(strip=True)
        reply = item.select_one(".ck-reply-time dd")
        said[name] = " ".join(reply.get_text().split()) if reply else None
    return said


def ten_answers_in_three_working_hours(site, source=Source.FORM):
    # Thursday 15:00 -> Friday 10:00: two hours on Thursday, one on Friday.
    for _ in range(10):
        answered(site, at(dt.date(2026, 2, 12), 15), answered_at=at(FRIDAY, 10), source=source)


@pytest.mark.parametrize(
    ("language", "promised", "measured"),
    [
        (
            "en",
            {"Contact form": "within a day", "Email": "within two days", "Phone": "within minutes"},
            {
                "Contact form": "in about 3 working hours (measured over the last 30 days)",
                "Email": "within two days",
                "Phone": "within minutes",
            },
        ),
        (
            "es",
            {
                "Formulario de contacto": "en menos de un día",
                "Correo electrónico": "en dos días",
                "Teléfono": "en unos minutos",
            },
            {
                "Formulario de contacto": (
                    "en unas 3 horas laborables (medido en los últimos 30 días)"
                ),
                "Correo electrónico": "en dos días",
                "Teléfono": "en unos minutos",
            },
        ),
    ],
)
def test_the_contact_page_shows_the_measured_time_once_there_are_enough_answers(
    client, contact, language, promised, measured
):
    for _ in range(9):
        answered(contact.get_site(), at(dt.date(2026, 2, 12), 15), answered_at=at(FRIDAY, 10))
    assert reply_times_on(client, contact, language) == promised

    answered(contact.get_site(), at(dt.date(2026, 2, 12), 15), answered_at=at(FRIDAY, 10))
    cache.clear()
    assert reply_times_on(client, contact, language) == measured


def test_the_email_channel_shows_the_time_of_conversations_started_by_email(client, contact):
    ten_answers_in_three_working_hours(contact.get_site(), source=Source.EMAIL)
    said = reply_times_on(client, contact, "en")
    # Email has no hours of its own: the form's hours (the first channel with hours) count.
    assert said["Email"] == "in about 3 working hours (measured over the last 30 days)"
    assert said["Contact form"] == "within a day"


def test_the_thank_you_page_and_email_are_told_the_measured_time_else_the_promise(contact):
    site = contact.get_site()
    with translation.override("en"), time_machine.travel(NOW, tick=False):
        shop = Shop.for_site(site)
        assert shop.measured_reply_time == ""
        assert shop.expected_reply_time == "within a day"
        ten_answers_in_three_working_hours(site)
        cache.clear()
        shop = Shop.for_site(site)
        assert shop.measured_reply_time == "in about 3 working hours"
        assert shop.expected_reply_time == "in about 3 working hours"


def test_the_structured_data_claims_no_reply_time(client, contact):
    ten_answers_in_three_working_hours(contact.get_site())
    with time_machine.travel(NOW, tick=False):
        html = client.get(contact.url).content.decode()
    graph = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "working" not in graph
    assert "replies" not in graph.lower()


def test_a_warm_cache_costs_the_contact_page_no_query(client, contact, settings):
    # Every render renders: the page cache (tests/pages/test_page_cache.py) would answer the
    # warm visits before the reply times are read at all.
    settings.CONTACTKIT_PAGE_CACHE_SECONDS = 0
    site = contact.get_site()

    def render():
        with time_machine.travel(NOW, tick=False):
            client.get(contact.url)

    render()  # creates the site's settings (a change: the caches start again)
    render()  # fills Wagtail's and contactkit's caches
    with CaptureQueriesContext(connection) as without_answers:
        render()
    ten_answers_in_three_working_hours(site)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        render()
    with CaptureQueriesContext(connection) as warm:
        render()
    # A cold cache costs one query (the answered conversations; the channels are the page's).
    assert len([q for q in cold.captured_queries if measuring(q)]) == 1
    assert len(warm.captured_queries) == len(without_answers.captured_queries)
    assert not [q for q in warm.captured_queries if measuring(q)]


def test_reply_times_cost_one_query_for_the_conversations_and_five_for_the_channels(
    shop, one_is_enough, django_assert_num_queries
):
    channel(shop, "form", hours=OFFICE_HOURS)
    channel(shop, "email", email="hola@tienda.example")
    for day in range(1, 20):
        answered(shop, NOW - dt.timedelta(days=day), after=day * HOUR)
    with time_machine.travel(NOW, tick=False):
        # The conversations, then the profile, its holidays, the channels, their hours, their
        # special days: whatever the number of conversations and channels.
        with django_assert_num_queries(6):
            assert reply_times(shop).count == 19
        with django_assert_num_queries(0):
            assert reply_times(shop).count == 19


def test_nothing_to_measure_costs_one_query(shop, django_assert_num_queries):
    channel(shop, "form", hours=OFFICE_HOURS)
    with time_machine.travel(NOW, tick=False):
        with django_assert_num_queries(1):
            assert reply_times(shop) is None
        with django_assert_num_queries(0):
            assert reply_times(shop) is None


# --- Staff figures in the inbox -------------------------------------------------------------


def inbox_panel(client, folder="index"):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse(f"contactkit_inbox:{folder}"))
    assert response.status_code == 200
    panel = BeautifulSoup(response.content, "html.parser").select_one(".ck-reply-figures")
    return " ".join(panel.get_text().split()) if panel else None


@pytest.fixture
def team(shop, admin_client, django_user_model):
    """The owner answered two conversations (1 h and 2 h 20 min), Marta three (3, 4, 5 h)."""
    channel(shop, "form", hours=[(list(range(7)), "00:00", "00:00", True)])  # round the clock
    owner = django_user_model.objects.get(username="owner-en")
    marta = staff_user("view_conversation", "reply_conversation", username="marta")
    received = NOW - dt.timedelta(days=3)
    for after, by in [
        (HOUR, owner),
        (dt.timedelta(hours=2, minutes=20), owner),
        (3 * HOUR, marta),
        (4 * HOUR, marta),
        (5 * HOUR, marta),
    ]:
        answered(shop, received, after=after, by=by)
    return {"owner": owner, "marta": marta}


def test_the_inbox_shows_staff_their_own_figures_and_the_teams(admin_client, team):
    assert inbox_panel(admin_client) == (
        "Reply times "
        "Your first replies in the last 30 days: median 1 h 40 min over 2 conversations. "
        "The team: median 3 h over 5 conversations. "
        "Counted in opening hours only, from each channel’s hours."
    )
    assert inbox_panel(admin_client, "spam") is None
    assert inbox_panel(admin_client, "held") is None


def test_a_member_of_staff_who_answered_nothing_sees_only_the_team(client, team, shop):
    luis = staff_user("view_conversation", username="luis")
    client.force_login(luis)
    text = inbox_panel(client)
    assert "You sent no first replies in the last 30 days." in text
    assert "The team: median 3 h over 5 conversations." in text


def test_the_inbox_shows_the_figures_in_spanish(spanish_admin_client, shop, django_user_model):
    owner = django_user_model.objects.get(username="owner-es")
    answered(shop, NOW - dt.timedelta(days=1), after=dt.timedelta(minutes=45), by=owner)
    text = inbox_panel(spanish_admin_client)
    assert (
        "Tus primeras respuestas de los últimos 30 días: mediana de 45 min en 1 conversación."
        in text
    )
    assert "El equipo: mediana de 45 min en 1 conversación." in text


def test_the_inbox_shows_no_figures_when_nobody_answered(admin_client, shop):
    Conversation.objects.create(
        site=shop, name="Luis", email="luis@example.com", topic="other", created_at=NOW
    )
    assert inbox_panel(admin_client) is None


def test_staff_figures_are_each_users_own(shop, team):
    with time_machine.travel(NOW, tick=False):
        marta = staff_figures(shop, team["marta"])
        owner = staff_figures(shop, team["owner"])
    assert (marta.own.count, marta.own.median) == (3, 4 * HOUR)
    assert (owner.own.count, owner.own.median) == (2, dt.timedelta(hours=1, minutes=40))
    assert marta.team == owner.team
    assert (marta.team.count, marta.team.median) == (5, 3 * HOUR)


def test_the_figures_cost_the_inbox_no_query_on_a_warm_cache(admin_client, team):
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        inbox_panel(admin_client)
    with CaptureQueriesContext(connection) as warm:
        assert "median 1 h 40 min" in inbox_panel(admin_client)
    # Cold: the answered conversations, then the profile, its holidays and the channels with
    # their hours and special days. Warm: none of them.
    assert len(cold.captured_queries) - len(warm.captured_queries) == 6
    assert not [q for q in warm.captured_queries if measuring(q)]
