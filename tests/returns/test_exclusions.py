"""What cannot be returned: the exceptions the law allows in the shopper's words, then the
shop's other lines, which the admin flags for a lawyer's review."""

import json

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from contactkit.pages.models import ReturnsPage
from contactkit.profile.shop import Shop
from contactkit.returns.choices import NonReturnable
from contactkit.returns.models import ReturnPolicy
from contactkit.returns.text import describe
from contactkit.structured_data.graph import graph
from tests.languages import in_language
from tests.profile.builders import profile_for
from tests.returns.test_policy import policy_form, policy_url

# Each exception of Directive 2011/83/EU art. 16, as a shopper reads it, in English and in
# Spanish (tú, Spain).
WORDING = {
    NonReturnable.MADE_TO_ORDER: (
        "Items made to your specifications or clearly personalised, such as with a name or a "
        "dedication.",
        "Artículos hechos según tus indicaciones o claramente personalizados, por ejemplo con "
        "un nombre o una dedicatoria.",
    ),
    NonReturnable.PERISHABLE: (
        "Items that can go off or expire quickly, such as fresh food or cut flowers.",
        "Productos que pueden estropearse o caducar rápidamente, como alimentos frescos o "
        "flores cortadas.",
    ),
    NonReturnable.HYGIENE: (
        "Sealed items that cannot be returned for health or hygiene reasons, once you have "
        "broken the seal.",
        "Productos precintados que no se pueden devolver por motivos de salud o de higiene, si "
        "los has desprecintado.",
    ),
    NonReturnable.MIXED: (
        "Items that, by their nature, become inseparably mixed with other things once delivered.",
        "Productos que, por su naturaleza, se mezclan de forma inseparable con otros una vez "
        "entregados.",
    ),
    NonReturnable.MARKET_PRICE: (
        "Items whose price depends on changes in the financial markets that we cannot control.",
        "Productos cuyo precio depende de fluctuaciones de los mercados financieros que no "
        "podemos controlar.",
    ),
    NonReturnable.ALCOHOL: (
        "Alcoholic drinks sold at a price agreed when you order them, that can only be "
        "delivered after 30 days and whose value depends on the market.",
        "Bebidas alcohólicas vendidas a un precio acordado al hacer el pedido, que solo se "
        "pueden entregar pasados 30 días y cuyo valor depende del mercado.",
    ),
    NonReturnable.SEALED_MEDIA: (
        "Sealed music, films or software, such as CDs, DVDs or video games, once you have "
        "broken the seal.",
        "Música, películas o programas informáticos precintados, como CD, DVD o videojuegos, "
        "si los has desprecintado.",
    ),
    NonReturnable.PRESS: (
        "Newspapers and magazines, except subscriptions.",
        "Periódicos y revistas, salvo las suscripciones.",
    ),
    NonReturnable.AUCTION: (
        "Items bought at a public auction.",
        "Artículos comprados en una subasta pública.",
    ),
    NonReturnable.DIGITAL: (
        "Digital content not supplied on a physical medium, such as downloads, once the "
        "download or streaming has started with your express consent and you have "
        "acknowledged that you lose your right to withdraw.",
        "Contenido digital que no se entrega en un soporte material, como las descargas, una "
        "vez que la descarga o la reproducción en línea ha empezado con tu consentimiento "
        "expreso y has aceptado que así pierdes tu derecho de desistimiento.",
    ),
}
WARNING = "These exceptions need a lawyer's review."


def policy_for(site, **fields):
    """An unsaved policy accepting 30-day returns by post for a full refund, plus ``fields``."""
    defaults = {
        "window": "MerchantReturnFiniteReturnWindow",
        "return_days": 30,
        "return_methods": ["ReturnByMail"],
        "fees": "FreeReturn",
        "refund_types": ["FullRefund"],
    }
    return ReturnPolicy(site=site, **{**defaults, **fields})


def exclusions(policy, profile, language):
    with translation.override(language):
        (section,) = [s for s in describe(policy, profile) if s.key == "exclusions"]
        return section


@pytest.fixture
def profile(site):
    return profile_for(site, countries_shipped_to=["ES"])


# --- the text shoppers read --------------------------------------------------------------------


def test_every_exception_of_the_law_has_its_shopper_wording():
    assert set(WORDING) == set(NonReturnable)


