"""The private links to a shopper's conversation page: signed, expiring, revocable.

A link names its conversation by the conversation's ``reply_token`` (random, never changes)
and is signed with Django's :class:`~django.core.signing.TimestampSigner` (the ``SECRET_KEY``,
and its ``SECRET_KEY_FALLBACKS``), salted with the conversation's ``thread_key``. So:

- nobody can make a link, nor turn one conversation's link into another's: the signature
  covers the token, and the token is looked up, never guessed from a number;
- a link stops working ``CONTACTKIT_THREAD_LINK_DAYS`` after it was made (each email carries
  a fresh one);
- :func:`contactkit.inbox.actions.revoke_thread_links` gives the conversation a new
  ``thread_key``: every link made before stops working at once.

A token is ``<reply_token>-<timestamp>-<signature>``: only letters, digits, ``-`` and ``_``,
the characters Wagtail's page addresses take (as the withdrawal receipt's, see
:mod:`contactkit.returns.withdrawal.links`). The contact page serves the thread at
``conversation/<token>/`` (see :class:`contactkit.pages.models.ContactPage`).
"""

import re

from django.conf import settings
from django.core import signing
from django.utils import translation

from contactkit.conf import contactkit_settings

SALT = "contactkit.inbox.thread"

# What a token's first part must look like before the database is asked about it.
REPLY_TOKEN = re.compile(r"[0-9a-f]{1,24}")

EXPIRED = "expired"
# Tampered, revoked, made up, or for a conversation that is gone: told apart nowhere, so a
# link's holder learns nothing about conversations from trying links.
INVALID = "invalid"


def _signer(conversation):
    return signing.TimestampSigner(salt=f"{SALT}:{conversation.thread_key}")


def max_age():
    """How long a link works, in seconds."""
    return contactkit_settings.THREAD_LINK_DAYS * 24 * 3600


def thread_token(conversation):
    """A new token for ``conversation``'s page, valid from now for THREAD_LINK_DAYS."""
    signer = _signer(conversation)
    # "token:timestamp:signature" -> "token-timestamp-signature": the reply token is hex and
    # the timestamp base62, so the first two "-" are the separators.
    return signer.sign(conversation.reply_token).replace(signer.sep, "-", 2)


def check_token(token, *, site=None):
    """``(conversation, None)`` for a good token, else ``(None, "expired" or "invalid")``.

    With ``site``, a conversation of another site is invalid too. A token is only ever
    checked against the conversation its own first part names.
    """
    from contactkit.inbox.models import Conversation

    reply_token, dash, rest = str(token).partition("-")
    timestamp, dash_2, signature = rest.partition("-")
    if not (dash and dash_2 and signature and REPLY_TOKEN.fullmatch(reply_token)):
        return None, INVALID
    found = Conversation.objects.select_related("site").filter(reply_token=reply_token)
    if site is not None:
        found = found.filter(site=site)
    conversation = found.first()
    if conversation is None:
        return None, INVALID
    signer = _signer(conversation)
    signed = signer.sep.join([reply_token, timestamp, signature])
    try:
        value = signer.unsign(signed, max_age=max_age())
    except signing.SignatureExpired:
        # Only said once the signature is good: an expired link was really ours.
        return None, EXPIRED
    except signing.BadSignature:
        return None, INVALID
    if value != conversation.reply_token:
        return None, INVALID
    return conversation, None


def contact_page(site, language):
    """The site's live contact page in ``language`` (else in the default language), or None."""
    # Imported here: pages import the inbox, not the other way round.
    from contactkit.pages.models import ContactPage
    from contactkit.profile.shop import Shop

    with translation.override(language or settings.LANGUAGE_CODE):
        return Shop.for_site(site).first_live(ContactPage)


def thread_url(conversation, language=None):
    """The absolute address of ``conversation``'s page with a fresh token, in ``language``
    (the conversation's by default), or "" when the site has no live contact page."""
    language = language or conversation.language or settings.LANGUAGE_CODE
    with translation.override(language):
        page = contact_page(conversation.site, language)
        if page is None:
            return ""
        base = page.get_full_url()
        if not base:
            return ""
        route = page.reverse_subpage("thread", args=(thread_token(conversation),))
        return base.rstrip("/") + "/" + route


def new_link_url(page, request=None):
    """The address of the "send me a new link" form on ``page`` (a contact page)."""
    base = page.get_url(request) or ""
    return base + page.reverse_subpage("thread_new_link") if base else ""


def queue_link_email(conversation):
    """Email the shopper a fresh link to their conversation page, once the transaction commits.

    It is an :class:`~contactkit.inbox.models.EmailDelivery` like every email of the inbox
    (sent by a task, retried while SMTP is down). Spam and held conversations get no email, as
    ever. Returns the delivery or None.
    """
    from contactkit.inbox import quarantine
    from contactkit.inbox.emails import _send_after_commit
    from contactkit.inbox.models import EmailDelivery

    if conversation.status in quarantine.SET_ASIDE or not conversation.email:
        return None
    delivery = EmailDelivery.objects.create(
        conversation=conversation,
        message=None,
        kind=EmailDelivery.Kind.THREAD_LINK,
        recipients=[conversation.email],
    )
    _send_after_commit(delivery)
    return delivery
