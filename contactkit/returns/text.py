"""The returns policy in words, generated from its rules so the text never contradicts them.

Each sentence is one translatable message with named placeholders, so a translator can
reorder it freely; numbers, amounts and country names follow the active language.
"""

import contextlib
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from contactkit.returns.choices import (
    NonReturnable,
    RefundType,
    ReturnFees,
    ReturnMethod,
    ReturnWindow,
)
from contactkit.returns.models import EEA_COUNTRIES
from contactkit.wording import and_list, or_list

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}

# The checkbox labels are capitalised for the admin; inside a sentence the shopper reads these.
REFUND_PHRASES = {
    RefundType.FULL: pgettext_lazy("what the shopper gets back", "a full refund"),
    RefundType.EXCHANGE: pgettext_lazy("what the shopper gets back", "an exchange"),
    RefundType.STORE_CREDIT: pgettext_lazy("what the shopper gets back", "store credit"),
}


# The exceptions to the right of withdrawal (NonReturnable) as a shopper reads them: one
# plain sentence each, with the condition the law attaches to it. The checkbox labels say the
# same for the admin, in the law's words.
EXCLUSION_WORDING = {
    NonReturnable.MADE_TO_ORDER: gettext_lazy(
        "Items made to your specifications or clearly personalised, such as with a name or a "
        "dedication.",
    ),
    NonReturnable.PERISHABLE: gettext_lazy(
        "Items that can go off or expire quickly, such as fresh food or cut flowers.",
    ),
    NonReturnable.HYGIENE: gettext_lazy(
        "Sealed items that cannot be returned for health or hygiene reasons, once you have "
        "broken the seal.",
    ),
    NonReturnable.MIXED: gettext_lazy(
        "Items that, by their nature, become inseparably mixed with other things once delivered.",
    ),
    NonReturnable.MARKET_PRICE: gettext_lazy(
        "Items whose price depends on changes in the financial markets that we cannot control.",
    ),
    NonReturnable.ALCOHOL: gettext_lazy(
        "Alcoholic drinks sold at a price agreed when you order them, that can only be "
        "delivered after 30 days and whose value depends on the market.",
    ),
    NonReturnable.SEALED_MEDIA: gettext_lazy(
        "Sealed music, films or software, such as CDs, DVDs or video games, once you have "
        "broken the seal.",
    ),
    NonReturnable.PRESS: gettext_lazy(
        "Newspapers and magazines, except subscriptions.",
    ),
    NonReturnable.AUCTION: gettext_lazy(
        "Items bought at a public auction.",
    ),
    NonReturnable.DIGITAL: gettext_lazy(
        "Digital content not supplied on a physical medium, such as downloads, once the "
        "download or streaming has started with your express consent and you have "
        "acknowledged that you lose your right to withdraw.",
    ),
}


class ShopText(str):
    """A line the shop wrote, with ``lang``: the language it is shown in when the shop has not
    translated it into the page's (for a ``lang`` attribute), else ""."""

    lang = ""

    def __new__(cls, text, lang=""):
        made = super().__new__(cls, text)
        made.lang = lang
        return made


@dataclass(frozen=True)
class PolicySection:
    """One part of the policy as a shopper reads it: a heading, sentences and maybe a list.

    ``key`` is a stable id (for anchors and tests); the other texts are translated plain
    text, escaped by the template that shows them.
    """

    key: str
    heading: str
    sentences: tuple[str, ...]
    items: tuple[str, ...] = ()


def describe(policy, profile, *, language=None):
    """The sections of ``policy`` in words, in ``language`` or else the active language.

    ``profile`` is the shop's :class:`~contactkit.profile.models.StoreProfile`, which gives
    the countries when the policy names none. A policy without returns only says so and
    where it applies; sections with nothing to say are left out.
    """
    with translation.override(language) if language else contextlib.nullcontext():
        countries = policy.countries(profile)
        sections = [_window(policy, countries)]
        if policy.accepts_returns:
            sections += [
                _conditions(policy),
                _methods(policy),
                _costs(policy),
                _refund(policy),
                _exclusions(policy),
            ]
        sections.append(_legal_guarantee(profile))
        sections.append(_countries(countries))
        return [section for section in sections if section]


def format_money(amount, currency):
    """``amount`` in ``currency`` as the active language writes it: "€4.95", "4,95 €"."""
    number = number_format(amount, decimal_pos=2, use_l10n=True)
    code = (currency or "").strip().upper()
    symbol = CURRENCY_SYMBOLS.get(code, code)
    if not symbol:
        return number
    if (translation.get_language() or "").split("-")[0] == "en":
        return f"{symbol}{number}" if symbol != code else f"{code}\N{NO-BREAK SPACE}{number}"
    # A no-break space keeps the amount and its currency on one line.
    return f"{number}\N{NO-BREAK SPACE}{symbol}"


