"""The rules required by law (contactkit.trust.rules.law): for each, a shop that meets it and
one that does not; and complete Spanish and German shops with no finding required by law."""

import pytest
from django.http import HttpResponse

from contactkit.pages.models import LegalNoticePage, ReturnsPage
from contactkit.profile.models import Person, TrustSeal
from contactkit.returns.models import ReturnPolicy
from contactkit.trust import registry
from contactkit.trust.context import TrustContext
from contactkit.trust.report import build
from contactkit.trust.rules import law
from tests.profile.builders import channel, profile_for
from tests.trust.shops import complete_shop

ADDRESS = {"street_address": "Calle de Sueca, 27", "city": "Valencia", "country": "ES"}


def findings(site, rule_id):
    """The rule's findings' details for the site ([] when met, None when it does not apply)."""
    rule = {rule.id: rule for rule in registry.rules()}[rule_id]
    found = rule.findings(TrustContext(site))
    return None if found is None else [finding.detail for finding in found]


def set_up_policy(site):
    policy = ReturnPolicy.for_site(site)
    policy.return_days = 30
    policy.return_methods = ["ReturnByMail"]
    policy.refund_types = ["FullRefund"]
    policy.full_clean()
    policy.save()
    return policy


def returns_page(site, **fields):
    return site.root_page.add_child(
        instance=ReturnsPage(title="Devoluciones", slug="devoluciones", **fields)
    )


def test_every_law_rule_is_registered_and_documented():
    ours = [rule for rule in registry.rules() if rule.id.startswith("law.")]
    assert {rule.id for rule in ours} == {
        "law.eu.identity",
        "law.eu.phone-email",
        "law.eu.returns-page",
        "law.eu.returns-policy",
        "law.eu.legal-guarantee",
        "law.eu.withdrawal-button",
        "law.es.lssi",
        "law.es.regulated-activity",
        "law.es.phone-rate",
        "law.de.imprint",
    }
    for rule in ours:
        assert rule.title and rule.why and rule.law and rule.fix_label
        expected = registry.RECOMMENDED if rule.id == "law.es.regulated-activity" else registry.LAW
        assert rule.severity == expected


def test_eu_rules_apply_only_in_the_eea(site):
    profile_for(site, country="US", time_zone="America/New_York")
    assert findings(site, "law.eu.identity") is None
    assert findings(site, "law.eu.withdrawal-button") is None
    assert findings(site, "law.es.lssi") is None
    assert findings(site, "law.de.imprint") is None
    # The 27 member states and Iceland, Liechtenstein and Norway (the EEA Agreement).
    assert len(law.EU_COUNTRIES) == 30 and {"NO", "IS", "LI"} <= law.EU_COUNTRIES
    assert "CH" not in law.EU_COUNTRIES and "GB" not in law.EU_COUNTRIES


# --- art. 6(1)(b), (c) --------------------------------------------------------------------


def test_identity_met(site):
    profile_for(site, trade_name="Cerámica Alba", **ADDRESS)
    assert findings(site, "law.eu.identity") == []


def test_identity_met_by_the_legal_name_alone(site):
    profile_for(site, trade_name="", legal_name="Cerámica Alba Artesanos, S.L.", **ADDRESS)
    assert findings(site, "law.eu.identity") == []


def test_identity_missing_name_and_address(site):
    profile_for(site, trade_name="", street_address="Calle de Sueca, 27", country="ES")
    assert findings(site, "law.eu.identity") == [
        "Add the shop's name, or the legal name of whoever runs it.",
        "The address where the business is established is incomplete: add the city.",
    ]


def test_identity_fix_is_the_store_profile(site):
    profile_for(site)
    rule = {rule.id: rule for rule in registry.rules()}["law.eu.identity"]
    context = TrustContext(site)
    assert rule.fix(context) == context.profile_url
    assert "/admin/settings/contactkit/storeprofile/" in rule.fix(context)


def test_phone_and_email_met(site):
    profile_for(site)
    channel(site, "phone")
    channel(site, "email", email="hola@ceramica.example")
    assert findings(site, "law.eu.phone-email") == []


