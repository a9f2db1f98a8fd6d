"""The policy's rules refuse contradictions, and shop owners edit it in the Wagtail admin."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from contactkit.returns.models import ReturnPolicy, ReturnStep

FINITE = "MerchantReturnFiniteReturnWindow"
NOT_PERMITTED = "MerchantReturnNotPermitted"


def valid_policy(site, **fields):
    defaults = {
        "window": FINITE,
        "return_days": 30,
        "return_methods": ["ReturnByMail"],
        "fees": "FreeReturn",
        "currency": "EUR",
        "refund_types": ["FullRefund"],
    }
    return ReturnPolicy(site=site, **{**defaults, **fields})


def clean_errors(policy):
    with pytest.raises(ValidationError) as caught:
        policy.full_clean()
    return caught.value.message_dict


def test_a_valid_policy_passes(site):
    valid_policy(site, applicable_countries=["ES"], return_days=14).full_clean()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"return_days": None}, "return_days", "Say how many days shoppers have"),
        ({"fees": "ReturnShippingFees"}, "fee_amount", "Give the amount of the fixed fee."),
        ({"currency": "EURO"}, "currency", "Use the three-letter code of the currency"),
        ({"currency": "E1R"}, "currency", "Use the three-letter code of the currency"),
        ({"return_methods": []}, "return_methods", "Tick at least one way to return an item."),
        ({"refund_types": []}, "refund_types", "Tick what the shopper gets back."),
        (
            {"applicable_countries": ["US", "ES"], "return_days": 7},
            "return_days",
            "Shoppers in the EU have at least 14 days",
        ),
    ],
)
def test_contradictions_are_refused(site, fields, field, message):
    errors = clean_errors(valid_policy(site, **fields))
    assert any(message in text for text in errors[field]), errors


def test_short_windows_are_fine_outside_the_eea(site):
    valid_policy(site, applicable_countries=["US"], return_days=7).full_clean()


def test_currency_is_normalised(site):
    policy = valid_policy(site, currency="eur")
    policy.full_clean()
    assert policy.currency == "EUR"


def test_no_returns_clears_what_no_longer_applies(site):
    policy = valid_policy(
        site,
        window=NOT_PERMITTED,
        return_methods=[],
        refund_types=[],
        fee_amount=Decimal("3.00"),
    )
    policy.full_clean()
    assert policy.return_days is None
    assert policy.fee_amount is None


def policy_url(site):
    return reverse("wagtailsettings:edit", args=["contactkit", "returnpolicy", site.pk])


def policy_form(**overrides):
    data = {
        "window": FINITE,
        "return_days": "30",
        "return_country": "",
        "fees": "ReturnShippingFees",
        "fee_amount": "4.95",
        "currency": "EUR",
        "restocking_fee_percent": "",
        "refund_days": "14",
        "non_returnable_items": "Personalised pieces",
        "steps": inline_formset(
            [
                {"title": "Write to us", "text": "Tell us your order number."},
                {"title": "Post the parcel", "text": ""},
            ]
        ),
        "applicable_countries": ["ES", "PT"],
        "item_conditions": ["NewCondition"],
        "return_methods": ["ReturnByMail", "ReturnInStore"],
        "refund_types": ["StoreCreditRefund", "FullRefund"],
    }
    data.update(overrides)
    lists = {key: value for key, value in data.items() if isinstance(value, list)}
    # nested_form_data would flatten lists into "field-0" keys; checkboxes send repeated keys.
    return {**nested_form_data({k: v for k, v in data.items() if k not in lists}), **lists}


def test_owner_saves_the_policy_with_its_steps(admin_client, site):
    response = admin_client.post(policy_url(site), policy_form())
    assert response.status_code == 302
    policy = ReturnPolicy.for_site(site)
    assert policy.pk is not None
    assert policy.fee_amount == Decimal("4.95")
    assert [str(country) for country in policy.applicable_countries] == ["ES", "PT"]
    assert policy.return_methods == ["ReturnByMail", "ReturnInStore"]
    assert policy.refund_types == ["FullRefund", "StoreCreditRefund"]  # the order of choices
    assert [step.title for step in policy.steps.all()] == ["Write to us", "Post the parcel"]


def test_a_bad_policy_is_explained_and_nothing_is_saved(admin_client, site):
    response = admin_client.post(policy_url(site), policy_form(return_days="7"))
    assert response.status_code == 200
    assert "Shoppers in the EU have at least 14 days" in response.content.decode()
    # Opening the settings screen stores the default policy; none of the posted rules is kept.
    policy = ReturnPolicy.objects.get(site=site)
    assert (policy.return_days, policy.fee_amount, policy.return_methods) == (30, None, [])
    assert not ReturnStep.objects.exists()


def test_the_edit_screen_opens(admin_client, site):
    response = admin_client.get(policy_url(site))
    assert response.status_code == 200
    assert "How to return, step by step" in response.content.decode()
