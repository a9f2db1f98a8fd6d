"""The inbox: every message a shopper sends, kept as a conversation, never silently dropped.

A conversation is stored, with its first message and attachments, in one transaction before
anything else happens; emails are then sent by background tasks and each send is tracked as an
:class:`EmailDelivery`, so a failure is visible in the inbox and retried.
"""

import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from phonenumber_field.modelfields import PhoneNumberField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable, Site

from contactkit.inbox.storage import attachment_storage
from contactkit.profile.fields import ChoiceListField


class Topic(models.TextChoices):
    ORDERING = "ordering", _("Problem placing an order")
    PRODUCT = "product", _("Question about a product")
    ORDER_STATUS = "order_status", _("Order status")
    COMPLAINT = "complaint", _("Complaint")
    RETURN = "return", _("Return or exchange")
    WITHDRAWAL = "withdrawal", _("Withdrawal from the contract")
    COMPANY = "company", _("About the company")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    CLOSED = "closed", _("Closed")
    # Tripped a limit (too many messages, too many files): stored and shown to staff, who decide.
    HELD = "held", _("Held for review")
    SPAM = "spam", _("Spam")


class Source(models.TextChoices):
    FORM = "form", _("Contact form")
    LAUNCHER = "launcher", _("Launcher")
    WIDGET = "widget", _("Widget")
    WITHDRAWAL = "withdrawal", _("Withdrawal button")
    # A mail to the shop's support mailbox that answered none of its conversations.
    EMAIL = "email", _("Email")
    # Live chat from the launcher or the widget.
    CHAT = "chat", _("Live chat")


class ConversationQuerySet(models.QuerySet):
    def inbox(self):
        """Everything but spam and what is held for review, the way staff see their inbox."""
        return self.exclude(status__in=[Status.SPAM, Status.HELD])

    def new(self):
        return self.filter(status=Status.NEW)

    def for_email(self, email):
        return self.filter(email__iexact=email.strip())


