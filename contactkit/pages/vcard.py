"""The shop as a vCard (RFC 2426, version 3.0) that a shopper saves to their phone's contacts."""

import vobject

from contactkit.profile.choices import ChannelKind


def shop_vcard(shop, request=None):
    """The vCard text of ``shop``: name, organisation, address, phones, email and web site."""
    profile = shop.profile
    card = vobject.vCard()
    card.add("fn").value = profile.name or profile.legal_name or shop.site.site_name
    # N is required by vCard 3.0; a business card leaves the personal name parts empty.
    card.add("n").value = vobject.vcard.Name(family="", given="")
    if profile.legal_name or profile.name:
        card.add("org").value = [profile.legal_name or profile.name]
    if profile.has_address:
        address = card.add("adr")
        address.type_param = "WORK"
        address.value = vobject.vcard.Address(
            street=profile.street_address,
            city=profile.city,
            region=profile.region,
            code=profile.postal_code,
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
            email.value = view.email
    card.add("url").value = request.build_absolute_uri("/") if request else shop.home_url
    if profile.story:
        card.add("note").value = profile.story
    return card.serialize()
