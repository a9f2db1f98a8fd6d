"""The store profile: who is behind a shop, and the channels through which a shopper reaches it.

Everything a shopper or a search engine learns about the shop is derived from these models:
edit them once in the Wagtail admin and every page, the structured data and the trust report
follow.
"""

import functools
import re
import zoneinfo
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from phonenumber_field.modelfields import PhoneNumberField
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable, Site

from contactkit.i18n import TranslatedFieldsMixin, TranslationsField
from contactkit.profile import availability
from contactkit.profile.choices import (
    LANGUAGE_CHOICES,
    PHONE_KINDS,
    REPLY_TIME_CHOICES,
    SOCIAL_HOSTS,
    SOCIAL_KINDS,
    ChannelKind,
    ChatProvider,
    PaymentMethod,
    Purpose,
    SealKind,
)
from contactkit.profile.fields import ChoiceListField
from contactkit.profile.forms import (
    CheckedInlinePanel,
    CommonChoicesPanel,
    SpecialDaysFormSet,
    WeeklyHoursFormSet,
)
from contactkit.profile.validators import (
    check_vat_id_matches_tax_id,
    host_matches,
    normalise_postal_code,
    normalise_tax_id,
    normalise_vat_id,
    validate_https_url,
)
from contactkit.profile.widgets import (
    LocalDateInput,
    LocalTimeInput,
    SearchableCheckboxSelectMultiple,
    WeekdaysCheckboxes,
)

# Line breaks, tabs and other control characters (and the Unicode line separators).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
# The same days as text, as a form sends them back: one opening ticks several.
WEEKDAY_CHOICES = [(str(number), label) for number, label in WEEKDAYS]


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


@functools.cache
def _zone_names():
    """Every zone name the system knows: listed once per process (40 ms each time)."""
    return frozenset(zoneinfo.available_timezones())


def default_time_zone():
    return settings.TIME_ZONE if settings.TIME_ZONE in _zone_names() else "UTC"


