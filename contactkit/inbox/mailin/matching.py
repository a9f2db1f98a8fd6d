"""Which conversation a received email answers, and whether its sender may add to it.

Three ways, tried in this order:

1. its In-Reply-To and References headers name one of our emails: a staff reply, the
   confirmation or acknowledgement, the shopper's own message, any message of ours;
2. its subject carries a conversation's reference, like ``[CK-2026-000123]``;
3. it was sent to the conversation's own reply address, ``support+<token>@shop``.

Headers and references are easy to copy: anyone who saw one of the shop's emails (or guessed
a reference, which is a counter) could write into someone else's conversation. So a match by
them counts only when the sender is the conversation's shopper (the same email address) or
the mail also went to that conversation's reply address, whose token is secret. The token
alone is enough. A mail that names a conversation but passes neither check starts a new
conversation, flagged for staff (see :mod:`.importer`).
"""

import re
from dataclasses import dataclass

from contactkit.conf import contactkit_settings
from contactkit.inbox.models import Conversation, Message

REFERENCE = re.compile(r"\bCK-\d{4}-\d{6,}\b", re.IGNORECASE)
# Our related Message-IDs: "<confirmation." + the thread's Message-ID without its "<"
# (see contactkit.inbox.emails._related_id).
RELATED_ID = re.compile(r"^<(?:confirmation|acknowledgement|follow-up|assignment-\d+)\.(.+)$")
# A reply token in the local part of an address: support+<token>@shop.
PLUS_TOKEN = re.compile(r"\+([0-9a-f]{20})@", re.IGNORECASE)


@dataclass
class Match:
    """What a received email matched.

    ``conversation`` is where it goes (None: a new conversation); ``referenced`` the
    conversation it named without being allowed in (its sender is someone else), if any;
    ``how`` says what matched: "headers", "reference" or "token".
    """

    conversation: Conversation | None = None
    how: str = ""
    referenced: Conversation | None = None

    @property
    def flagged(self):
        return self.conversation is None and self.referenced is not None


def find_conversation(mail):
    """The :class:`Match` of a :class:`~.parse.ParsedMail`."""
    by_token = conversation_for_token(mail.recipients)
    candidates = [(conversation, "headers") for conversation in by_headers(mail)]
    candidates += [(conversation, "reference") for conversation in by_reference(mail.subject)]
    for conversation, how in candidates:
        if sender_is_shopper(mail, conversation) or (
            by_token is not None and by_token.pk == conversation.pk
        ):
            return Match(conversation, how)
    if by_token is not None:
        return Match(by_token, "token")
    if candidates:
        return Match(None, "", candidates[0][0])
    return Match()


def conversation_for_returned(mail):
    """The conversation a bounce is about: the email it sends back, else its own headers.

    Nothing is changed in that conversation, so the sender is not checked.
    """
    ids = [*mail.returned_message_ids, *mail.in_reply_to, *reversed(mail.references)]
    for conversation in _conversations_for_ids(ids):
        return conversation
    return conversation_for_token(mail.recipients)


def sender_is_shopper(mail, conversation):
    sender = (mail.from_address or "").strip().lower()
    return bool(sender) and sender == (conversation.email or "").strip().lower()


def by_headers(mail):
    """Conversations named by In-Reply-To, then References (the latest first)."""
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    return list(_conversations_for_ids(ids))


def _conversations_for_ids(ids):
    seen = set()
    for message_id in dict.fromkeys(ids):
        ours = [message_id]
        if related := RELATED_ID.match(message_id):
            ours.append("<" + related.group(1))
        conversation_id = (
            Message.objects.filter(email_message_id__in=ours)
            .order_by("created_at", "pk")
            .values_list("conversation_id", flat=True)
            .first()
        )
        if conversation_id is not None and conversation_id not in seen:
            seen.add(conversation_id)
            conversation = Conversation.objects.filter(pk=conversation_id).first()
            if conversation is not None:
                yield conversation


def by_reference(subject):
    """Conversations whose reference the subject carries, in the order it names them."""
    references = [found.upper() for found in REFERENCE.findall(subject or "")]
    found = {
        conversation.reference: conversation
        for conversation in Conversation.objects.filter(reference__in=references)
    }
    return [found[reference] for reference in dict.fromkeys(references) if reference in found]


def tokens(recipients):
    """The reply tokens in ``recipients``: the configured reply address, or any +token@."""
    pattern = contactkit_settings.REPLY_ADDRESS
    configured = None
    if pattern and "{token}" in pattern:
        before, _sep, after = pattern.partition("{token}")
        configured = re.compile(
            re.escape(before) + r"([0-9a-f]{20})" + re.escape(after), re.IGNORECASE
        )
    found = []
    for address in recipients:
        if configured is not None and (match := configured.fullmatch(address)):
            found.append(match.group(1).lower())
        elif match := PLUS_TOKEN.search(address):
            found.append(match.group(1).lower())
    return list(dict.fromkeys(found))


def conversation_for_token(recipients):
    found = tokens(recipients)
    if not found:
        return None
    return Conversation.objects.filter(reply_token__in=found).order_by("pk").first()
