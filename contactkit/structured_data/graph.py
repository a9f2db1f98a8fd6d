"""The shop's schema.org JSON-LD: the one place where search engines' view of the shop is built.

Everything comes from a :class:`contactkit.profile.shop.Shop`, so the structured data says what
the pages say. A property is left out when its value is unknown: the graph never holds empty
strings, empty lists or nulls. Enumeration values are full ``https://schema.org/`` URLs,
countries ISO 3166-1 alpha-2 codes and phone numbers E.164.

Building the graph costs a fixed number of queries whatever the number of channels: the shop
loads channels with their hours in one go, and the few pages linked to are looked up once.
"""

import hashlib
import json
from functools import cached_property
from urllib.parse import urljoin

from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page

from contactkit.pages.models import AboutPage, ContactPage, ReturnsPage
from contactkit.profile.choices import PHONE_KINDS, ChannelKind, Purpose
from contactkit.profile.shop import SPECIAL_DAYS_AHEAD
from contactkit.returns.choices import ReturnFees
from contactkit.returns.text import LABEL_FROM_SHOP, label_source

__all__ = [
    "ORGANISATION_TYPE",
    "SPECIAL_DAYS_AHEAD",
    "graph",
    "json_ld",
    "organisation",
    "script_tag",
]

ORGANISATION_TYPE = "OnlineStore"

SCHEMA_ORG = "https://schema.org/"

# Special days further ahead than SPECIAL_DAYS_AHEAD (defined with the shop's facts) are left
# out: they would make every page heavier for little use, and they come into the window in time
# for search engines to pick them up. The page lists the same days (ChannelView.special_days).

# ISO 6523 International Code Designator 0223, "EU based company": the organisation identifier
# is its intra-community VAT number, prefix included ("0223:ESB12345674"). It is a registered
# ICD (the 99xx codes of Peppol are not), and the only one that fits every EU shop; without a
# VAT id no iso6523Code is given, as no registered ICD takes a bare national tax id of every
# EU country.
ISO6523_EU_VAT_ICD = "0223"

# The pages a contact or returns page serves below its own URL, by route name, with the name
# they show in their <title>: each is a WebPage of its own, part of the page it belongs to.
SUBPAGE_NAMES = {
    "thanks": _("Message received"),
    "withdrawal_form": _("Model withdrawal form"),
}

LOGO_FILTER = "max-512x512"

DAYS_OF_WEEK = [
    SCHEMA_ORG + day
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
]

CONTACT_POINT_KINDS = [
    ChannelKind.PHONE,
    ChannelKind.WHATSAPP,
    ChannelKind.EMAIL,
    ChannelKind.FORM,
    ChannelKind.CHAT,
]

# Google reads contactType as free text and documents "customer service" for general lines.
CONTACT_TYPES = {
    Purpose.SALES: "sales",
    Purpose.SUPPORT: "customer support",
    Purpose.RETURNS: "returns",
    Purpose.COMPLAINTS: "complaints",
}
GENERAL_CONTACT_TYPE = "customer service"

_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


# The graph of a page is kept this long at most (it is rebuilt on any change and each day).
JSON_LD_CACHE_SECONDS = 24 * 60 * 60


def organisation(shop, *, base_url: str | None = None) -> dict:
    """The shop as one schema.org node (a dict), of type :data:`ORGANISATION_TYPE`.

    ``base_url`` is the address the shop is served at, such as ``https://shop.example``; it
    defaults to the root URL of ``shop.site``. The node's ``@id`` is
    ``{base_url}/#organisation`` and its ``url`` ``{base_url}/``.
    """
    return _Builder(shop, base_url).organisation()


def graph(shop, *, page=None, base_url: str | None = None) -> dict:
    """The JSON-LD document: the organisation and, when ``page`` is given, the web page.

    ``page`` is the Wagtail page being rendered; a contact page becomes a ``ContactPage``, an
    about page an ``AboutPage`` and any other page a ``WebPage``, each about the shop.
    """
    builder = _Builder(shop, base_url)
    nodes = [builder.organisation()]
    # Templates pass whatever their context calls "page", which may be a paginator's page.
    if isinstance(page, Page):
        nodes.append(builder.web_page(page))
    return {"@context": "https://schema.org", "@graph": nodes}


