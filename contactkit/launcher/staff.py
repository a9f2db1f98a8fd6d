"""Live chat, staff's side, in the Wagtail admin: being available, hearing of new chats, and
answering a chat as it is written.

Every admin page loads ``contactkit/admin-chat.js`` (the ``insert_global_admin_js`` hook in
:mod:`contactkit.wagtail_hooks`). It shows the "Available for chat" switch and, while it is on
and the staff member is at their admin, sends a heartbeat here every few seconds: presence is a
row of :class:`~contactkit.launcher.models.ChatPresence`, so it is the same for every web
process, and it lapses on its own when the heartbeats stop (tab closed, staff idle). The same
script asks every few seconds for new chats, to ring and show a desktop notification, and runs
the live panel of a chat's conversation page: new lines, typing, answering in the chat.

Only staff who may reply to shoppers (``contactkit.reply_conversation``) use these views. They
answer JSON; a refusal or bad input gets a 4xx with a sentence in the staff member's language
(``{"detail": ...}``), never a 500. POSTs carry the admin session's CSRF token.
"""

import json
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from wagtail.admin import messages
from wagtail.admin.staticfiles import versioned_static
from wagtail.models import Site

from contactkit.conf import contactkit_settings
from contactkit.inbox import actions
from contactkit.inbox.models import Conversation, Message, Source, Status
from contactkit.inbox.views.display import detail_url, shop_name
from contactkit.launcher import chat, sse
from contactkit.launcher.models import ChatPresence

NAMESPACE = "contactkit_chat"
PERMISSION = "contactkit.reply_conversation"
# The longest chat answer, as on the contact form.
MAX_BODY = 5000
# A tab that goes away (pagehide: a closed tab, or the next admin page loading) keeps its
# presence this many seconds more: the next admin page's first heartbeat comes well within
# it, so moving around the admin never tells a shopper that staff left.
LEAVING_GRACE_SECONDS = 5
# The admin page's rhythm (seconds): a heartbeat while available, a look for new chats, and
# how long without a keystroke, click or scroll counts as away (heartbeats stop).
HEARTBEAT_SECONDS = 15
NEW_CHATS_SECONDS = 5
IDLE_SECONDS = 5 * 60
# At most this many new chats in one answer of the "new chats" view.
NEW_CHATS_SHOWN = 10
# The chat lines the live panel shows when the page opens (the whole thread is above it).
PANEL_LINES = 20
PREVIEW_WORDS = 20


class BadInput(Exception):
    def __init__(self, detail, status=400):
        super().__init__(detail)
        self.detail = detail
        self.status = status


def error(detail, status):
    return JsonResponse({"detail": str(detail)}, status=status)


def read_data(request):
    """The request's fields: a JSON object, or a form (sendBeacon, a form without JS)."""
    content_type = (request.content_type or "").lower()
    if content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except RequestDataTooBig as too_big:
            raise BadInput(_("The request is too large."), 413) from too_big
        except (ValueError, UnicodeDecodeError) as wrong:
            raise BadInput(_("The request is not valid JSON.")) from wrong
        if not isinstance(data, dict):
            raise BadInput(_("The request must be a JSON object."))
        return data
    try:
        return request.POST
    except RequestDataTooBig as too_big:
        raise BadInput(_("The request is too large."), 413) from too_big


TRUE = (True, 1, "1", "true", "on", "yes")
FALSE = (False, 0, "0", "false", "off", "no", "")


def flag(value, name="available"):
    """The yes/no field ``name``, from JSON (true) or a form ("true", "1", "on")."""
    if isinstance(value, str):
        value = value.strip().lower()
    if isinstance(value, bool | int | str):
        if value in TRUE:
            return True
        if value in FALSE:
            return False
    raise BadInput(_("Say true or false for “%(field)s”.") % {"field": name})


def message_id(value):
    """``after``: a message id, 0 when missing."""
    if value in (None, ""):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError) as wrong:
        raise BadInput(_("“after” must be a message number.")) from wrong
    if number < 0 or number > 2**63 - 1:
        raise BadInput(_("“after” must be a message number."))
    return number


def wants_json(request):
    return "application/json" in request.headers.get("Accept", "") or (
        (request.content_type or "").lower() == "application/json"
    )


class StaffChatView(View):
    """Base of the views: staff who may reply to shoppers, JSON answers, clear refusals."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(PERMISSION):
            return error(_("Chatting with shoppers needs the permission to reply to them."), 403)
        if request.method.lower() not in self.http_method_names:
            return error(_("This address does not answer that kind of request."), 405)
        try:
            return super().dispatch(request, *args, **kwargs)
        except BadInput as bad:
            return error(bad.detail, bad.status)

    def site(self):
        site = Site.find_for_request(self.request)
        if site is None:
            raise BadInput(_("No site of this shop answers at this address."), 404)
        return site

    def conversation(self, pk):
        conversation = Conversation.objects.select_related("site").filter(pk=pk).first()
        if conversation is None:
            raise BadInput(_("There is no such conversation."), 404)
        return conversation


# Presence


def save_presence(user, site, **fields):
    """Update or create ``user``'s presence on ``site``; two tabs at once never clash."""
    if ChatPresence.objects.filter(user=user, site=site).update(**fields):
        return
    try:
        with transaction.atomic():
            ChatPresence.objects.create(user=user, site=site, **fields)
    except IntegrityError:
        ChatPresence.objects.filter(user=user, site=site).update(**fields)


