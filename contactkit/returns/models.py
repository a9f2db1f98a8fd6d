"""The returns policy of a site, kept as rules so the text and the structured data agree."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from contactkit.i18n import TranslatedFieldsMixin, TranslationsField
from contactkit.profile.fields import ChoiceListField
from contactkit.returns.choices import (
    ItemCondition,
    NonReturnable,
    RefundType,
    ReturnFees,
    ReturnMethod,
    ReturnWindow,
)
from contactkit.returns.panels import LegalReviewWarning

# Countries where consumers have by law at least 14 days to withdraw from a distance sale
# (Directive 2011/83/EU, and the EEA states that apply it).
EEA_COUNTRIES = set(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT "
    "LU LV MT NL NO PL PT RO SE SI SK".split()
)
LEGAL_WITHDRAWAL_DAYS = 14


@register_setting(icon="redirect")
class ReturnPolicy(TranslatedFieldsMixin, ClusterableModel, BaseSiteSetting):
    """What a shopper may send back, how, at whose cost, and what they get for it."""

    # Set once staff have saved the policy; until then no page or structured data promises
    # anything from the defaults.
    is_set_up = models.BooleanField(default=False, editable=False)
    window = models.CharField(
        _("returns accepted"),
        max_length=40,
        choices=ReturnWindow.choices,
        default=ReturnWindow.FINITE,
    )
    return_days = models.PositiveSmallIntegerField(
        _("days to return"),
        default=30,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Counted from the day the order is delivered."),
    )
    applicable_countries = CountryField(
        _("countries it applies to"),
        multiple=True,
        blank=True,
        help_text=_("Leave empty to use the countries you ship to."),
    )
    return_country = CountryField(
        _("country items are returned to"),
        blank=True,
        help_text=_("Leave empty to use the country of the registered address."),
    )
    item_conditions = ChoiceListField(
        _("condition items must be in"),
        choices=ItemCondition.choices,
        default=list,
    )
    return_methods = ChoiceListField(_("ways to return"), choices=ReturnMethod.choices)
    fees = models.CharField(
        _("return shipping"),
        max_length=40,
        choices=ReturnFees.choices,
        default=ReturnFees.FREE,
    )
    fee_amount = models.DecimalField(
        _("return fee"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Only for a fixed fee."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        help_text=_("Three-letter code, for example EUR."),
    )
    restocking_fee_percent = models.DecimalField(
        _("restocking fee (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("A share of the price kept for handling a return. Leave empty for none."),
    )
    refund_types = ChoiceListField(_("what the shopper gets back"), choices=RefundType.choices)
    refund_days = models.PositiveSmallIntegerField(
        _("days to refund"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("How many days after receiving the return the money is back."),
    )
    non_returnable_categories = ChoiceListField(
        _("goods that cannot be returned"),
        choices=NonReturnable.choices,
        help_text=_(
            "Only the exceptions the law allows (Directive 2011/83/EU, art. 16). Tick none if "
            "everything can be returned."
        ),
    )
    non_returnable_items = models.TextField(
        _("other exceptions (needs legal review)"),
        blank=True,
        help_text=_(
            "One per line. Anything not in the list above is a right of return shoppers keep "
            "by law: have a lawyer check each line before you publish it."
        ),
    )
    translations = TranslationsField(fields=["non_returnable_items"])

    panels = [
        MultiFieldPanel(
            [FieldPanel("window"), FieldPanel("return_days")],
            heading=_("How long shoppers have"),
        ),
        FieldRowPanel([FieldPanel("applicable_countries"), FieldPanel("return_country")]),
        FieldPanel("item_conditions"),
        FieldPanel("return_methods"),
        MultiFieldPanel(
            [
                FieldPanel("fees"),
                FieldRowPanel([FieldPanel("fee_amount"), FieldPanel("currency")]),
                FieldPanel("restocking_fee_percent"),
            ],
            heading=_("Costs"),
        ),
        FieldRowPanel([FieldPanel("refund_types"), FieldPanel("refund_days")]),
        MultiFieldPanel(
            [
                FieldPanel("non_returnable_categories"),
                FieldPanel("non_returnable_items"),
                LegalReviewWarning(),
                FieldPanel("translations"),
            ],
            heading=_("Exceptions to the right of return"),
        ),
        InlinePanel("steps", heading=_("How to return, step by step")),
    ]

    class Meta:
        verbose_name = _("returns policy")
        verbose_name_plural = _("returns policies")

    def __str__(self):
        return str(self._meta.verbose_name)

    @property
    def accepts_returns(self):
        return self.window != ReturnWindow.NOT_PERMITTED

    @property
    def is_finite(self):
        return self.window == ReturnWindow.FINITE

    def non_returnable_list(self):
        return [line.strip() for line in self.non_returnable_items.splitlines() if line.strip()]

    def countries(self, profile):
        """The countries the policy applies to, falling back to those the shop ships to."""
        return list(self.applicable_countries) or list(profile.countries_shipped_to)

    def clean(self):
        super().clean()
        errors = {}
        if self.is_finite and not self.return_days:
            errors["return_days"] = _("Say how many days shoppers have to return an item.")
        if self.fees == ReturnFees.FIXED_FEE and self.fee_amount is None:
            errors["fee_amount"] = _("Give the amount of the fixed fee.")
        if self.currency:
            self.currency = self.currency.strip().upper()
            if len(self.currency) != 3 or not self.currency.isalpha():
                errors["currency"] = _("Use the three-letter code of the currency, such as EUR.")
        if self.accepts_returns and not self.return_methods:
            errors["return_methods"] = _("Tick at least one way to return an item.")
        if self.accepts_returns and not self.refund_types:
            errors["refund_types"] = _("Tick what the shopper gets back.")
        if self.is_finite and self.return_days and self.return_days < LEGAL_WITHDRAWAL_DAYS:
            if set(self._countries_for_check()) & EEA_COUNTRIES:
                errors["return_days"] = _(
                    "Shoppers in the EU have at least 14 days to withdraw from an online purchase."
                )
        if errors:
            raise ValidationError(errors)
        # Rules that do not apply are cleared, so neither the text nor the structured data
        # can ever promise something the policy does not give.
        if not self.is_finite:
            self.return_days = None
        if self.fees != ReturnFees.FIXED_FEE:
            self.fee_amount = None
        if not self.accepts_returns:
            self.item_conditions = []
            self.return_methods = []
            self.refund_types = []
            self.fees = ReturnFees.FREE
            self.restocking_fee_percent = None
            self.refund_days = None
        self.is_set_up = True

    def _countries_for_check(self):
        """The countries to hold to the legal minimum: those set here, else those shipped to."""
        countries = [str(country) for country in self.applicable_countries]
        if not countries and self.site_id:
            from contactkit.profile.models import StoreProfile

            profile = StoreProfile.objects.filter(site_id=self.site_id).first()
            if profile:
                countries = [str(c) for c in profile.countries_shipped_to] or [str(profile.country)]
        return countries


class ReturnStep(TranslatedFieldsMixin, Orderable):
    """One step a shopper follows to send something back."""

    policy = ParentalKey(ReturnPolicy, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=120)
    text = models.TextField(_("details"), blank=True, max_length=600)
    translations = TranslationsField(fields=["title", "text"])

    panels = [FieldPanel("title"), FieldPanel("text"), FieldPanel("translations")]

    class Meta(Orderable.Meta):
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self):
        return self.title
