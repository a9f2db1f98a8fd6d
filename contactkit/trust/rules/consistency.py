"""Whether the shop says the same thing everywhere, as a shopper's browser gets its pages.

contactkit renders the contact details from one store profile, so its own blocks never
disagree; what these rules catch is everything around them: a phone number typed into a page's
text, an old email address in the theme's footer, a link to the closed ODR platform, a footer
without the legal notice, a channel that says "call us" without saying when.
"""

import functools
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from contactkit.profile.choices import ChannelKind
from contactkit.trust.registry import LAW, RECOMMENDED, SHOPPERS, Rule, register
from contactkit.wording import and_list

# --- reading pages --------------------------------------------------------------------------------


class _PageReader(HTMLParser):
    """The visible text of a page (without scripts, styles and templates) and its links."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.links = []
        self.classes = set()
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        self.classes.update((attrs.get("class") or "").split())

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        self.classes.update((attrs.get("class") or "").split())

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


@functools.lru_cache(maxsize=16)
def read_page(html):
    """The page's visible text (``visible_text``), links and classes; read once per page
    however many rules look at it."""
    reader = _PageReader()
    reader.feed(html or "")
    reader.close()
    reader.visible_text = " ".join(" ".join(reader.text).split())
    return reader


def shown_pages(context):
    """[(page, html)] of the home page and each live contactkit page that answers, the home
    page first; each page once."""
    found, seen = [], set()
    home = context.shop.home
    candidates = [(home, context.home_html)] + [
        (page, context.html(page)) for page in context.pages.values() if page is not None
    ]
    for page, html in candidates:
        if page.pk in seen or not html:
            continue
        seen.add(page.pk)
        found.append((page, html))
    return found


# --- the same phone, email and address everywhere -------------------------------------------------

# An email address as text shows it.
EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*"
    r"\.[A-Za-z]{2,}\b"
)


def own_phones(shop):
    """The E.164 numbers of every channel that has one (phone lines, WhatsApp, stores)."""
    return {view.phone.as_e164 for view in shop.channels if view.phone}


def own_emails(shop):
    return {view.email.casefold() for view in shop.channels if view.email}


def phones_in(text, country):
    """{E.164: the number as written} for each valid phone number in ``text``; numbers
    without a country code are read as numbers of ``country``."""
    found = {}
    for match in phonenumbers.PhoneNumberMatcher(text, country or None):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        found.setdefault(e164, match.raw_string.strip())
    return found


def emails_in(text):
    """{lower case: as written} for each email address in ``text``."""
    found = {}
    for match in EMAIL.finditer(text):
        value = match.group(0).rstrip(".")
        found.setdefault(value.casefold(), value)
    return found


def _stray(phones, emails, shop):
    """The values of ``phones`` ({E.164: shown}) and ``emails`` ({key: shown}) that are not
    the shop's own channels', as shown."""
    mine_phones, mine_emails = own_phones(shop), own_emails(shop)
    return [shown for e164, shown in phones.items() if e164 not in mine_phones] + [
        shown for key, shown in emails.items() if key not in mine_emails
    ]


def _parse_phone(value, country):
    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _expected(shop):
    """{"phone": (E.164, shown), "email": …, "address": …} of what the shop publishes as its
    own, each only when it has one."""
    expected = {}
    if shop.phone:
        expected["phone"] = (shop.phone.as_e164, shop.phone.as_international)
    if shop.email:
        expected["email"] = (shop.email.casefold(), shop.email)
    if shop.profile.has_address:
        profile = shop.profile
        expected["address"] = (
            (profile.street_address, profile.postal_code, profile.city),
            ", ".join(profile.address_lines),
        )
    return expected


def _organisation_values(context):
    """(phones, emails, address) as the structured data gives them."""
    node = context.organisation or {}
    country = context.country
    phones, emails = {}, {}
    if node.get("telephone"):
        phones[_parse_phone(node["telephone"], country)] = node["telephone"]
    if node.get("email"):
        emails[node["email"].casefold()] = node["email"]
    address = node.get("address") or {}
    parts = (
        address.get("streetAddress") or "",
        address.get("postalCode") or "",
        address.get("addressLocality") or "",
    )
    return phones, emails, parts if any(parts) else None


def _vcard_values(context):
    """(phones, emails, address) as the vCard gives them, or None without a vCard."""
    import vobject

    text = context.vcard
    if not text:
        return None
    try:
        card = vobject.readOne(text)
    except Exception:  # noqa: BLE001  (a card that cannot be read gives nothing to compare)
        return None
    country = context.country
    contents = card.contents
    phones = {_parse_phone(line.value, country): line.value for line in contents.get("tel", [])}
    emails = {line.value.casefold(): line.value for line in contents.get("email", [])}
    address = None
    for line in contents.get("adr", []):
        value = line.value
        address = (value.street or "", value.code or "", value.city or "")
        break
    return phones, emails, address


_MISSING = {
    "organisation": {
        "phone": _("The structured data (JSON-LD) does not give your phone number, %(value)s."),
        "email": _("The structured data (JSON-LD) does not give your email address, %(value)s."),
        "address": _("The structured data (JSON-LD) does not give your address, %(value)s."),
    },
    "vcard": {
        "phone": _("The vCard does not give your phone number, %(value)s."),
        "email": _("The vCard does not give your email address, %(value)s."),
        "address": _("The vCard does not give your address, %(value)s."),
    },
}


def _compare_card(place, values, shop):
    """What is wrong in the structured data or the vCard (``place``): values not among the
    shop's channels, and the shop's own phone, email or address missing or different."""
    phones, emails, address = values
    found = []
    stray = _stray(phones, emails, shop)
    if stray:
        if place == "organisation":
            message = ngettext(
                "The structured data (JSON-LD) gives %(values)s, which is not one of your "
                "contact channels.",
                "The structured data (JSON-LD) gives %(values)s, which are not among your "
                "contact channels.",
                len(stray),
            )
        else:
            message = ngettext(
                "The vCard gives %(values)s, which is not one of your contact channels.",
                "The vCard gives %(values)s, which are not among your contact channels.",
                len(stray),
            )
        found.append(message % {"values": and_list(stray)})
    given = {"phone": set(phones), "email": set(emails), "address": {address}}
    for what, (key, shown) in _expected(shop).items():
        if key not in given[what]:
            found.append(str(_MISSING[place][what]) % {"value": shown})
    return found


def check_same_contact_details(context):
    shop = context.shop
    found = []
    for page, html in shown_pages(context):
        text = read_page(html).visible_text
        stray = _stray(phones_in(text, context.country), emails_in(text), shop)
        if stray:
            found.append(
                ngettext(
                    "The page “%(page)s” shows %(values)s, which is not one of your contact "
                    "channels.",
                    "The page “%(page)s” shows %(values)s, which are not among your contact "
                    "channels.",
                    len(stray),
                )
                % {"page": page.title, "values": and_list(stray)}
            )
    found += _compare_card("organisation", _organisation_values(context), shop)
    card = _vcard_values(context)
    if card is not None:
        found += _compare_card("vcard", card, shop)
    return found


def _first_page_with(context, finds):
    """The edit screen of the first page ``finds(html)`` is true of, else the page tree."""
    for page, html in shown_pages(context):
        if finds(html):
            return context.page_url(page)
    return context.page_url(None)


register(
    Rule(
        id="consistency.same-contact-details",
        severity=SHOPPERS,
        title=_("Give the same phone, email and address everywhere"),
        why=_(
            "A phone number or an email address written by hand into a page or the site’s "
            "template goes stale when the store profile changes, and a shop that gives two "
            "different numbers looks careless, or like a copy. Every page, the structured data "
            "and the vCard should show only the channels of your store profile."
        ),
        check=check_same_contact_details,
        fix=lambda context: _first_page_with(
            context,
            lambda html: bool(
                _stray(
                    phones_in(read_page(html).visible_text, context.country),
                    emails_in(read_page(html).visible_text),
                    context.shop,
                )
            ),
        ),
        fix_label=_("The page’s text (or your site’s template)"),
    )
)


# --- no link to the closed ODR platform -----------------------------------------------------------

# The EU's online dispute resolution platform, closed on 20 July 2025 (Regulation (EU)
# 2024/3228): its addresses, old and new.
ODR_LINK = re.compile(r"ec\.europa\.eu/(?:consumers/)?odr", re.IGNORECASE)


def check_no_odr_link(context):
    return [
        gettext("The page “%(page)s” links to the EU’s ODR platform, which closed on 20 July 2025.")
        % {"page": page.title}
        for page, html in shown_pages(context)
        if ODR_LINK.search(html)
    ]


register(
    Rule(
        id="consistency.no-odr-link",
        severity=SHOPPERS,
        title=_("Remove the link to the EU’s ODR platform"),
        why=_(
            "The EU’s online dispute resolution platform closed on 20 July 2025, when "
            "Regulation (EU) 2024/3228 repealed the ODR Regulation (EU) No 524/2013: the link "
            "shops had to show now leads nowhere, and tells shoppers the site is not looked "
            "after."
        ),
        law="Regulation (EU) 2024/3228",
        check=check_no_odr_link,
        fix=lambda context: _first_page_with(context, lambda html: bool(ODR_LINK.search(html))),
        fix_label=_("The page’s text (or your site’s template)"),
    )
)


# --- channels that promise hours have hours -------------------------------------------------------

# Channels on which someone answers live, or a door opens: a shopper needs to know when.
LIVE_KINDS = (ChannelKind.PHONE, ChannelKind.WHATSAPP, ChannelKind.CHAT, ChannelKind.STORE)


def channels_without_hours(context):
    return [
        view for view in context.shop.channels if view.kind in LIVE_KINDS and not view.has_hours
    ]


def _hours_fix(context):
    missing = channels_without_hours(context)
    if len(missing) == 1:
        return context.channel_url(missing[0].channel)
    return context.channels_url


register(
    Rule(
        id="consistency.channel-hours",
        severity=RECOMMENDED,
        title=_("Give opening hours to every phone, chat and store"),
        why=_(
            "A phone line, a chat or a store without hours leaves shoppers guessing when "
            "someone is there; with hours, the contact page says whether it is open now and "
            "search engines show when."
        ),
        check=lambda context: [
            gettext("“%(channel)s” (%(kind)s) has no opening hours.")
            % {"channel": view.display_label, "kind": view.get_kind_display()}
            for view in channels_without_hours(context)
        ],
        fix=_hours_fix,
        fix_label=_("Contact channels → Opening hours"),
    )
)


# --- the legal notice, one click away from every page ---------------------------------------------

# Where the law asks for the legal notice to be permanently and directly reachable.
LEGAL_NOTICE_COUNTRIES = {"ES", "DE"}


def _path(url):
    """The path of ``url`` without a language prefix, ending in "/"."""
    path = urlsplit(url or "").path or "/"
    languages = {code.split("-")[0].lower() for code, _name in settings.LANGUAGES}
    first, _sep, rest = path.lstrip("/").partition("/")
    if first.lower() in languages:
        path = "/" + rest
    return path if path.endswith("/") else path + "/"


def _legal_notice_paths(context):
    page = context.pages["legal_notice"]
    if page is None:
        return set()
    pages = page.get_translations(inclusive=True).live()
    return {_path(found.get_url()) for found in pages if found.get_url()}


def pages_without_legal_notice(context):
    """The pages (home and contactkit pages, not the legal notice page itself) that neither
    link to the legal notice page nor show the notice."""
    notice = context.pages["legal_notice"]
    paths = _legal_notice_paths(context)
    missing = []
    for page, html in shown_pages(context):
        if notice is not None and page.pk == notice.pk:
            continue
        reader = read_page(html)
        if "ck-legal-notice" in reader.classes:
            continue
        if paths and any(_path(href) in paths for href in reader.links):
            continue
        missing.append(page)
    return missing


def check_legal_notice_reachable(context):
    return [
        gettext("The page “%(page)s” neither links to the legal notice nor shows it.")
        % {"page": page.title}
        for page in pages_without_legal_notice(context)
    ]


_LEGAL_NOTICE_WHY = _(
    "Shoppers must be able to reach who runs the shop from every page: Spain’s LSSI-CE "
    "(art. 10.1) asks for “permanent, easy, direct and free” access, Germany’s § 5 DDG for "
    "information that is “easily recognisable, immediately reachable and always available”. "
    "contactkit’s legal notice link (the contactkit_legal_notice_link tag) in your site’s "
    "footer does it."
)


register(
    Rule(
        id="consistency.legal-notice-reachable",
        severity=LAW,
        title=_("Link to the legal notice from every page"),
        why=_LEGAL_NOTICE_WHY,
        law="Ley 34/2002 (LSSI-CE) art. 10.1; § 5 Abs. 1 DDG",
        check=check_legal_notice_reachable,
        fix=lambda context: context.page_url(context.pages["legal_notice"]),
        fix_label=_("The legal notice page, and your site’s footer"),
        applies=lambda context: context.country in LEGAL_NOTICE_COUNTRIES,
    )
)

register(
    Rule(
        id="consistency.legal-notice-reachable-elsewhere",
        severity=SHOPPERS,
        title=_("Link to the legal notice from every page"),
        why=_(
            "Shoppers look for who runs a shop before they buy: a link to the legal notice in "
            "the footer answers that on every page. contactkit’s legal notice link (the "
            "contactkit_legal_notice_link tag) does it."
        ),
        check=check_legal_notice_reachable,
        fix=lambda context: context.page_url(context.pages["legal_notice"]),
        fix_label=_("The legal notice page, and your site’s footer"),
        applies=lambda context: context.country not in LEGAL_NOTICE_COUNTRIES,
    )
)


# --- the three pages shoppers look for ------------------------------------------------------------

_MISSING_PAGES = (
    ("contact", _("There is no published Contact page.")),
    ("about", _("There is no published About us page.")),
    ("returns", _("There is no published Returns page.")),
)


register(
    Rule(
        id="consistency.pages-published",
        severity=SHOPPERS,
        title=_("Publish a Contact, an About us and a Returns page"),
        why=_(
            "These are the three pages shoppers open before buying from a shop they do not "
            "know: how to reach you, who you are, and how to send something back."
        ),
        check=lambda context: [
            str(message) for name, message in _MISSING_PAGES if context.pages[name] is None
        ],
        fix=lambda context: context.page_url(None),
        fix_label=_("Pages → add a child page under the home page"),
    )
)