class PostalAddressFields(models.Model):
    """Street, postal code, city, region and ISO country, shared by the shop and its stores."""

    street_address = models.CharField(_("street and number"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region or province"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)

    class Meta:
        abstract = True

    @property
    def has_address(self):
        return bool(self.street_address and self.city and self.country)

    @property
    def address_lines(self):
        """The address as a shopper reads it, one line per list item, empty parts left out."""
        locality = " ".join(part for part in (self.postal_code, self.city) if part)
        lines = [
            self.street_address,
            locality,
            self.region,
            self.country.name if self.country else "",
        ]
        return [line for line in lines if line]


@register_setting(icon="site")
class StoreProfile(TranslatedFieldsMixin, ClusterableModel, PostalAddressFields, BaseSiteSetting):
    """The shop's identity, filled in once per Wagtail Site."""

    trade_name = models.CharField(
        _("shop name"),
        max_length=200,
        blank=True,
        help_text=_("The name shoppers know the shop by."),
    )
    legal_name = models.CharField(
        _("legal name"),
        max_length=200,
        blank=True,
        help_text=_("The name of the person or company that runs the shop, as registered."),
    )
    legal_form = models.CharField(
        _("legal form"),
        max_length=100,
        blank=True,
        help_text=_("For example: S.L., S.A., sole trader (autónomo), GmbH."),
    )
    story = models.TextField(
        _("our story"),
        blank=True,
        help_text=_("A few sentences on who you are and why the shop exists."),
    )
    founding_date = models.DateField(_("founded on"), null=True, blank=True)
    number_of_employees = models.PositiveIntegerField(
        _("number of employees"), null=True, blank=True
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        default=default_time_zone,
        help_text=_("Opening hours are given in this time zone."),
    )

    register_name = models.CharField(
        _("business register"),
        max_length=200,
        blank=True,
        help_text=_("For example: Registro Mercantil de Valencia."),
    )
    register_entry = models.CharField(
        _("register entry"),
        max_length=200,
        blank=True,
        help_text=_("For example: Tomo 10234, Folio 45, Hoja V-178234."),
    )
    tax_id = models.CharField(
        _("tax id (NIF/CIF)"),
        max_length=30,
        blank=True,
        help_text=_("Checked against the rules of the country in the registered address."),
    )
    vat_id = models.CharField(
        _("EU VAT id"),
        max_length=30,
        blank=True,
        help_text=_("With its country prefix, for example ESB12345674."),
    )
    activity_authorisation = models.CharField(
        _("authorisation for a regulated activity"),
        max_length=255,
        blank=True,
        help_text=_("Only if your activity needs a licence: its number and who granted it."),
    )
    supervisory_authority = models.CharField(_("supervisory authority"), max_length=255, blank=True)
    professional_body = models.CharField(
        _("professional body"),
        max_length=255,
        blank=True,
        help_text=_("Only for regulated professions: the association or chamber you belong to."),
    )
    professional_title = models.CharField(
        _("professional title and country that granted it"), max_length=255, blank=True
    )

    payment_methods = ChoiceListField(_("payment methods accepted"), choices=PaymentMethod.choices)
    countries_shipped_to = CountryField(_("countries shipped to"), multiple=True, blank=True)
    languages_spoken = ChoiceListField(_("languages spoken"), choices=LANGUAGE_CHOICES)
    translations = TranslationsField(
        fields=["story"],
        help_text=_("Your story for shoppers who read the site in another language."),
    )

    select_related = ["logo", "site"]
    # Names shown on one line (pages, structured data, the vCard): a line break is refused.
    ONE_LINE_FIELDS = ("trade_name", "legal_name")

    identity_panels = [
        FieldPanel("trade_name"),
        FieldPanel("logo"),
        FieldPanel("story"),
        FieldPanel("translations"),
        FieldRowPanel([FieldPanel("founding_date"), FieldPanel("number_of_employees")]),
        CommonChoicesPanel("languages_spoken", widget=SearchableCheckboxSelectMultiple),
        FieldPanel("time_zone"),
    ]
    legal_panels = [
        FieldRowPanel([FieldPanel("legal_name"), FieldPanel("legal_form")]),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldRowPanel([FieldPanel("postal_code"), FieldPanel("city")]),
                FieldRowPanel([FieldPanel("region"), FieldPanel("country")]),
            ],
            heading=_("Registered address"),
        ),
        MultiFieldPanel(
            [FieldPanel("register_name"), FieldPanel("register_entry")],
            heading=_("Business register"),
        ),
        FieldRowPanel([FieldPanel("tax_id"), FieldPanel("vat_id")], heading=_("Tax ids")),
        MultiFieldPanel(
            [
                FieldPanel("activity_authorisation"),
                FieldPanel("supervisory_authority"),
                FieldPanel("professional_body"),
                FieldPanel("professional_title"),
            ],
            heading=_("Regulated activity (optional)"),
        ),
    ]
    people_panels = [InlinePanel("people", heading=_("The people behind the shop"))]
    trust_panels = [
        FieldPanel("payment_methods"),
        FieldPanel("countries_shipped_to"),
        InlinePanel("seals", heading=_("Trust seals and codes of conduct")),
        InlinePanel("review_profiles", heading=_("Review profiles")),
        InlinePanel(
            "closures",
            heading=_("Holidays"),
            help_text=_("Days when every channel with opening hours is closed."),
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(identity_panels, heading=_("The shop")),
            ObjectList(legal_panels, heading=_("Legal details")),
            ObjectList(people_panels, heading=_("People")),
            ObjectList(trust_panels, heading=_("Payments, shipping and trust")),
        ]
    )

    class Meta:
        verbose_name = _("store profile")
        verbose_name_plural = _("store profiles")

    def __str__(self):
        return self.trade_name or self.legal_name or str(self.site)

    def clean(self):
        super().clean()
        errors = {}
        for field, normalise in (
            ("tax_id", lambda value: normalise_tax_id(value, self.country.code)),
            ("vat_id", normalise_vat_id),
            ("postal_code", lambda value: normalise_postal_code(value, self.country.code)),
        ):
            try:
                setattr(self, field, normalise(getattr(self, field)))
            except ValidationError as error:
                errors[field] = error
        if not errors.keys() & {"tax_id", "vat_id"}:
            try:
                check_vat_id_matches_tax_id(self.vat_id, self.tax_id, self.country.code)
            except ValidationError as error:
                errors["vat_id"] = error
        if self.founding_date and self.founding_date > timezone.localdate():
            errors["founding_date"] = ValidationError(_("The founding date is in the future."))
        for field in self.ONE_LINE_FIELDS:
            if CONTROL_CHARACTERS.search(getattr(self, field) or ""):
                errors[field] = ValidationError(
                    _("Write the name on one line, without line breaks or control characters."),
                    code="not_one_line",
                )
        if errors:
            raise ValidationError(errors)

    @property
    def name(self):
        """The name to show: the trade name, else the legal name."""
        return self.trade_name or self.legal_name

    @property
    def legal_name_with_form(self):
        """The legal name followed by the legal form, the form written only once.

        "Cerámica Alba Artesanos, S.L." with the form "Sociedad Limitada (S.L.)" is shown as
        typed, since the name already ends in the form; "Cerámica Alba Artesanos" with the
        form "S.L." reads "Cerámica Alba Artesanos (S.L.)". Pages, the legal notice and the
        structured data's legalName all read this, so they agree.
        """
        name, form = self.legal_name.strip(), self.legal_form.strip()
        if not name or not form or self._names_legal_form(name, form):
            return name
        if "(" in form:
            # Translators: a company's registered name, then a legal form that has brackets of
            # its own, such as "Sociedad Limitada (S.L.)".
            return str(_("%(name)s, %(form)s")) % {"name": name, "form": form}
        # Translators: a company's registered name, then its legal form (S.L., GmbH…).
        return str(_("%(name)s (%(form)s)")) % {"name": name, "form": form}

    @staticmethod
    def _names_legal_form(name, form):
        """Whether ``name`` already ends in ``form``, in its abbreviation in brackets or in its
        long form before them, as whole words, ignoring case, dots, commas and spaces."""
        short = re.search(r"\(([^)]*)\)", form)
        candidates = {
            form,
            short.group(1) if short else "",
            form[: short.start()] if short else "",
        }
        for candidate in candidates:
            letters = [ch for ch in candidate.casefold() if ch.isalnum()]
            if len(letters) < 2:
                continue
            pattern = r"[\s.,]*".join(re.escape(ch) for ch in letters)
            if re.search(rf"(?<!\w){pattern}[\s.,]*$", name.casefold()):
                return True
        return False

    @cached_property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    def payment_method_labels(self):
        return self._meta.get_field("payment_methods").labels(self.payment_methods)

    def language_labels(self):
        return self._meta.get_field("languages_spoken").labels(self.languages_spoken)


