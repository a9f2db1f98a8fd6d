"""Everything known about one shop, loaded once per request in a fixed number of queries.

Pages, the structured data, the legal notice and the vCard all read the shop through
:class:`Shop`, so they share one set of queries and can never disagree.
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.models import Site

from contactkit.i18n import active_content_language
from contactkit.pages import cache as page_cache
from contactkit.profile import hours, verification
from contactkit.profile.availability import Status
from contactkit.profile.choices import SOCIAL_KINDS, ChannelKind, Purpose
from contactkit.profile.models import ContactChannel, StoreProfile
from contactkit.wording import and_list

# Special days (holidays, other hours) are announced this many days ahead, from today: on the
# channel's hours on the page and in the structured data, the same days in both.
SPECIAL_DAYS_AHEAD = 60


@dataclass
class ChannelView:
    """A channel as a page shows it: the channel, its schedule and its status at render time."""

    channel: ContactChannel
    schedule: object
    status: Status | None
    shop: "Shop"

    def __getattr__(self, name):
        return getattr(self.channel, name)

    @property
    def has_hours(self):
        return self.schedule.has_hours

    @cached_property
    def status_text(self):
        """What a shopper reads first: open now until…, or when it opens next."""
        return hours.status_text(self.status, self.shop.now) if self.status else None

    @cached_property
    def today_text(self):
        return hours.today_text(self.status) if self.status else ""

    @property
    def href(self):
        """The channel's link; a contact form without a page of its own leads to the form on
        the contact page."""
        if self.kind == ChannelKind.FORM and not self.channel.page_id:
            contact = self.shop.contact_page
            return f"{contact.url}#contact-form" if contact else ""
        return self.channel.href

    @property
    def map_url(self):
        return verification.map_url(self.channel)

    @cached_property
    def verified_proof(self):
        """The proof that the shop manages this social profile (contactkit.accounts), while
        the channel still links to the proven profile; else None."""
        if self.kind not in SOCIAL_KINDS:
            return None
        try:
            proof = self.channel.proof
        except ObjectDoesNotExist:
            return None
        return proof if proof.matches(self.channel.url) else None

    @cached_property
    def week_rows(self):
        return hours.week_rows(self.schedule) if self.has_hours else []

    @cached_property
    def special_days(self):
        """The special days from today for :data:`SPECIAL_DAYS_AHEAD` days, in date order:
        holidays and days with other hours, as ``availability.DateException``.

        The page lists them under the channel's hours and the structured data declares them,
        so a shopper sees every closed day a search engine is told about.
        """
        today = self.shop.today
        last = today + dt.timedelta(days=SPECIAL_DAYS_AHEAD)
        found = [day for day in self.schedule.exceptions if today <= day.date < last]
        return sorted(found, key=lambda day: day.date)

    @cached_property
    def special_day_rows(self):
        """The special days as a shopper reads them: the date, then the hours or "closed"."""
        rows = []
        for day in self.special_days:
            date = gettext("%(weekday)s, %(date)s") % {
                "weekday": capfirst(hours.weekday_name(day.date.weekday())),
                "date": formats.date_format(day.date, "MONTH_DAY_FORMAT"),
            }
            if day.intervals:
                spans = ", ".join(
                    hours.span_text(interval.opens, interval.closes) for interval in day.intervals
                )
                text = (
                    gettext("%(hours)s (%(reason)s)") % {"hours": spans, "reason": day.label}
                    if day.label
                    else spans
                )
            elif day.label:
                text = gettext("closed (%(reason)s)") % {"reason": day.label}
            else:
                text = gettext("closed")
            rows.append(
                SpecialDayRow(date=day.date, date_text=date, text=text, closed=not day.intervals)
            )
        return rows

    @cached_property
    def reply_time_text(self):
        """What the channel says about replies (:class:`ReplyTime`), or None: the measured
        median for its kind once there are enough answers, else the time staff promised."""
        promised = self.channel.get_reply_time_display() if self.channel.reply_time else ""
        return self.shop.reply_time(self.kind, promised)

    @property
    def anchor(self):
        """The id of the store on the contact page, for links straight to it ("" otherwise)."""
        return f"store-{self.channel.pk}" if self.kind == ChannelKind.STORE else ""

    @property
    def store_phone(self):
        """The number to call about a store: its own line, else the shop's phone line."""
        if self.channel.phone:
            return self.channel.phone
        line = self.shop.first(ChannelKind.PHONE)
        return line.phone if line else None


@dataclass(frozen=True)
class SpecialDayRow:
    date: dt.date
    date_text: str
    text: str
    closed: bool


@dataclass(frozen=True)
class ReplyTime:
    """A reply time in words ("in about 3 working hours", "within a day"), and whether it was
    measured from the inbox (with ``note`` saying over how long) or is what staff promised."""

    text: str
    measured: bool
    note: str = ""

    def __str__(self):
        return self.text