def test_phone_and_email_met_by_a_whatsapp_number(site):
    profile_for(site)
    channel(site, "whatsapp", phone="+34612345678")
    channel(site, "email", email="hola@ceramica.example")
    assert findings(site, "law.eu.phone-email") == []


def test_phone_and_email_missing_one_finding_each(site):
    profile_for(site)
    channel(site, "form")
    assert findings(site, "law.eu.phone-email") == [
        "Add a phone number: a phone or WhatsApp channel.",
        "Add an email address: an email channel.",
    ]


# --- art. 6(1)(h), (l) --------------------------------------------------------------------


def test_returns_page_met(site):
    profile_for(site)
    returns_page(site)
    assert findings(site, "law.eu.returns-page") == []


@pytest.mark.parametrize("draft", [False, True])
def test_returns_page_missing_or_not_live(site, draft):
    profile_for(site)
    if draft:
        returns_page(site, live=False)
    assert findings(site, "law.eu.returns-page") == [
        "There is no live Returns page: add one under the home page, or publish the one you have."
    ]


def test_returns_page_fix_is_the_page_tree(site):
    profile_for(site)
    rule = {rule.id: rule for rule in registry.rules()}["law.eu.returns-page"]
    assert rule.fix(TrustContext(site)) == f"/admin/pages/{site.root_page_id}/"


def test_returns_policy_met(site):
    profile_for(site)
    set_up_policy(site)
    assert findings(site, "law.eu.returns-policy") == []


def test_returns_policy_not_set_up(site):
    profile_for(site)
    ReturnPolicy.for_site(site).save()  # saved without the form: not set up
    assert findings(site, "law.eu.returns-policy") == [
        "Your returns policy is not set up: until you save it, the Returns page only says it "
        "is being written."
    ]


def test_legal_guarantee_met_and_stated_on_the_returns_page(site):
    profile_for(site)
    set_up_policy(site)
    page = returns_page(site)
    assert findings(site, "law.eu.legal-guarantee") == []
    # What the rule relies on: the Returns page states the guarantee.
    html = TrustContext(site).html(page)
    assert 'id="returns-guarantee"' in html
    assert "legal guarantee of conformity for 3 years" in html


def test_legal_guarantee_missing_page_and_policy(site):
    profile_for(site)
    assert findings(site, "law.eu.legal-guarantee") == [
        "There is no live Returns page yet (see “Publish a Returns page”).",
        "Your returns policy is not set up: until you save it, the Returns page only says it "
        "is being written.",
    ]


def test_legal_guarantee_missing_policy(site):
    profile_for(site)
    page = returns_page(site)
    assert len(findings(site, "law.eu.legal-guarantee")) == 1
    assert 'id="returns-guarantee"' not in TrustContext(site).html(page)


# --- art. 11a -----------------------------------------------------------------------------


def test_withdrawal_button_met_on_every_page(site):
    complete_shop(site, "ES")
    assert findings(site, "law.eu.withdrawal-button") == []


def test_withdrawal_button_without_a_returns_page(site):
    profile_for(site)
    assert findings(site, "law.eu.withdrawal-button") == [
        "There is no live Returns page yet (see “Publish a Returns page”)."
    ]


def test_withdrawal_button_link_missing_from_the_footers(site, monkeypatch):
    """A site whose base template leaves the footer link out (here: the tag renders nothing)."""
    from contactkit.templatetags import contactkit_tags

    pages = complete_shop(site, "ES")
    monkeypatch.setattr(contactkit_tags, "_withdraw_url", lambda context: "")
    found = findings(site, "law.eu.withdrawal-button")
    tag = "{% contactkit_withdrawal_link %}"
    assert found[0] == (
        "The home page has no “Withdraw from contract here” link: add "
        f"{tag} to the footer of your site's base template."
    )
    assert found[1:] == [
        f"The page “{page.title}” has no “Withdraw from contract here” link: add {tag} to the "
        "footer of your site's base template."
        for page in pages.values()
    ]


def test_withdrawal_button_form_that_does_not_open(site, monkeypatch):
    from contactkit.returns.withdrawal import views

    complete_shop(site, "ES")
    monkeypatch.setattr(views, "statement", lambda page, request: HttpResponse(status=503))
    assert findings(site, "law.eu.withdrawal-button") == [
        "The withdrawal form (/devoluciones/withdraw/) does not open: it answers 503."
    ]