def presence_state(user, site):
    """What the switch shows: the staff member's choice and how many others are available."""
    mine = ChatPresence.objects.filter(user=user, site=site).first()
    others = ChatPresence.objects.available(site).exclude(user=user).count()
    if others:
        others_text = ngettext(
            "%(count)s other person is available for chat.",
            "%(count)s other people are available for chat.",
            others,
        ) % {"count": others}
    else:
        others_text = _("Nobody else is available for chat.")
    return {
        "available": bool(mine and mine.available),
        "others": others,
        "others_text": others_text,
    }


class PresenceView(StaffChatView):
    """GET: the staff member's choice.

    POST ``{"available": true|false}``: the switch, turned on or off (with a fresh heartbeat).
    POST ``{"heartbeat": true}``: the tab is still there and its person at it; it refreshes
    presence only if the switch is on, so a tab never turns back on what another turned off.
    POST ``{"leaving": true}`` (the tab's pagehide beacon): presence lapses in a few seconds
    unless another admin page of theirs sends a heartbeat by then; the switch stays as it is,
    for the next admin page.
    """

    http_method_names = ["get", "post"]

    def get(self, request):
        return JsonResponse(presence_state(request.user, self.site()))

    def post(self, request):
        site = self.site()
        data = read_data(request)
        now = timezone.now()
        before = chat.staff_available(site, now)
        if flag(data.get("leaving", False), "leaving"):
            seconds = contactkit_settings.CHAT_PRESENCE_SECONDS
            lapse = now - timedelta(seconds=seconds - min(LEAVING_GRACE_SECONDS, seconds))
            ChatPresence.objects.filter(user=request.user, site=site, seen_at__gt=lapse).update(
                seen_at=lapse
            )
        elif "available" in data:
            save_presence(request.user, site, available=flag(data["available"]), seen_at=now)
        elif flag(data.get("heartbeat", False), "heartbeat"):
            ChatPresence.objects.filter(user=request.user, site=site, available=True).update(
                seen_at=now
            )
        else:
            raise BadInput(_("Say true or false for “%(field)s”.") % {"field": "available"})
        if chat.staff_available(site, now) != before:
            # Shoppers in a chat hear at once that staff came or left (see launcher/sse.py).
            sse.publish_presence(site)
        return JsonResponse(presence_state(request.user, site))


# New chats


class NewChatsView(StaffChatView):
    """GET ``?after=<conversation id>``: the chats (in the inbox, on this site) that started
    since; without ``after``, only the newest id, to start from."""

    http_method_names = ["get"]

    def get(self, request):
        chats = Conversation.objects.inbox().filter(site=self.site(), source=Source.CHAT)
        latest = chats.order_by("-pk").values_list("pk", flat=True).first() or 0
        found = []
        if "after" in request.GET:
            after = message_id(request.GET["after"])
            found = [
                {
                    "id": conversation.pk,
                    "reference": conversation.reference,
                    "name": conversation.name,
                    "url": detail_url(conversation),
                    "title": _("New chat: %(name)s") % {"name": conversation.name},
                    "body": self.preview(conversation),
                }
                for conversation in chats.filter(pk__gt=after).order_by("pk")[:NEW_CHATS_SHOWN]
            ]
        return JsonResponse({"latest": latest, "chats": found})

    def preview(self, conversation):
        first = (
            conversation.messages.filter(kind=Message.Kind.SHOPPER)
            .order_by("created_at", "pk")
            .values_list("body", flat=True)
            .first()
        )
        return Truncator(" ".join((first or "").split())).words(PREVIEW_WORDS)


# One chat


def staff_events(conversation, after=0):
    """:func:`contactkit.launcher.chat.events` as staff read them: the shopper's lines under
    the shopper's name."""
    data = chat.events(conversation, after, for_staff=True, shop_name=shop_name(conversation.site))
    for line in data["messages"]:
        if not line["mine"]:
            line["who"] = conversation.name
    return data


class EventsView(StaffChatView):
    """GET ``?after=<message id>``: the chat's lines since, whether the shopper is in the chat
    and typing, and the conversation's status."""

    http_method_names = ["get"]

    def get(self, request, pk):
        after = message_id(request.GET.get("after"))
        return JsonResponse(staff_events(self.conversation(pk), after))


def can_chat(conversation):
    """Whether staff may answer ``conversation`` in the chat: a chat, or any conversation
    whose shopper has the chat open now."""
    return conversation.source == Source.CHAT or chat.shopper_in_chat(conversation)


