"""What shoppers look for before they buy from a shop they do not know.

None of these is required by law on its own; each is something shoppers (and the guides that
teach them to spot a fake shop) check: a phone that costs a normal call, an address, a register
entry or VAT id they can look up, a returns window, more than one way to pay, seals they can
verify, a social profile that is really the shop's, and replies as fast as promised.
"""

import datetime as dt
import re
import unicodedata
from dataclasses import replace
from urllib.parse import urlsplit

import phonenumbers
from django.core.cache import cache
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from stdnum.eu import vat as eu_vat

from contactkit.conf import contactkit_settings
from contactkit.profile.choices import ChannelKind
from contactkit.returns.choices import ReturnWindow
from contactkit.trust.registry import RECOMMENDED, SHOPPERS, Rule, register
from contactkit.wording import and_list, or_list

# --- a phone that costs a normal call -------------------------------------------------------------

# Numbers that cost the caller more than a call to an ordinary line, or may: premium rate
# (Spain's 803/806/807), shared cost (Spain's 901/902) and "universal access" company numbers.
_COSTLY_NUMBERS = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE: _("a premium-rate number"),
    phonenumbers.PhoneNumberType.SHARED_COST: _("a shared-cost number"),
    phonenumbers.PhoneNumberType.UAN: _("a company number that may cost more than a normal call"),
}


def _phone_lines(shop):
    """The numbers a shopper can call: the phone lines and the stores' own lines."""
    return [
        view
        for view in shop.channels
        if view.phone and view.kind in (ChannelKind.PHONE, ChannelKind.STORE)
    ]


def check_phone(context):
    lines = _phone_lines(context.shop)
    if not lines:
        return [gettext("None of your channels gives a phone number shoppers can call.")]
    found = []
    seen = set()
    for view in lines:
        number = view.phone
        if number.as_e164 in seen:
            continue
        seen.add(number.as_e164)
        kind = _COSTLY_NUMBERS.get(phonenumbers.number_type(number))
        if kind is not None:
            found.append(
                gettext(
                    "%(number)s (%(channel)s) is %(kind)s: shoppers pay more than a normal call "
                    "to reach you."
                )
                % {
                    "number": number.as_international,
                    "channel": view.display_label,
                    "kind": kind,
                }
            )
    return found


register(
    Rule(
        id="shoppers.phone",
        severity=SHOPPERS,
        title=_("Give a phone number that costs a normal call"),
        why=_(
            "A shop that can be called is a shop that exists: shoppers look for a number before "
            "they buy, and distrust one that charges them for calling. In the EU a trader may "
            "not charge more than the basic rate for a call about a contract "
            "(Directive 2011/83/EU, art. 21)."
        ),
        law="Directive 2011/83/EU art. 21",
        check=check_phone,
        fix=lambda context: context.channels_url,
        fix_label=_("Contact channels"),
    )
)


# --- an address -----------------------------------------------------------------------------------


def check_address(context):
    if context.profile.has_address:
        return []
    if any(view.has_address for view in context.shop.stores):
        return []
    return [gettext("Neither your store profile nor any physical store gives a full address.")]


register(
    Rule(
        id="shoppers.address",
        severity=SHOPPERS,
        title=_("Show a physical or registered address"),
        why=_(
            "Shoppers want to know where a shop really is, and where to send a return or a "
            "complaint; a shop without an address looks like it could vanish overnight."
        ),
        check=check_address,
        fix=lambda context: context.profile_url,
        fix_label=_("Store profile → Legal details"),
    )
)


# --- a register entry or a VAT id shoppers can look up --------------------------------------------

# Seconds to wait for the EU's VIES service; a slow VIES must not hold up the report.
VIES_TIMEOUT = 5
# How long a VIES answer (valid or not) is kept, in seconds: the register changes seldom.
VIES_CACHE_SECONDS = 24 * 60 * 60


def vies_says_valid(vat_id):
    """True or False as the EU's VIES service answers for ``vat_id``; None when it could not
    be asked (no network, VIES down or slow, no SOAP library): that is never held against the
    shop."""
    key = f"contactkit:trust:vies:{vat_id}"
    known = cache.get(key)
    if known is not None:
        return known
    try:
        answer = eu_vat.check_vies(vat_id, timeout=VIES_TIMEOUT)
        valid = bool(answer["valid"])
    except Exception:  # noqa: BLE001  (any failure to ask is "unknown", never a finding)
        return None
    cache.set(key, valid, VIES_CACHE_SECONDS)
    return valid


