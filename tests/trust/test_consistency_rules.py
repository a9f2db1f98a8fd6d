"""The consistency trust rules (contactkit.trust.rules.consistency), on the pages as a shopper's
browser gets them (served by the test client through TrustContext): for each, a shop that
passes and one that fails."""

import pytest
from django.core.cache import cache

from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage
from contactkit.trust import registry
from contactkit.trust.context import TrustContext
from tests.profile.builders import channel, profile_for

WEEKDAYS = [(list(range(5)), "09:00", "14:00")]


def rule(rule_id):
    return next(found for found in registry.rules() if found.id == rule_id)


def details(context, rule_id):
    """The details of the rule's findings ([] when it passes), or None when it does not
    apply."""
    found = rule(rule_id).findings(context)
    return None if found is None else [finding.detail for finding in found]


def make_shop(site, country="ES", legal_notice_page=True):
    profile_for(
        site,
        trade_name="Cerámica Alba",
        legal_name="Cerámica Alba Artesanos, S.L.",
        street_address="Calle de Sueca, 27",
        postal_code="46006",
        city="Valencia",
        country=country,
    )
    channel(site, "phone", phone="+34960123456", hours=WEEKDAYS)
    channel(site, "email", email="hola@ceramica.example")
    home = site.root_page
    pages = {}
    models = [
        (ContactPage, "contacto", "Contacto"),
        (AboutPage, "quienes-somos", "Quiénes somos"),
        (ReturnsPage, "devoluciones", "Devoluciones"),
    ]
    if legal_notice_page:
        models.append((LegalNoticePage, "aviso-legal", "Aviso legal"))
    for model, slug, title in models:
        pages[slug] = home.add_child(instance=model(title=title, slug=slug))
    return pages


@pytest.fixture
def shop(site):
    """A Spanish shop with its four pages, the same details everywhere."""
    return make_shop(site)


def write(page, intro):
    page.intro = intro
    page.save_revision().publish()


# --- consistency.same-contact-details -------------------------------------------------------------


def test_the_same_details_everywhere_pass(site, shop):
    # The shop’s own number (in another format) and email typed by hand are not strays.
    write(shop["quienes-somos"], "<p>Llámanos al 960 12 34 56 o a hola@ceramica.example.</p>")
    context = TrustContext(site)
    assert details(context, "consistency.same-contact-details") == []
    # The rule did read the pages, the structured data and the vCard.
    assert "hola@ceramica.example" in context.html(shop["contacto"])
    assert context.organisation["telephone"] == "+34960123456"
    assert "TEL;TYPE=WORK,VOICE:+34960123456" in context.vcard


def test_a_number_and_an_email_typed_into_a_page_are_findings(site, shop):
    write(shop["quienes-somos"], "<p>Llámanos al 911 222 333 o escribe a ventas@otra.example.</p>")
    context = TrustContext(site)
    assert details(context, "consistency.same-contact-details") == [
        "The page “Quiénes somos” shows 911 222 333 and ventas@otra.example, which are not "
        "among your contact channels."
    ]
    assert rule("consistency.same-contact-details").fix(context) == context.page_url(
        shop["quienes-somos"]
    )


def test_an_email_on_the_home_page_is_a_finding(site, shop):
    home = site.root_page.specific
    write(home, "<p>Pedidos: <b>pedidos@tienda-vieja.example</b></p>")
    assert details(TrustContext(site), "consistency.same-contact-details") == [
        "The page “Tienda” shows pedidos@tienda-vieja.example, which is not one of your "
        "contact channels."
    ]


def test_structured_data_that_disagrees_is_a_finding(site, shop):
    context = TrustContext(site)
    context.organisation = {
        **context.organisation,
        "telephone": "+34911222333",
        "address": {"streetAddress": "Calle Mayor, 1", "postalCode": "28013"},
    }
    assert details(context, "consistency.same-contact-details") == [
        "The structured data (JSON-LD) gives +34911222333, which is not one of your contact "
        "channels.",
        "The structured data (JSON-LD) does not give your phone number, +34 960 12 34 56.",
        "The structured data (JSON-LD) does not give your address, "
        "Calle de Sueca, 27, 46006 Valencia, Spain.",
    ]


def test_a_vcard_that_disagrees_is_a_finding(site, shop):
    context = TrustContext(site)
    context.vcard = context.vcard.replace(
        "EMAIL;TYPE=INTERNET:hola@ceramica.example", "EMAIL;TYPE=INTERNET:info@otra.example"
    )
    assert details(context, "consistency.same-contact-details") == [
        "The vCard gives info@otra.example, which is not one of your contact channels.",
        "The vCard does not give your email address, hola@ceramica.example.",
    ]