def test_withdrawal_button_page_that_does_not_open(site):
    complete_shop(site, "ES")
    rule = {rule.id: rule for rule in registry.rules()}["law.eu.withdrawal-button"]
    context = TrustContext(site)
    context.__dict__["home_html"] = ""  # as when the home page answers an error
    assert [finding.detail for finding in rule.findings(context)] == [
        "The home page does not open, so its link to the withdrawal form could not be checked."
    ]


def test_withdrawal_button_fix_is_the_returns_page(site):
    pages = complete_shop(site, "ES")
    rule = {rule.id: rule for rule in registry.rules()}["law.eu.withdrawal-button"]
    assert rule.fix(TrustContext(site)) == f"/admin/pages/{pages['returns'].pk}/edit/"


def test_withdrawal_link_found_in_any_language():
    paths = {"/devoluciones/withdraw/"}
    for href in (
        "/devoluciones/withdraw/",
        "/es/devoluciones/withdraw/",
        "http://testserver/en/devoluciones/withdraw/",
    ):
        assert law._links_to(f'<p><a href="{href}">x</a></p>', paths, "testserver")
    for href in ("/devoluciones/", "http://elsewhere.example/devoluciones/withdraw/"):
        assert not law._links_to(f'<a href="{href}">x</a>', paths, "testserver")


# --- Spain --------------------------------------------------------------------------------


def test_lssi_met(site):
    complete_shop(site, "ES")
    assert findings(site, "law.es.lssi") == []


def test_lssi_everything_missing(site):
    profile_for(site, country="ES")
    assert findings(site, "law.es.lssi") == [
        "Add the legal name: the company's registered name, or the full name of the person "
        "who runs the shop.",
        "Add the full address: street, city and country.",
        "Add an email address: an email channel.",
        "Add the business register and register entry where the company is registered "
        "(Registro Mercantil or another public register).",
        "Add the tax id (NIF).",
    ]


def test_lssi_register_entry_alone_missing(site):
    complete_shop(site, "ES")
    profile_for(site, register_entry="")
    assert findings(site, "law.es.lssi") == [
        "Add the register entry where the company is registered (Registro Mercantil or "
        "another public register)."
    ]


@pytest.mark.parametrize(
    "fields",
    [{"tax_id": "12345678Z"}, {"tax_id": "X1234567L"}, {"legal_form": "Autónomo"}],
)
def test_lssi_asks_no_register_of_an_autonomo(site, fields):
    complete_shop(site, "ES")
    profile_for(site, register_name="", register_entry="", legal_name="Lucía Alba Pérez", **fields)
    assert findings(site, "law.es.lssi") == []


def test_lssi_does_not_apply_in_germany(site):
    profile_for(site, country="DE")
    assert findings(site, "law.es.lssi") is None
    assert findings(site, "law.es.phone-rate") is None


def test_regulated_activity_met_without_one(site):
    complete_shop(site, "ES")
    assert findings(site, "law.es.regulated-activity") == []


def test_regulated_activity_met_when_complete(site):
    profile = profile_for(
        site,
        activity_authorisation="Licencia 123/2020",
        supervisory_authority="Ayuntamiento de Valencia",
        professional_body="Colegio de Farmacéuticos de Valencia",
        professional_title="Licenciado en Farmacia, España",
    )
    TrustSeal.objects.create(
        profile=profile,
        kind="code_of_conduct",
        name="Confianza Online",
        verification_url="https://www.confianzaonline.es/codigo-etico/",
    )
    assert findings(site, "law.es.regulated-activity") == []


def test_regulated_activity_half_filled(site):
    profile = profile_for(
        site,
        activity_authorisation="Licencia 123/2020",
        professional_title="Licenciado en Farmacia, España",
    )
    TrustSeal.objects.create(profile=profile, kind="code_of_conduct", name="Confianza Online")
    assert findings(site, "law.es.regulated-activity") == [
        "You give an authorisation: add the authority that supervises the activity.",
        "You give a professional title: add the professional body you belong to.",
        "Add a link where shoppers can read the code of conduct “Confianza Online”.",
    ]