def check_register_or_vat(context):
    """A register entry, or a VAT id of a valid format (and known to VIES, where it is
    asked), passes. A VAT id the shop publishes that a shopper would find refused is a
    finding even next to a register entry: the legal notice shows it."""
    profile = context.profile
    vat_id = (profile.vat_id or "").strip()
    if vat_id and not eu_vat.is_valid(vat_id):
        return [
            gettext(
                "Your EU VAT id %(vat_id)s is not a valid VAT id: shoppers who check it find "
                "nothing."
            )
            % {"vat_id": vat_id}
        ]
    if vat_id and contactkit_settings.TRUST_VIES_CHECK and vies_says_valid(vat_id) is False:
        return [
            gettext(
                "The EU’s VIES service does not know %(vat_id)s as a valid VAT id: shoppers "
                "who check it there see it refused."
            )
            % {"vat_id": vat_id}
        ]
    if not vat_id and not (profile.register_entry or "").strip():
        return [gettext("You give neither a business register entry nor an EU VAT id.")]
    return []


register(
    Rule(
        id="shoppers.register-or-vat",
        severity=SHOPPERS,
        title=_("Give a register entry or an EU VAT id shoppers can check"),
        why=_(
            "A business register entry or a VAT id lets a shopper confirm, on an official "
            "register, that the company behind the shop exists. A VAT id is checked for its "
            "format and check digits; where the site turns it on "
            "(CONTACTKIT_TRUST_VIES_CHECK), also with the EU’s VIES service, and a VIES that "
            "does not answer is never held against you."
        ),
        check=check_register_or_vat,
        fix=lambda context: context.profile_url,
        fix_label=_("Store profile → Legal details"),
    )
)


# --- a returns window -----------------------------------------------------------------------------


def check_returns_window(context):
    policy = context.shop.return_policy
    if policy.pk is None or not policy.is_set_up:
        return [gettext("Your returns policy has not been set up yet.")]
    if policy.window == ReturnWindow.NOT_PERMITTED:
        return [gettext("Your returns policy says you accept no returns.")]
    if policy.window == ReturnWindow.FINITE and not policy.return_days:
        return [gettext("Your returns policy does not say how many days shoppers have.")]
    return []


register(
    Rule(
        id="shoppers.returns-window",
        severity=SHOPPERS,
        title=_("Say how long shoppers have to return an item"),
        why=_(
            "Before buying, shoppers look for how many days they have to send something back; "
            "a clear return window is one of the first things that makes a new shop safe to try."
        ),
        check=check_returns_window,
        fix=lambda context: context.returns_policy_url,
        fix_label=_("Settings → Returns policy"),
    )
)


# --- more than one way to pay ---------------------------------------------------------------------

MIN_PAYMENT_METHODS = 2


def check_payment_methods(context):
    labels = [str(label) for label in context.profile.payment_method_labels()]
    if len(labels) >= MIN_PAYMENT_METHODS:
        return []
    if not labels:
        return [gettext("No payment method is listed.")]
    return [gettext("Only one payment method is listed: %(method)s.") % {"method": labels[0]}]


register(
    Rule(
        id="shoppers.payment-methods",
        severity=SHOPPERS,
        title=_("Offer more than one way to pay"),
        why=_(
            "Shoppers trust a shop more when they can pay in a way they know and that protects "
            "them, such as a card or PayPal; a single method, above all a bank transfer "
            "alone, is a warning sign in every guide to spotting fake shops."
        ),
        check=check_payment_methods,
        fix=lambda context: context.profile_url,
        fix_label=_("Store profile → Payments, shipping and trust"),
    )
)


# --- seals a shopper can verify -------------------------------------------------------------------

