"""The admin sets no traps for a shop owner (issue 10).

Dates and times are shown and read in the owner's format and never silently replaced; rows of
hours that contradict each other are refused with a message naming both; a value typed in a
field the channel's kind does not use is refused rather than dropped; long lists of languages
can be searched, the shop's own languages first.
"""

import datetime as dt
import html
import json
import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from contactkit.profile.choices import LANGUAGE_CHOICES
from contactkit.profile.models import ChannelHoursException, ContactChannel, StoreProfile
from tests.profile.builders import channel, profile_for
from tests.profile.test_admin import add_channel_url, channel_form, profile_form, profile_url


def edit_channel_url(made):
    return reverse("wagtailsnippets_contactkit_contactchannel:edit", args=[made.pk])


def special_days(*rows):
    return inline_formset([{"label": "", "closed": "", **row} for row in rows])


def picker_config(content, field_id):
    """The options the page gives Wagtail's date/time picker for the input ``field_id``."""
    escaped = field_id.replace("-", "\\u002D")  # as Django's escapejs writes it
    match = re.search(
        r'init(?:Date|Time)Chooser\("' + re.escape(escaped) + r'", (\{[^}]*\})\)', content
    )
    assert match, f"no picker for {field_id}"
    return json.loads(match.group(1))


def input_value(content, field_id):
    match = re.search(r'<input[^>]*id="' + re.escape(field_id) + r'"[^>]*>', content)
    assert match, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def errors_in(response):
    return html.unescape(response.content.decode())


# --- dates and times in the owner's format, never silently replaced ---------------------------


def test_a_spanish_owner_types_a_special_day_as_dd_mm_yyyy(spanish_admin_client, site):
    exceptions = special_days({"date": "24/12/2026", "label": "Nochebuena", "closed": "on"})
    response = spanish_admin_client.post(
        add_channel_url(), channel_form(site=site.pk, exceptions=exceptions)
    )
    assert response.status_code == 302
    assert ChannelHoursException.objects.get().date == dt.date(2026, 12, 24)


def test_the_spanish_edit_screen_shows_dates_as_dd_mm_yyyy_and_the_picker_keeps_them(
    spanish_admin_client, site
):
    made = channel(site, "phone", hours=[(0, "09:00", "14:00")])
    ChannelHoursException.objects.create(
        channel=made, date=dt.date(2026, 12, 24), opens=dt.time(10), closes=dt.time(13)
    )
    content = spanish_admin_client.get(edit_channel_url(made)).content.decode()
    assert input_value(content, "id_exceptions-0-date") == "24/12/2026"
    assert input_value(content, "id_hours-0-opens") == "09:00"
    date_picker = picker_config(content, "id_exceptions-0-date")
    assert date_picker["format"] == "d/m/Y"
    # The picker's "validate on blur" replaced what it could not read (24/12/2026 read as
    # Y-m-d, or 25:00) with a wrong date or the current time, without a word.
    assert date_picker["validateOnBlur"] is False
    assert picker_config(content, "id_hours-0-opens")["validateOnBlur"] is False
    assert picker_config(content, "id_exceptions-0-closes")["validateOnBlur"] is False


def test_the_english_edit_screen_keeps_wagtails_date_format(admin_client, site):
    made = channel(site, "phone")
    ChannelHoursException.objects.create(channel=made, date=dt.date(2026, 12, 24), closed=True)
    content = admin_client.get(edit_channel_url(made)).content.decode()
    assert input_value(content, "id_exceptions-0-date") == "2026-12-24"
    assert picker_config(content, "id_exceptions-0-date")["format"] == "Y-m-d"


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"date": "32/12/2026", "closed": "on"}, "date", "por ejemplo 24/12/2026"),
        ({"date": "12/24/2026", "closed": "on"}, "date", "por ejemplo 24/12/2026"),
        ({"date": "24/12/2026", "opens": "25:00", "closes": "14:00"}, "opens", "09:30"),
        ({"date": "24/12/2026", "opens": "10:00", "closes": "mediodía"}, "closes", "09:30"),
    ],
)
def test_a_date_or_time_that_cannot_be_read_is_refused_not_replaced(
    spanish_admin_client, site, row, field, message
):
    response = spanish_admin_client.post(
        add_channel_url(), channel_form(site=site.pk, exceptions=special_days(row))
    )
    assert response.status_code == 200
    assert message in errors_in(response)
    assert not ContactChannel.objects.exists()


def test_a_weekly_time_that_cannot_be_read_is_explained(admin_client, site):
    hours = inline_formset([{"weekdays": ["0"], "opens": "25:00", "closes": "14:00"}])
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 200
    assert "Write the time as hh:mm, for example 09:30." in errors_in(response)


