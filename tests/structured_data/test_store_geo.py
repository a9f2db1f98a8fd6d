"""A store's coordinates in the JSON-LD: a GeoCoordinates of numbers, only when both are set."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contactkit.profile.models import ContactChannel
from contactkit.profile.shop import Shop
from contactkit.structured_data.graph import json_ld
from tests.profile.builders import channel, profile_for
from tests.structured_data.test_graph import JSON_LD_KEYWORDS, SCHEMA_TERMS, nodes, parse

# schema.org: Store inherits geo from Place; GeoCoordinates has latitude and longitude.
VOCABULARY = SCHEMA_TERMS


@pytest.fixture
def profile(site):
    return profile_for(site, trade_name="Cerámica Alba", city="València", country="ES")


def store(site, **fields):
    return channel(
        site,
        "store",
        label="Taller",
        street_address="Calle de Sueca, 27",
        postal_code="46006",
        city="València",
        country="ES",
        **fields,
    )


def store_node(site):
    data = parse(json_ld(Shop.for_site(site)))
    (node,) = data["@graph"][0]["department"]
    return node


def test_a_store_with_coordinates_has_a_geo_of_numbers(site, profile):
    store(site, latitude=Decimal("39.469907"), longitude=Decimal("-0.376288"))
    node = store_node(site)
    assert node["geo"] == {
        "@type": "GeoCoordinates",
        "latitude": 39.469907,
        "longitude": -0.376288,
    }
    # Numbers in the JSON, not strings.
    assert isinstance(node["geo"]["latitude"], float)
    assert isinstance(node["geo"]["longitude"], float)


def test_the_geo_text_is_plain_json_numbers(site, profile):
    store(site, latitude=Decimal("39.469907"), longitude=Decimal("-0.376288"))
    text = json_ld(Shop.for_site(site))
    assert '"geo":{"@type":"GeoCoordinates","latitude":39.469907,"longitude":-0.376288}' in text


def test_zero_is_a_coordinate_like_any_other(site, profile):
    store(site, latitude=Decimal("0.000000"), longitude=Decimal("-0.500000"))
    assert store_node(site)["geo"] == {
        "@type": "GeoCoordinates",
        "latitude": 0,
        "longitude": -0.5,
    }


def test_no_geo_without_coordinates(site, profile):
    store(site)
    node = store_node(site)
    assert "geo" not in node
    assert node["address"]["addressLocality"] == "València"


@pytest.mark.parametrize(
    ("coordinates", "missing"),
    [
        ({"latitude": Decimal("39.469907")}, "longitude"),
        ({"longitude": Decimal("-0.376288")}, "latitude"),
    ],
)
def test_half_a_place_is_refused_and_never_published(site, profile, coordinates, missing):
    with pytest.raises(ValidationError) as refused:
        store(site, **coordinates)
    assert refused.value.message_dict[missing] == [
        "Give both the latitude and the longitude, or neither."
    ]
    # Saved past the form (by a script), it is still left out of the structured data.
    store_without_validation = ContactChannel(
        site=site, kind="store", label="Taller", city="València", country="ES", **coordinates
    )
    store_without_validation.street_address = "Carrer de Sueca 10"
    store_without_validation.save()
    assert "geo" not in store_node(site)


def test_coordinates_on_a_channel_that_is_not_a_store_are_not_published(site, profile):
    channel(site, "phone", latitude=Decimal("39.469907"), longitude=Decimal("-0.376288"))
    text = json_ld(Shop.for_site(site))
    assert "GeoCoordinates" not in text
    assert "39.469907" not in text


def test_the_store_uses_only_schema_org_terms(site, profile):
    store(site, latitude=Decimal("39.469907"), longitude=Decimal("-0.376288"))
    data = parse(json_ld(Shop.for_site(site)))
    seen = set()
    for node in nodes(data["@graph"]):
        if "@type" in node:
            seen.add(node["@type"])
            assert set(node) - JSON_LD_KEYWORDS <= VOCABULARY[node["@type"]], node["@type"]
    assert {"Store", "GeoCoordinates"} <= seen
    # No map link is made up: the Store had none before the coordinates.
    assert "hasMap" not in store_node(site)