# --- consistency.no-odr-link ----------------------------------------------------------------------


def test_pages_without_the_odr_link_pass(site, shop):
    context = TrustContext(site)
    assert details(context, "consistency.no-odr-link") == []
    found = rule("consistency.no-odr-link")
    assert found.severity == registry.SHOPPERS
    assert found.law == "Regulation (EU) 2024/3228"


def test_a_link_to_the_closed_odr_platform_is_a_finding(site, shop):
    home = site.root_page.specific
    write(
        home,
        '<p>Resolución de litigios en línea: <a href="https://ec.europa.eu/consumers/odr/'
        'main/?event=main.home2.show">plataforma ODR</a></p>',
    )
    context = TrustContext(site)
    assert details(context, "consistency.no-odr-link") == [
        "The page “Tienda” links to the EU’s ODR platform, which closed on 20 July 2025."
    ]
    assert rule("consistency.no-odr-link").fix(context) == context.page_url(home)


# --- consistency.channel-hours --------------------------------------------------------------------


def test_channels_with_hours_pass(site, shop):
    # Email has no hours and needs none.
    assert details(TrustContext(site), "consistency.channel-hours") == []


def test_a_phone_line_without_hours_is_a_recommendation(site, shop):
    line = channel(site, "whatsapp", phone="+34612345678", label="Pedidos")
    context = TrustContext(site)
    found = rule("consistency.channel-hours").findings(context)
    assert [finding.detail for finding in found] == ["“Pedidos” (WhatsApp) has no opening hours."]
    assert found[0].severity == registry.RECOMMENDED
    assert rule("consistency.channel-hours").fix(context) == context.channel_url(line)


# --- consistency.legal-notice-reachable (and its twin outside Spain and Germany) ------------------


def test_a_footer_link_on_every_page_passes(site, shop):
    context = TrustContext(site)
    assert details(context, "consistency.legal-notice-reachable") == []
    # The twin is for the other countries.
    assert details(context, "consistency.legal-notice-reachable-elsewhere") is None


def test_the_notice_itself_in_the_footer_passes_without_a_page(site):
    make_shop(site, legal_notice_page=False)
    context = TrustContext(site)
    assert 'class="ck-legal-notice"' in context.home_html
    assert details(context, "consistency.legal-notice-reachable") == []


def test_pages_without_the_link_are_a_legal_finding_in_spain(site, shop, settings):
    # contactkit's own base template has no footer: its pages lose the link, the home page
    # (the demo's template) keeps it; the legal notice page itself is not asked to link to
    # itself.
    settings.CONTACTKIT_BASE_TEMPLATE = "contactkit/standalone.html"
    context = TrustContext(site)
    found = rule("consistency.legal-notice-reachable").findings(context)
    assert [finding.detail for finding in found] == [
        f"The page “{title}” neither links to the legal notice nor shows it."
        for title in ("Contacto", "Quiénes somos", "Devoluciones")
    ]
    assert found[0].severity == registry.LAW
    assert "LSSI-CE" in found[0].rule.law and "DDG" in found[0].rule.law
    assert rule("consistency.legal-notice-reachable").fix(context) == context.page_url(
        shop["aviso-legal"]
    )


def test_elsewhere_the_same_is_expected_by_shoppers(site, settings):
    make_shop(site, country="FR")
    context = TrustContext(site)
    assert details(context, "consistency.legal-notice-reachable") is None
    assert details(context, "consistency.legal-notice-reachable-elsewhere") == []

    settings.CONTACTKIT_BASE_TEMPLATE = "contactkit/standalone.html"
    cache.clear()  # the pages served a moment ago were kept by the page cache
    context = TrustContext(site)
    found = rule("consistency.legal-notice-reachable-elsewhere").findings(context)
    assert len(found) == 3
    assert found[0].severity == registry.SHOPPERS


# --- consistency.pages-published ------------------------------------------------------------------


def test_the_three_pages_published_pass(site, shop):
    assert details(TrustContext(site), "consistency.pages-published") == []


def test_each_missing_page_is_a_finding(site, shop):
    shop["quienes-somos"].unpublish()
    shop["devoluciones"].delete()
    context = TrustContext(site)
    assert details(context, "consistency.pages-published") == [
        "There is no published About us page.",
        "There is no published Returns page.",
    ]
    assert rule("consistency.pages-published").fix(context) == context.page_url(None)
