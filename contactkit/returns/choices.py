"""The vocabularies of a returns policy, each value named after its schema.org enumeration."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnWindow(models.TextChoices):
    FINITE = "MerchantReturnFiniteReturnWindow", _("A number of days")
    UNLIMITED = "MerchantReturnUnlimitedWindow", _("Any time, without limit")
    NOT_PERMITTED = "MerchantReturnNotPermitted", _("No returns")


class ItemCondition(models.TextChoices):
    NEW = "NewCondition", _("New and unused, in its original packaging")
    USED = "UsedCondition", _("Used")
    DAMAGED = "DamagedCondition", _("Damaged")


class ReturnMethod(models.TextChoices):
    BY_MAIL = "ReturnByMail", _("By post or courier")
    IN_STORE = "ReturnInStore", _("In one of our stores")
    AT_KIOSK = "ReturnAtKiosk", _("At a drop-off point")


class ReturnFees(models.TextChoices):
    FREE = "FreeReturn", _("Free: the shop pays")
    CUSTOMER = "ReturnFeesCustomerResponsibility", _("The customer pays the shipping")
    FIXED_FEE = "ReturnShippingFees", _("A fixed fee")


class RefundType(models.TextChoices):
    FULL = "FullRefund", _("Full refund of the price")
    EXCHANGE = "ExchangeRefund", _("Exchange for another item")
    STORE_CREDIT = "StoreCreditRefund", _("Store credit")


class NonReturnable(models.TextChoices):
    """The goods the EU lets a shop exclude from the right of withdrawal (Directive 2011/83/EU
    art. 16; in Spain, art. 103 of the consumer law). Named by their letter in art. 16."""

    MADE_TO_ORDER = "custom", _("Made to the shopper's specifications or clearly personalised")
    PERISHABLE = "perishable", _("Goods that deteriorate or expire rapidly")
    HYGIENE = (
        "hygiene",
        _("Sealed goods not suitable for return for health or hygiene reasons, once unsealed"),
    )
    MIXED = "mixed", _("Goods inseparably mixed with other items after delivery")
    MARKET_PRICE = (
        "market_price",
        _("Goods whose price depends on financial market fluctuations the shop cannot control"),
    )
    ALCOHOL = (
        "alcohol",
        _(
            "Alcoholic drinks sold at a price agreed at purchase, delivered after 30 days, whose "
            "value depends on the market"
        ),
    )
    SEALED_MEDIA = (
        "sealed_media",
        _("Sealed audio or video recordings or software, once unsealed after delivery"),
    )
    PRESS = "press", _("Newspapers, periodicals or magazines, except subscriptions")
    AUCTION = "auction", _("Goods bought at a public auction")
    DIGITAL = (
        "digital",
        _(
            "Digital content not on a physical medium, once the download or streaming has begun "
            "with the shopper's consent"
        ),
    )
