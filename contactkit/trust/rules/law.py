"""What the law asks of an online shop's pages: the EU's Consumer Rights Directive for every
shop in the EU, Spain's LSSI-CE and consumer law, Germany's § 5 DDG.

Each rule reads the shop's facts (:class:`~contactkit.profile.shop.Shop`); contactkit's pages
show them wherever the law wants them (the legal notice, the Contact and Returns pages). Only
the withdrawal button's rule renders pages: it checks the link to it is on each of them.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import phonenumbers
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from stdnum.es import dni, nie

from contactkit.profile.models import StoreProfile
from contactkit.trust.registry import LAW, RECOMMENDED, Rule, register
from contactkit.wording import and_list

# The member states of the European Union and the other EEA states (Iceland, Liechtenstein,
# Norway), where the Consumer Rights Directive (2011/83/EU) is law through the EEA Agreement.
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
    " IS LI NO".split()
)


def in_eu(context):
    return context.country in EU_COUNTRIES


def in_spain(context):
    return context.country == "ES"


def in_germany(context):
    return context.country == "DE"


def _field_names(*names):
    """The fields' names as the store profile's form shows them ("street and number")."""
    return [StoreProfile._meta.get_field(name).verbose_name for name in names]


# --- Directive 2011/83/EU: who the trader is and how to reach them -------------------------


def _identity(context):
    profile = context.profile
    found = []
    if not profile.name:
        found.append(gettext("Add the shop's name, or the legal name of whoever runs it."))
    if not profile.has_address:
        missing = [
            name for name in ("street_address", "city", "country") if not getattr(profile, name)
        ]
        found.append(
            gettext(
                "The address where the business is established is incomplete: add the %(parts)s."
            )
            % {"parts": and_list(_field_names(*missing))}
        )
    return found


register(
    Rule(
        id="law.eu.identity",
        severity=LAW,
        title=_("Say who runs the shop and where"),
        why=_(
            "Before an order, shoppers must be told who they are buying from and the address "
            "where the business is established (Directive 2011/83/EU, art. 6(1)(b) and (c)). "
            "contactkit shows both in the legal notice."
        ),
        law="Directive 2011/83/EU art. 6(1)(b), (c)",
        check=_identity,
        fix=lambda context: context.profile_url,
        fix_label=_("Settings → Store profile"),
        applies=in_eu,
    )
)


def _phone_and_email(context):
    shop = context.shop
    found = []
    if not shop.phone:
        found.append(gettext("Add a phone number: a phone or WhatsApp channel."))
    if not shop.email:
        found.append(gettext("Add an email address: an email channel."))
    return found


register(
    Rule(
        id="law.eu.phone-email",
        severity=LAW,
        title=_("Give a phone number and an email address"),
        why=_(
            "Shoppers must be given the shop's phone number and email address, so they can "
            "reach it quickly and effectively (Directive 2011/83/EU, art. 6(1)(c)). A contact "
            "form alone is not enough."
        ),
        law="Directive 2011/83/EU art. 6(1)(c)",
        check=_phone_and_email,
        fix=lambda context: context.channels_url,
        fix_label=_("Contact channels"),
        applies=in_eu,
    )
)


# --- Directive 2011/83/EU: withdrawal and the legal guarantee ------------------------------


def _no_returns_page():
    return gettext("There is no live Returns page yet (see “%(rule)s”).") % {
        "rule": gettext("Publish a Returns page")
    }


def _returns_page(context):
    if context.pages["returns"] is None:
        return [
            gettext(
                "There is no live Returns page: add one under the home page, or publish the "
                "one you have."
            )
        ]
    return []


register(
    Rule(
        id="law.eu.returns-page",
        severity=LAW,
        title=_("Publish a Returns page"),
        why=_(
            "Shoppers must be told the conditions, time limit and procedure for withdrawing "
            "from a purchase, and be given the model withdrawal form (Directive 2011/83/EU, "
            "art. 6(1)(h)). contactkit's Returns page does it: it states your returns policy "
            "and the legal guarantee, links the model form filled in with your details, and "
            "holds the withdrawal button."
        ),
        law="Directive 2011/83/EU art. 6(1)(h)",
        check=_returns_page,
        fix=lambda context: context.page_url(None),
        fix_label=_("Pages"),
        applies=in_eu,
    )
)


def _returns_policy(context):
    policy = context.shop.return_policy
    if policy.pk is None or not policy.is_set_up:
        return [
            gettext(
                "Your returns policy is not set up: until you save it, the Returns page only "
                "says it is being written."
            )
        ]
    return []


register(
    Rule(
        id="law.eu.returns-policy",
        severity=LAW,
        title=_("Set up your returns policy"),
        why=_(
            "The conditions, time limit and procedure for withdrawing from a purchase must be "
            "given before the order (Directive 2011/83/EU, art. 6(1)(h)). The Returns page "
            "states them from your returns policy, in words that always match it."
        ),
        law="Directive 2011/83/EU art. 6(1)(h)",
        check=_returns_policy,
        fix=lambda context: context.returns_policy_url,
        fix_label=_("Settings → Returns policy"),
        applies=in_eu,
    )
)


def _legal_guarantee(context):
    found = []
    if context.pages["returns"] is None:
        found.append(_no_returns_page())
    found += _returns_policy(context)
    return found


register(
    Rule(
        id="law.eu.legal-guarantee",
        severity=LAW,
        title=_("Remind shoppers of the legal guarantee"),
        why=_(
            "Shoppers must be reminded that the legal guarantee of conformity exists (Directive "
            "2011/83/EU, art. 6(1)(l)). contactkit's returns policy always states it, with how "
            "long it lasts in your country and the law that sets it, so it is met once the "
            "Returns page is live and the returns policy is set up."
        ),
        law="Directive 2011/83/EU art. 6(1)(l)",
        check=_legal_guarantee,
        fix=lambda context: context.returns_policy_url,
        fix_label=_("Settings → Returns policy"),
        applies=in_eu,
    )
)


class _Links(HTMLParser):
    """The addresses every link of a page points to."""

    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _without_language(path):
    """``path`` without its language prefix ("/es/devoluciones/" -> "/devoluciones/")."""
    if translation.get_language_from_path(path):
        rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""
        return "/" + rest
    return path


def _withdraw_paths(page):
    """The paths of the withdrawal form under ``page`` and its translations, without their
    language prefix: the footer link points at one of them, in the page's language."""
    paths = set()
    route = page.reverse_subpage("withdraw")
    for each in page.get_translations(inclusive=True).live().specific():
        url = each.get_url()
        if url:
            paths.add(_without_language(urlsplit(url).path) + route)
    return paths