# Well-known certifiers: a pattern matched on the seal's name (in lower case, without accents,
# its words separated by single spaces) and the domains where their verification pages are
# (subdomains count). A domain ending in ".*" stands for the certifier's name under any
# country's domain (trustedshops.de, trustedshops.es, trustedshops.co.uk…).
CERTIFIERS = (
    ("Confianza Online", re.compile(r"\bconfianza ?online\b"), ("confianzaonline.es",)),
    ("Trusted Shops", re.compile(r"\btrusted ?shops\b"), ("trustedshops.*",)),
    ("eKomi", re.compile(r"\bekomi\b"), ("ekomi.*",)),
    ("Trustpilot", re.compile(r"\btrustpilot\b"), ("trustpilot.com",)),
    ("Google Customer Reviews", re.compile(r"\bgoogle\b"), ("google.com",)),
    ("Händlerbund", re.compile(r"\bha(e)?ndlerbund\b"), ("haendlerbund.de",)),
    ("TÜV", re.compile(r"\btue?v\b"), ("tuev-saar.net", "tuv.com", "tuev-sued.de")),
)


def _plain_words(name):
    """``name`` in lower case, without accents, its words separated by single spaces
    ("TÜV SÜD s@fer-shopping" gives "tuv sud s fer shopping")."""
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", plain.casefold()))


def certifier_of(name):
    """(name, domains) of the known certifier a seal named ``name`` is from, or None."""
    words = _plain_words(name)
    for certifier, pattern, domains in CERTIFIERS:
        if pattern.search(words):
            return certifier, domains
    return None


def host_on(host, domain):
    """Whether ``host`` is ``domain`` or one of its subdomains; ``name.*`` matches the name
    under any country's domain ("www.trustedshops.co.uk" is on "trustedshops.*")."""
    host = host.lower().rstrip(".")
    if domain.endswith(".*"):
        name = re.escape(domain[:-2])
        return re.search(rf"(^|\.){name}\.[a-z]{{2,3}}(\.[a-z]{{2}})?$", host) is not None
    return host == domain or host.endswith("." + domain)


def _own_site(host, site_hostname):
    """Whether ``host`` is the shop's own site (its hostname, with or without "www.", or a
    subdomain of it)."""
    host = host.lower().rstrip(".").removeprefix("www.")
    own = (site_hostname or "").lower().rstrip(".").removeprefix("www.")
    return bool(own) and (host == own or host.endswith("." + own))


def check_seals(context):
    found = []
    for seal in context.shop.seals:
        url = (seal.verification_url or "").strip()
        values = {"seal": seal.name}
        if not url:
            found.append(
                gettext("“%(seal)s” has no verification link: shoppers cannot check it is genuine.")
                % values
            )
            continue
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        certifier = certifier_of(seal.name)
        if certifier is not None:
            name, domains = certifier
            if parts.scheme != "https" or not any(host_on(host, domain) for domain in domains):
                found.append(
                    gettext(
                        "The verification link of “%(seal)s” leads to %(host)s, not to "
                        "%(certifier)s’s own site (%(domains)s)."
                    )
                    % {
                        **values,
                        "host": host or url,
                        "certifier": name,
                        "domains": or_list(domains),
                    }
                )
        elif parts.scheme != "https" or not host:
            found.append(
                gettext("The verification link of “%(seal)s” is not a secure https:// link.")
                % values
            )
        elif _own_site(host, context.site.hostname):
            found.append(
                gettext(
                    "The verification link of “%(seal)s” leads to your own site: it must lead "
                    "to the certifier’s."
                )
                % values
            )
    return found


register(
    Rule(
        id="shoppers.seals-verifiable",
        severity=SHOPPERS,
        title=_("Link each trust seal to its verification page"),
        why=_(
            "A seal is only worth something when a shopper can click it and land on the "
            "certifier’s own site confirming that your shop holds it; fake shops copy seal "
            "images, and shoppers are told to click them."
        ),
        check=check_seals,
        fix=lambda context: context.profile_url,
        fix_label=_("Store profile → Payments, shipping and trust"),
        applies=lambda context: bool(context.shop.seals),
    )
)


# --- social profiles, proven ----------------------------------------------------------------------


register(
    Rule(
        id="shoppers.social-profile",
        severity=RECOMMENDED,
        title=_("Link at least one social profile"),
        why=_(
            "Many shoppers look a new shop up on Instagram or Facebook to see that it is "
            "active and what others say; a shop with no social profile gives them nothing to "
            "look at."
        ),
        check=lambda context: (
            [] if context.shop.social_channels else [gettext("You link no social profile.")]
        ),
        fix=lambda context: context.channels_url,
        fix_label=_("Contact channels"),
    )
)


