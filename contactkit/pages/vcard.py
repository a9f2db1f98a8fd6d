"""The shop as a vCard (RFC 2426, version 3.0) that a shopper saves to their phone's contacts.

The card is well formed whatever the profile holds: one-line values (names, address parts) get
a space for any line break or control character, the story keeps its line breaks (written as
``\\n`` by vobject) and loses other control characters. Nothing a profile holds can add a line
or a property to the card.
"""

import re
import unicodedata
from urllib.parse import quote

import vobject

from contactkit.profile.choices import ChannelKind

# Control characters, line and paragraph separators, lone surrogates and the noncharacters XML
# and most readers refuse: none of them belongs in a vCard's text.
_CONTROLS = "\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff"
_ONE_LINE = re.compile(f"[ {_CONTROLS}]*[{_CONTROLS}][ {_CONTROLS}]*")
# Whatever a reader may take for the end of a line.
_LINE_BREAK = re.compile("\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def one_line(value):
    """``value`` on one line: each run of line breaks and other control characters (with the
    spaces around it) becomes one space."""
    return _ONE_LINE.sub(" ", value or "").strip()


def text_block(value):
    """``value`` with its line breaks as ``\\n`` and every other control character a space."""
    return "\n".join(one_line(line) for line in _LINE_BREAK.split(value or "")).strip()


def vcard_content_disposition(shop):
    """The Content-Disposition of the card's download: a file named after the shop.

    RFC 6266: ``filename*`` carries the name in UTF-8 ("Cerámica Alba.vcf"), and ``filename``
    an ASCII fallback ("Ceramica Alba.vcf") for the few clients that do not read ``filename*``.
    The header itself is pure ASCII, so no server or proxy re-encodes it on the way (a raw
    Latin-1 byte there is what made browsers save "_Alba.vcf").
    """
    name = one_line(shop.profile.name).replace("/", "-").replace("\\", "-")
    name = name.strip(". ") or "contact"
    filename = f"{name}.vcf"
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    # Only what a quoted-string holds without escapes, and no leading dots or spaces.
    fallback = re.sub(r'[^\x20-\x7e]|["\\%;]', "", fallback).strip(". ")
    if not re.search(r"[A-Za-z0-9]", fallback.removesuffix(".vcf")):
        fallback = "contact.vcf"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def shop_vcard(shop, request=None):
    """The vCard text of ``shop``: name, organisation, address, phones, email and web site."""
    profile = shop.profile
    card = vobject.vCard()
    trade_name, legal_name = one_line(profile.trade_name), one_line(profile.legal_name)
    card.add("fn").value = (
        trade_name or legal_name or one_line(shop.site.site_name) or shop.site.hostname
    )
    # N is required by vCard 3.0; a business card leaves the personal name parts empty.
    card.add("n").value = vobject.vcard.Name(family="", given="")
    if legal_name or trade_name:
        card.add("org").value = [legal_name or trade_name]
    if profile.has_address:
        address = card.add("adr")
        address.type_param = "WORK"
        address.value = vobject.vcard.Address(
            street=one_line(profile.street_address),
            city=one_line(profile.city),
            region=one_line(profile.region),
            code=one_line(profile.postal_code),
            country=profile.country.name if profile.country else "",
        )
    for view in shop.channels:
        if view.kind == ChannelKind.PHONE and view.phone:
            tel = card.add("tel")
            tel.type_param = ["WORK", "VOICE"]
            tel.value = view.phone.as_e164
        elif view.kind == ChannelKind.WHATSAPP and view.phone:
            tel = card.add("tel")
            tel.type_param = ["CELL"]
            tel.value = view.phone.as_e164
        elif view.kind == ChannelKind.EMAIL and view.email:
            email = card.add("email")
            email.type_param = "INTERNET"
            email.value = one_line(view.email)
    card.add("url").value = request.build_absolute_uri("/") if request else shop.home_url
    story = text_block(profile.story)
    if story:
        card.add("note").value = story
    return card.serialize()
