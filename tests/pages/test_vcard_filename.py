"""The vCard downloads as "Cerámica Alba.vcf": RFC 6266 ``filename*`` in UTF-8, an ASCII
``filename`` for older clients, and a header that is ASCII from end to end."""

from types import SimpleNamespace
from urllib.parse import unquote

import pytest
import vobject

from contactkit.pages.vcard import vcard_content_disposition
from tests.pages.builders import full_shop


def parameters(header):
    kind, *params = [part.strip() for part in header.split(";")]
    return kind, dict(param.split("=", 1) for param in params)


def disposition_for(name):
    return vcard_content_disposition(SimpleNamespace(profile=SimpleNamespace(name=name)))


def test_the_vcard_is_named_after_the_shop_in_utf8_with_an_ascii_fallback(
    client, site, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page = full_shop(site)["contacto"]

    response = client.get(page.url + "vcard/")

    header = response["Content-Disposition"]
    header.encode("ascii")  # no raw Latin-1 or UTF-8 byte for a browser to guess at
    kind, params = parameters(header)
    assert kind == "attachment"
    assert params["filename"] == '"Ceramica Alba.vcf"'
    charset, _language, value = params["filename*"].split("'", 2)
    assert charset.lower() == "utf-8"
    assert unquote(value, encoding="utf-8") == "Cerámica Alba.vcf"
    card = vobject.readOne(response.content.decode("utf-8"))
    assert card.fn.value == "Cerámica Alba"


@pytest.mark.parametrize(
    ("name", "fallback", "utf8"),
    [
        ("Cerámica Alba", "Ceramica Alba.vcf", "Cerámica Alba.vcf"),
        ('Ña "Ñu"; 100%', "Na Nu 100.vcf", 'Ña "Ñu"; 100%.vcf'),
        ("Всё / ещё", "contact.vcf", "Всё - ещё.vcf"),
        ("", "contact.vcf", "contact.vcf"),
        ("..", "contact.vcf", "contact.vcf"),
    ],
)
def test_any_shop_name_gives_a_safe_file_name(name, fallback, utf8):
    header = disposition_for(name)
    header.encode("ascii")
    _kind, params = parameters(header)
    assert params["filename"] == f'"{fallback}"'
    assert unquote(params["filename*"].split("'", 2)[2]) == utf8
