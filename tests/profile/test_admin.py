"""Shop staff fill in the profile and channels in the Wagtail admin; bad input is explained."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset

from contactkit.profile.models import ContactChannel, StoreProfile


def form_data(data, prefix=""):
    """Wagtail's nested_form_data, keeping lists as multiple values (ticked checkboxes), in
    the form and in its inline rows."""
    flat = {}
    for key, value in data.items():
        name = f"{prefix}-{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(form_data(value, name))
        else:
            flat[name] = value
    return flat


def profile_form(**overrides):
    data = {
        "trade_name": "Cerámica Alba",
        "legal_name": "Cerámica Alba Artesanos, S.L.",
        "time_zone": "Europe/Madrid",
        "country": "ES",
        "tax_id": "B-98765431",
        "vat_id": "ES B98765431",
        "payment_methods": ["paypal", "card"],
        "languages_spoken": ["es"],
        "countries_shipped_to": ["ES", "PT"],
        "people": inline_formset([{"name": "Lucía Alba", "role": "Fundadora"}]),
        "seals": inline_formset([]),
        "review_profiles": inline_formset([]),
        "closures": inline_formset([{"date": "2026-12-25", "label": "Navidad"}]),
    }
    data.update(overrides)
    return form_data(data)


def profile_url(site):
    return reverse("wagtailsettings:edit", args=["contactkit", "storeprofile", site.pk])


def test_owner_saves_the_profile_with_people_and_holidays(admin_client, site):
    response = admin_client.post(profile_url(site), profile_form())
    assert response.status_code == 302
    profile = StoreProfile.for_site(site)
    assert profile.tax_id == "B98765431"
    assert profile.vat_id == "ESB98765431"
    assert profile.payment_methods == ["card", "paypal"]  # the order of the list, not of ticking
    assert [str(c) for c in profile.countries_shipped_to] == ["ES", "PT"]
    assert [p.name for p in profile.people.all()] == ["Lucía Alba"]
    assert [c.label for c in profile.closures.all()] == ["Navidad"]


def test_profile_edit_screen_speaks_spanish(spanish_admin_client, site):
    response = spanish_admin_client.get(profile_url(site))
    content = response.content.decode()
    assert "Nombre de la tienda" in content
    assert "Las personas detrás de la tienda" in content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("vat_id", "ESB98765432", "This is not a valid EU VAT id"),
        ("tax_id", "B1", "This is not a valid Spanish NIF or CIF"),
        ("vat_id", "B98765431", "starts with the two letters of its country"),
    ],
)
def test_bad_tax_ids_are_explained_and_nothing_is_saved(admin_client, site, field, value, message):
    response = admin_client.post(profile_url(site), profile_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    profile = StoreProfile.objects.filter(site=site).first()
    # The person in the same form is not saved either: nothing is stored half.
    assert profile is None or not profile.people.exists()


def channel_form(**overrides):
    data = {
        "site": "",
        "kind": "phone",
        "label": "Atención al cliente",
        "phone": "+34 960 12 34 56",
        "email": "",
        "url": "",
        "page": "",
        "street_address": "",
        "postal_code": "",
        "city": "",
        "region": "",
        "country": "",
        "purposes": ["support"],
        "languages": ["es", "en"],
        "reply_time": "",
        "hours": inline_formset(
            [
                {"weekdays": ["0"], "opens": "09:00", "closes": "14:00"},
                {"weekdays": ["0"], "opens": "16:00", "closes": "19:00"},
            ]
        ),
        "exceptions": inline_formset([]),
    }
    data.update(overrides)
    return form_data(data)


def add_channel_url():
    return reverse("wagtailsnippets_contactkit_contactchannel:add")


def test_staff_add_a_phone_line_with_a_lunch_break(admin_client, site):
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk))
    assert response.status_code == 302
    channel = ContactChannel.objects.get()
    assert channel.phone.as_e164 == "+34960123456"
    assert [str(row) for row in channel.hours.order_by("opens")] == [
        "Monday 09:00–14:00",
        "Monday 16:00–19:00",
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "Enter a valid phone number"),
        ({"kind": "instagram", "phone": "", "url": "https://facebook.com/x"}, "not on Instagram"),
        ({"kind": "email", "phone": "", "email": "hola@"}, "Enter a valid email address"),
        (
            {"hours": inline_formset([{"weekdays": ["4"], "opens": "20:00", "closes": "02:00"}])},
            "It closes before it opens",
        ),
        (
            {"exceptions": inline_formset([{"date": "2026-12-24", "label": "Nochebuena"}])},
            "or tick “closed all day”",
        ),
    ],
)
def test_bad_channel_input_is_explained_and_nothing_is_saved(
    admin_client, site, overrides, message
):
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ContactChannel.objects.exists()


def test_a_late_night_line_crossing_midnight_is_accepted(admin_client, site):
    hours = inline_formset(
        [{"weekdays": ["4"], "opens": "20:00", "closes": "02:00", "closes_next_day": "on"}]
    )
    response = admin_client.post(add_channel_url(), channel_form(site=site.pk, hours=hours))
    assert response.status_code == 302
    assert ContactChannel.objects.get().hours.get().closes_next_day


def test_channel_list_shows_number_and_kind(admin_client, site):
    admin_client.post(add_channel_url(), channel_form(site=site.pk))
    response = admin_client.get(reverse("wagtailsnippets_contactkit_contactchannel:list"))
    content = response.content.decode()
    assert "Atención al cliente" in content
    assert "960 12 34 56" in content