def _window(policy, countries):
    if policy.window == ReturnWindow.NOT_PERMITTED:
        sentences = [_("We do not accept returns.")]
        if any(country.code in EEA_COUNTRIES for country in countries):
            sentences.append(
                _(
                    "This does not affect your legal right to withdraw from an online purchase "
                    "within 14 days, except for the items the law excludes."
                )
            )
        return PolicySection("window", _("Returns"), tuple(sentences))
    if policy.is_finite:
        if not policy.return_days:
            return None
        sentence = ngettext(
            "You have %(days)s day from the day you receive your order to return it.",
            "You have %(days)s days from the day you receive your order to return it.",
            policy.return_days,
        ) % {"days": policy.return_days}
    else:
        sentence = _("You can return items at any time: there is no time limit.")
    return PolicySection("window", _("How long you have"), (sentence,))


def _conditions(policy):
    labels = _labels(policy, "item_conditions")
    if not labels:
        return None
    if len(labels) == 1:
        lead = _("Items must be:")
    else:
        lead = _("Items must be in one of these conditions:")
    return PolicySection("conditions", _("Condition of the items"), (lead,), labels)


def _methods(policy):
    labels = _labels(policy, "return_methods")
    if not labels:
        return None
    return PolicySection("methods", _("Ways to return"), (_("You can return items:"),), labels)


def _costs(policy):
    sentences = []
    if policy.fees == ReturnFees.FREE:
        sentences.append(_("Returns are free: we pay the return shipping."))
    elif policy.fees == ReturnFees.CUSTOMER:
        sentences.append(_("You pay the cost of sending the item back."))
    elif policy.fees == ReturnFees.FIXED_FEE and policy.fee_amount is not None:
        sentences.append(
            _("Returns cost %(amount)s, deducted from your refund.")
            % {"amount": format_money(policy.fee_amount, policy.currency)}
        )
    if policy.restocking_fee_percent:
        sentences.append(
            _("We keep %(percent)s%% of the price for restocking.")
            % {"percent": _plain_number(policy.restocking_fee_percent)}
        )
    if not sentences:
        return None
    return PolicySection("costs", _("What a return costs"), tuple(sentences))


def _refund(policy):
    phrases = [str(REFUND_PHRASES[kind]) for kind in RefundType if kind in policy.refund_types]
    sentences = []
    if len(phrases) == 1:
        sentences.append(_("You get %(refund)s.") % {"refund": phrases[0]})
    elif phrases:
        sentences.append(_("You can choose: %(choices)s.") % {"choices": or_list(phrases)})
    # An exchange gives nothing back to wait for, so a refund delay would only confuse.
    if policy.refund_days and policy.refund_types != [RefundType.EXCHANGE]:
        sentences.append(
            ngettext(
                "We refund you within %(days)s day of receiving the return.",
                "We refund you within %(days)s days of receiving the return.",
                policy.refund_days,
            )
            % {"days": policy.refund_days}
        )
    if not sentences:
        return None
    return PolicySection("refund", _("What you get back"), tuple(sentences))


def _exclusions(policy):
    """The goods the policy excludes: the ticked exceptions of the law, in the order the law
    lists them and in the shopper's words, then the shop's other lines as it wrote them
    (each a :class:`ShopText`, whose ``lang`` says when it fell back to the default language).
    """
    ticked = set(policy.non_returnable_categories or ())
    shown_language = getattr(policy, "shown_language", None)
    lang = shown_language("non_returnable_items") if shown_language else ""
    items = tuple(
        str(EXCLUSION_WORDING[category]) for category in NonReturnable if category in ticked
    ) + tuple(ShopText(line, lang) for line in policy.non_returnable_list())
    if not items:
        return None
    return PolicySection(
        "exclusions",
        _("What cannot be returned"),
        (_("These items cannot be returned:"),),
        items,
    )


# The legal guarantee of conformity for goods where it is longer than the EU minimum of two
# years (Directive (EU) 2019/771, art. 10), with the law that sets it. Directive 2011/83/EU
# art. 6(1)(l) asks the shop to remind shoppers that the guarantee exists.
LEGAL_GUARANTEE = {
    "ES": (3, "Real Decreto Legislativo 1/2007, art. 120"),
    "PT": (3, "Decreto-Lei n.º 84/2021, art. 12"),
}
EU_GUARANTEE = (2, "Directive (EU) 2019/771, art. 10")


def _legal_guarantee(profile):
    """The legal guarantee of conformity under the law of the shop's country (EEA only).

    It holds whatever the returns policy says, so it is stated even when the shop takes no
    returns.
    """
    country = str(profile.country or "")
    if country not in EEA_COUNTRIES:
        return None
    years, law = LEGAL_GUARANTEE.get(country, EU_GUARANTEE)
    return PolicySection(
        "guarantee",
        _("The legal guarantee"),
        (
            ngettext(
                "Whatever this returns policy says, every item has the legal guarantee of "
                "conformity for %(years)s year from delivery (%(law)s): if it is faulty or not "
                "as described, you can have it repaired or replaced, or else get a price "
                "reduction or your money back.",
                "Whatever this returns policy says, every item has the legal guarantee of "
                "conformity for %(years)s years from delivery (%(law)s): if it is faulty or "
                "not as described, you can have it repaired or replaced, or else get a price "
                "reduction or your money back.",
                years,
            )
            % {"years": years, "law": law},
            _("A claim under the guarantee costs you nothing: write to us or call us."),
        ),
    )


