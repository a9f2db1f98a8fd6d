"""Contact channels: each kind checks its own value and gives the link a shopper taps."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contactkit.profile.models import (
    ChannelHoursException,
    ContactChannel,
    OpeningHoursInterval,
    StoreClosure,
)
from tests.profile.builders import channel, profile_for

MADRID = ZoneInfo("Europe/Madrid")


def errors_of(instance):
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_phone_is_stored_e164_and_shown_national_and_international(site):
    made = channel(site, "phone", phone="960 12 34 56")
    made.refresh_from_db()
    assert made.phone.as_e164 == "+34960123456"
    assert made.phone_national == "960 12 34 56"
    assert made.phone_international == "+34 960 12 34 56"
    assert made.href == "tel:+34960123456"


def test_whatsapp_links_to_wa_me_without_plus(site):
    made = channel(site, "whatsapp", phone="+34 612 34 56 78")
    assert made.href == "https://wa.me/34612345678"


def test_email_gets_a_mailto_link(site):
    made = channel(site, "email", email="hola@tienda.example")
    assert made.href == "mailto:hola@tienda.example"


def test_a_phone_that_is_not_a_phone_is_refused_in_the_staff_language(site):
    with translation.override("es"):
        errors = errors_of(ContactChannel(site=site, kind="phone", phone="12"))
    assert "phone" in errors
    assert "número de teléfono" in errors["phone"][0].lower()


def test_a_phone_channel_without_number_says_it_needs_one(site):
    errors = errors_of(ContactChannel(site=site, kind="phone"))
    assert errors["phone"] == ["Fill this in for a channel of kind “Phone”."]


def test_an_invalid_email_is_refused(site):
    errors = errors_of(ContactChannel(site=site, kind="email", email="hola@"))
    assert "email" in errors


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("instagram", "https://www.facebook.com/tienda"),
        ("facebook", "https://facebook.com.evil.example/tienda"),
        ("x", "https://mastodon.social/@tienda"),
        ("tiktok", "http://www.tiktok.com/@tienda"),
    ],
)
def test_a_social_link_on_the_wrong_host_is_refused(site, kind, url):
    errors = errors_of(ContactChannel(site=site, kind=kind, url=url))
    assert "url" in errors


def test_social_link_error_names_the_network_and_its_host(site):
    errors = errors_of(
        ContactChannel(site=site, kind="instagram", url="https://www.facebook.com/x")
    )
    assert errors["url"] == [
        "This link is not on Instagram: it should start with https://instagram.com/."
    ]


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("instagram", "https://www.instagram.com/tienda/"),
        ("x", "https://twitter.com/tienda"),
        ("youtube", "https://youtu.be/abc"),
        ("pinterest", "https://www.pinterest.es/tienda/"),
        ("telegram", "https://t.me/tienda"),
        ("messenger", "https://m.me/tienda"),
        ("linkedin", "https://es.linkedin.com/company/tienda"),
    ],
)
def test_social_links_on_their_network_are_accepted(site, kind, url):
    made = channel(site, kind, url=url)
    assert made.href == url


def test_a_value_the_kind_does_not_use_is_refused_not_dropped(site):
    errors = errors_of(
        ContactChannel(site=site, kind="email", email="hola@tienda.example", phone="+34960123456")
    )
    assert errors == {
        "phone": [
            "A channel of kind “Email” does not use a phone number. Clear it, or add a "
            "separate channel of kind “Phone” or “WhatsApp” for it."
        ]
    }


def test_an_email_on_a_whatsapp_channel_is_refused_in_spanish(site):
    with translation.override("es"):
        errors = errors_of(
            ContactChannel(site=site, kind="whatsapp", phone="+34612345678", email="hola@x.es")
        )
    assert set(errors) == {"email"}


def test_a_store_keeps_its_own_phone_and_other_kinds_refuse_an_address(site):
    store = channel(
        site, "store", street_address="Calle Mayor 1", city="Madrid", phone="+34960123456"
    )
    assert store.phone_national == "960 12 34 56"
    errors = errors_of(ContactChannel(site=site, kind="phone", phone="+34960123456", city="Madrid"))
    assert set(errors) == {"city"}


def test_a_store_needs_street_and_city(site):
    errors = errors_of(ContactChannel(site=site, kind="store", country="ES"))
    assert set(errors) == {"street_address", "city"}


def test_store_address_lines_leave_out_empty_parts(site):
    made = channel(site, "store", street_address="Calle Mayor 1", city="Madrid", country="ES")
    with translation.override("es"):
        assert made.address_lines == ["Calle Mayor 1", "Madrid", "España"]


@pytest.mark.parametrize(
    ("opens", "closes", "next_day", "ok"),
    [
        ("09:00", "14:00", False, True),
        ("14:00", "09:00", False, False),
        ("09:00", "09:00", False, False),
        ("20:00", "02:00", True, True),
        ("20:00", "00:00", True, True),
        ("02:00", "20:00", True, False),
    ],
)
def test_opening_hours_that_end_before_they_start_need_next_day(site, opens, closes, next_day, ok):
    row = OpeningHoursInterval(
        channel=channel(site),
        weekdays=["0"],
        opens=dt.time.fromisoformat(opens),
        closes=dt.time.fromisoformat(closes),
        closes_next_day=next_day,
    )
    if ok:
        row.full_clean()
    else:
        assert "closes" in errors_of(row)


def test_the_interval_error_tells_the_owner_how_to_cross_midnight(site):
    row = OpeningHoursInterval(
        channel=channel(site), weekdays=["4"], opens=dt.time(20), closes=dt.time(2)
    )
    with translation.override("es"):
        message = errors_of(row)["closes"][0]
    assert "cierra antes de abrir" in message.lower()
    assert "cierra al día siguiente" in message


def test_a_special_day_needs_hours_or_closed(site):
    row = ChannelHoursException(channel=channel(site), date=dt.date(2026, 12, 24))
    assert errors_of(row)


def test_channel_schedule_uses_store_zone_weekly_hours_and_holidays(site):
    profile = profile_for(site, time_zone="Europe/Madrid")
    StoreClosure.objects.create(profile=profile, date=dt.date(2026, 12, 8), label="Inmaculada")
    phone = channel(site, "phone", hours=[(day, "09:00", "14:00") for day in range(5)])
    schedule = phone.schedule()
    tuesday_holiday = dt.datetime(2026, 12, 8, 10, tzinfo=MADRID)
    assert not schedule.is_open(tuesday_holiday)
    assert schedule.next_opening(tuesday_holiday) == dt.datetime(2026, 12, 9, 9, tzinfo=MADRID)
    assert schedule.is_open(dt.datetime(2026, 12, 9, 9, 30, tzinfo=MADRID))


def test_channel_special_hours_win_over_a_store_holiday(site):
    profile = profile_for(site)
    StoreClosure.objects.create(profile=profile, date=dt.date(2026, 12, 8))
    phone = channel(site, "phone", hours=[(1, "09:00", "14:00")])
    ChannelHoursException.objects.create(
        channel=phone, date=dt.date(2026, 12, 8), opens=dt.time(10), closes=dt.time(12)
    )
    schedule = phone.schedule()
    assert schedule.is_open(dt.datetime(2026, 12, 8, 11, tzinfo=MADRID))
    assert not schedule.is_open(dt.datetime(2026, 12, 8, 13, tzinfo=MADRID))


def test_a_channel_without_hours_stays_without_hours_even_on_holidays(site):
    profile = profile_for(site)
    StoreClosure.objects.create(profile=profile, date=dt.date(2026, 12, 8))
    email = channel(site, "email", email="hola@tienda.example")
    assert not email.schedule().has_hours


def test_channels_of_a_site_load_their_hours_in_a_fixed_number_of_queries(
    site, django_assert_num_queries
):
    for index in range(5):
        channel(
            site, "phone", hours=[(day, "09:00", "14:00") for day in range(5)], label=str(index)
        )
    with django_assert_num_queries(3):
        channels = list(ContactChannel.objects.for_site(site))
        for made in channels:
            list(made.hours.all())
            list(made.exceptions.all())


def test_a_stores_postcode_is_checked_for_its_country(site):
    from django.core.exceptions import ValidationError

    from contactkit.profile.models import ContactChannel

    store = ContactChannel(
        site=site,
        kind="store",
        street_address="Calle de la Paz 12",
        postal_code="ABCDE",
        city="Valencia",
        country="ES",
    )
    with pytest.raises(ValidationError) as refused:
        store.full_clean()
    assert "This is not a valid postal code in Spain." in refused.value.message_dict["postal_code"]

    store.postal_code = "46003"
    store.full_clean()