def json_ld(shop, *, page=None, base_url: str | None = None) -> str:
    """The graph as strict JSON that is safe inside ``<script type="application/ld+json">``.

    Keys are sorted so the output is stable. ``<``, ``>`` and ``&`` are written as JSON
    escapes, so text typed by an editor can never close the script element.
    """
    text = json.dumps(
        graph(shop, page=page, base_url=base_url),
        ensure_ascii=False,
        allow_nan=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return text.translate(_SCRIPT_SAFE)


def script_tag(shop, *, page=None, base_url: str | None = None) -> SafeString:
    """The complete ``<script type="application/ld+json">`` element for a page's ``<head>``.

    Built once per change and day: kept in Django's cache under the page cache's generation
    (which every save of what it shows replaces, see :mod:`contactkit.pages.cache`), the
    page, the language, the address and the shop's date (special days are counted from it).
    """
    from django.core.cache import cache
    from django.utils.translation import get_language

    from contactkit.pages import cache as page_cache

    current = page_cache.generation()
    text = None
    if current is not None:
        parts = [
            current,
            shop.site.pk,
            page.pk if isinstance(page, Page) else "",
            get_language(),
            base_url or "",
            shop.request.get_host() if shop.request is not None else "",
            shop.today.isoformat(),
        ]
        key = "contactkit:json-ld:" + hashlib.sha256(repr(parts).encode()).hexdigest()
        text = cache.get(key)
    if text is None:
        text = json_ld(shop, page=page, base_url=base_url)
        if current is not None:
            cache.set(key, text, JSON_LD_CACHE_SECONDS)
    # json_ld() escapes every character that could end the element or start markup.
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


class _Builder:
    """Builds the nodes of one graph, sharing the lookups they need."""

    def __init__(self, shop, base_url):
        self.shop = shop
        self.profile = shop.profile
        self.base_url = (shop.site.root_url if base_url is None else base_url).rstrip("/")
        self.organisation_id = f"{self.base_url}/#organisation"

    # --- the organisation ----------------------------------------------------------------

    def organisation(self):
        profile, shop = self.profile, self.shop
        return _compact(
            {
                "@type": ORGANISATION_TYPE,
                "@id": self.organisation_id,
                "name": profile.name,
                "legalName": profile.legal_name_with_form,
                "url": self.base_url + "/",
                "logo": self.logo_url(),
                "description": profile.story.strip(),
                "email": shop.email,
                "telephone": _e164(shop.phone),
                "address": _postal_address(profile),
                "vatID": profile.vat_id,
                "taxID": profile.tax_id,
                "iso6523Code": f"{ISO6523_EU_VAT_ICD}:{profile.vat_id}" if profile.vat_id else None,
                "foundingDate": _iso_date(profile.founding_date),
                "numberOfEmployees": _node(
                    "QuantitativeValue", {"value": profile.number_of_employees}
                ),
                "knowsLanguage": list(profile.languages_spoken),
                "sameAs": [view.url for view in shop.social_channels if view.url],
                # Each profile the shop proved it manages (contactkit.accounts): its page, about
                # the shop, reviewed (proven) on that date.
                "subjectOf": _present(self.verified_profile(view) for view in shop.social_channels),
                "contactPoint": _present(
                    self.contact_point(view)
                    for view in shop.channels
                    if view.kind in CONTACT_POINT_KINDS
                ),
                "department": _present(self.store(view) for view in shop.stores),
                "hasMerchantReturnPolicy": self.return_policy(),
                "hasShippingService": self.shipping_service(),
            }
        )

    def verified_profile(self, view):
        proof = view.verified_proof
        if proof is None:
            return None
        return {
            "@type": "ProfilePage",
            "url": view.url,
            "mainEntity": {"@id": self.organisation_id},
            "lastReviewed": _iso_date(timezone.localdate(proof.verified_at)),
        }

    def shipping_service(self):
        """The countries the shop ships to, as the page's "Where we ship" lists them."""
        countries = [country.code for country in self.profile.countries_shipped_to]
        if not countries:
            return None
        return {
            "@type": "ShippingService",
            "shippingConditions": {
                "@type": "ShippingConditions",
                "shippingDestination": [
                    {"@type": "DefinedRegion", "addressCountry": code} for code in countries
                ],
            },
        }

    def logo_url(self):
        logo = self.profile.logo
        if logo is None:
            return None
        try:
            rendition = logo.get_rendition(LOGO_FILTER)
        except SourceImageIOError:
            # A logo whose file went missing must not take every page of the shop down.
            return None
        # Not rendition.full_url: that prefixes the admin's address, which may not be the shop's.
        return urljoin(self.base_url + "/", rendition.url)

    # --- channels ------------------------------------------------------------------------

    def contact_point(self, view):
        """A ContactPoint for a phone, WhatsApp, email, form or chat channel, if reachable."""
        telephone = _e164(view.phone) if view.kind in PHONE_KINDS else None
        email = view.email if view.kind == ChannelKind.EMAIL else None
        if view.kind == ChannelKind.WHATSAPP:
            url = view.href
        elif view.kind == ChannelKind.CHAT:
            url = view.url
        elif view.kind == ChannelKind.FORM:
            url = self.form_url(view)
        else:
            url = None
        if not (telephone or email or url):
            return None
        return _node(
            "ContactPoint",
            {
                "contactType": _contact_type(view.purposes),
                "name": str(view.display_label),
                "telephone": telephone,
                "email": email,
                "url": url,
                "availableLanguage": list(view.languages),
                "hoursAvailable": self.opening_hours(view),
            },
        )

    def form_url(self, view):
        # The channel's help text promises the contact page when no page is picked.
        page = view.page if view.page and view.page.live else self.contact_page
        return self.page_url(page) if page else None

    def store(self, view):
        """A Store for a physical store channel with an address.

        Its ``url`` is the store on the contact page, its phone the one the page shows, and
        its ``geo`` the coordinates staff gave, as numbers (only when both are set).
        """
        address = _postal_address(view)
        if address is None:
            return None
        contact_url = self.page_url(self.contact_page)
        return _node(
            "Store",
            {
                "@id": f"{self.base_url}/#{view.anchor}",
                "name": view.label or self.profile.name,
                "url": f"{contact_url}#{view.anchor}" if contact_url else None,
                "address": address,
                "telephone": _e164(view.store_phone),
                "geo": _geo(view),
                "openingHoursSpecification": self.opening_hours(view),
            },
        )

    def opening_hours(self, view):
        """OpeningHoursSpecifications: the weekly hours, then the special days coming up."""
        return _weekly_hours(view.schedule.weekly) + _special_days(view.special_days)

    # --- returns -------------------------------------------------------------------------

    def return_policy(self):
        """The MerchantReturnPolicy, or None if the shop has not set its policy up."""
        policy = self.shop.return_policy
        if policy.pk is None or not policy.is_set_up:
            return None
        return_country = policy.return_country or self.profile.country
        node = {
            "@type": "MerchantReturnPolicy",
            "applicableCountry": [country.code for country in policy.countries(self.profile)],
            "returnPolicyCountry": return_country.code if return_country else None,
            "returnPolicyCategory": SCHEMA_ORG + policy.window,
        }
        if policy.accepts_returns:
            node |= {
                "merchantReturnDays": policy.return_days if policy.is_finite else None,
                "returnMethod": _enumeration(policy.return_methods),
                "returnFees": SCHEMA_ORG + policy.fees,
                "returnShippingFeesAmount": (
                    _node(
                        "MonetaryAmount",
                        {"value": _number(policy.fee_amount), "currency": policy.currency},
                    )
                    if policy.fees == ReturnFees.FIXED_FEE
                    else None
                ),
                "restockingFee": _number(policy.restocking_fee_percent),
                "refundType": _enumeration(policy.refund_types),
                "itemCondition": _enumeration(policy.item_conditions),
                "returnLabelSource": _return_label_source(policy),
                "merchantReturnLink": self.page_url(self.returns_page),
            }
        return _compact(node)

    # --- pages ---------------------------------------------------------------------------

    def web_page(self, page):
        page_class = page.specific_class or type(page)
        if issubclass(page_class, ContactPage):
            page_type = "ContactPage"
        elif issubclass(page_class, AboutPage):
            page_type = "AboutPage"
        else:
            page_type = "WebPage"
        url = self.page_url(page)
        shop_ref = {"@id": self.organisation_id}
        subpage = self.subpage(page)
        if subpage is not None and url:
            # A page served below the page's own URL (the thank-you page, the withdrawal
            # form) is a web page of its own, part of the page it belongs to.
            route, path = subpage
            return _compact(
                {
                    "@type": "WebPage",
                    "@id": f"{url}{path}#webpage",
                    "url": url + path,
                    "name": str(SUBPAGE_NAMES.get(route, page.title)),
                    "inLanguage": translation.get_language(),
                    "isPartOf": {"@id": f"{url}#webpage"},
                    "publisher": shop_ref,
                }
            )
        return _compact(
            {
                "@type": page_type,
                "@id": f"{url}#webpage" if url else None,
                "url": url,
                "name": page.title,
                "inLanguage": translation.get_language(),
                "publisher": shop_ref,
                "about": shop_ref if page_type != "WebPage" else None,
            }
        )

    def subpage(self, page):
        """The route name and relative path of the routable sub-page of ``page`` being served,
        or None when the page itself is served (or the graph is built outside a request)."""
        match = getattr(self.shop.request, "routable_resolver_match", None)
        if match is None or not hasattr(page, "reverse_subpage"):
            return None
        try:
            path = page.reverse_subpage(match.url_name, args=match.args, kwargs=match.kwargs)
        except NoReverseMatch:
            return None
        return (match.url_name, path) if path else None

    @cached_property
    def returns_page(self):
        return self._first_live(ReturnsPage)

    @property
    def contact_page(self):
        return self.shop.contact_page

    def _first_live(self, page_class):
        """The site's first live page of ``page_class`` in tree order, in one query."""
        return self.shop.first_live(page_class)

    def page_url(self, page):
        """The absolute URL of ``page``, on ``base_url`` when the page is on the shop's site."""
        if page is None:
            return None
        # With the request, the sites' root paths are read once per request, not per page.
        parts = page.get_url_parts(request=self.shop.request)
        if parts is None or parts[2] is None:
            return None
        site_id, root_url, path = parts
        return (self.base_url if site_id == self.shop.site.pk else root_url) + path


# --- values ----------------------------------------------------------------------------------


def _compact(node):
    """``node`` without its unknown properties: None, empty strings, empty lists or nodes."""
    return {key: value for key, value in node.items() if value not in (None, "", [], {})}


def _node(schema_type, properties):
    """A typed node of the known ``properties``, or None when none is known."""
    known = _compact(properties)
    return {"@type": schema_type, **known} if known else None


def _present(nodes):
    return [node for node in nodes if node]


def _enumeration(members):
    return [SCHEMA_ORG + member for member in members]


def _e164(phone):
    return phone.as_e164 if phone else None


def _iso_date(date):
    return date.isoformat() if date else None


def _number(decimal):
    """A Decimal as a JSON number: 10 for 10.00, 4.95 for 4.95."""
    if decimal is None:
        return None
    return int(decimal) if decimal == decimal.to_integral_value() else float(decimal)


def _return_label_source(policy):
    """How a shopper gets the label for a return by post.

    When the shop pays the return (free returns) or charges a fixed fee for it, the shop
    provides the label, sent to the shopper to print; when the shopper pays the shipping, the
    shopper gets a label. Without returns by post there is no label to speak of.
    """
    # One rule, read also by the return instructions the shopper is emailed.
    source = label_source(policy)
    if source is None:
        return None
    if source == LABEL_FROM_SHOP:
        return SCHEMA_ORG + "ReturnLabelDownloadAndPrint"
    return SCHEMA_ORG + "ReturnLabelCustomerResponsibility"


def _postal_address(place):
    return _node(
        "PostalAddress",
        {
            "streetAddress": place.street_address,
            "postalCode": place.postal_code,
            "addressLocality": place.city,
            "addressRegion": place.region,
            "addressCountry": place.country.code if place.country else None,
        },
    )


def _geo(place):
    """GeoCoordinates of ``place`` when both its latitude and longitude are known (0 is a
    latitude like any other), as JSON numbers."""
    latitude = getattr(place, "latitude", None)
    longitude = getattr(place, "longitude", None)
    if latitude is None or longitude is None:
        return None
    return {
        "@type": "GeoCoordinates",
        "latitude": _number(latitude),
        "longitude": _number(longitude),
    }


def _contact_type(purposes):
    """The contactType of every purpose the channel serves, as the page groups it.

    A channel for anything (no purpose ticked, or all of them) is the general line; a channel
    for one purpose has one contactType, a channel for several has a list of them.
    """
    terms = [term for purpose, term in CONTACT_TYPES.items() if purpose in purposes]
    if not terms or len(terms) == len(CONTACT_TYPES):
        return GENERAL_CONTACT_TYPE
    return terms[0] if len(terms) == 1 else terms


def _opens_closes(interval):
    """The wall-clock opening and closing times; closing earlier than opening means next day."""
    opens = f"{interval.opens:%H:%M}"
    closes = f"{interval.closes:%H:%M}"
    if interval.closes_next_day and interval.closes == interval.opens:
        # Equal times would read as closed: a full day ends a minute early instead, as in
        # Google's documented 00:00-23:59 for round the clock.
        minute = (interval.opens.hour * 60 + interval.opens.minute - 1) % (24 * 60)
        closes = f"{minute // 60:02d}:{minute % 60:02d}"
    return opens, closes


def _special_days(days):
    """One specification per opening on each special day; a closed day opens and closes at 0:00."""
    specs = []
    for exception in days:
        day = exception.date.isoformat()
        # Google's documented way to say "closed all day" on a date.
        hours = [_opens_closes(interval) for interval in exception.intervals] or [
            ("00:00", "00:00")
        ]
        specs += [
            {
                "@type": "OpeningHoursSpecification",
                "validFrom": day,
                "validThrough": day,
                "opens": opens,
                "closes": closes,
            }
            for opens, closes in hours
        ]
    return specs


def _weekly_hours(weekly):
    """One specification per distinct pair of times, listing the days it applies to."""
    days_by_hours = {}
    for interval in weekly:
        days = days_by_hours.setdefault(_opens_closes(interval), [])
        if interval.weekday not in days:
            days.append(interval.weekday)
    specs = []
    for (opens, closes), days in days_by_hours.items():
        day_urls = [DAYS_OF_WEEK[day] for day in days]
        specs.append(
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": day_urls[0] if len(day_urls) == 1 else day_urls,
                "opens": opens,
                "closes": closes,
            }
        )
    return specs
