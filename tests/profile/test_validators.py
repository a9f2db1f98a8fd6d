"""Tax ids and links are checked the way an owner would expect, with messages that say why."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contactkit.profile.validators import (
    check_vat_id_matches_tax_id,
    host_matches,
    normalise_postal_code,
    normalise_tax_id,
    normalise_vat_id,
)

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


# --- tax ids that must agree -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vat_id", "tax_id", "country"),
    [
        ("ESB98765431", "B98765431", "ES"),
        ("PT501964843", "501964843", "PT"),
        ("ESB98765431", "", "ES"),  # one of the two left empty: nothing to compare
        ("", "B98765431", "ES"),
        ("DE136695976", "18181508155", "DE"),  # in Germany the two are different numbers
    ],
)
def test_a_vat_id_that_is_the_tax_id_with_its_prefix_is_fine(vat_id, tax_id, country):
    check_vat_id_matches_tax_id(vat_id, tax_id, country)


def test_a_spanish_vat_id_of_another_nif_is_refused_with_the_expected_one():
    with pytest.raises(ValidationError) as caught:
        check_vat_id_matches_tax_id("ESB12345674", "B98765431", "ES")

    assert caught.value.code == "vat_id_mismatch"
    assert caught.value.messages == [
        "This EU VAT id does not match the tax id: in Spain the VAT id is ES followed by the "
        "tax id, so ESB98765431."
    ]


# --- postal codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("46002", "ES", "46002"),
        (" 08001 ", "ES", "08001"),
        ("1000-001", "PT", "1000-001"),
        ("75001", "FR", "75001"),
        ("10115", "DE", "10115"),
        ("1234ab", "NL", "1234 AB"),
        ("", "ES", ""),
        ("ABCDE", "", "ABCDE"),  # no country yet: nothing to check against
        ("SW1A 1AA", "US", None),
        ("K1A 0B1", "CA", "K1A 0B1"),  # a country the check does not know is not blocked
    ],
)
def test_postal_codes_are_checked_by_country(typed, country, stored):
    if stored is None:
        with pytest.raises(ValidationError):
            normalise_postal_code(typed, country)
    else:
        assert normalise_postal_code(typed, country) == stored


@pytest.mark.parametrize("typed", ["ABCDE", "4600", "99001", "460021"])
def test_a_spanish_postal_code_that_does_not_exist_is_refused(typed):
    with pytest.raises(ValidationError) as caught:
        normalise_postal_code(typed, "ES")

    assert caught.value.code == "invalid_postal_code"
    assert caught.value.messages == ["This is not a valid postal code in Spain."]