def _links_to(html, paths, host):
    parser = _Links()
    parser.feed(html)
    for href in parser.hrefs:
        parts = urlsplit(href)
        if parts.netloc and parts.hostname != host:
            continue
        if _without_language(parts.path) in paths:
            return True
    return False


def _withdrawal_button(context):
    page = context.pages["returns"]
    if page is None:
        return [_no_returns_page()]
    found = []
    form = (page.get_url() or "/") + page.reverse_subpage("withdraw")
    status, _text = context.get(form)
    if status != 200:
        found.append(
            gettext("The withdrawal form (%(address)s) does not open: it answers %(status)s.")
            % {"address": form, "status": status}
        )
    paths = _withdraw_paths(page)
    host = context.site.hostname
    tag = "{% contactkit_withdrawal_link %}"
    checked = [(None, context.home_html)] + [
        (shown, context.html(shown)) for shown in context.pages.values() if shown is not None
    ]
    for shown, html in checked:
        if shown is None and not html:
            found.append(
                gettext(
                    "The home page does not open, so its link to the withdrawal form could not "
                    "be checked."
                )
            )
        elif not html:
            text = gettext(
                "The page “%(page)s” does not open, so its link to the withdrawal form could "
                "not be checked."
            )
            found.append(text % {"page": shown.title})
        elif _links_to(html, paths, host):
            continue
        elif shown is None:
            text = gettext(
                "The home page has no “Withdraw from contract here” link: add %(tag)s to the "
                "footer of your site's base template."
            )
            found.append(text % {"tag": tag})
        else:
            text = gettext(
                "The page “%(page)s” has no “Withdraw from contract here” link: add %(tag)s to "
                "the footer of your site's base template."
            )
            found.append(text % {"page": shown.title, "tag": tag})
    return found