@dataclass
class ChannelGroup:
    heading: str
    purposes: list
    channels: list


class Shop:
    """The store profile, channels, people and returns policy of one site.

    Everything is read in :attr:`language`, the language active when the shop is built (the
    page's language): the shop's own words in that language, or in the default one where they
    have not been translated (see :mod:`contactkit.i18n`).
    """

    def __init__(self, site, request=None, now=None):
        self.site = site
        self.request = request
        self.now = now or timezone.now()
        self.language = active_content_language()

    @classmethod
    def for_request(cls, request):
        """The shop of the request's site, built once per request."""
        if not hasattr(request, "_contactkit_shop"):
            request._contactkit_shop = cls(Site.find_for_request(request), request=request)
        return request._contactkit_shop

    @classmethod
    def for_site(cls, site, now=None):
        return cls(site, now=now)

    @cached_property
    def today(self):
        """Today's date where the shop is."""
        page_cache.expires_at_midnight(self.profile.zone, self.now)
        return self.now.astimezone(self.profile.zone).date()

    # --- the profile ---------------------------------------------------------------------

    # The shop's facts change only when the owner saves something: each is read from the
    # database once per change (contactkit.pages.cache.remember) and from the cache after.

    def _remember(self, name, compute):
        return page_cache.remember(name, (self.site.pk, self.language), compute)

    @cached_property
    def profile(self):
        return self._remember(
            "profile", lambda: StoreProfile.for_site(self.site).localize(self.language)
        )

    def _localized(self, rows):
        return [row.localize(self.language) for row in rows]

    @cached_property
    def people(self):
        return self._remember(
            "people",
            lambda: self._localized(
                self.profile.people.prefetch_related(_with_renditions("photo"))
            ),
        )

    @property
    def representatives(self):
        """The people authorised to represent the company (named in the legal notice)."""
        return [person for person in self.people if person.represents]

    @cached_property
    def seals(self):
        return [seal for seal in self._seals if seal.kind == "seal"]

    @cached_property
    def codes_of_conduct(self):
        return [seal for seal in self._seals if seal.kind == "code_of_conduct"]

    @cached_property
    def _seals(self):
        return self._remember(
            "seals",
            lambda: self._localized(self.profile.seals.prefetch_related(_with_renditions("image"))),
        )

    @cached_property
    def review_profiles(self):
        return self._remember("review_profiles", lambda: list(self.profile.review_profiles.all()))

    @cached_property
    def closures(self):
        return self._remember("closures", lambda: self._localized(self.profile.closures.all()))

    @property
    def register_search_url(self):
        return verification.register_search_url(self.profile)

    @property
    def vat_check_url(self):
        return verification.vat_check_url(self.profile.vat_id)

    @property
    def promised_reply_time(self):
        """The quickest reply promised on a written channel (email, form), as words, or ""."""
        written = [
            view
            for view in self.channels
            if view.kind in (ChannelKind.EMAIL, ChannelKind.FORM) and view.reply_time
        ]
        if not written:
            return ""
        return min(written, key=lambda view: view.reply_time).get_reply_time_display()

    @cached_property
    def reply_times(self):
        """The measured reply times of the site (:mod:`contactkit.inbox.reply_times`), or None
        while too few conversations were answered; read from the cache when warm."""
        from contactkit.inbox.reply_times import reply_times

        return reply_times(
            self.site,
            channels=lambda: [(view.kind, view.schedule) for view in self.channels],
            now=self.now,
        )

    def reply_time(self, kind, promised=""):
        """What a shopper is told about replies on a channel of ``kind``: the only place that
        decides between measured and promised.

        The measured median of the kind's conversations when there are enough of them (see
        :mod:`contactkit.inbox.reply_times`), else ``promised`` (words), else None. Only the
        contact form, email and chat are measured; a phone line keeps its promise.
        """
        from contactkit.inbox.reply_times import MEASURED_KINDS, measured_note, reply_time_words

        measured = None
        if kind in MEASURED_KINDS and self.reply_times is not None:
            measured = self.reply_times.for_kind(kind)
        if measured is not None:
            return ReplyTime(
                text=reply_time_words(measured),
                measured=True,
                note=measured_note(self.reply_times.days),
            )
        if promised:
            return ReplyTime(text=str(promised), measured=False)
        return None

    @property
    def measured_reply_time(self):
        """How fast the contact form is really answered, as words ("in about 3 working
        hours"), or "" while too few conversations were answered.

        The contact form's figure, because every message typed on the shop's pages (the form,
        the withdrawal button, the launcher, the widget) counts as one: it is what a shopper
        who has just written there can expect.
        """
        found = self.reply_time(ChannelKind.FORM)
        return found.text if found else ""

    @property
    def expected_reply_time(self):
        """What the thank-you page and the confirmation email tell a shopper who has just
        written: the measured time when there is one, else the quickest promise."""
        return self.measured_reply_time or self.promised_reply_time

    @cached_property
    def home(self):
        """The site's home page in the shop's language (its default one if not translated)."""
        return self._remember("home", lambda: self.site.root_page.localized)

    def first_live(self, page_class):
        """The site's first live page of ``page_class``, in the shop's language if there is
        one in it, else in the site's default language."""
        return self._remember(
            f"first_live:{page_class._meta.label}", lambda: self._first_live(page_class)
        )

    def _first_live(self, page_class):
        homes = (
            [self.home]
            if self.home.pk == self.site.root_page_id
            else [self.home, self.site.root_page]
        )
        for home in homes:
            found = (
                page_class.objects.live()
                .descendant_of(home, inclusive=True)
                .order_by("path")
                .first()
            )
            if found is not None:
                return found
        return None

    @cached_property
    def contact_page(self):
        """The site's first live contact page, where the contact form lives."""
        from contactkit.pages.models import ContactPage

        return self.first_live(ContactPage)

    @property
    def has_legal_notice(self):
        """Whether there is anything to identify the shop by (else no legal notice is shown)."""
        profile = self.profile
        return any(
            (profile.name, profile.legal_name, profile.has_address, profile.tax_id, self.email)
        )

    @property
    def home_url(self):
        """The full address of the home page in the shop's language."""
        return self.home.get_full_url(self.request) or self.site.root_url + "/"

    # --- channels ------------------------------------------------------------------------

    @cached_property
    def channels(self):
        """Every channel in the editor's order, with its schedule and current status."""
        views = []
        for channel in self._remember("channels", self._channels):
            schedule = channel.schedule(self.profile, closures=self.closures)
            status = schedule.status(self.now) if schedule.has_hours else None
            if status is not None:
                # "Open now" holds until the channel next closes or opens; "opens tomorrow"
                # until midnight.
                page_cache.expires_by(status.closes_at if status.is_open else status.opens_at)
                page_cache.expires_at_midnight(self.profile.zone, self.now)
            views.append(ChannelView(channel, schedule, status, self))
        return views

    def _channels(self):
        channels = list(ContactChannel.objects.for_site(self.site).select_related("page", "proof"))
        for channel in channels:
            channel.localize(self.language)
        return channels

    @property
    def direct_channels(self):
        """Channels that reach a person from afar: not social profiles, not stores."""
        return [
            view
            for view in self.channels
            if view.kind not in SOCIAL_KINDS and view.kind != ChannelKind.STORE
        ]

    @property
    def social_channels(self):
        return [view for view in self.channels if view.kind in SOCIAL_KINDS]

    @property
    def verified_profiles(self):
        """The social profiles the shop proved it manages (contactkit.accounts)."""
        return [view for view in self.social_channels if view.verified_proof]

    @property
    def stores(self):
        return [view for view in self.channels if view.kind == ChannelKind.STORE]

    def first(self, kind):
        return next((view for view in self.channels if view.kind == kind), None)

    @property
    def email(self):
        found = self.first(ChannelKind.EMAIL)
        return found.email if found else ""

    @property
    def phone(self):
        found = self.first(ChannelKind.PHONE) or self.first(ChannelKind.WHATSAPP)
        return found.phone if found else None

    def channel_groups(self):
        """Direct channels grouped by what they are for, each channel listed once.

        Channels that serve the same purposes share a group; channels for everything come
        first, under a heading that says so.
        """
        all_purposes = [value for value, _label in Purpose.choices]

        def key(view):
            picked = view.purposes or all_purposes
            return tuple(value for value in all_purposes if value in picked)

        ordered = sorted(self.direct_channels, key=lambda view: (-len(key(view)), key(view)))
        groups = []
        for purposes, views in itertools.groupby(ordered, key=key):
            if list(purposes) == all_purposes:
                heading = _("For anything")
            else:
                labels = [str(label) for value, label in Purpose.choices if value in purposes]
                # "Product questions and order help": one phrase, capitalised once.
                heading = and_list(
                    [labels[0]] + [label[:1].lower() + label[1:] for label in labels[1:]]
                )
            groups.append(
                ChannelGroup(heading=heading, purposes=list(purposes), channels=list(views))
            )
        return groups

    # --- returns -------------------------------------------------------------------------

    @cached_property
    def return_policy(self):
        from contactkit.returns.models import ReturnPolicy

        def load():
            policy = ReturnPolicy.for_site(self.site)
            policy.localize(self.language)
            policy.prefetched_steps = self._localized(policy.steps.all())
            return policy

        return self._remember("return_policy", load)


def _with_renditions(field):
    """Prefetch an image field with its renditions, so pictures cost no query per item."""
    return Prefetch(field, queryset=get_image_model().objects.prefetch_renditions())
