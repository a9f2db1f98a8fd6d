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