@pytest.mark.parametrize(
    "phones",
    [
        ["+34960123456"],
        ["+34902123456", "+34960123456"],  # a 902 line with an ordinary number next to it
        [],  # no phone at all: law.eu.phone-email says so
    ],
)
def test_phone_rate_met(site, phones):
    profile_for(site)
    for phone in phones:
        channel(site, "phone", phone=phone)
    assert findings(site, "law.es.phone-rate") == []


@pytest.mark.parametrize(
    ("phone", "shown"), [("+34902123456", "+34 902 12 34 56"), ("+34807123456", "+34 807 12 34 56")]
)
def test_phone_rate_premium_or_shared_cost_only(site, phone, shown):
    profile_for(site)
    channel(site, "phone", phone=phone)
    assert findings(site, "law.es.phone-rate") == [
        f"{shown} costs more than an ordinary call: add a geographic or mobile number next to it."
    ]


# --- Germany ------------------------------------------------------------------------------


def test_imprint_met(site):
    complete_shop(site, "DE")
    assert findings(site, "law.de.imprint") == []


def test_imprint_everything_missing(site):
    profile_for(site, country="DE", time_zone="Europe/Berlin")
    assert findings(site, "law.de.imprint") == [
        "Add the legal name: the company's registered name, or the full name of the person "
        "who runs the shop.",
        "Add the legal form, such as GmbH, UG (haftungsbeschränkt) or e.K. "
        "(“Einzelunternehmen” for a sole trader).",
        "Name the people authorised to represent the company (for a GmbH, its managing "
        "directors): under People, tick “represents the company” for each.",
        "Add the business register and register entry in the Handelsregister, such as "
        "Amtsgericht München, HRB 123456.",
        "Add the VAT id (USt-IdNr.).",
    ]


def test_imprint_representatives_missing(site):
    complete_shop(site, "DE")
    # People on the About page, but nobody named as representing the company.
    Person.objects.update(represents=False)
    assert findings(site, "law.de.imprint") == [
        "Name the people authorised to represent the company (for a GmbH, its managing "
        "directors): under People, tick “represents the company” for each."
    ]


@pytest.mark.parametrize(
    ("legal_form", "asked"),
    [
        ("Einzelunternehmen", []),  # a sole trader: no representatives, no register
        ("e.K.", ["register"]),  # a registered merchant: in the Handelsregister
        ("GbR", ["people"]),  # partners represent it; no register
    ],
)
def test_imprint_of_a_sole_trader_or_partnership(site, legal_form, asked):
    complete_shop(site, "DE")
    Person.objects.all().delete()
    profile_for(
        site,
        country="DE",
        time_zone="Europe/Berlin",
        legal_form=legal_form,
        register_name="",
        register_entry="",
    )
    found = findings(site, "law.de.imprint")
    assert [("people" if "represent" in detail else "register") for detail in found] == asked


def test_imprint_does_not_apply_in_spain(site):
    profile_for(site, country="ES")
    assert findings(site, "law.de.imprint") is None


# --- complete shops -----------------------------------------------------------------------


@pytest.mark.parametrize("country", ["ES", "DE"])
def test_a_complete_shop_has_no_finding_required_by_law(site, country):
    pages = complete_shop(site, country)
    assert set(pages) == {"contact", "about", "returns", "legal_notice"}
    assert isinstance(pages["legal_notice"], LegalNoticePage)
    report = build(site)
    assert [(finding.rule.id, finding.detail) for finding in report.law_findings] == []
    passed = {rule.id for rule in report.passed}
    assert {rule.id for rule in registry.rules() if rule.id.startswith("law.eu.")} <= passed
    national = "law.es.lssi" if country == "ES" else "law.de.imprint"
    assert national in passed


def test_the_legal_notice_names_the_representatives(client, site):
    pages = complete_shop(site, "DE")

    html = client.get(pages["legal_notice"].url).content.decode()

    assert "Represented by" in html and "Lena Alba (Geschäftsführerin)" in html
    assert "Jonas Weber" not in html.split("Represented by", 1)[1].split("</div>", 1)[0]