register(
    Rule(
        id="law.eu.withdrawal-button",
        severity=LAW,
        title=_("Offer the withdrawal button on every page"),
        why=_(
            "Since 19 June 2026 a shop must let shoppers withdraw online with a “Withdraw from "
            "contract here” function, easy to find for the whole withdrawal period (Directive "
            "2011/83/EU, art. 11a, added by Directive (EU) 2023/2673). contactkit's is on the "
            "Returns page, and its link goes in the footer of every page."
        ),
        law="Directive 2011/83/EU art. 11a (Directive (EU) 2023/2673)",
        check=_withdrawal_button,
        fix=lambda context: context.page_url(context.pages["returns"]),
        fix_label=_("Pages"),
        applies=in_eu,
    )
)


# --- Spain: LSSI-CE art. 10 and TRLGDCU art. 21 --------------------------------------------

# Legal forms of a person trading in their own name: no business register to give.
PERSON_FORMS_ES = ("autónomo", "autonomo", "empresario individual", "persona física", "sole trader")


def _is_person_es(profile):
    """Whether the Spanish shop is run by a person in their own name (an autónomo): a DNI or
    NIE as tax id, or a legal form that says so."""
    tax_id = profile.tax_id or ""
    form = (profile.legal_form or "").casefold()
    return (
        dni.is_valid(tax_id)
        or nie.is_valid(tax_id)
        or any(word in form for word in PERSON_FORMS_ES)
    )


def _register(profile):
    """What is missing of the business register and the entry in it, or ""."""
    missing = [
        name
        for name, value in (
            ("register_name", profile.register_name),
            ("register_entry", profile.register_entry),
        )
        if not value
    ]
    return and_list(_field_names(*missing)) if missing else ""


def _lssi(context):
    profile = context.profile
    shop = context.shop
    found = []
    if not profile.legal_name:
        found.append(
            gettext(
                "Add the legal name: the company's registered name, or the full name of the "
                "person who runs the shop."
            )
        )
    if not profile.has_address:
        found.append(gettext("Add the full address: street, city and country."))
    if not shop.email:
        found.append(gettext("Add an email address: an email channel."))
    if not _is_person_es(profile):
        missing = _register(profile)
        if missing:
            found.append(
                gettext(
                    "Add the %(missing)s where the company is registered (Registro Mercantil "
                    "or another public register)."
                )
                % {"missing": missing}
            )
    if not profile.tax_id:
        found.append(gettext("Add the tax id (NIF)."))
    return found


register(
    Rule(
        id="law.es.lssi",
        severity=LAW,
        title=_("Complete the legal notice (Spain)"),
        why=_(
            "A Spanish online shop must show, permanently and easily found, its name or "
            "registered name, address, email, its entry in the business register and its tax id "
            "(NIF) (Ley 34/2002, LSSI-CE, art. 10.1). A person trading in their own name "
            "(autónomo) has no register entry to give. contactkit's legal notice shows them."
        ),
        law="Ley 34/2002 (LSSI-CE) art. 10.1",
        check=_lssi,
        fix=lambda context: context.profile_url,
        fix_label=_("Settings → Store profile → Legal details"),
        applies=in_spain,
    )
)


def _regulated_activity(context):
    profile = context.profile
    found = []
    if profile.activity_authorisation and not profile.supervisory_authority:
        found.append(
            gettext("You give an authorisation: add the authority that supervises the activity.")
        )
    if profile.supervisory_authority and not profile.activity_authorisation:
        found.append(gettext("You give a supervisory authority: add the authorisation it granted."))
    if profile.professional_body and not profile.professional_title:
        found.append(
            gettext(
                "You give a professional body: add the professional title and the country "
                "that granted it."
            )
        )
    if profile.professional_title and not profile.professional_body:
        found.append(
            gettext("You give a professional title: add the professional body you belong to.")
        )
    for code in context.shop.codes_of_conduct:
        if not code.verification_url:
            found.append(
                gettext("Add a link where shoppers can read the code of conduct “%(name)s”.")
                % {"name": code.name}
            )
    return found