def test_a_holiday_in_the_profile_is_typed_as_dd_mm_yyyy_in_spanish(spanish_admin_client, site):
    closures = inline_formset([{"date": "06/01/2027", "label": "Reyes"}])
    response = spanish_admin_client.post(profile_url(site), profile_form(closures=closures))
    assert response.status_code == 302
    assert [c.date for c in StoreProfile.for_site(site).closures.all()] == [dt.date(2027, 1, 6)]
    content = spanish_admin_client.get(profile_url(site)).content.decode()
    assert input_value(content, "id_closures-0-date") == "06/01/2027"
    assert picker_config(content, "id_closures-0-date")["validateOnBlur"] is False


# --- hours that contradict each other ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [("0", "09:00", "14:00", ""), ("0", "13:00", "17:00", "")],
            "Monday 09:00–14:00 overlaps Monday 13:00–17:00.",
        ),
        (
            [("2", "10:00", "12:00", ""), ("2", "09:00", "19:00", "")],
            "Wednesday 10:00–12:00 overlaps Wednesday 09:00–19:00.",
        ),
        (
            [("4", "20:00", "02:00", "on"), ("5", "01:00", "05:00", "")],
            "Friday 20:00–02:00 overlaps Saturday 01:00–05:00.",
        ),
        (
            [("6", "22:00", "03:00", "on"), ("0", "02:00", "04:00", "")],
            "Sunday 22:00–03:00 overlaps Monday 02:00–04:00.",
        ),
    ],
)
def test_overlapping_weekly_hours_are_refused_naming_both(admin_client, site, rows, message):
    hours = inline_formset(
        [
            {"weekdays": [day], "opens": opens, "closes": closes, "closes_next_day": next_day}
            for day, opens, closes, next_day in rows
        ]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 200
    assert message in errors_in(response)
    assert not ContactChannel.objects.exists()


def test_overlaps_are_explained_in_spanish(spanish_admin_client, site):
    hours = inline_formset(
        [
            {"weekdays": ["0"], "opens": "09:00", "closes": "14:00"},
            {"weekdays": ["0"], "opens": "13:00", "closes": "17:00"},
        ]
    )
    response = spanish_admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 200
    assert "lunes 09:00–14:00" in errors_in(response).lower()


def test_hours_that_touch_or_cross_midnight_without_overlapping_are_accepted(admin_client, site):
    hours = inline_formset(
        [
            {"weekdays": ["0"], "opens": "09:00", "closes": "14:00"},
            {"weekdays": ["0"], "opens": "14:00", "closes": "17:00"},
            {"weekdays": ["4"], "opens": "20:00", "closes": "02:00", "closes_next_day": "on"},
            {"weekdays": ["5"], "opens": "02:00", "closes": "05:00"},
            {"weekdays": ["6"], "opens": "22:00", "closes": "00:00", "closes_next_day": "on"},
            {"weekdays": ["0"], "opens": "00:00", "closes": "01:00"},
        ]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 302
    assert ContactChannel.objects.get().hours.count() == 6


def test_a_deleted_row_does_not_count_as_an_overlap(admin_client, site):
    hours = inline_formset(
        [
            {"weekdays": ["0"], "opens": "09:00", "closes": "14:00"},
            {"weekdays": ["0"], "opens": "10:00", "closes": "12:00", "DELETE": "1"},
        ]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [{"date": "2026-12-24", "closed": "on", "opens": "10:00", "closes": "14:00"}],
            "You ticked “closed all day” and also gave opening times.",
        ),
        (
            [
                {"date": "2026-12-24", "opens": "10:00", "closes": "14:00"},
                {"date": "2026-12-24", "opens": "13:00", "closes": "15:00"},
            ],
            "2026-12-24 10:00–14:00 overlaps 2026-12-24 13:00–15:00.",
        ),
        (
            [
                {"date": "2026-12-24", "closed": "on"},
                {"date": "2026-12-24", "opens": "10:00", "closes": "14:00"},
            ],
            "2026-12-24 is marked “closed all day” and also has opening hours.",
        ),
        (
            [
                {"date": "2026-12-24", "opens": "10:00", "closes": "14:00"},
                {"date": "2026-12-24", "closed": "on"},
            ],
            "2026-12-24 is marked “closed all day” and also has opening hours.",
        ),
        (
            [
                {"date": "2026-12-31", "opens": "22:00", "closes": "03:00"}
                | {"closes_next_day": "on"},
                {"date": "2027-01-01", "opens": "02:00", "closes": "04:00"},
            ],
            "2026-12-31 22:00–03:00 overlaps 2027-01-01 02:00–04:00.",
        ),
    ],
)
def test_contradicting_special_days_are_refused_naming_what_is_wrong(
    admin_client, site, rows, message
):
    response = admin_client.post(
        add_channel_url(), channel_form(site=site.pk, exceptions=special_days(*rows))
    )
    assert response.status_code == 200
    assert message in errors_in(response)
    assert not ContactChannel.objects.exists()