class SendView(StaffChatView):
    """POST ``{"body": ...}``: a chat answer, stored and logged as a reply (emailed with the
    conversation page's link only if the shopper has left the chat)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        conversation = self.conversation(pk)
        body = read_data(request).get("body", "")
        if not isinstance(body, str):
            raise BadInput(_("Write your answer as text."))
        body = body.strip()
        if not body:
            raise BadInput(_("Write an answer first."))
        if len(body) > MAX_BODY:
            raise BadInput(
                _("The answer is too long: at most %(count)s characters.") % {"count": MAX_BODY}
            )
        if not can_chat(conversation):
            raise BadInput(_("The shopper is not in the chat: answer by email below."), 409)
        try:
            message = chat.chat_reply(conversation, body, user=request.user)
        except actions.NotInInbox as moved:
            raise BadInput(_("The conversation is no longer in the inbox."), 409) from moved
        emailed = message.deliveries.exists()
        if not wants_json(request):
            # The panel's form, sent without JavaScript: back to the conversation.
            if emailed:
                messages.success(request, _("Your answer is in the chat and on its way by email."))
            else:
                messages.success(request, _("Your answer is in the chat."))
            return redirect(f"{detail_url(conversation)}#message-{message.pk}")
        line = staff_events(conversation, message.pk - 1)["messages"]
        return JsonResponse(
            {
                "id": message.pk,
                "message": next((m for m in line if m["id"] == message.pk), None),
                "emailed": emailed,
                "notice": _("The shopper has left the chat: your answer was also emailed.")
                if emailed
                else "",
            },
            status=201,
        )


class TypingView(StaffChatView):
    """POST: staff are typing in this chat (the shopper sees it for a few seconds)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        chat.set_typing(self.conversation(pk), chat.STAFF)
        return HttpResponse(status=204)


def admin_urls():
    """The views' addresses in the admin, under ``contactkit/chat/`` (``contactkit_chat:``),
    for the ``register_admin_urls`` hook."""
    patterns = [
        path("presence/", PresenceView.as_view(), name="presence"),
        path("new/", NewChatsView.as_view(), name="new_chats"),
        path("<int:pk>/events/", EventsView.as_view(), name="events"),
        path("<int:pk>/send/", SendView.as_view(), name="send"),
        path("<int:pk>/typing/", TypingView.as_view(), name="typing"),
    ]
    return [path("contactkit/chat/", include((patterns, NAMESPACE), namespace=NAMESPACE))]


# What every admin page loads


def admin_script():
    """The ``<script src>`` of ``contactkit/admin-chat.js``: its addresses and words (in the
    staff member's admin language) in data-* attributes, nothing inline."""
    return format_html(
        '<script defer src="{}" data-presence-url="{}" data-new-chats-url="{}" '
        'data-sound-url="{}" data-heartbeat="{}" data-new-chats-every="{}" data-idle="{}" '
        'data-label="{}" data-help="{}" data-open="{}" data-error="{}"></script>',
        versioned_static("contactkit/admin-chat.js"),
        reverse(f"{NAMESPACE}:presence"),
        reverse(f"{NAMESPACE}:new_chats"),
        versioned_static("contactkit/chat-ping.wav"),
        HEARTBEAT_SECONDS * 1000,
        NEW_CHATS_SECONDS * 1000,
        IDLE_SECONDS * 1000,
        _("Available for chat"),
        _(
            "While this is on and you are at the admin, shoppers can chat with you. "
            "New chats ring and show a notification."
        ),
        _("Open the chat"),
        _("The chat switch could not reach the server. Trying again…"),
    )


def admin_stylesheet():
    return format_html(
        '<link rel="stylesheet" href="{}">', versioned_static("contactkit/admin-chat.css")
    )


# The conversation page's live panel


def live_chat_panel(conversation, user):
    """What the conversation page needs for its live chat panel, or None when it has none:
    a conversation in the inbox that is a chat or whose shopper has the chat open, for staff
    who may answer it."""
    if not user.has_perm(PERMISSION) or conversation.status in (Status.SPAM, Status.HELD):
        return None
    if not can_chat(conversation):
        return None
    lines = list(
        conversation.messages.filter(kind__in=[Message.Kind.SHOPPER, Message.Kind.REPLY])
        .select_related("author")
        .order_by("-created_at", "-pk")[:PANEL_LINES]
    )[::-1]
    shop = shop_name(conversation.site)
    return {
        "lines": [
            {
                "message": line,
                "mine": line.kind == Message.Kind.REPLY,
                "who": conversation.name
                if line.kind == Message.Kind.SHOPPER
                else chat.who(line, shop),
            }
            for line in lines
        ],
        "after": lines[-1].pk if lines else 0,
        "poll_ms": int(contactkit_settings.CHAT_POLL_SECONDS * 1000),
        "shopper_present": chat.shopper_in_chat(conversation),
        "urls": {
            **{
                name: reverse(f"{NAMESPACE}:{name}", args=[conversation.pk])
                for name in ("events", "send", "typing")
            },
            # Server-Sent Events (contactkit/launcher/sse.py), when enabled; else polling.
            "stream": reverse("contactkit_staff_chat_stream", args=[conversation.pk])
            if sse.enabled()
            else "",
        },
    }