def _countries(countries):
    names = sorted((str(country.name) for country in countries), key=_sort_key)
    if not names:
        return None
    return PolicySection(
        "countries",
        _("Where this policy applies"),
        (
            _("This policy applies to orders shipped to %(countries)s.")
            % {"countries": and_list(names)},
        ),
    )


def _labels(policy, field_name):
    values = getattr(policy, field_name)
    return tuple(str(label) for label in policy._meta.get_field(field_name).labels(values))


def _plain_number(value):
    """``value`` without trailing zeros (10, 12.5), in the active language's notation."""
    value = Decimal(value)
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    else:
        value = value.normalize()
    return number_format(value, use_l10n=True)


def _sort_key(name):
    # Accents must not send "Bélgica" after "Bulgaria".
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


# --- how to send items back ---------------------------------------------------------------

LABEL_FROM_SHOP = "shop"
LABEL_FROM_CUSTOMER = "customer"


def label_source(policy):
    """Who provides the label of a return by post: :data:`LABEL_FROM_SHOP` (the shop sends one
    to print, when it pays the return or charges a fixed fee for it), :data:`LABEL_FROM_CUSTOMER`
    (the shopper pays the shipping) or None (no returns by post).

    The same rule as the structured data's ``returnLabelSource``
    (``ReturnLabelDownloadAndPrint`` / ``ReturnLabelCustomerResponsibility``), so the email a
    shopper gets and what search engines are told agree.
    """
    if ReturnMethod.BY_MAIL not in (policy.return_methods or ()):
        return None
    if policy.fees in (ReturnFees.FREE, ReturnFees.FIXED_FEE):
        return LABEL_FROM_SHOP
    return LABEL_FROM_CUSTOMER


def return_instructions(policy, profile, *, language=None):
    """How to send items back, as sentences, from the returns policy and the shop's address.

    In order: the ways to return, where to send the items, who pays the shipping and who
    provides the label. Nothing from a policy staff have not set up (its defaults promise
    nothing); a policy without returns gives only where to send the items, which a withdrawal
    still needs. In ``language`` or else the active language.
    """
    with translation.override(language) if language else contextlib.nullcontext():
        if policy.pk is None or not policy.is_set_up:
            return []
        methods = list(policy.return_methods or ()) if policy.accepts_returns else []
        sentences = []
        if methods:
            labels = _labels(policy, "return_methods")
            sentences.append(
                _("You can return the items %(methods)s.")
                % {"methods": or_list(label[:1].lower() + label[1:] for label in labels)}
            )
        if not methods or ReturnMethod.BY_MAIL in methods or ReturnMethod.AT_KIOSK in methods:
            sentences.append(_return_address(policy, profile))
        if policy.accepts_returns:
            sentences += _shipping_cost(policy)
        source = label_source(policy) if policy.accepts_returns else None
        if source == LABEL_FROM_SHOP and policy.fees == ReturnFees.FREE:
            sentences.append(
                _("We will email you a prepaid label to print and stick on the parcel.")
            )
        elif source == LABEL_FROM_SHOP:
            sentences.append(
                _(
                    "We will email you a label to print and stick on the parcel; its cost is "
                    "the return fee."
                )
            )
        elif source == LABEL_FROM_CUSTOMER:
            sentences.append(_("You choose the carrier and pay for the label yourself."))
        return sentences


def _return_address(policy, profile):
    """Where items go back: the shop's address, unless the policy returns them to another
    country, where the shop has an address it has not given here."""
    country = policy.return_country
    if country and country != profile.country:
        return _(
            "The items go back to our returns address in %(country)s, which we will send you."
        ) % {"country": country.name}
    if profile.has_address:
        name = profile.legal_name_with_form or profile.name
        return _("Send the items to: %(address)s.") % {
            "address": ", ".join(line for line in [name, *profile.address_lines] if line)
        }
    return _("We will send you the address to return them to.")


def _shipping_cost(policy):
    """Who pays the return shipping, in the words of the policy's text (see :func:`_costs`)."""
    if policy.fees == ReturnFees.FREE:
        return [_("Returns are free: we pay the return shipping.")]
    if policy.fees == ReturnFees.CUSTOMER:
        return [_("You pay the cost of sending the item back.")]
    if policy.fees == ReturnFees.FIXED_FEE and policy.fee_amount is not None:
        return [
            _("Returns cost %(amount)s, deducted from your refund.")
            % {"amount": format_money(policy.fee_amount, policy.currency)}
        ]
    return []
