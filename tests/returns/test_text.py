"""The returns text a shopper reads is generated from the policy's rules, in their language."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from contactkit.profile.shop import Shop
from contactkit.returns.models import ReturnPolicy, ReturnStep
from contactkit.returns.text import describe, format_money
from tests.profile.builders import channel, profile_for


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


SPANISH_GUARANTEE = [
    "Whatever this returns policy says, every item has the legal guarantee of conformity for 3 "
    "years from delivery (Real Decreto Legislativo 1/2007, art. 120): if it is faulty or not as "
    "described, you can have it repaired or replaced, or else get a price reduction or your "
    "money back.",
    "A claim under the guarantee costs you nothing: write to us or call us.",
]


def sentences(sections):
    return {section.key: list(section.sentences) for section in sections}


@pytest.fixture
def profile(site):
    return profile_for(site, countries_shipped_to=["ES", "PT"])


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_thirty_days_free_returns_and_a_full_refund(site, profile):
    policy = policy_for(site, item_conditions=["NewCondition"], refund_days=14)
    sections = describe(policy, profile)
    assert [section.key for section in sections] == [
        "window",
        "conditions",
        "methods",
        "costs",
        "refund",
        "guarantee",
        "countries",
    ]
    assert sentences(sections) == {
        "window": ["You have 30 days from the day you receive your order to return it."],
        "conditions": ["Items must be:"],
        "methods": ["You can return items:"],
        "costs": ["Returns are free: we pay the return shipping."],
        "refund": [
            "You get a full refund.",
            "We refund you within 14 days of receiving the return.",
        ],
        "guarantee": SPANISH_GUARANTEE,
        "countries": ["This policy applies to orders shipped to Portugal and Spain."],
    }
    by_key = {section.key: section for section in sections}
    assert by_key["conditions"].items == ("New and unused, in its original packaging",)
    assert by_key["methods"].items == ("By post or courier",)
    assert by_key["window"].heading == "How long you have"


def test_no_returns_keeps_the_legal_right_for_eea_shoppers(site, profile):
    policy = ReturnPolicy(site=site, window="MerchantReturnNotPermitted", non_returnable_items="X")
    sections = describe(policy, profile)
    assert [section.key for section in sections] == ["window", "guarantee", "countries"]
    assert sentences(sections)["window"] == [
        "We do not accept returns.",
        "This does not affect your legal right to withdraw from an online purchase within "
        "14 days, except for the items the law excludes.",
    ]


def test_no_returns_outside_the_eea_says_only_that(site, profile):
    policy = ReturnPolicy(
        site=site, window="MerchantReturnNotPermitted", applicable_countries=["US"]
    )
    sections = describe(policy, profile)
    assert sentences(sections) == {
        "window": ["We do not accept returns."],
        # The shop is in Spain: its law's guarantee holds wherever the order goes.
        "guarantee": SPANISH_GUARANTEE,
        "countries": ["This policy applies to orders shipped to United States of America."],
    }


@pytest.mark.parametrize(
    ("country", "years", "law"),
    [
        ("ES", "3 years", "Real Decreto Legislativo 1/2007, art. 120"),
        ("PT", "3 years", "Decreto-Lei n.º 84/2021, art. 12"),
        ("DE", "2 years", "Directive (EU) 2019/771, art. 10"),
    ],
)
def test_the_legal_guarantee_of_the_shops_country_is_stated(site, country, years, law):
    profile = profile_for(site, country=country, countries_shipped_to=["ES"])
    policy = policy_for(site)
    (guarantee,) = [s for s in describe(policy, profile) if s.key == "guarantee"]
    assert guarantee.heading == "The legal guarantee"
    assert (
        f"legal guarantee of conformity for {years} from delivery ({law})"
        in (guarantee.sentences[0])
    )
    with translation.override("es"):
        (spanish,) = [s for s in describe(policy, profile) if s.key == "guarantee"]
    assert spanish.heading == "La garantía legal"


def test_a_shop_outside_the_eea_states_no_eu_guarantee(site):
    profile = profile_for(site, country="US", countries_shipped_to=["US"])
    assert "guarantee" not in [s.key for s in describe(policy_for(site), profile)]


def test_customer_pays_a_fixed_fee_and_gets_store_credit(site, profile):
    policy = policy_for(
        site,
        fees="ReturnShippingFees",
        fee_amount=Decimal("4.95"),
        currency="EUR",
        refund_types=["StoreCreditRefund"],
    )
    found = sentences(describe(policy, profile))
    assert found["costs"] == ["Returns cost €4.95, deducted from your refund."]
    assert found["refund"] == ["You get store credit."]


def test_customer_pays_the_shipping(site, profile):
    policy = policy_for(site, fees="ReturnFeesCustomerResponsibility")
    assert sentences(describe(policy, profile))["costs"] == [
        "You pay the cost of sending the item back."
    ]


def test_several_refund_types_are_a_choice(site, profile):
    policy = policy_for(site, refund_types=["StoreCreditRefund", "FullRefund", "ExchangeRefund"])
    assert sentences(describe(policy, profile))["refund"] == [
        "You can choose: a full refund, an exchange or store credit."
    ]


def test_an_exchange_only_promises_no_refund_delay(site, profile):
    policy = policy_for(site, refund_types=["ExchangeRefund"], refund_days=14)
    assert sentences(describe(policy, profile))["refund"] == ["You get an exchange."]


def test_one_day_is_singular(site, profile):
    policy = policy_for(site, return_days=1, refund_days=1)
    found = sentences(describe(policy, profile))
    assert found["window"] == ["You have 1 day from the day you receive your order to return it."]
    assert found["refund"][1] == "We refund you within 1 day of receiving the return."


def test_unlimited_window(site, profile):
    policy = policy_for(site, window="MerchantReturnUnlimitedWindow", return_days=None)
    assert sentences(describe(policy, profile))["window"] == [
        "You can return items at any time: there is no time limit."
    ]


@pytest.mark.parametrize(("percent", "shown"), [("10.00", "10%"), ("12.50", "12.5%")])
def test_restocking_fee_shows_no_trailing_zeros(site, profile, percent, shown):
    policy = policy_for(site, restocking_fee_percent=Decimal(percent))
    assert sentences(describe(policy, profile))["costs"] == [
        "Returns are free: we pay the return shipping.",
        f"We keep {shown} of the price for restocking.",
    ]


def test_several_conditions_and_the_items_that_cannot_be_returned(site, profile):
    policy = policy_for(
        site,
        item_conditions=["UsedCondition", "NewCondition"],
        non_returnable_items="Personalised pieces\n\n  Gift cards  \n",
    )
    by_key = {section.key: section for section in describe(policy, profile)}
    assert by_key["conditions"].sentences == ("Items must be in one of these conditions:",)
    assert by_key["conditions"].items == ("New and unused, in its original packaging", "Used")
    assert by_key["exclusions"].sentences == ("These items cannot be returned:",)
    assert by_key["exclusions"].items == ("Personalised pieces", "Gift cards")


def test_sections_without_data_are_left_out(site):
    profile = profile_for(site)  # ships nowhere yet
    policy = policy_for(site, return_methods=[], refund_types=[])
    assert [section.key for section in describe(policy, profile)] == [
        "window",
        "costs",
        "guarantee",
    ]


def test_spanish_output_has_the_same_sections(site, profile):
    policy = policy_for(site, non_returnable_items="Tarjetas regalo")
    english = [section.key for section in describe(policy, profile)]
    with translation.override("es"):
        spanish = describe(policy, profile)
    assert [section.key for section in spanish] == english
    assert [section.key for section in describe(policy, profile, language="es")] == english
    assert (
        "Alemania"
        in sentences(
            describe(policy_for(site, applicable_countries=["DE"]), profile, language="es")
        )["countries"][0]
    )


def test_countries_are_named_in_the_active_language(site, profile):
    policy = policy_for(site, applicable_countries=["DE", "BE", "FR"])
    assert sentences(describe(policy, profile))["countries"] == [
        "This policy applies to orders shipped to Belgium, France and Germany."
    ]


@pytest.mark.parametrize(
    ("language", "currency", "shown"),
    [
        ("en", "EUR", "€4.95"),
        ("en", "GBP", "£4.95"),
        ("en", "CHF", "CHF\N{NO-BREAK SPACE}4.95"),
        ("es", "EUR", "4,95\N{NO-BREAK SPACE}€"),
        ("es", "USD", "4,95\N{NO-BREAK SPACE}$"),
    ],
)
def test_amounts_follow_the_language(language, currency, shown):
    with translation.override(language):
        assert format_money(Decimal("4.95"), currency) == shown


def test_editors_text_is_escaped_in_the_page(site, profile):
    policy = policy_for(site, non_returnable_items="<b>Swimwear</b>")
    policy.prefetched_steps = [
        ReturnStep(title="<script>alert(1)</script>", text="Pack it well.\nPost it."),
    ]
    html = render_to_string(
        "contactkit/includes/returns_policy.html",
        {"sections": describe(policy, profile), "policy": policy},
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Swimwear&lt;/b&gt;" in html
    assert "Pack it well.<br>Post it." in html
    assert '<section class="ck-section ck-policy-section" id="returns-window"' in html
    assert "How to return an item" in html


def test_no_steps_no_steps_heading(site, profile):
    policy = policy_for(site)
    policy.prefetched_steps = []
    html = render_to_string(
        "contactkit/includes/returns_policy.html",
        {"sections": describe(policy, profile), "policy": policy},
    )
    assert "How to return an item" not in html
    assert "ck-steps" not in html


OFFICIAL_SENTENCES = [
    "Model withdrawal form",
    "(complete and return this form only if you wish to withdraw from the contract)",
    "To:",
    "I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract of sale of "
    "the following goods (*)/for the provision of the following service (*),",
    "Ordered on (*)/received on (*),",
    "Name of consumer(s),",
    "Address of consumer(s),",
    "Signature of consumer(s) (only if this form is notified on paper),",
    "Date",
    "(*) Delete as appropriate.",
]


def test_withdrawal_form_is_filled_in_with_the_traders_details(site):
    profile_for(
        site,
        legal_name="Cerámica Alba Artesanos, S.L.",
        street_address="Calle Mayor 5",
        postal_code="46001",
        city="Valencia",
    )
    channel(site, kind="email", email="hola@ceramica-alba.example")
    channel(site, kind="phone")
    html = render_to_string(
        "contactkit/includes/withdrawal_form.html", {"shop": Shop.for_site(site)}
    )
    for text in [
        "Cerámica Alba Artesanos, S.L.",
        "Calle Mayor 5",
        "46001 Valencia",
        "Spain",
        "hola@ceramica-alba.example",
        "+34 960 12 34 56",
        *OFFICIAL_SENTENCES,
    ]:
        assert text in html
    assert "<h1 " in html
    assert "<input" not in html
    assert "odr" not in html.lower()


def test_withdrawal_form_without_legal_name_or_phone(site):
    profile_for(site, trade_name="Tienda Alba", legal_name="")
    html = render_to_string(
        "contactkit/includes/withdrawal_form.html",
        {"shop": Shop.for_site(site), "heading_level": 2},
    )
    assert "Tienda Alba" in html
    assert "tel:" not in html
    assert "<h2 " in html