register(
    Rule(
        id="shoppers.social-proven",
        severity=RECOMMENDED,
        title=_("Prove your social profiles"),
        why=_(
            "Anyone can link to someone else’s profile. Signing in to the network once as the "
            "profile’s owner proves it is yours: the contact page shows it as verified, and "
            "search engines are told."
        ),
        check=lambda context: (
            []
            if context.shop.verified_profiles
            else [
                ngettext(
                    "Your social profile (%(profiles)s) is not proven.",
                    "None of your social profiles (%(profiles)s) is proven.",
                    len(context.shop.social_channels),
                )
                % {
                    "profiles": and_list(
                        view.display_label for view in context.shop.social_channels
                    )
                }
            ]
        ),
        fix=lambda context: context.verified_profiles_url,
        fix_label=_("Settings → Verified social profiles"),
        applies=lambda context: bool(context.shop.social_channels),
    )
)


# --- replies as fast as promised ------------------------------------------------------------------

_DAY_MINUTES = 24 * 60


def _allowed_wait(promised_minutes, figure):
    """The longest median that keeps a promise of ``promised_minutes``, as a timedelta.

    A promise in days ("within a day") measured in opening hours is held to days of the
    channel's opening hours (its ``working_day``), as the contact page then says "in about 2
    working days": a shop open 8 hours a day keeps "within a day" with a median of 8 working
    hours, not 24. A promise under a day is held to its hours and minutes.
    """
    if promised_minutes >= _DAY_MINUTES and figure.working_hours and figure.working_day:
        return figure.working_day * (promised_minutes / _DAY_MINUTES)
    return dt.timedelta(minutes=promised_minutes)


def keeps_promise(promised_minutes, figure):
    """Whether a measured ``figure`` keeps a promise of ``promised_minutes``.

    Broken only when the median is longer than the promise *and* the contact page says so: its
    words (:func:`contactkit.inbox.reply_times.reply_time_words`, rounded the way a person
    says it) name more than the promise's. A median of 75 minutes, said "in about 1 hour",
    keeps "within an hour"; one of 100 minutes, "in about 2 hours", does not. So the report
    never calls broken a promise the page shows kept.
    """
    from contactkit.inbox.reply_times import reply_time_words

    allowed = _allowed_wait(promised_minutes, figure)
    if figure.median <= allowed:
        return True
    return reply_time_words(figure) == reply_time_words(replace(figure, median=allowed))


def broken_promises(context):
    """[(channel view, figure)] of each channel whose measured median reply time is longer
    than the reply time it promises. Only the kinds contactkit measures (the contact form,
    email, chat) have a figure; none is a finding before enough conversations were answered
    (CONTACTKIT_REPLY_TIME_MIN_CONVERSATIONS)."""
    from contactkit.inbox.reply_times import MEASURED_KINDS

    shop = context.shop
    promising = [view for view in shop.channels if view.reply_time and view.kind in MEASURED_KINDS]
    if not promising or shop.reply_times is None:
        return []
    broken = []
    for view in promising:
        figure = shop.reply_times.for_kind(view.kind)
        if figure is not None and not keeps_promise(view.reply_time, figure):
            broken.append((view, figure))
    return broken


def check_reply_times(context):
    from contactkit.inbox.reply_times import measured_note, reply_time_words

    shop = context.shop
    return [
        gettext(
            "“%(channel)s” promises a reply %(promised)s, but usually answers %(measured)s "
            "(%(note)s)."
        )
        % {
            "channel": view.display_label,
            "promised": view.get_reply_time_display(),
            "measured": reply_time_words(figure),
            "note": measured_note(shop.reply_times.days),
        }
        for view, figure in broken_promises(context)
    ]


def _reply_time_fix(context):
    broken = broken_promises(context)
    if len(broken) == 1:
        return context.channel_url(broken[0][0].channel)
    return context.channels_url


register(
    Rule(
        id="shoppers.reply-time-kept",
        severity=SHOPPERS,
        title=_("Reply as fast as you promise"),
        why=_(
            "Once enough conversations are answered, the contact page shows how fast you "
            "really reply instead of your promise, and shoppers compare the two. Answer "
            "faster, or promise what you keep."
        ),
        check=check_reply_times,
        fix=_reply_time_fix,
        fix_label=_("Contact channels → Usually replies"),
    )
)
