"""Live chat: a conversation of the inbox (source "chat") whose lines travel as they are written.

Everything here is shared between web processes: the messages are rows of the inbox, staff
presence is :class:`~contactkit.launcher.models.ChatPresence`, and the short-lived facts (the
shopper's panel is open, someone is typing) are keys in Django's cache with a short timeout. No
process keeps anything another one needs, so any number of them can serve the same chat, and a
chat survives a restart: the shopper's panel keeps the conversation's thread token and carries
on from the last message it has.

Emails follow what a person would expect. A line the shopper types while staff are available is
read live: nobody is emailed about it. When nobody is available, staff are told by email as for
any message. A staff answer is emailed (with the link to the conversation page) only when the
shopper's panel is no longer open to read it.
"""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from contactkit.accounts import identity
from contactkit.conf import contactkit_settings
from contactkit.inbox import actions, followups, limits, spam
from contactkit.inbox.models import Conversation, Message, Source, Status, Topic
from contactkit.launcher.models import ChatPresence

SHOPPER = "shopper"
STAFF = "staff"
# A typing indicator lasts this long after the last keystroke reported (seconds).
TYPING_SECONDS = 6


def _key(conversation, what):
    return f"contactkit:chat:{conversation.pk}:{what}"


def staff_available(site, now=None):
    """Whether at least one member of staff is available for chat on ``site`` now."""
    return ChatPresence.objects.available(site, now).exists()


def mark_shopper_seen(conversation):
    """The shopper's panel just asked for news: they are in the chat for a while."""
    cache.set(_key(conversation, "seen"), True, contactkit_settings.CHAT_SHOPPER_SECONDS)


def shopper_in_chat(conversation):
    """Whether the shopper's panel asked for news within ``CHAT_SHOPPER_SECONDS``."""
    return bool(cache.get(_key(conversation, "seen")))


def _publish(conversation, message=None, *, sides=("shopper", "staff")):
    """Push the news to the panels following the chat (after commit; see
    :mod:`contactkit.launcher.sse`). Polling brings it anyway."""
    from contactkit.launcher import sse

    sse.publish(conversation, message, sides=sides)


def set_typing(conversation, side):
    """``side`` ("shopper" or "staff") is typing in ``conversation``, for a few seconds."""
    cache.set(_key(conversation, f"typing:{side}"), True, TYPING_SECONDS)
    # Told to the other side only.
    _publish(conversation, sides=("staff",) if side == SHOPPER else ("shopper",))


def is_typing(conversation, side):
    return bool(cache.get(_key(conversation, f"typing:{side}")))


def start_chat(
    site,
    *,
    name,
    email,
    message,
    language="",
    source=Source.CHAT,
    honeypot="",
    extra_fields=None,
    request=None,
):
    """Store a new chat as a conversation with its first message; return the conversation.

    Stored before anything else, in one transaction, with the new-conversation emails queued
    after commit, as for any new conversation: the shopper's confirmation (with the
    conversation page's link, to carry on later) and staff's notification (staff in the admin
    also hear it at once). A filled honeypot is spam, too many chats from one email address
    are held for review, as on the contact form. ``extra_fields`` are kept with the
    conversation as the form's extra answers are (the widget's storefront, for staff).
    """
    from contactkit.inbox.emails import queue_new_conversation_emails

    checks = spam.check(honeypot=honeypot, timestamp=spam.form_timestamp(0), message=message)
    held = limits.check(None, email)
    status = Status.SPAM if checks else Status.HELD if held else Status.NEW
    with transaction.atomic():
        conversation = Conversation.objects.create(
            site=site,
            source=source,
            topic=Topic.OTHER,
            status=status,
            spam_reason=" ".join([*checks.split(), *held]),
            name=name,
            email=email,
            language=language or translation.get_language() or "",
            consented_at=timezone.now(),
            extra_fields=extra_fields or {},
            # The signed-in shopper (on the shop's own pages only: the widget's storefronts
            # send no cookies of the shop's).
            **identity.marks(request, email),
        )
        Message.objects.create(
            conversation=conversation, kind=Message.Kind.SHOPPER, via=Message.Via.CHAT, body=message
        )
        if status == Status.NEW:
            queue_new_conversation_emails(conversation)
    mark_shopper_seen(conversation)
    return conversation


def add_chat_message(conversation, body):
    """The shopper's next line: stored like any message of theirs (see
    :func:`contactkit.inbox.followups.add_shopper_message`); staff are emailed about it only
    when nobody is available to read it live. Over ``CHAT_RATE_LIMIT`` it is still stored,
    held back from staff's email."""
    limit = contactkit_settings.CHAT_RATE_LIMIT
    # None: no limit, as for the form's limits.
    over = bool(limit) and limits.add("chat", str(conversation.pk), limit[1]) > limit[0]
    message = followups.add_shopper_message(
        conversation,
        body,
        via=Message.Via.CHAT,
        held_reason="limit" if over else "",
        notify=not staff_available(conversation.site),
    )
    mark_shopper_seen(conversation)
    cache.delete(_key(conversation, f"typing:{SHOPPER}"))
    _publish(conversation, message)
    return message


def chat_reply(conversation, body, *, user):
    """Staff's answer in the chat: stored and logged as a reply; emailed only when the
    shopper's panel is not open to read it (the email carries the conversation page's link)."""
    message = actions.reply(
        conversation,
        body,
        user=user,
        via=Message.Via.CHAT,
        email=not shopper_in_chat(conversation),
    )
    cache.delete(_key(conversation, f"typing:{STAFF}"))
    _publish(conversation, message)
    return message


def who(message, shop_name, *, for_staff=False):
    """Who wrote ``message``: as the shopper reads it ("You" for their own lines), or as staff
    do (the shopper's name)."""
    if message.kind == Message.Kind.SHOPPER:
        return message.conversation.name if for_staff else gettext("You")
    author = message.author
    return (author.first_name if author is not None and author.first_name else "") or shop_name


def events(conversation, after=0, *, for_staff=False, shop_name=""):
    """What happened in ``conversation`` since the message with id ``after``.

    For the shopper (the default): their messages and staff's replies (never notes), whether
    staff are there and typing; asking marks the shopper as in the chat. For staff: the same
    messages plus whether the shopper's panel is open and typing.
    """
    kinds = [Message.Kind.SHOPPER, Message.Kind.REPLY]
    found = (
        conversation.messages.filter(kind__in=kinds, pk__gt=after or 0)
        .select_related("author", "conversation")
        .order_by("created_at", "pk")
    )
    messages = [
        {
            "id": message.pk,
            "mine": (message.kind == Message.Kind.REPLY) == for_staff,
            "who": who(message, shop_name, for_staff=for_staff),
            "body": message.body,
            "at": message.created_at.isoformat(),
        }
        for message in found
    ]
    status = "closed" if conversation.status == Status.CLOSED else "open"
    if for_staff:
        return {
            "messages": messages,
            "shopper_present": shopper_in_chat(conversation),
            "shopper_typing": is_typing(conversation, SHOPPER),
            "status": status,
        }
    mark_shopper_seen(conversation)
    return {
        "messages": messages,
        "staff_present": staff_available(conversation.site),
        "staff_typing": is_typing(conversation, STAFF),
        "status": status,
    }