class Person(TranslatedFieldsMixin, Orderable):
    """Someone behind the shop whom a shopper can put a face and a name to."""

    profile = ParentalKey(StoreProfile, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bio = models.TextField(_("short bio"), blank=True, max_length=600)
    # Germany's § 5 DDG (and others) ask the legal notice to name who may represent the
    # company (a GmbH's managing directors): they are listed there as "Represented by".
    represents = models.BooleanField(
        _("represents the company"),
        default=False,
        help_text=_(
            "Authorised to represent the company (a managing director, for instance): named "
            "in the legal notice."
        ),
    )
    translations = TranslationsField(fields=["role", "bio"])

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("role")]),
        FieldPanel("represents"),
        FieldPanel("photo"),
        FieldPanel("bio"),
        FieldPanel("translations"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        return self.name


class TrustSeal(TranslatedFieldsMixin, Orderable):
    profile = ParentalKey(StoreProfile, on_delete=models.CASCADE, related_name="seals")
    kind = models.CharField(
        _("kind"), max_length=20, choices=SealKind.choices, default=SealKind.SEAL
    )
    name = models.CharField(_("name"), max_length=200)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verification_url = models.URLField(
        _("verification link"),
        blank=True,
        validators=[validate_https_url],
        help_text=_("The page of the seal's issuer where a shopper can check it is genuine."),
    )

    translations = TranslationsField(fields=["name"])

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("name")]),
        FieldPanel("image"),
        FieldPanel("verification_url"),
        FieldPanel("translations"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("trust seal or code of conduct")
        verbose_name_plural = _("trust seals and codes of conduct")

    def __str__(self):
        return self.name


class ReviewProfile(Orderable):
    profile = ParentalKey(StoreProfile, on_delete=models.CASCADE, related_name="review_profiles")
    name = models.CharField(
        _("site"), max_length=100, help_text=_("For example: Trustpilot, Google.")
    )
    url = models.URLField(_("link"), validators=[validate_https_url])

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("url")])]

    class Meta(Orderable.Meta):
        verbose_name = _("review profile")
        verbose_name_plural = _("review profiles")

    def __str__(self):
        return self.name


