"""The demo shop: built by one command, safe to build again, served with a sitemap."""

import pytest
from django.core.management import call_command
from wagtail.models import Page, Site

from contactkit.profile.models import ContactChannel, OpeningHoursInterval, StoreProfile


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo_shop", stdout=open("/dev/null", "w"))  # noqa: SIM115
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.port = "testserver", 80
    site.save()
    return site


def counts():
    return (
        Page.objects.count(),
        ContactChannel.objects.count(),
        OpeningHoursInterval.objects.count(),
        StoreProfile.objects.get().people.count(),
        StoreProfile.objects.get().closures.count(),
    )


def test_loading_the_demo_twice_changes_nothing(demo):
    before = counts()
    call_command("load_demo_shop", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == before


def test_demo_profile_is_a_complete_spanish_shop(demo):
    profile = StoreProfile.for_site(demo)
    assert profile.name == "Cerámica Alba"
    assert profile.vat_id.startswith("ES")
    assert profile.people.count() == 3
    assert (
        profile.closures.filter(label="Navidad").exists()
        or profile.closures.filter(label__icontains="Natividad").exists()
    )
    kinds = set(ContactChannel.objects.values_list("kind", flat=True))
    assert {"phone", "whatsapp", "email", "form", "store", "instagram"} <= kinds


def test_demo_phone_keeps_spanish_split_hours(demo):
    phone = ContactChannel.objects.get(kind="phone")
    monday = sorted((str(row.opens), str(row.closes)) for row in phone.hours.filter(weekday=0))
    assert monday == [("09:00:00", "14:00:00"), ("16:00:00", "19:00:00")]


def test_demo_home_page_serves(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    assert "Cerámica Alba" in response.content.decode()


def test_sitemap_lists_every_live_page(client, demo):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    for page in Page.objects.live().exclude(depth=1).specific():
        assert f"<loc>{page.full_url}</loc>" in body


def test_home_page_links_the_contact_about_and_returns_pages(client, demo):
    body = client.get("/").content.decode()
    for path in ("/contacto/", "/quienes-somos/", "/devoluciones/"):
        assert f'href="{path}"' in body
        assert client.get(path).status_code == 200


def test_demo_pages_are_in_the_sitemap(client, demo):
    body = client.get("/sitemap.xml").content.decode()
    for path in ("contacto/", "quienes-somos/", "devoluciones/", "aviso-legal/"):
        assert f"<loc>http://testserver/{path}</loc>" in body


def test_the_demos_returns_exclude_only_what_the_law_allows(client, demo):
    # Art. 16 of Directive 2011/83/EU: made-to-order pieces may be excluded from withdrawal,
    # pieces sold with small defects may not.
    page = client.get("/devoluciones/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Piezas personalizadas con nombre o dedicatoria" in page
    assert "Segunda oportunidad" not in page
    assert "garantía legal de conformidad durante 3 años" in page