class ReferenceCounter(models.Model):
    """The last conversation number given in a year.

    The row is locked while a new conversation is stored, so numbers are unique and, since a
    rolled-back transaction rolls back its increment too, without gaps.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


def new_token():
    """A random, unguessable token: 20 lowercase hex characters (80 bits).

    Lowercase letters and digits only, so it survives in a page address and in the local part
    of an email address (``support+<token>@shop``), which some mail servers lowercase.
    """
    return secrets.token_hex(10)


def next_reference_number(year):
    """The next conversation number of ``year``; call it inside the transaction that uses it.

    The counter's row stays locked until that transaction ends (on SQLite the whole database
    is), so two shoppers never get the same number, and a rollback gives the number back.
    """
    if not ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1):
        # The year's first conversation; conversations stored before the counter existed (or
        # imported) keep their numbers.
        prefix = f"CK-{year}-"
        highest = (
            Conversation.objects.filter(reference__startswith=prefix)
            .order_by("-reference")
            .values_list("reference", flat=True)
            .first()
        )
        start = int(highest.removeprefix(prefix)) + 1 if highest else 1
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(year=year, last=start)
        except IntegrityError:
            # Another request created it at the same moment: count on from its number.
            ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
    return ReferenceCounter.objects.get(year=year).last


class Conversation(models.Model):
    """One shopper's request, from the first message to the last reply."""

    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    # The same key twice (a double-clicked submit) gives back the first conversation. NULL,
    # not "", for conversations without one, so the unique constraint ignores them.
    submission_key = models.CharField(  # noqa: DJ001
        max_length=64, unique=True, null=True, editable=False
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.FORM
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    spam_reason = models.CharField(_("why it looks like spam"), max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email"), db_index=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    order_number = models.CharField(_("order number"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=12, blank=True)
    extra_fields = models.JSONField(_("other answers"), default=dict, blank=True)
    # The page whose form was sent, and its extra questions as they were then (name, label,
    # type, choices), so later edits of the page never garble the answers stored here.
    form_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("sent from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    form_definition = models.JSONField(default=list, blank=True, editable=False)
    # A keyed hash of the sender's IP address (or nothing), for rate limits: never the address.
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    consented_at = models.DateTimeField(_("privacy consent given"), null=True, editable=False)
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first answered"), null=True, blank=True)
    # A withdrawal's refund deadline (received + CONTACTKIT_REFUND_DAYS, in the shop's time
    # zone): the inbox shows it and flags it when near or past, until the conversation closes.
    refund_due = models.DateField(_("refund due"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Who sent the first reply: the inbox shows each member of staff their own reply times.
    first_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The shopper's account when they were signed in (contactkit.accounts), and whether they
    # wrote from the address their sign-in provider verified: the inbox marks the sender so.
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed-in shopper"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contactkit_conversations",
        editable=False,
    )
    sender_verified = models.BooleanField(
        _("sender's email verified"), default=False, editable=False
    )
    # The conversation's own token: it names the conversation in the shopper's private thread
    # link and in its reply address (support+<token>@shop), and never changes.
    reply_token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)
    # Signs the thread links (with SECRET_KEY): a new key revokes every link given so far.
    thread_key = models.CharField(max_length=24, default=new_token, editable=False)
    thread_revoked_at = models.DateTimeField(
        _("thread links revoked"), null=True, blank=True, editable=False
    )

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at"]
        permissions = [("reply_conversation", _("Can reply to shoppers"))]
        # What the inbox asks of 100,000 conversations (bench/inbox.py). The search's trigram
        # indexes (PostgreSQL only) are made by migration 0011, not declared here.
        indexes = [
            # A status filter, the spam and held folders, newest first: the rows come in order
            # from the index, and their count from the index alone.
            models.Index(fields=["status", "-created_at"], name="ck_conv_status_created"),
            # Which sources a folder offers (one probe per source) and the source filter.
            models.Index(fields=["source", "-created_at"], name="ck_conv_source_created"),
            # The listing sorted by name (either way): its first page without sorting them all.
            models.Index(fields=["name"], name="ck_conv_name"),
            # The reply times: conversations first answered in the last 30 days.
            models.Index(fields=["first_response_at"], name="ck_conv_first_response"),
        ]

    def __str__(self):
        return f"{self.reference} · {self.name}"

    def save(self, *args, **kwargs):
        if not self.reference:
            self._save_with_new_reference(*args, **kwargs)
        else:
            super().save(*args, **kwargs)

    def _save_with_new_reference(self, *args, **kwargs):
        """Give a reference like CK-2026-000123, numbered per year without gaps, and save."""
        year = timezone.localdate(self.created_at).year
        with transaction.atomic():
            self.reference = f"CK-{year}-{next_reference_number(year):06d}"
            try:
                super().save(*args, **kwargs)
            except BaseException:
                self.reference = ""
                raise

    @property
    def first_response_time(self):
        """How long the shopper waited for the first answer, or None while unanswered."""
        if self.first_response_at is None:
            return None
        return self.first_response_at - self.created_at

    @cached_property
    def thread_message_id(self):
        """The Message-ID every email of this conversation refers to, so mail clients thread."""
        first = self.messages.order_by("created_at").first()
        return first.email_message_id if first else ""

    def mark_answered(self, when=None, by=None):
        """Record the first answer (its time and author); later answers change nothing."""
        if self.first_response_at is None:
            self.first_response_at = when or timezone.now()
            self.first_response_by = by


class Message(models.Model):
    """A message in a conversation: from the shopper, a reply from staff, or an internal note."""

    class Kind(models.TextChoices):
        SHOPPER = "shopper", _("From the shopper")
        REPLY = "reply", _("Reply")
        NOTE = "note", _("Internal note")

    class Via(models.TextChoices):
        """How a message reached the inbox (a conversation's first one: its source)."""

        FORM = "form", _("Contact form")
        WITHDRAWAL = "withdrawal", _("Withdrawal button")
        EMAIL = "email", _("Email")
        THREAD = "thread", _("Conversation page")
        ADMIN = "admin", _("Inbox")
        LAUNCHER = "launcher", _("Launcher")
        WIDGET = "widget", _("Widget")
        CHAT = "chat", _("Live chat")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("message"))
    via = models.CharField(_("sent through"), max_length=12, choices=Via.choices, blank=True)
    # An email's whole text as it came, when ``body`` is only the new part of it (quoted
    # earlier messages and the signature taken off).
    original = models.TextField(_("original text"), blank=True)
    # Indexed: every received email is matched against it (In-Reply-To, References).
    email_message_id = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self.email_message_id and self.kind != self.Kind.NOTE:
            # The shop's own host name (its Wagtail site), unless the setting says otherwise.
            from contactkit.inbox.mailer import message_id_domain

            domain = getattr(settings, "CONTACTKIT_MESSAGE_ID_DOMAIN", "")
            domain = domain or message_id_domain(self.conversation.site)
            self.email_message_id = f"<{secrets.token_hex(12)}@{domain}>"
        super().save(*args, **kwargs)


def attachment_path(instance, filename):
    """Where a shopper's file is stored: a random, short, ASCII-only name in a monthly folder.

    Names shoppers chose never collide, never reveal each other and never run past what a file
    system allows (255 bytes, which 84 CJK characters already exceed); the full name stays in
    the database. The extension is kept, so the file opens in the right program.
    """
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = extension, ""
    readable = slugify(unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode())
    extension = slugify(extension)[:10]
    name = "-".join(filter(None, [secrets.token_hex(16), readable[:40]]))
    return f"contactkit/{timezone.now():%Y/%m}/{name}{'.' if extension else ''}{extension}"


class Attachment(models.Model):
    """A file a shopper sent, kept outside public media and served only to allowed staff."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    # Empty once a quarantined file has been purged: the row stays as a record of it.
    file = models.FileField(
        _("file"),
        upload_to=attachment_path,
        storage=attachment_storage,
        max_length=255,
        blank=True,
    )
    # The name the shopper's device gave, in full; the file on disk has a short, safe name.
    name = models.TextField(_("file name"))
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    # Files of messages held back as spam or for review are quarantined: counted against a
    # quota and purged after a short retention unless staff release the message.
    quarantined = models.BooleanField(_("quarantined"), default=False)
    purged_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.name


class EmailDelivery(models.Model):
    """One email the inbox sends, with what happened to it: nothing is lost when SMTP is down."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation to the shopper")
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of a withdrawal")
        NOTIFICATION = "notification", _("Notification to staff")
        REPLY = "reply", _("Reply to the shopper")
        ASSIGNMENT = "assignment", _("Assignment to staff")
        # The shopper wrote again (by email, on their conversation page): staff are told.
        FOLLOW_UP = "follow_up", _("New message from the shopper, to staff")
        # The shopper asked for a new link to their conversation page.
        THREAD_LINK = "thread_link", _("New link to the conversation page")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Failed, not retried")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipients = models.JSONField(_("to"), default=list)
    # Recipients the mail server accepted, and those it refused with its answer: a retry sends
    # only to those not yet accepted.
    accepted = models.JSONField(_("accepted by the mail server"), default=list, blank=True)
    refused = models.JSONField(_("refused by the mail server"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.get_state_display()}"


def inbound_email_path(instance, filename):
    """Where a received email's raw bytes are kept, beside the attachments."""
    return f"contactkit/mail/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.eml"


class InboundEmail(models.Model):
    """One email received for the inbox (from the support mailbox or a provider's webhook).

    Its ``digest`` (SHA-256 of the raw bytes) is unique, so the same email is imported once
    however many workers read the mailbox at the same moment; the raw email is kept, so what
    was imported can always be checked against what arrived.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Being imported")
        REPLY = "reply", _("Added to its conversation")
        NEW = "new", _("Started a conversation")
        FLAGGED = "flagged", _("Started a conversation, flagged: unknown sender")
        BOUNCE = "bounce", _("Bounce: not delivered")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        DUPLICATE = "duplicate", _("Already imported")
        UNREADABLE = "unreadable", _("Could not be read")

    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # Where it came from: "imap:<user>@<host>/<folder>" with its UID there, or "webhook".
    mailbox = models.CharField(_("mailbox"), max_length=255, blank=True)
    uid = models.CharField(max_length=40, blank=True)
    # The email's Message-ID header (``message`` is the inbox message it became).
    header_message_id = models.CharField(max_length=255, blank=True, db_index=True)
    sender = models.CharField(_("from"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    raw = models.FileField(
        upload_to=inbound_email_path, storage=attachment_storage, max_length=255, blank=True
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    conversation = models.ForeignKey(
        Conversation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("received email")
        verbose_name_plural = _("received emails")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.sender} · {self.subject}"


class MailboxState(models.Model):
    """Where the poller of one mailbox folder stands, so it picks up where it left off.

    ``key`` names the mailbox ("imap:<user>@<host>/<folder>"); ``uid_validity`` and
    ``last_uid`` are the IMAP UIDVALIDITY and the highest UID looked at; the last error is
    shown in the inbox until a poll succeeds again.
    """

    key = models.CharField(max_length=255, unique=True)
    uid_validity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.key


def address_lines(text):
    """The non-empty lines of ``text``, stripped: the addresses of a one-per-line field."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def validate_address_lines(text, field):
    """Every line of ``text`` must be an email address; the error names the wrong ones."""
    wrong = []
    for line in address_lines(text):
        try:
            validate_email(line)
        except ValidationError:
            wrong.append(line)
    if wrong:
        raise ValidationError(
            {field: _("These are not email addresses: %(wrong)s") % {"wrong": ", ".join(wrong)}}
        )


@register_setting(icon="mail")
class InboxSettings(ClusterableModel, BaseSiteSetting):
    """Who is told about new messages, and how the shop writes to shoppers."""

    from_email = models.EmailField(
        _("send replies from"),
        blank=True,
        help_text=_("The shop's address shoppers see. Leave empty to use the shop's email."),
    )
    notify_emails = models.TextField(
        _("tell these people about every new message"),
        blank=True,
        help_text=_("One email address per line."),
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("privacy policy page"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("from_email"),
        FieldPanel("notify_emails"),
        InlinePanel(
            "routes",
            heading=_("Routing by topic"),
            help_text=_("Messages on these topics go to these people instead."),
        ),
        FieldPanel("privacy_page"),
    ]

    class Meta:
        verbose_name = _("inbox settings")
        verbose_name_plural = _("inbox settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    def clean(self):
        super().clean()
        validate_address_lines(self.notify_emails, "notify_emails")

    def recipients_for(self, topic):
        """The staff addresses told about a new message on ``topic``."""
        for route in self.routes.all():
            if topic in route.topics:
                return address_lines(route.emails)
        return address_lines(self.notify_emails)


class TopicRoute(Orderable):
    settings = ParentalKey(InboxSettings, on_delete=models.CASCADE, related_name="routes")
    topics = ChoiceListField(_("topics"), choices=Topic.choices)
    emails = models.TextField(_("tell these people"), help_text=_("One email address per line."))

    panels = [MultiFieldPanel([FieldPanel("topics"), FieldRowPanel([FieldPanel("emails")])])]

    class Meta(Orderable.Meta):
        verbose_name = _("route")
        verbose_name_plural = _("routes")

    def __str__(self):
        return ", ".join(map(str, self._meta.get_field("topics").labels(self.topics)))

    def clean(self):
        super().clean()
        if not self.topics:
            raise ValidationError({"topics": _("Tick at least one topic.")})
        validate_address_lines(self.emails, "emails")


def site_languages():
    """The languages the site offers (``LANGUAGES``), for choices that follow the project."""
    return settings.LANGUAGES


class CannedReply(models.Model):
    """A reply staff reuse; {name}, {reference} and {shop} are filled in when it is used."""

    title = models.CharField(_("title"), max_length=120)
    language = models.CharField(
        _("language"),
        max_length=12,
        blank=True,
        choices=site_languages,
        help_text=_("Offered first for shoppers who write in this language. Empty: any."),
    )
    body = models.TextField(
        _("text"),
        help_text=_("You can use {name} (the shopper's name), {reference} and {shop}."),
    )

    panels = [FieldPanel("title"), FieldPanel("language"), FieldPanel("body")]

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def render(self, conversation, shop_name=""):
        values = {"name": conversation.name, "reference": conversation.reference, "shop": shop_name}
        text = self.body
        for key, value in values.items():
            text = text.replace("{" + key + "}", str(value))
        return text
