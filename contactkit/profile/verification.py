"""Where a shopper can check the shop's identifiers for themselves."""

from urllib.parse import quote

# The EU's VAT number check (VIES) has no stable deep link: shoppers type the number there.
VIES_URL = "https://ec.europa.eu/taxation_customs/vies/#/vat-validation"

# National business registers with a public search, by ISO country. "{id}" is filled with the
# shop's national tax id where the register takes it in the link.
REGISTER_SEARCH = {
    "ES": "https://sede.registradores.org/site/mercantil",
    "FR": "https://annuaire-entreprises.data.gouv.fr/entreprise/{id}",
    "DE": "https://www.handelsregister.de/",
    "IT": "https://www.registroimprese.it/",
    "NL": "https://www.kvk.nl/zoeken/",
    "BE": "https://kbopub.economie.fgov.be/kbopub/toonondernemingps.html?ondernemingsnummer={id}",
    "IE": "https://core.cro.ie/",
    "PT": "https://www.portaldaempresa.pt/",
    "AT": "https://www.firmenbuch.at/",
}


def vat_check_url(vat_id):
    return VIES_URL if vat_id else ""


def register_search_url(profile):
    """The public search of the register the shop is in, or "" where there is none known."""
    template = REGISTER_SEARCH.get(profile.country.code if profile.country else "")
    if not template:
        return ""
    if "{id}" in template:
        if not profile.tax_id:
            return ""
        return template.format(
            id=quote(profile.tax_id[:9] if profile.country.code == "FR" else profile.tax_id)
        )
    return template


def map_url(channel):
    """An OpenStreetMap search for a store's address: a link, never an embedded map."""
    query = ", ".join(channel.address_lines)
    return f"https://www.openstreetmap.org/search?query={quote(query)}" if query else ""