register(
    Rule(
        id="law.es.regulated-activity",
        severity=RECOMMENDED,
        title=_("Complete the regulated activity details (Spain)"),
        why=_(
            "Only if your activity needs an authorisation, you practise a regulated "
            "profession or you follow a code of conduct: the legal notice must then give the "
            "authorisation and its supervisory authority, the professional body and title, "
            "and where each code of conduct can be read online (Ley 34/2002, LSSI-CE, art. "
            "10.1 c, d and f). A shop with none of these has nothing to add."
        ),
        law="Ley 34/2002 (LSSI-CE) art. 10.1(c), (d), (f)",
        check=_regulated_activity,
        fix=lambda context: context.profile_url,
        fix_label=_("Settings → Store profile → Legal details"),
        applies=in_spain,
    )
)

# Lines that cost the caller more than a call to an ordinary fixed or mobile number
# (tarificación adicional, 80x, and shared cost, 901/902).
EXTRA_COST_TYPES = (
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
)


def _costs_extra(number):
    return phonenumbers.number_type(number) in EXTRA_COST_TYPES


def _phone_rate(context):
    lines = [view for view in context.shop.channels if view.phone]
    if not lines or any(not _costs_extra(view.phone) for view in lines):
        return []
    return [
        gettext(
            "%(number)s costs more than an ordinary call: add a geographic or mobile number "
            "next to it."
        )
        % {"number": view.phone.as_international}
        for view in lines
    ]


register(
    Rule(
        id="law.es.phone-rate",
        severity=LAW,
        title=_("Give a phone number at the ordinary rate (Spain)"),
        why=_(
            "A customer service phone line must not cost shoppers more than a call to an "
            "ordinary fixed or mobile number: with a premium or shared-cost line (such as 902 "
            "or 807), an ordinary number must be given too (Real Decreto Legislativo 1/2007, "
            "TRLGDCU, art. 21.2)."
        ),
        law="Real Decreto Legislativo 1/2007 (TRLGDCU) art. 21.2",
        check=_phone_rate,
        fix=lambda context: context.channels_url,
        fix_label=_("Contact channels"),
        applies=in_spain,
    )
)


# --- Germany: § 5 DDG ----------------------------------------------------------------------

# Legal forms of a person trading in their own name: nobody else represents them.
PERSON_FORMS_DE = (
    "einzelunternehm",
    "einzelkauf",
    "e.k.",
    "e. k.",
    "eingetragener kauf",
    "eingetragene kauf",
    "freiberuf",
    "kleingewerbe",
    "sole trader",
)
# Forms without an entry in a register: a person not registered as a merchant, a GbR.
UNREGISTERED_FORMS_DE = (
    "einzelunternehm",
    "freiberuf",
    "kleingewerbe",
    "sole trader",
    "gbr",
    "gesellschaft bürgerlichen rechts",
)


def _has(form, words):
    return any(word in form for word in words)


def _imprint_de(context):
    profile = context.profile
    form = (profile.legal_form or "").casefold()
    found = []
    if not profile.legal_name:
        found.append(
            gettext(
                "Add the legal name: the company's registered name, or the full name of the "
                "person who runs the shop."
            )
        )
    if not form:
        found.append(
            gettext(
                "Add the legal form, such as GmbH, UG (haftungsbeschränkt) or e.K. "
                "(“Einzelunternehmen” for a sole trader)."
            )
        )
    if not _has(form, PERSON_FORMS_DE) and not context.shop.representatives:
        found.append(
            gettext(
                "Name the people authorised to represent the company (for a GmbH, its managing "
                "directors): under People, tick “represents the company” for each."
            )
        )
    if not _has(form, UNREGISTERED_FORMS_DE):
        missing = _register(profile)
        if missing:
            found.append(
                gettext(
                    "Add the %(missing)s in the Handelsregister, such as Amtsgericht München, "
                    "HRB 123456."
                )
                % {"missing": missing}
            )
    if not profile.vat_id:
        found.append(gettext("Add the VAT id (USt-IdNr.)."))
    return found


register(
    Rule(
        id="law.de.imprint",
        severity=LAW,
        title=_("Complete the Impressum (Germany)"),
        why=_(
            "A German online shop must name, easily found and always available, its legal "
            "form and the people authorised to represent the company, its register and entry "
            "number, and its VAT id when it has one (§ 5 DDG, Digitale-Dienste-Gesetz, in force "
            "since 14 May 2024 in place of § 5 TMG)."
        ),
        law="§ 5 DDG",
        check=_imprint_de,
        fix=lambda context: context.profile_url,
        fix_label=_("Settings → Store profile → Legal details"),
        applies=in_germany,
    )
)
