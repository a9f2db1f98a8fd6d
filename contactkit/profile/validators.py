"""Checks for the identifiers a shop publishes: tax ids and the links of its social profiles.

Tax ids are checked with python-stdnum, which knows the format and check digits of each
country's numbers; postal codes with django-localflavor, which knows each country's codes. The
messages say in plain words what is wrong.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.util import get_cc_module

# The national tax ids a business can have, per country, tried in order.
# ES: NIF of a person or company (DNI, NIE, CIF); PT: NIF; FR: SIREN or SIRET;
# DE: Steuernummer; IT: partita IVA or codice fiscale; NL: BTW or RSIN (an RSIN follows the
# rules of a BSN); BE: enterprise number; AT: Steuernummer; IE: PPS or VAT number.
TAX_ID_MODULES = {
    "ES": ("es.nif", "es.cif"),
    "PT": ("pt.nif",),
    "FR": ("fr.siren", "fr.siret"),
    "DE": ("de.stnr", "de.idnr"),
    "IT": ("it.iva", "it.codicefiscale"),
    "NL": ("nl.btw", "nl.bsn"),
    "BE": ("be.vat",),
    "AT": ("at.tin",),
    "IE": ("ie.pps", "ie.vat"),
}

TAX_ID_NAMES = {
    "ES": _("Spanish NIF or CIF"),
    "PT": _("Portuguese NIF"),
    "FR": _("French SIREN or SIRET"),
    "DE": _("German tax number (Steuernummer)"),
    "IT": _("Italian partita IVA or codice fiscale"),
    "NL": _("Dutch BTW or RSIN number"),
    "BE": _("Belgian enterprise number"),
    "AT": _("Austrian tax number"),
    "IE": _("Irish PPS or VAT number"),
}


def _stdnum_module(dotted):
    country, name = dotted.split(".")
    return get_cc_module(country, name)


_CLOSENESS = {InvalidChecksum: 0, InvalidLength: 1, InvalidComponent: 2, InvalidFormat: 3}


def _reason(error):
    if isinstance(error, InvalidLength):
        return _("it has the wrong number of characters")
    if isinstance(error, InvalidChecksum):
        return _("its check digit does not match; look for a typing mistake")
    if isinstance(error, InvalidComponent):
        return _("a part of it is not valid")
    return _("it has characters that do not belong in it")


def normalise_tax_id(value, country):
    """Return ``value`` in its compact official form, or raise ValidationError.

    Countries not in ``TAX_ID_MODULES`` are accepted as typed (spaces trimmed), so a shop from
    elsewhere is never blocked; only the shape is checked there.
    """
    value = (value or "").strip()
    if not value:
        return ""
    modules = TAX_ID_MODULES.get((country or "").upper())
    if not modules:
        if not 4 <= len(value) <= 30 or not any(ch.isalnum() for ch in value):
            raise ValidationError(
                _("Enter the tax id as it appears on your invoices."), code="invalid_tax_id"
            )
        return value
    errors = []
    for dotted in modules:
        try:
            return _stdnum_module(dotted).validate(value)
        except (InvalidFormat, InvalidLength, InvalidChecksum, InvalidComponent) as error:
            errors.append(error)
    # Where the number fits one kind of id but not another, the nearest miss is the most
    # useful thing to tell: a wrong check digit beats a wrong length beats a wrong shape.
    closest = min(errors, key=lambda error: _CLOSENESS.get(type(error), len(_CLOSENESS)))
    raise ValidationError(
        _("This is not a valid %(kind)s: %(reason)s."),
        code="invalid_tax_id",
        params={"kind": TAX_ID_NAMES[country.upper()], "reason": _reason(closest)},
    )


def normalise_vat_id(value):
    """Return an EU VAT id in compact form (``ESB12345674``), or raise ValidationError.

    The id must start with its two-letter country prefix; the rest is checked with that
    country's rules.
    """
    value = (value or "").strip()
    if not value:
        return ""
    compact = "".join(ch for ch in value.upper() if ch.isalnum())
    if compact[:2].lower() not in eu_vat.MEMBER_STATES | {"el"}:
        raise ValidationError(
            _("An EU VAT id starts with the two letters of its country, for example ESB12345674."),
            code="invalid_vat_prefix",
        )
    try:
        return eu_vat.validate(compact)
    except (InvalidFormat, InvalidLength, InvalidChecksum, InvalidComponent) as error:
        raise ValidationError(
            _("This is not a valid EU VAT id: %(reason)s."),
            code="invalid_vat_id",
            params={"reason": _reason(error)},
        ) from error


def host_matches(url, hosts):
    """Whether ``url`` is an https link on one of ``hosts`` or their subdomains."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme == "https" and any(
        host == allowed or host.endswith("." + allowed) for allowed in hosts
    )