@pytest.mark.parametrize("category", list(NonReturnable))
@pytest.mark.parametrize(("language", "index"), [("en", 0), ("es", 1)])
def test_a_ticked_exception_reads_in_the_shoppers_words(site, profile, category, language, index):
    policy = policy_for(site, non_returnable_categories=[category.value])
    section = exclusions(policy, profile, language)
    assert section.items == (WORDING[category][index],)


def test_ticked_exceptions_follow_the_law_then_the_other_lines(site, profile):
    policy = policy_for(
        site,
        # Stored in any order: read in the order of art. 16.
        non_returnable_categories=["digital", "custom", "hygiene"],
        non_returnable_items="Gift cards\n\n  Pieces from the seconds shelf  \n",
    )
    section = exclusions(policy, profile, "en")
    assert section.heading == "What cannot be returned"
    assert section.sentences == ("These items cannot be returned:",)
    assert section.items == (
        WORDING[NonReturnable.MADE_TO_ORDER][0],
        WORDING[NonReturnable.HYGIENE][0],
        WORDING[NonReturnable.DIGITAL][0],
        "Gift cards",
        "Pieces from the seconds shelf",
    )


def test_in_spanish_the_other_lines_are_the_shops_translation(site, profile):
    policy = policy_for(
        site,
        non_returnable_categories=["perishable"],
        non_returnable_items="Gift cards",
        translations={"es": {"non_returnable_items": "Tarjetas regalo"}},
    )
    policy.localize("es")
    section = exclusions(policy, profile, "es")
    assert section.heading == "Qué no se puede devolver"
    assert section.sentences == ("Estos artículos no se pueden devolver:",)
    assert section.items == (WORDING[NonReturnable.PERISHABLE][1], "Tarjetas regalo")


def test_other_lines_not_translated_say_their_language(site, profile):
    """For a ``lang`` attribute: the shop's own lines shown in the default language are
    marked; the law's exceptions are always in the page's language."""
    policy = policy_for(
        site, non_returnable_categories=["custom"], non_returnable_items="Gift cards"
    )
    policy.localize("es")
    custom, gift_cards = exclusions(policy, profile, "es").items
    assert gift_cards == "Gift cards"
    assert gift_cards.lang == "en"
    assert getattr(custom, "lang", "") == ""
    policy = policy_for(site, non_returnable_items="Gift cards")
    policy.localize("en")
    assert exclusions(policy, profile, "en").items[0].lang == ""


def test_an_exception_no_longer_offered_is_left_out(site, profile):
    policy = policy_for(site, non_returnable_categories=["custom", "gone"])
    assert exclusions(policy, profile, "en").items == (WORDING[NonReturnable.MADE_TO_ORDER][0],)


def test_nothing_excluded_no_section(site, profile):
    policy = policy_for(site, non_returnable_categories=[], non_returnable_items=" \n")
    assert "exclusions" not in [section.key for section in describe(policy, profile)]


def test_the_structured_data_says_nothing_of_the_exceptions(site, profile):
    """schema.org has no term for a category of goods excluded from a shop-wide policy: the
    graph keeps to the window, which still applies to everything else."""
    policy = ReturnPolicy.for_site(site)
    for name, value in {
        "return_days": 30,
        "return_methods": ["ReturnByMail"],
        "refund_types": ["FullRefund"],
        "non_returnable_categories": ["custom", "perishable"],
        "non_returnable_items": "Gift cards",
    }.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    node = graph(Shop.for_site(site))["@graph"][0]["hasMerchantReturnPolicy"]
    assert node["returnPolicyCategory"] == "https://schema.org/MerchantReturnFiniteReturnWindow"
    assert node["merchantReturnDays"] == 30
    dumped = json.dumps(node)
    assert "Gift cards" not in dumped
    assert "personalised" not in dumped


