"""The fixed vocabularies of the store profile: channel kinds, purposes, payment methods.

Each list is the single place a kind is named; pages, structured data and the trust report
read the same lists.
"""

from django.conf import global_settings, settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")
    FORM = "form", _("Contact form")
    CHAT = "chat", _("Live chat")
    STORE = "store", _("Physical store")
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X (Twitter)"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    LINKEDIN = "linkedin", "LinkedIn"
    PINTEREST = "pinterest", "Pinterest"
    TELEGRAM = "telegram", "Telegram"
    MESSENGER = "messenger", "Messenger"


class ChatProvider(models.TextChoices):
    """Who answers a "Live chat" channel: contactkit's own chat, or a third party's."""

    NATIVE = "contactkit", _("This shop's own chat, answered from the inbox")
    CRISP = "crisp", "Crisp"
    TAWKTO = "tawkto", "Tawk.to"
    TIDIO = "tidio", "Tidio"
    LINK = "link", _("Another chat, opened by its link")


PHONE_KINDS = {ChannelKind.PHONE, ChannelKind.WHATSAPP}

# The hosts a social profile link may point at, per network (subdomains such as www. or es.
# are accepted too).
SOCIAL_HOSTS = {
    ChannelKind.INSTAGRAM: ("instagram.com",),
    ChannelKind.FACEBOOK: ("facebook.com", "fb.com"),
    ChannelKind.X: ("x.com", "twitter.com"),
    ChannelKind.TIKTOK: ("tiktok.com",),
    ChannelKind.YOUTUBE: ("youtube.com", "youtu.be"),
    ChannelKind.LINKEDIN: ("linkedin.com",),
    ChannelKind.PINTEREST: (
        "pinterest.com",
        "pinterest.es",
        "pinterest.co.uk",
        "pinterest.fr",
        "pinterest.de",
        "pinterest.it",
        "pinterest.pt",
        "pinterest.com.mx",
    ),
    ChannelKind.TELEGRAM: ("t.me", "telegram.me"),
    ChannelKind.MESSENGER: ("m.me", "messenger.com"),
}
SOCIAL_KINDS = set(SOCIAL_HOSTS)


class Purpose(models.TextChoices):
    SALES = "sales", _("Product questions")
    SUPPORT = "support", _("Order help")
    RETURNS = "returns", _("Returns")
    COMPLAINTS = "complaints", _("Complaints")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Credit or debit card")
    PAYPAL = "paypal", "PayPal"
    BIZUM = "bizum", "Bizum"
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
    APPLE_PAY = "apple_pay", "Apple Pay"
    GOOGLE_PAY = "google_pay", "Google Pay"
    KLARNA = "klarna", "Klarna"
    MB_WAY = "mb_way", "MB WAY"
    CASH = "cash", _("Cash in store")


class SealKind(models.TextChoices):
    SEAL = "seal", _("Trust seal")
    CODE_OF_CONDUCT = "code_of_conduct", _("Code of conduct")


# Replies are promised in steps a shopper understands; stored in minutes so the trust report
# and structured data can compare them.
REPLY_TIME_CHOICES = [
    (5, _("within minutes")),
    (60, _("within an hour")),
    (240, _("within a few hours")),
    (1440, _("within a day")),
    (2880, _("within two days")),
    (4320, _("within three days")),
]


def language_choices():
    """Every language Django knows, by ISO 639 code, labelled in the active language."""
    return [(code, _(name)) for code, name in global_settings.LANGUAGES if "-" not in code]


LANGUAGE_CHOICES = language_choices()


# The languages spoken in a country, most spoken first, for the countries shops here sell
# from; they are offered first in the admin's language lists.
COUNTRY_LANGUAGES = {
    "ES": ("es", "ca", "eu", "gl"),
    "PT": ("pt",),
    "FR": ("fr", "br", "ca", "eu"),
    "IT": ("it",),
    "DE": ("de",),
    "AT": ("de",),
    "CH": ("de", "fr", "it"),
    "BE": ("nl", "fr", "de"),
    "NL": ("nl", "fy"),
    "LU": ("lb", "fr", "de"),
    "IE": ("en", "ga"),
    "GB": ("en", "cy"),
    "US": ("en", "es"),
    "MX": ("es",),
    "AR": ("es",),
    "CO": ("es",),
    "CL": ("es",),
    "PE": ("es",),
    "AD": ("ca", "es", "fr"),
}
# Languages many shoppers in Europe read, offered after the shop's own.
WIDELY_READ_LANGUAGES = ("en", "fr", "de", "pt", "it")


def common_languages(country=None):
    """The language codes to offer first: the site's, the shop's country's, widely read ones."""
    site = [code.split("-")[0] for code, _name in settings.LANGUAGES]
    default = settings.LANGUAGE_CODE.split("-")[0]
    country_codes = COUNTRY_LANGUAGES.get(str(country or "").upper(), ())
    ordered = [default, *country_codes, *site, *WIDELY_READ_LANGUAGES]
    return list(dict.fromkeys(ordered))
