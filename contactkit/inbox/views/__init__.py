"""The inbox in the Wagtail admin: the listing, a conversation's thread and what staff do there.

Two permissions decide everything: ``contactkit.view_conversation`` to read conversations and
their attachments, ``contactkit.reply_conversation`` to act on them (reply, notes, status,
assignee, spam, release). Erasing a person's data also needs ``contactkit.delete_conversation``.

One module per part of the admin: :mod:`.listing` (the inbox and its folders),
:mod:`.conversation` (one conversation), :mod:`.privacy` (privacy requests),
:mod:`.bulk_actions`, and :mod:`.display` (what they all show of a conversation). Every change to
a conversation goes through :mod:`contactkit.inbox.actions`.
"""

from contactkit.inbox.views.bulk_actions import BULK_ACTIONS, BULK_ACTIONS_BY_TYPE
from contactkit.inbox.views.conversation import (
    AttachmentView,
    ConversationHistoryView,
    ConversationView,
    HandlingView,
    MoveView,
    NoteView,
    ReplyView,
    RevokeLinksView,
)
from contactkit.inbox.views.display import NAMESPACE, detail_url, url
from contactkit.inbox.views.listing import HeldIndexView, InboxIndexView, SpamIndexView
from contactkit.inbox.views.privacy import PrivacyEraseView, PrivacyView

__all__ = [
    "BULK_ACTIONS",
    "BULK_ACTIONS_BY_TYPE",
    "NAMESPACE",
    "AttachmentView",
    "ConversationHistoryView",
    "ConversationView",
    "HandlingView",
    "HeldIndexView",
    "InboxIndexView",
    "MoveView",
    "NoteView",
    "PrivacyEraseView",
    "PrivacyView",
    "ReplyView",
    "RevokeLinksView",
    "SpamIndexView",
    "detail_url",
    "url",
]