def test_the_returns_page_lists_the_exceptions_then_the_other_lines(client, site, profile):
    policy = ReturnPolicy.for_site(site)
    for name, value in {
        "return_days": 30,
        "return_methods": ["ReturnByMail"],
        "refund_types": ["FullRefund"],
        "non_returnable_categories": ["perishable", "custom"],
        "non_returnable_items": "Gift cards",
        "translations": {"es": {"non_returnable_items": "Tarjetas regalo"}},
    }.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    page = site.root_page.add_child(instance=ReturnsPage(title="Returns", slug="returns"))
    for language, index, other in (("en", 0, "Gift cards"), ("es", 1, "Tarjetas regalo")):
        response = client.get(in_language(page.url, language))
        assert response.status_code == 200
        section = BeautifulSoup(response.content, "html.parser").find(id="returns-exclusions")
        items = [" ".join(li.get_text().split()) for li in section.find_all("li")]
        assert items == [
            WORDING[NonReturnable.MADE_TO_ORDER][index],
            WORDING[NonReturnable.PERISHABLE][index],
            other,
        ]


# --- the admin ---------------------------------------------------------------------------------


def warning_shown(response):
    assert response.status_code == 200
    return WARNING in response.content.decode()


def test_no_other_lines_no_warning(admin_client, site):
    assert not warning_shown(admin_client.get(policy_url(site)))
    response = admin_client.post(
        policy_url(site),
        policy_form(non_returnable_items="", non_returnable_categories=["custom", "hygiene"]),
    )
    assert response.status_code == 302
    assert not warning_shown(admin_client.get(response.url))


def test_the_owner_saves_the_exceptions_of_the_law(admin_client, site):
    response = admin_client.post(
        policy_url(site),
        policy_form(non_returnable_items="", non_returnable_categories=["perishable", "custom"]),
    )
    assert response.status_code == 302
    policy = ReturnPolicy.for_site(site)
    assert policy.non_returnable_categories == ["custom", "perishable"]  # the law's order
    assert policy.non_returnable_items == ""
    # The edit screen shows them ticked again.
    html = BeautifulSoup(admin_client.get(policy_url(site)).content, "html.parser")
    ticked = {
        box["value"]
        for box in html.find_all("input", attrs={"name": "non_returnable_categories"})
        if box.has_attr("checked")
    }
    assert ticked == {"custom", "perishable"}


def test_other_lines_are_flagged_for_a_lawyer_after_saving(admin_client, site):
    response = admin_client.post(
        policy_url(site),
        policy_form(non_returnable_items="Gift cards", non_returnable_categories=["custom"]),
    )
    assert response.status_code == 302
    assert ReturnPolicy.for_site(site).non_returnable_list() == ["Gift cards"]
    edit = admin_client.get(response.url)
    assert warning_shown(edit)
    html = BeautifulSoup(edit.content, "html.parser")
    boxes = [div for div in html.select(".help-block.help-warning") if WARNING in div.get_text()]
    assert len(boxes) == 1
    assert "Directive 2011/83/EU, art. 16" in boxes[0].get_text()
    # Next to the field: after the other exceptions, before their translations.
    page = str(html)
    textarea = page.index('name="non_returnable_items"')
    translations = page.index('name="translations__es__non_returnable_items"')
    assert textarea < page.index(WARNING) < translations
    # Wagtail's own classes: no inline style or script comes with it.
    assert not boxes[0].find_all(style=True)
    assert not boxes[0].find_all("script")


def test_lines_only_in_another_language_are_flagged_too(admin_client, site):
    response = admin_client.post(
        policy_url(site),
        policy_form(
            non_returnable_items="",
            translations__es__non_returnable_items="Tarjetas regalo",
        ),
    )
    assert response.status_code == 302
    assert ReturnPolicy.for_site(site).translations == {
        "es": {"non_returnable_items": "Tarjetas regalo"}
    }
    assert warning_shown(admin_client.get(response.url))


def test_a_form_sent_back_with_errors_warns_about_what_was_typed(admin_client, site):
    response = admin_client.post(
        policy_url(site), policy_form(return_days="7", non_returnable_items="Gift cards")
    )
    assert "Shoppers in the EU have at least 14 days" in response.content.decode()
    assert warning_shown(response)
    # Emptied but refused for another reason: the saved policy has no lines, no warning.
    response = admin_client.post(
        policy_url(site), policy_form(return_days="7", non_returnable_items="")
    )
    assert not warning_shown(response)


def test_the_warning_speaks_the_admins_language(spanish_admin_client, site):
    response = spanish_admin_client.post(
        policy_url(site), policy_form(non_returnable_items="Tarjetas regalo")
    )
    assert response.status_code == 302
    content = spanish_admin_client.get(response.url).content.decode()
    assert "Estas excepciones necesitan la revisión de un abogado." in content
    assert WARNING not in content