def validate_https_url(value):
    if urlsplit(value or "").scheme != "https":
        raise ValidationError(
            _("Use a secure link that starts with https://."), code="insecure_url"
        )


# --- tax ids that must agree -------------------------------------------------------------------

# Countries whose EU VAT id is the country prefix followed by the national tax id itself: in
# Spain "ES" + the NIF, in Portugal "PT" + the NIF. Elsewhere the two differ by more (a check
# key in France, a separate number in Germany), so they are not compared.
VAT_ID_IS_PREFIXED_TAX_ID = {"ES", "PT"}


def check_vat_id_matches_tax_id(vat_id, tax_id, country):
    """Raise ValidationError if the (normalised) ``vat_id`` is not the ``tax_id`` it must be.

    Only where the VAT id is, by law, the prefix and the national tax id, and only when both
    are known: a shop of another country, or with one of the two left empty, is not blocked.
    """
    country = (country or "").upper()
    if not (vat_id and tax_id) or country not in VAT_ID_IS_PREFIXED_TAX_ID:
        return
    if vat_id[:2].upper() != country:
        return
    expected = f"{country}{tax_id}".upper()
    if vat_id.upper() != expected:
        raise ValidationError(
            _(
                "This EU VAT id does not match the tax id: in %(country)s the VAT id is "
                "%(prefix)s followed by the tax id, so %(expected)s."
            ),
            code="vat_id_mismatch",
            params={"country": _country_name(country), "prefix": country, "expected": expected},
        )


# --- postal codes ------------------------------------------------------------------------------

# The django-localflavor form field that knows each country's postal codes. Countries not
# listed take the code as typed: a shop abroad is never blocked.
POSTAL_CODE_FIELDS = {
    "AT": "localflavor.at.forms.ATZipCodeField",
    "BE": "localflavor.be.forms.BEPostalCodeField",
    "CH": "localflavor.ch.forms.CHZipCodeField",
    "CZ": "localflavor.cz.forms.CZPostalCodeField",
    "DE": "localflavor.de.forms.DEZipCodeField",
    "DK": "localflavor.dk.forms.DKPostalCodeField",
    "EE": "localflavor.ee.forms.EEZipCodeField",
    "ES": "localflavor.es.forms.ESPostalCodeField",
    "FI": "localflavor.fi.forms.FIZipCodeField",
    "FR": "localflavor.fr.forms.FRZipCodeField",
    "GB": "localflavor.gb.forms.GBPostcodeField",
    "GR": "localflavor.gr.forms.GRPostalCodeField",
    "HR": "localflavor.hr.forms.HRPostalCodeField",
    "IE": "localflavor.ie.forms.EircodeField",
    "IT": "localflavor.it.forms.ITZipCodeField",
    "LT": "localflavor.lt.forms.LTPostalCodeField",
    "LV": "localflavor.lv.forms.LVPostalCodeField",
    "MT": "localflavor.mt.forms.MTPostalCodeField",
    "NL": "localflavor.nl.forms.NLZipCodeField",
    "NO": "localflavor.no.forms.NOZipCodeField",
    "PL": "localflavor.pl.forms.PLPostalCodeField",
    "PT": "localflavor.pt.forms.PTZipCodeField",
    "RO": "localflavor.ro.forms.ROPostalCodeField",
    "SE": "localflavor.se.forms.SEPostalCodeField",
    "SI": "localflavor.si.forms.SIPostalCodeField",
    "SK": "localflavor.sk.forms.SKPostalCodeField",
    "US": "localflavor.us.forms.USZipCodeField",
}


def normalise_postal_code(value, country):
    """Return ``value`` as the country writes its postal codes, or raise ValidationError.

    ``country`` is an ISO 3166-1 alpha-2 code. The check is django-localflavor's; the message
    is ours, so it names the country in the shop owner's language.
    """
    value = (value or "").strip()
    country = (country or "").upper()
    if not value or country not in POSTAL_CODE_FIELDS:
        return value
    field = import_string(POSTAL_CODE_FIELDS[country])(required=False)
    try:
        return field.clean(value) or ""
    except ValidationError as error:
        raise ValidationError(
            _("This is not a valid postal code in %(country)s."),
            code="invalid_postal_code",
            params={"country": _country_name(country)},
        ) from error


def _country_name(code):
    return str(Country(code).name) or code
