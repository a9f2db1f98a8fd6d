"""What the inbox shows of a conversation, in its listing, its page and its exports, and the
links between them."""

from django.contrib.admin.utils import quote
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from contactkit.inbox import actions, spam
from contactkit.inbox.filters import REFUND_OVERDUE, REFUND_SOON
from contactkit.inbox.models import Message
from contactkit.profile.models import StoreProfile

NAMESPACE = "contactkit_inbox"

# The listing's preview of a conversation: its first message's first words.
PREVIEW_WORDS = 12
PREVIEW_CHARACTERS = 200


def url(name, *args):
    return reverse(f"{NAMESPACE}:{name}", args=args)


def detail_url(conversation):
    return url("detail", quote(conversation.pk))


def spam_reason_text(code):
    """Why a conversation is in the spam folder, in the reader's language."""
    parts = (code or "").split()
    texts = [_("Marked as spam by staff.")] if actions.STAFF_SPAM_CODE in parts else []
    described = spam.describe(" ".join(part for part in parts if part != actions.STAFF_SPAM_CODE))
    if described:
        texts.append(described)
    return " ".join(texts) or (code or "")


def first_message_start():
    """The start of a conversation's first shopper message, as an annotation for a listing.

    One subquery, cut in the database, so the listing's queries do not grow with its length
    and a long message is never loaded whole for a preview.
    """
    first = Message.objects.filter(conversation=OuterRef("pk"), kind=Message.Kind.SHOPPER).order_by(
        "created_at", "pk"
    )
    return Substr(Subquery(first.values("body")[:1]), 1, PREVIEW_CHARACTERS)


def preview_text(conversation):
    """The first words of the shopper's first message, on one line."""
    text = " ".join((getattr(conversation, "preview", "") or "").split())
    return Truncator(text).words(PREVIEW_WORDS)


def first_response_text(conversation):
    """How long the shopper waited for the first answer, as words ("2 hours, 5 minutes")."""
    if conversation.first_response_at is None:
        return ""
    return timesince(conversation.created_at, conversation.first_response_at, depth=2)


def language_name(code):
    """The name of a language code in the reader's language, or the code if unknown."""
    try:
        return get_language_info(code)["name_translated"] if code else ""
    except KeyError:
        return code


def shop_name(site):
    """The shop's name for canned replies: the store profile's, else the site's."""
    profile = StoreProfile.objects.filter(site=site).first()
    return (profile and profile.name) or site.site_name or ""


def can(user, action):
    return user.has_perm(f"contactkit.{action}_conversation")


class RefundDeadline:
    """A withdrawal's refund deadline as the inbox shows it: the date and, while the
    conversation is not closed, a flag when it is near or past ("Due in 2 days", "Overdue by
    3 days"), in words and a status tag, never by colour alone."""

    def __init__(self, conversation, calendar):
        self.due = conversation.refund_due
        self.state = calendar.refund_state(conversation)
        self.days_left = calendar.days_left(conversation)

    @property
    def flag(self):
        if self.state == REFUND_OVERDUE:
            days = -self.days_left
            return ngettext("Overdue by %(count)s day", "Overdue by %(count)s days", days) % {
                "count": days
            }
        if self.state == REFUND_SOON:
            if self.days_left == 0:
                return _("Due today")
            return ngettext("Due in %(count)s day", "Due in %(count)s days", self.days_left) % {
                "count": self.days_left
            }
        return ""

    @property
    def classname(self):
        """The status tag's classes: inbox.css marks each kind of flag, after its words."""
        level = {REFUND_SOON: "warning", REFUND_OVERDUE: "critical"}.get(self.state)
        return f"ck-flag ck-flag--{level}" if level else ""


def refund_deadline(conversation, calendar):
    """The :class:`RefundDeadline` of ``conversation``, or None if it has none."""
    if conversation.refund_due is None:
        return None
    return RefundDeadline(conversation, calendar)