class StoreClosure(TranslatedFieldsMixin, Orderable):
    """A day the whole shop is closed: every channel with opening hours is closed too."""

    profile = ParentalKey(StoreProfile, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    label = models.CharField(
        _("reason"), max_length=100, blank=True, help_text=_("For example: Christmas Day.")
    )
    translations = TranslationsField(fields=["label"])

    panels = [
        FieldRowPanel([FieldPanel("date", widget=LocalDateInput), FieldPanel("label")]),
        FieldPanel("translations"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.label}".strip()


class ContactChannelQuerySet(models.QuerySet):
    def for_site(self, site):
        """The site's channels in the editor's order, with their hours loaded in two queries."""
        return self.filter(site=site).prefetch_related("hours", "exceptions")


class ContactChannel(TranslatedFieldsMixin, ClusterableModel, PostalAddressFields, Orderable):
    """One way to reach the shop: a phone line, WhatsApp, an inbox, a store or a social profile."""

    site = models.ForeignKey(
        Site,
        verbose_name=_("site"),
        on_delete=models.CASCADE,
        related_name="contact_channels",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    label = models.CharField(
        _("label"),
        max_length=100,
        blank=True,
        help_text=_("Optional, for example: Customer service. The kind is shown if left empty."),
    )
    phone = PhoneNumberField(
        _("phone number"),
        blank=True,
        help_text=_(
            "For phone, WhatsApp and a store's own line. Include the country code for "
            "numbers abroad."
        ),
    )
    email = models.EmailField(_("email address"), blank=True, help_text=_("For email."))
    url = models.URLField(
        _("link"),
        blank=True,
        help_text=_("For live chat and social profiles: the https:// address of the profile."),
    )
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page with the form"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("For the contact form. Leave empty to use the contact page."),
    )
    purposes = ChoiceListField(
        _("what it is for"),
        choices=Purpose.choices,
        help_text=_("Leave all unticked if the channel is for anything."),
    )
    languages = ChoiceListField(_("languages"), choices=LANGUAGE_CHOICES)
    reply_time = models.PositiveIntegerField(
        _("usually replies"),
        choices=REPLY_TIME_CHOICES,
        null=True,
        blank=True,
        help_text=_("What a shopper can expect. Only promise what you keep."),
    )
    # A "Live chat" channel: contactkit's own chat (staff answer in the inbox), a third-party
    # chat whose script loads only once a shopper chooses it, or any chat by its link.
    chat_provider = models.CharField(
        _("chat"),
        max_length=20,
        choices=ChatProvider.choices,
        blank=True,
        help_text=_("For live chat: who answers it."),
    )
    chat_account = models.CharField(
        _("chat account"),
        max_length=120,
        blank=True,
        help_text=_("For Crisp, Tawk.to and Tidio: your site's id or key with that service."),
    )

    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("For a store: where it is on a map, for example 40.416775."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("For example -3.703790."),
    )
    translations = TranslationsField(
        fields=["label"], help_text=_("The label for shoppers who read another language.")
    )

    objects = ContactChannelQuerySet.as_manager()

    panels = [
        FieldPanel("site"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("label")]),
        FieldPanel("translations"),
        MultiFieldPanel(
            [
                FieldPanel("phone"),
                FieldPanel("email"),
                FieldPanel("url"),
                FieldPanel("chat_provider"),
                FieldPanel("chat_account"),
                PageChooserPanel("page"),
            ],
            heading=_("How to reach it"),
            help_text=_("Fill in only the field that matches the kind."),
        ),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldRowPanel([FieldPanel("postal_code"), FieldPanel("city")]),
                FieldRowPanel([FieldPanel("region"), FieldPanel("country")]),
                FieldRowPanel([FieldPanel("latitude"), FieldPanel("longitude")]),
            ],
            heading=_("Store address"),
            help_text=_("Only for a physical store."),
        ),
        FieldPanel("purposes"),
        CommonChoicesPanel("languages", widget=SearchableCheckboxSelectMultiple),
        FieldPanel("reply_time"),
        CheckedInlinePanel(
            "hours",
            formset_class=WeeklyHoursFormSet,
            heading=_("Opening hours"),
            help_text=_(
                "Add one line per opening on each day; two lines for a lunch break. "
                "Leave empty if the channel has no fixed hours, as with email."
            ),
        ),
        CheckedInlinePanel(
            "exceptions",
            formset_class=SpecialDaysFormSet,
            heading=_("Special days"),
            help_text=_("Holidays or special hours that replace the usual hours on a date."),
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("contact channel")
        verbose_name_plural = _("contact channels")

    def __str__(self):
        return self.display_label

    # --- what a shopper sees -------------------------------------------------------------

    @property
    def display_label(self):
        return self.label or self.get_kind_display()

    @property
    def is_phone(self):
        return self.kind in PHONE_KINDS

    @property
    def is_social(self):
        return self.kind in SOCIAL_KINDS

    @property
    def href(self):
        """The link that starts a conversation on this channel, or "" if there is none."""
        if self.kind == ChannelKind.PHONE and self.phone:
            return f"tel:{self.phone.as_e164}"
        if self.kind == ChannelKind.WHATSAPP and self.phone:
            return f"https://wa.me/{self.phone.as_e164.lstrip('+')}"
        if self.kind == ChannelKind.EMAIL and self.email:
            return f"mailto:{self.email}"
        if self.kind == ChannelKind.FORM:
            return self.page.url if self.page_id and self.page else ""
        if self.kind == ChannelKind.STORE:
            return ""
        return self.url

    @property
    def value_display(self):
        """The number, address or handle as printed next to the link."""
        if self.is_phone and self.phone:
            return self.phone_national
        if self.kind == ChannelKind.EMAIL:
            return self.email
        if self.kind == ChannelKind.STORE:
            return ", ".join(self.address_lines)
        return self.url

    @property
    def phone_national(self):
        return self.phone.as_national if self.phone else ""

    @property
    def phone_international(self):
        return self.phone.as_international if self.phone else ""

    def purpose_labels(self):
        return self._meta.get_field("purposes").labels(self.purposes)

    def language_labels(self):
        return self._meta.get_field("languages").labels(self.languages)

    # --- availability --------------------------------------------------------------------

    def schedule(self, profile=None, closures=None):
        """This channel's opening hours as an :class:`availability.Schedule`.

        ``profile`` gives the time zone (and its holidays unless ``closures`` is passed);
        pass both when rendering many channels so the profile is read only once.
        """
        profile = profile or StoreProfile.for_site(self.site)
        if closures is None:
            closures = list(profile.closures.all())
        weekly = [interval for row in self.hours.all() for interval in row.as_intervals()]
        own = {}
        for row in self.exceptions.all():
            own.setdefault(row.date, []).append(row)
        exceptions = [
            availability.DateException(
                date=date,
                intervals=tuple(row.as_interval() for row in rows if not row.closed),
                label=next((row.translated("label") for row in rows if row.label), ""),
            )
            for date, rows in own.items()
        ]
        if weekly or exceptions:
            exceptions += [
                availability.DateException(date=closure.date, label=closure.translated("label"))
                for closure in closures
                if closure.date not in own
            ]
        return availability.Schedule(profile.time_zone, weekly=weekly, exceptions=exceptions)

    # --- validation ------------------------------------------------------------------------

    def values_of_another_kind(self):
        """The fields filled in that this kind of channel does not use, each with its error.

        An email address typed on a WhatsApp channel, say, would otherwise be dropped on
        saving without a word; the owner is told instead, and decides.
        """
        kind = self.get_kind_display()
        if self.email and self.kind != ChannelKind.EMAIL:
            yield (
                "email",
                ValidationError(
                    _(
                        "A channel of kind “%(kind)s” does not use an email address. "
                        "Clear it, or add a separate channel of kind “Email” for it."
                    ),
                    code="not_for_this_kind",
                    params={"kind": kind},
                ),
            )
        if self.phone and self.kind not in PHONE_KINDS | {ChannelKind.STORE}:
            yield (
                "phone",
                ValidationError(
                    _(
                        "A channel of kind “%(kind)s” does not use a phone number. "
                        "Clear it, or add a separate channel of kind “Phone” or “WhatsApp” for it."
                    ),
                    code="not_for_this_kind",
                    params={"kind": kind},
                ),
            )
        if self.url and self.kind not in SOCIAL_KINDS | {ChannelKind.CHAT}:
            yield (
                "url",
                ValidationError(
                    _(
                        "A channel of kind “%(kind)s” does not use a link. Clear it, or add a "
                        "separate channel for the live chat or social profile it points to."
                    ),
                    code="not_for_this_kind",
                    params={"kind": kind},
                ),
            )
        if self.page_id and self.kind != ChannelKind.FORM:
            yield (
                "page",
                ValidationError(
                    _("Only a “Contact form” channel has a page. Clear it, or change the kind."),
                    code="not_for_this_kind",
                    params={"kind": kind},
                ),
            )
        if self.kind != ChannelKind.STORE:
            for field in ("street_address", "postal_code", "city", "region", "country"):
                if getattr(self, field):
                    yield (
                        field,
                        ValidationError(
                            _(
                                "Only a “Physical store” channel has an address. Clear it, or "
                                "change the kind."
                            ),
                            code="not_for_this_kind",
                        ),
                    )
                    break

    def clean(self):
        super().clean()
        errors = {}
        required = {
            ChannelKind.PHONE: "phone",
            ChannelKind.WHATSAPP: "phone",
            ChannelKind.EMAIL: "email",
            ChannelKind.STORE: "street_address",
            **dict.fromkeys(SOCIAL_KINDS, "url"),
        }.get(self.kind)
        if required and not getattr(self, required):
            errors[required] = ValidationError(
                _("Fill this in for a channel of kind “%(kind)s”."),
                params={"kind": self.get_kind_display()},
            )
        if self.kind == ChannelKind.CHAT:
            errors |= self._chat_errors()
        if self.kind == ChannelKind.STORE and not self.city:
            errors["city"] = ValidationError(_("A physical store needs its city."))
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            errors[missing] = ValidationError(
                _("Give both the latitude and the longitude, or neither."), code="half_a_place"
            )
        if self.kind == ChannelKind.STORE and self.country:
            # A store's address is published like the shop's: its postcode is checked the same.
            try:
                self.postal_code = normalise_postal_code(self.postal_code, self.country.code)
            except ValidationError as error:
                errors["postal_code"] = error
        for field, error in self.values_of_another_kind():
            errors.setdefault(field, error)
        if self.url and not errors.get("url"):
            if self.kind in SOCIAL_KINDS and not host_matches(self.url, SOCIAL_HOSTS[self.kind]):
                errors["url"] = ValidationError(
                    _("This link is not on %(network)s: it should start with https://%(host)s/."),
                    params={
                        "network": self.get_kind_display(),
                        "host": SOCIAL_HOSTS[self.kind][0],
                    },
                )
            elif not self.url.startswith("https://"):
                errors["url"] = ValidationError(_("Use a secure link that starts with https://."))
        if errors:
            raise ValidationError(errors)
        # Only the field that matches the kind is kept, so a channel never carries a stale
        # number or link that some page might show.
        if self.kind not in PHONE_KINDS | {ChannelKind.STORE}:
            self.phone = ""
        if self.kind != ChannelKind.EMAIL:
            self.email = ""
        if self.kind not in SOCIAL_KINDS | {ChannelKind.CHAT}:
            self.url = ""
        if self.kind != ChannelKind.FORM:
            self.page = None
        if self.kind != ChannelKind.STORE:
            for field in ("street_address", "postal_code", "city", "region", "country"):
                setattr(self, field, "")
        if self.kind != ChannelKind.CHAT:
            self.chat_provider = ""
        if self.chat_provider in ("", ChatProvider.NATIVE, ChatProvider.LINK):
            self.chat_account = ""
        if self.kind == ChannelKind.CHAT and self.chat_provider != ChatProvider.LINK:
            self.url = ""

    def _chat_errors(self):
        """What a live chat channel lacks: who answers it, and their link or account id."""
        if not self.chat_provider:
            return {"chat_provider": ValidationError(_("Choose who answers this chat."))}
        if self.chat_provider == ChatProvider.LINK and not self.url:
            return {"url": ValidationError(_("Give the https:// link that opens the chat."))}
        if self.chat_provider in (ChatProvider.CRISP, ChatProvider.TAWKTO, ChatProvider.TIDIO):
            account = self.chat_account.strip()
            # The ids these services give: letters, digits, "-", "_" and, for Tawk.to, "/".
            if not account or not re.fullmatch(r"[A-Za-z0-9_/-]{4,120}", account):
                return {
                    "chat_account": ValidationError(
                        _("Give the id %(service)s gives your site (letters and digits)."),
                        params={"service": self.get_chat_provider_display()},
                    )
                }
            self.chat_account = account
        return {}


class IntervalFields(models.Model):
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    closes_next_day = models.BooleanField(
        _("closes the next day"),
        default=False,
        help_text=_("Tick this when the opening crosses midnight, for example 20:00 to 02:00."),
    )

    class Meta:
        abstract = True

    def as_interval(self):
        return availability.Interval(
            opens=self.opens, closes=self.closes, closes_next_day=self.closes_next_day
        )

    def clean_interval(self):
        if self.opens is None or self.closes is None:
            return
        if self.closes_next_day:
            if self.closes > self.opens:
                raise ValidationError(
                    {"closes": _("An opening that closes the next day cannot last over 24 hours.")}
                )
        elif self.closes <= self.opens:
            raise ValidationError(
                {
                    "closes": _(
                        "It closes before it opens. If it closes after midnight, "
                        "tick “closes the next day”."
                    )
                }
            )


class OpeningHoursInterval(IntervalFields, Orderable):
    """One opening of a channel, the same on each of its weekdays, in the shop's time zone."""

    channel = ParentalKey(ContactChannel, on_delete=models.CASCADE, related_name="hours")
    weekdays = ChoiceListField(_("days"), choices=WEEKDAY_CHOICES, blank=False)

    panels = [
        FieldPanel("weekdays", widget=WeekdaysCheckboxes),
        FieldRowPanel(
            [
                FieldPanel("opens", widget=LocalTimeInput),
                FieldPanel("closes", widget=LocalTimeInput),
                FieldPanel("closes_next_day"),
            ]
        ),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self):
        days = ", ".join(
            str(label) for label in self._meta.get_field("weekdays").labels(self.weekdays)
        )
        return f"{days} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        super().clean()
        self.clean_interval()

    def as_intervals(self):
        """The opening on each of its weekdays, as ``availability.WeeklyInterval``."""
        return [
            availability.WeeklyInterval(
                weekday=int(weekday),
                opens=self.opens,
                closes=self.closes,
                closes_next_day=self.closes_next_day,
            )
            for weekday in sorted(set(map(int, self.weekdays or [])))
        ]


class ChannelHoursException(TranslatedFieldsMixin, IntervalFields, Orderable):
    """A date on which a channel keeps other hours than usual, or is closed."""

    channel = ParentalKey(ContactChannel, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=False)
    label = models.CharField(
        _("reason"), max_length=100, blank=True, help_text=_("For example: Black Friday.")
    )
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    translations = TranslationsField(fields=["label"])

    panels = [
        FieldRowPanel(
            [FieldPanel("date", widget=LocalDateInput), FieldPanel("label"), FieldPanel("closed")]
        ),
        FieldRowPanel(
            [
                FieldPanel("opens", widget=LocalTimeInput),
                FieldPanel("closes", widget=LocalTimeInput),
                FieldPanel("closes_next_day"),
            ]
        ),
        FieldPanel("translations"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("special day")
        verbose_name_plural = _("special days")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.label}".strip()

    def clean(self):
        super().clean()
        if self.closed:
            if self.opens is not None or self.closes is not None:
                raise ValidationError(
                    {
                        "closed": _(
                            "You ticked “closed all day” and also gave opening times. "
                            "Untick it, or clear the times."
                        )
                    },
                    code="closed_with_hours",
                )
            self.closes_next_day = False
            return
        if self.opens is None or self.closes is None:
            raise ValidationError(_("Give the opening and closing time, or tick “closed all day”."))
        self.clean_interval()
