"""The "expected by shoppers" trust rules (contactkit.trust.rules.shoppers): for each, a shop
that passes and one that fails."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from stdnum.eu import vat as eu_vat

from contactkit.accounts.models import ProfileProof
from contactkit.inbox.models import Source, Status
from contactkit.profile.models import TrustSeal
from contactkit.returns.choices import ReturnWindow
from contactkit.returns.models import ReturnPolicy
from contactkit.trust import registry
from contactkit.trust.context import TrustContext
from contactkit.trust.rules.shoppers import VIES_TIMEOUT, certifier_of, host_on
from tests.inbox.builders import conversation
from tests.profile.builders import channel, profile_for

ADDRESS = {
    "street_address": "Calle de Sueca, 27",
    "postal_code": "46006",
    "city": "Valencia",
    "country": "ES",
}


def rule(rule_id):
    return next(found for found in registry.rules() if found.id == rule_id)


def details(site, rule_id):
    """The details of the rule's findings on ``site`` ([] when it passes), or None when the
    rule does not apply to it."""
    found = rule(rule_id).findings(TrustContext(site))
    return None if found is None else [finding.detail for finding in found]


@pytest.fixture
def shop(site):
    profile_for(site, trade_name="Cerámica Alba", **ADDRESS)
    return site


# --- shoppers.phone -------------------------------------------------------------------------------


def test_a_normal_phone_line_passes(shop):
    channel(shop, "phone", phone="+34960123456")
    assert details(shop, "shoppers.phone") == []


def test_a_store_with_its_own_line_is_a_phone_too(shop):
    channel(shop, "store", phone="+34960123456", **ADDRESS)
    assert details(shop, "shoppers.phone") == []


def test_no_phone_is_a_finding(shop):
    channel(shop, "email", email="hola@ceramica.example")
    # WhatsApp is not a line a shopper can call.
    channel(shop, "whatsapp", phone="+34612345678")
    assert details(shop, "shoppers.phone") == [
        "None of your channels gives a phone number shoppers can call."
    ]


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("+34902123456", "a shared-cost number"),
        ("+34807123456", "a premium-rate number"),
    ],
)
def test_a_number_that_costs_more_than_a_normal_call_is_a_finding(shop, number, kind):
    channel(shop, "phone", phone="+34960123456")
    channel(shop, "phone", phone=number, label="Atención al cliente")
    [detail] = details(shop, "shoppers.phone")
    assert detail.startswith(f"+34 {number[3:6]} ")
    assert f"(Atención al cliente) is {kind}" in detail
    assert rule("shoppers.phone").law == "Directive 2011/83/EU art. 21"


# --- shoppers.address -----------------------------------------------------------------------------


def test_a_registered_address_passes(shop):
    assert details(shop, "shoppers.address") == []


def test_a_store_address_is_enough(site):
    profile_for(site)
    channel(site, "store", **ADDRESS)
    assert details(site, "shoppers.address") == []


def test_no_address_is_a_finding(site):
    profile_for(site, city="Valencia")  # no street: not an address
    assert details(site, "shoppers.address") == [
        "Neither your store profile nor any physical store gives a full address."
    ]


# --- shoppers.register-or-vat ---------------------------------------------------------------------


@pytest.fixture
def no_vies(monkeypatch):
    """Fails the test if VIES is asked: it must not be without the setting."""

    def refuse(*args, **kwargs):
        raise AssertionError("VIES was asked")

    monkeypatch.setattr(eu_vat, "check_vies", refuse)


def test_a_register_entry_passes(site, no_vies):
    profile_for(site, register_entry="Tomo 10234, Folio 45, Hoja V-178234")
    assert details(site, "shoppers.register-or-vat") == []


def test_a_vat_id_of_a_valid_format_passes_without_asking_vies(site, no_vies):
    profile_for(site, vat_id="ESB98765431")
    assert details(site, "shoppers.register-or-vat") == []


def test_neither_is_a_finding(site, no_vies):
    profile_for(site)
    assert details(site, "shoppers.register-or-vat") == [
        "You give neither a business register entry nor an EU VAT id."
    ]


def test_a_vat_id_with_a_wrong_check_digit_is_a_finding(site, no_vies):
    # Saved without the form's validation, as an import would.
    profile_for(site, vat_id="ESB98765432", register_entry="Hoja V-178234")
    assert details(site, "shoppers.register-or-vat") == [
        "Your EU VAT id ESB98765432 is not a valid VAT id: shoppers who check it find nothing."
    ]


@pytest.fixture
def vies(settings, monkeypatch):
    """CONTACTKIT_TRUST_VIES_CHECK on, with VIES answering what ``answer`` holds (a dict, or
    an exception to raise); the calls made are kept in ``calls``."""
    settings.CONTACTKIT_TRUST_VIES_CHECK = True

    class Vies:
        answer = {"valid": True}
        calls = []

    def check_vies(number, timeout=30, verify=True):
        Vies.calls.append((number, timeout))
        if isinstance(Vies.answer, Exception):
            raise Vies.answer
        return Vies.answer

    monkeypatch.setattr(eu_vat, "check_vies", check_vies)
    return Vies


def test_with_the_setting_vies_is_asked_with_a_short_timeout(site, vies):
    profile_for(site, vat_id="ESB98765431")
    assert details(site, "shoppers.register-or-vat") == []
    assert vies.calls == [("ESB98765431", VIES_TIMEOUT)]
    # Its answer is kept: the next report does not ask again.
    assert details(site, "shoppers.register-or-vat") == []
    assert len(vies.calls) == 1


def test_a_vat_id_vies_does_not_know_is_a_finding(site, vies):
    vies.answer = {"valid": False, "countryCode": "ES", "vatNumber": "B98765431"}
    profile_for(site, vat_id="ESB98765431")
    assert details(site, "shoppers.register-or-vat") == [
        "The EU’s VIES service does not know ESB98765431 as a valid VAT id: shoppers who "
        "check it there see it refused."
    ]


@pytest.mark.parametrize("failure", [OSError("no network"), TimeoutError(), ImportError("zeep")])
def test_a_vies_that_does_not_answer_is_not_a_finding(site, vies, failure):
    vies.answer = failure
    profile_for(site, vat_id="ESB98765431")
    assert details(site, "shoppers.register-or-vat") == []
    assert vies.calls


# --- shoppers.returns-window ----------------------------------------------------------------------


def save_policy(site, **fields):
    policy = ReturnPolicy.for_site(site)
    policy.return_methods = ["ReturnByMail"]
    policy.refund_types = ["FullRefund"]
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy


def test_a_policy_with_a_window_passes(shop):
    save_policy(shop, return_days=30)
    assert details(shop, "shoppers.returns-window") == []


def test_a_policy_without_limit_passes(shop):
    save_policy(shop, window=ReturnWindow.UNLIMITED)
    assert details(shop, "shoppers.returns-window") == []


def test_a_policy_not_set_up_is_a_finding(shop):
    assert details(shop, "shoppers.returns-window") == [
        "Your returns policy has not been set up yet."
    ]


def test_a_policy_without_returns_is_a_finding(shop):
    save_policy(shop, window=ReturnWindow.NOT_PERMITTED)
    assert details(shop, "shoppers.returns-window") == [
        "Your returns policy says you accept no returns."
    ]


# --- shoppers.payment-methods ---------------------------------------------------------------------


def test_two_payment_methods_pass(site):
    profile_for(site, payment_methods=["card", "paypal"])
    assert details(site, "shoppers.payment-methods") == []


def test_one_payment_method_is_a_finding(site):
    profile_for(site, payment_methods=["bank_transfer"])
    assert details(site, "shoppers.payment-methods") == [
        "Only one payment method is listed: Bank transfer."
    ]


def test_no_payment_method_is_a_finding(site):
    profile_for(site, payment_methods=[])
    assert details(site, "shoppers.payment-methods") == ["No payment method is listed."]


# --- shoppers.seals-verifiable --------------------------------------------------------------------


def seal(site, name, url, kind="seal"):
    return TrustSeal.objects.create(
        profile=profile_for(site), kind=kind, name=name, verification_url=url
    )


def test_without_seals_the_rule_does_not_apply(shop):
    seal(shop, "Código ético de Confianza Online", "", kind="code_of_conduct")
    assert details(shop, "shoppers.seals-verifiable") is None


def test_seals_linking_to_their_certifiers_pass(shop):
    seal(shop, "Confianza Online", "https://www.confianzaonline.es/empresas/ceramica-alba/")
    seal(shop, "Trusted Shops Käuferschutz", "https://www.trustedshops.de/bewertung/info_X.html")
    seal(shop, "Händlerbund Käufersiegel", "https://www.haendlerbund.de/mitglied/12345")
    seal(shop, "TÜV SÜD s@fer-shopping", "https://www.tuev-sued.de/safer-shopping/12345")
    # A certifier contactkit does not know: any https link off the shop's own site.
    seal(shop, "Sello Artesano", "https://sellos.example.org/verificar/ceramica-alba")
    assert details(shop, "shoppers.seals-verifiable") == []


def test_a_seal_without_a_link_is_a_finding(shop):
    seal(shop, "Sello Artesano", "")
    assert details(shop, "shoppers.seals-verifiable") == [
        "“Sello Artesano” has no verification link: shoppers cannot check it is genuine."
    ]


def test_a_known_certifiers_seal_linking_elsewhere_is_a_finding(shop):
    seal(shop, "Trustpilot", "https://ceramica.example/opiniones")
    assert details(shop, "shoppers.seals-verifiable") == [
        "The verification link of “Trustpilot” leads to ceramica.example, not to "
        "Trustpilot’s own site (trustpilot.com)."
    ]


def test_a_seal_verified_on_the_shops_own_site_is_a_finding(shop):
    # The site fixture is served at "testserver".
    seal(shop, "Sello Artesano", "https://www.testserver/sello-verificado")
    assert details(shop, "shoppers.seals-verifiable") == [
        "The verification link of “Sello Artesano” leads to your own site: it must lead to "
        "the certifier’s."
    ]


@pytest.mark.parametrize(
    ("name", "certifier"),
    [
        ("Confianza Online", "Confianza Online"),
        ("Sello de CONFIANZA ONLINE", "Confianza Online"),
        ("Trusted Shops", "Trusted Shops"),
        ("TrustedShops Guarantee", "Trusted Shops"),
        ("eKomi Siegel Gold", "eKomi"),
        ("Trustpilot", "Trustpilot"),
        ("Google Customer Reviews", "Google Customer Reviews"),
        ("Händlerbund", "Händlerbund"),
        ("Haendlerbund Käufersiegel", "Händlerbund"),
        ("TÜV Saarland s@fer shopping", "TÜV"),
        ("TUEV SUED", "TÜV"),
        ("Verbraucherzentrale", None),
        ("Sello Artesano", None),
    ],
)
def test_certifiers_are_known_by_the_seals_name(name, certifier):
    found = certifier_of(name)
    assert (found[0] if found else None) == certifier


@pytest.mark.parametrize(
    ("host", "domain", "on"),
    [
        ("www.trustedshops.de", "trustedshops.*", True),
        ("widgets.trustedshops.com", "trustedshops.*", True),
        ("www.trustedshops.co.uk", "trustedshops.*", True),
        ("trustedshops.evil.example", "trustedshops.*", False),
        ("nottrustedshops.de", "trustedshops.*", False),
        ("es.trustpilot.com", "trustpilot.com", True),
        ("trustpilot.com.evil.example", "trustpilot.com", False),
        ("faketrustpilot.com", "trustpilot.com", False),
    ],
)
def test_a_certifiers_domain_and_its_subdomains(host, domain, on):
    assert host_on(host, domain) is on


# --- shoppers.social-profile and shoppers.social-proven -------------------------------------------


def test_a_social_profile_passes(shop):
    channel(shop, "instagram", url="https://www.instagram.com/ceramicaalba/")
    assert details(shop, "shoppers.social-profile") == []


def test_no_social_profile_is_a_recommendation(shop):
    channel(shop, "phone")
    assert details(shop, "shoppers.social-profile") == ["You link no social profile."]
    assert rule("shoppers.social-profile").severity == registry.RECOMMENDED


def test_proving_profiles_concerns_only_shops_that_link_one(shop):
    assert details(shop, "shoppers.social-proven") is None


def test_a_proven_profile_passes(shop):
    instagram = channel(shop, "instagram", url="https://www.instagram.com/ceramicaalba/")
    channel(shop, "facebook", url="https://www.facebook.com/ceramicaalba")
    ProfileProof.objects.create(
        channel=instagram,
        provider="oidc",
        account_id="17841400000000000",
        url="https://instagram.com/CeramicaAlba/",
    )
    assert details(shop, "shoppers.social-proven") == []


def test_profiles_none_of_them_proven_are_a_recommendation(shop):
    channel(shop, "instagram", url="https://www.instagram.com/ceramicaalba/")
    channel(shop, "facebook", url="https://www.facebook.com/ceramicaalba")
    context = TrustContext(shop)
    found = rule("shoppers.social-proven").findings(context)
    assert [finding.detail for finding in found] == [
        "None of your social profiles (Instagram and Facebook) is proven."
    ]
    assert found[0].severity == registry.RECOMMENDED
    assert rule("shoppers.social-proven").fix(context) == context.verified_profiles_url


# --- shoppers.reply-time-kept ---------------------------------------------------------------------


@pytest.fixture
def one_is_enough(settings):
    settings.CONTACTKIT_REPLY_TIME_MIN_CONVERSATIONS = 1


def answered_by_email(site, after):
    """An email answered ``after`` its arrival, yesterday (wall-clock time: no channel of the
    shop has opening hours)."""
    made = conversation(site, source=Source.EMAIL, status=Status.OPEN, days_ago=1)
    made.first_response_at = made.created_at + after
    made.save(update_fields=["first_response_at"])
    return made


def test_replies_as_fast_as_promised_pass(shop, one_is_enough):
    channel(shop, "email", email="hola@ceramica.example", reply_time=60)
    answered_by_email(shop, dt.timedelta(minutes=30))
    assert details(shop, "shoppers.reply-time-kept") == []


def test_a_median_the_page_rounds_to_the_promise_passes(shop, one_is_enough):
    channel(shop, "email", email="hola@ceramica.example", reply_time=60)
    # 75 minutes: the contact page says "in about 1 hour", which keeps "within an hour".
    answered_by_email(shop, dt.timedelta(minutes=75))
    assert details(shop, "shoppers.reply-time-kept") == []


def test_without_enough_answers_there_is_nothing_to_hold_against_the_shop(shop):
    # Ten answers are needed (CONTACTKIT_REPLY_TIME_MIN_CONVERSATIONS); there is one.
    channel(shop, "email", email="hola@ceramica.example", reply_time=60)
    answered_by_email(shop, dt.timedelta(hours=30))
    assert details(shop, "shoppers.reply-time-kept") == []


def test_replies_slower_than_promised_are_a_finding(shop, one_is_enough):
    email = channel(shop, "email", email="hola@ceramica.example", reply_time=60)
    channel(shop, "phone", reply_time=5)  # a phone line is not measured
    answered_by_email(shop, dt.timedelta(hours=3))
    context = TrustContext(shop)
    found = rule("shoppers.reply-time-kept").findings(context)
    assert [finding.detail for finding in found] == [
        "“Email” promises a reply within an hour, but usually answers in about 3 hours "
        "(measured over the last 30 days)."
    ]
    assert rule("shoppers.reply-time-kept").fix(context) == context.channel_url(email)


MADRID = ZoneInfo("Europe/Madrid")
# A Wednesday; the form is open Monday to Friday, 09:00-17:00: 8 working hours a day.
NOW = dt.datetime(2026, 2, 18, 12, 0, tzinfo=MADRID)
MONDAY = dt.date(2026, 2, 16)
TUESDAY = dt.date(2026, 2, 17)
OFFICE_HOURS = [(list(range(5)), "09:00", "17:00")]


def at(day, hour):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=MADRID)


def form_answered(site, received, answered):
    with time_machine.travel(received, tick=False):
        made = conversation(site, source=Source.FORM, status=Status.OPEN)
    made.first_response_at = answered
    made.save(update_fields=["first_response_at"])


@pytest.mark.parametrize(
    ("answered", "words"),
    [
        # Monday 9:00 -> Tuesday 11:00: 10 working hours, "about 1 working day". Kept.
        (at(TUESDAY, 11), None),
        # Monday 9:00 -> Tuesday 15:00: 14 working hours, "about 2 working days". Broken.
        (at(TUESDAY, 15), "in about 2 working days"),
    ],
)
def test_a_promise_in_days_is_held_to_working_days(shop, one_is_enough, answered, words):
    channel(shop, "form", reply_time=1440, hours=OFFICE_HOURS)
    form_answered(shop, at(MONDAY, 9), answered)
    with time_machine.travel(NOW, tick=False):
        found = details(shop, "shoppers.reply-time-kept")
    if words is None:
        assert found == []
    else:
        assert found == [
            f"“Contact form” promises a reply within a day, but usually answers {words} "
            "(measured over the last 30 days)."
        ]