def test_special_days_in_spanish_name_the_date_as_typed(spanish_admin_client, site):
    rows = [
        {"date": "24/12/2026", "opens": "10:00", "closes": "14:00"},
        {"date": "24/12/2026", "opens": "13:00", "closes": "15:00"},
    ]
    response = spanish_admin_client.post(
        add_channel_url(), channel_form(site=site.pk, exceptions=special_days(*rows))
    )
    assert response.status_code == 200
    assert "24/12/2026 10:00–14:00" in errors_in(response)


def test_a_special_day_with_two_openings_and_a_late_night_is_accepted(admin_client, site):
    rows = [
        {"date": "2026-12-24", "opens": "10:00", "closes": "14:00"},
        {"date": "2026-12-24", "opens": "17:00", "closes": "19:00"},
        {"date": "2026-12-31", "opens": "22:00", "closes": "02:00", "closes_next_day": "on"},
        {"date": "2027-01-01", "opens": "02:00", "closes": "04:00"},
    ]
    response = admin_client.post(
        add_channel_url(), channel_form(site=site.pk, exceptions=special_days(*rows))
    )
    assert response.status_code == 302
    assert ContactChannel.objects.get().exceptions.count() == 4


# --- values the channel's kind does not use ----------------------------------------------------


def test_an_email_address_on_a_whatsapp_channel_is_refused_not_dropped(admin_client, site):
    form = channel_form(
        site=site.pk, kind="whatsapp", phone="+34 612 34 56 78", email="hola@tienda.example"
    )
    response = admin_client.post(add_channel_url(), form)
    assert response.status_code == 200
    assert (
        "A channel of kind “WhatsApp” does not use an email address. Clear it, or add a "
        "separate channel of kind “Email” for it."
    ) in errors_in(response)
    assert not ContactChannel.objects.exists()


def test_an_email_address_typed_as_a_whatsapp_number_is_refused(admin_client, site):
    form = channel_form(site=site.pk, kind="whatsapp", phone="hola@tienda.example")
    response = admin_client.post(add_channel_url(), form)
    assert response.status_code == 200
    assert "Enter a valid phone number" in errors_in(response)
    assert not ContactChannel.objects.exists()


# --- long lists of languages -------------------------------------------------------------------


def option_position(content, name, value):
    match = re.search(r'<input[^>]*name="' + name + r'"[^>]*value="' + value + r'"', content)
    if match is None:
        match = re.search(r'<input[^>]*value="' + value + r'"[^>]*name="' + name + r'"', content)
    assert match, f"no checkbox {name}={value}"
    return match.start()


def test_the_channel_languages_can_be_searched_with_the_shops_languages_first(
    spanish_admin_client, site
):
    profile_for(site, country="ES")
    content = spanish_admin_client.get(add_channel_url()).content.decode()
    common = ["es", "ca", "eu", "gl", "en", "fr", "de", "pt", "it"]
    others = ["af", "ar", "ast", "nl", "ru"]
    first = max(option_position(content, "languages", code) for code in common)
    assert first < min(option_position(content, "languages", code) for code in others)
    # The country's languages come in the order they are spoken, before the widely read ones.
    ordered = [option_position(content, "languages", code) for code in ["ca", "eu", "gl", "fr"]]
    assert ordered == sorted(ordered)
    assert "ck-choice-filter__search" in content
    assert "contactkit/admin/choice-filter.js" in content
    # The filter is a static file: no inline script or handler comes with the list.
    from contactkit.profile.widgets import SearchableCheckboxSelectMultiple

    widget = SearchableCheckboxSelectMultiple(choices=LANGUAGE_CHOICES).render(
        "languages", ["es"], {"id": "id_languages"}
    )
    assert "<script" not in widget
    assert not re.search(r"\son[a-z]+=", widget)


def test_the_profile_languages_put_the_profiles_country_first(admin_client, site):
    profile_for(site, country="PT")
    content = admin_client.get(profile_url(site)).content.decode()
    assert option_position(content, "languages_spoken", "pt") < option_position(
        content, "languages_spoken", "af"
    )
    assert "ck-choice-filter__search" in content


def test_ticked_languages_are_stored_in_the_lists_order_not_the_screens(admin_client, site):
    response = admin_client.post(
        add_channel_url(), channel_form(site=site.pk, languages=["it", "en", "ca"])
    )
    assert response.status_code == 302
    assert ContactChannel.objects.get().languages == ["ca", "en", "it"]
