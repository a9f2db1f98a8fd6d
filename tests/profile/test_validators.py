"""Tax ids and links are checked the way an owner would expect, with messages that say why."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contactkit.profile.validators import host_matches, normalise_tax_id, normalise_vat_id

VALID_TAX_IDS = [
    ("ES", "B-98765431", "B98765431"),  # CIF of a company
    ("ES", "12345678Z", "12345678Z"),  # NIF of a sole trader
    ("ES", "X1234567L", "X1234567L"),  # NIE
    ("PT", "501 964 843", "501964843"),
    ("FR", "732 829 320", "732829320"),  # SIREN
    ("DE", "181/815/08155", "18181508155"),  # Steuernummer
    ("IT", "00743110157", "00743110157"),  # partita IVA
    ("NL", "004495445B01", "004495445B01"),  # BTW
    ("BE", "0403.019.261", "0403019261"),
    ("AT", "59-119/9013", "591199013"),
    ("IE", "1234567T", "1234567T"),  # PPS
]


@pytest.mark.parametrize(("country", "typed", "stored"), VALID_TAX_IDS)
def test_real_tax_ids_are_accepted_and_stored_compact(country, typed, stored):
    assert normalise_tax_id(typed, country) == stored


@pytest.mark.parametrize(
    ("country", "typed", "reason"),
    [
        ("ES", "B98765432", "check digit"),
        ("ES", "B987", "number of characters"),
        ("PT", "501964844", "check digit"),
        ("FR", "ABC", "characters"),
        ("IT", "00743110158", "check digit"),
        ("IE", "12345", "number of characters"),
    ],
)
def test_wrong_tax_ids_say_what_is_wrong(country, typed, reason):
    with pytest.raises(ValidationError) as caught:
        normalise_tax_id(typed, country)
    assert reason in caught.value.messages[0]


def test_tax_id_message_is_in_spanish_for_spanish_staff():
    with translation.override("es"):
        with pytest.raises(ValidationError) as caught:
            normalise_tax_id("B98765432", "ES")
        assert caught.value.messages[0] == (
            "No es un NIF o CIF español válido: "
            "su dígito de control no cuadra; revisa si hay una errata."
        )


def test_tax_ids_of_other_countries_are_not_blocked():
    assert normalise_tax_id(" 12-3456789 ", "US") == "12-3456789"


def test_empty_tax_id_is_fine():
    assert normalise_tax_id("", "ES") == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ESB98765431", "ESB98765431"),
        ("es b98765431", "ESB98765431"),
        ("DE 136 695 976", "DE136695976"),
        ("FR40303265045", "FR40303265045"),
        ("NL004495445B01", "NL004495445B01"),
        ("ATU13585627", "ATU13585627"),
        ("IE6433435F", "IE6433435F"),
        ("BE0403019261", "BE0403019261"),
        ("IT00743110157", "IT00743110157"),
        ("PT501964843", "PT501964843"),
    ],
)
def test_eu_vat_ids_are_checked_by_their_country(typed, stored):
    assert normalise_vat_id(typed) == stored


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("B98765431", "starts with the two letters"),
        ("US123456789", "starts with the two letters"),
        ("ESB98765432", "check digit"),
        ("DE13669597", "number of characters"),
    ],
)
def test_wrong_vat_ids_are_refused_with_a_reason(typed, reason):
    with pytest.raises(ValidationError) as caught:
        normalise_vat_id(typed)
    assert reason in caught.value.messages[0]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.instagram.com/shop/", True),
        ("https://instagram.com/shop", True),
        ("http://instagram.com/shop", False),
        ("https://instagram.com.evil.example/shop", False),
        ("https://evilinstagram.com/shop", False),
        ("https://user@evil.example/instagram.com", False),
    ],
)
def test_social_links_must_be_https_on_the_network_host(url, ok):
    assert host_matches(url, ("instagram.com",)) is ok
