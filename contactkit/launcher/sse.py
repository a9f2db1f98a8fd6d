"""Live chat pushed as it is written: Server-Sent Events with django-eventstream.

Polling (``GET .../events?after=``) stays the fallback and the safety net: the panels open an
``EventSource`` on the addresses below when the browser has one, and keep a slow poll.

Channels. Each conversation has two, named from its ``reply_token`` (random, never shown in a
page address on its own): ``chat-<token>`` for the shopper's panel and ``staff-<token>`` for the
admin's live panel. What is published on each has the shape of that side's events endpoint
(``{"messages": [...], "staff_present", "staff_typing", "status"}`` for the shopper; the
``shopper_*`` fields for staff), so the front end treats pushed and polled news alike. Notes
are never published. :class:`ChatChannelManager` never takes a channel named by the client: the
shopper's channel comes from a valid thread token (``threads.check_token``), staff's from a
conversation id, readable only by staff allowed to reply (``contactkit.reply_conversation``).

Shared nothing. Every event is stored by django-eventstream's database storage
(``EVENTSTREAM_STORAGE_CLASS``) before it is sent, so a panel that reconnects, to this process
or any other, after a restart too, gets what it missed (``Last-Event-ID``). How an event
reaches a stream held by another process:

- under ASGI (uvicorn workers), django-eventstream's own stream; with ``EVENTSTREAM_REDIS`` set,
  every process hears every event at once through Redis;
- under WSGI (gunicorn gthread, runserver, the tests' live server), :func:`_sync_stream`: a
  thread per open stream, woken at once by an event of its own process, and looking at the
  database's counter every :data:`CHECK_SECONDS` for the others'.

See "Running chat in production" in docs/launcher-api.md.
"""

import logging
import threading
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.http import HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_eventstream.channelmanager import ChannelManagerBase

from contactkit.inbox.models import Conversation, Message, Source, Status
from contactkit.launcher import chat
from contactkit.launcher.api import Problem, _conversation, guard

logger = logging.getLogger(__name__)

SHOPPER_PREFIX = "chat-"
STAFF_PREFIX = "staff-"
# The SSE event type: EventSource's onmessage.
EVENT_TYPE = "message"
PERMISSION = "contactkit.reply_conversation"
# WSGI streams: how often a quiet stream looks for other processes' events (seconds), how
# often it tells proxies it is alive, and how long it lasts before the browser reconnects
# (with Last-Event-ID: nothing is lost), which frees the thread now and then.
CHECK_SECONDS = 1.0
KEEP_ALIVE_SECONDS = 5
STREAM_SECONDS = 300
# How long the cache remembers that a channel had news (seconds).
NEWS_SECONDS = STREAM_SECONDS * 2
# The browser waits this long before reconnecting a stream that ended (milliseconds).
RETRY_MS = 1000
# Query parameters of django-eventstream the chat streams never take (signed metadata, GRIP).
REFUSED_PARAMETERS = ("es-meta", "recover", "link", "channel", "channels")
# A change of staff presence is told to the open chats of the site updated within this long.
PRESENCE_WINDOW_HOURS = 24
PRESENCE_MAX_CHATS = 500


def shopper_channel(conversation):
    return f"{SHOPPER_PREFIX}{conversation.reply_token}"


def staff_channel(conversation):
    return f"{STAFF_PREFIX}{conversation.reply_token}"


def staff_may_chat(user):
    """Whether ``user`` may read the staff side of chats."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.has_perm("wagtailadmin.access_admin")
        and user.has_perm(PERMISSION)
    )


class ChatChannelManager(ChannelManagerBase):
    """``EVENTSTREAM_CHANNELMANAGER_CLASS``: which chat a stream may follow.

    The channel is derived from the view's arguments, never read from the query string: a
    shopper's from a valid thread token, staff's from a conversation id (and then only for
    staff who may reply). Every channel is reliable: stored, so a stream can resume.
    """

    def get_channels_for_request(self, request, view_kwargs):
        if "token" in view_kwargs:
            from contactkit.inbox import threads

            conversation, _problem = threads.check_token(str(view_kwargs["token"])[:200])
            return {shopper_channel(conversation)} if conversation is not None else set()
        if "pk" in view_kwargs:
            conversation = Conversation.objects.filter(pk=view_kwargs["pk"]).first()
            return {staff_channel(conversation)} if conversation is not None else set()
        return set()

    def can_read_channel(self, user, channel):
        if channel.startswith(STAFF_PREFIX):
            return staff_may_chat(user)
        # Only ever in a request's channels after its thread token was checked (above).
        return channel.startswith(SHOPPER_PREFIX)

    def is_channel_reliable(self, channel):
        return True


def enabled():
    """Whether the chat is pushed: django-eventstream installed as an app, with a storage
    (events kept for resuming) and this module's channel manager. Otherwise the streams answer
    404 and the panels poll."""
    if not apps.is_installed("django_eventstream"):
        return False
    if not getattr(settings, "EVENTSTREAM_STORAGE_CLASS", None):
        return False
    from django_eventstream.utils import get_channelmanager

    return isinstance(get_channelmanager(), ChatChannelManager)


# --- publishing ------------------------------------------------------------------------------


def _status(conversation):
    status = (
        Conversation.objects.filter(pk=conversation.pk).values_list("status", flat=True).first()
    )
    return "closed" if status == Status.CLOSED else "open"


def _shop_name(site):
    from contactkit.inbox.views.display import shop_name

    return shop_name(site)


def shopper_news(conversation, messages=()):
    """What the shopper's panel is told, as ``GET .../events`` tells it (without marking the
    shopper seen, nor the thread's address)."""
    from contactkit.launcher.state import language_or_default

    shop = _shop_name(conversation.site)
    with translation.override(language_or_default(conversation.language)):
        lines = [
            {
                "id": message.pk,
                "mine": message.kind == Message.Kind.SHOPPER,
                "who": str(chat.who(message, shop)),
                "body": message.body,
                "at": message.created_at.isoformat(),
            }
            for message in messages
        ]
    return {
        "messages": lines,
        "staff_present": chat.staff_available(conversation.site),
        "staff_typing": chat.is_typing(conversation, chat.STAFF),
        "status": _status(conversation),
    }


def staff_news(conversation, messages=()):
    """What the admin's live panel is told, as its events view tells it."""
    shop = _shop_name(conversation.site)
    lines = [
        {
            "id": message.pk,
            "mine": message.kind == Message.Kind.REPLY,
            "who": conversation.name
            if message.kind == Message.Kind.SHOPPER
            else str(chat.who(message, shop, for_staff=True)),
            "body": message.body,
            "at": message.created_at.isoformat(),
        }
        for message in messages
    ]
    return {
        "messages": lines,
        "shopper_present": chat.shopper_in_chat(conversation),
        "shopper_typing": chat.is_typing(conversation, chat.SHOPPER),
        "status": _status(conversation),
    }


def _news_key(channel):
    return f"contactkit:sse:{channel}"


def _send_one(channel, news):
    """Store and send one event; note its id in the shared cache, for the other processes'
    WSGI streams (see :func:`_sync_stream`)."""
    from django_eventstream import send_event
    from django_eventstream.utils import get_storage

    send_event(channel, EVENT_TYPE, news)
    cache.set(_news_key(channel), get_storage().get_current_id(channel), NEWS_SECONDS)


def _send(conversation, message, sides):
    messages = [message] if message is not None else []
    try:
        if "shopper" in sides:
            _send_one(shopper_channel(conversation), shopper_news(conversation, messages))
        if "staff" in sides:
            _send_one(staff_channel(conversation), staff_news(conversation, messages))
    except Exception:  # the message is stored: the panels' polls still bring it
        logger.exception("contactkit chat: could not publish to conversation %s", conversation.pk)


def publish(conversation, message=None, *, sides=("shopper", "staff")):
    """Push ``message`` (a shopper's line or a reply; never a note) and the chat's state to the
    panels following ``conversation``, once the transaction that stored it commits."""
    if not enabled():
        return
    if message is not None and message.kind not in (Message.Kind.SHOPPER, Message.Kind.REPLY):
        return
    transaction.on_commit(lambda: _send(conversation, message, sides))


def publish_presence(site):
    """Staff became available, or the last of them left: tell the shoppers in a chat."""
    if not enabled():
        return
    since = timezone.now() - timedelta(hours=PRESENCE_WINDOW_HOURS)
    chats = (
        Conversation.objects.filter(site=site, source=Source.CHAT, updated_at__gte=since)
        .exclude(status__in=[Status.SPAM, Status.HELD])
        .select_related("site")
        .order_by("-updated_at")[:PRESENCE_MAX_CHATS]
    )
    for conversation in chats:
        if chat.shopper_in_chat(conversation):
            publish(conversation, sides=("shopper",))


# --- streaming -------------------------------------------------------------------------------


def _presence_watch(conversation):
    """For a shopper's WSGI stream: staff's presence lapses on its own (an admin tab closed
    without a word, staff idle), with no event to publish. The stream looks (the answer shared
    by the site's streams in this process for a second) and tells the panel when it changed."""
    told = {"present": chat.staff_available(conversation.site)}

    def watch():
        key = f"contactkit:sse:present:{conversation.site_id}"
        present = cache.get(key)
        if present is None:
            present = chat.staff_available(conversation.site)
            cache.set(key, present, 1)
        if present == told["present"]:
            return None
        told["present"] = present
        return shopper_news(conversation)

    return watch


# This process's open WSGI streams (each holds a thread): for logs and for tests that must wait
# until the streams of closed browsers have ended. Nothing another process needs.
_open = {"streams": 0}
_open_lock = threading.Lock()


def open_streams():
    """How many WSGI streams this process is serving now."""
    return _open["streams"]


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _sync_stream(event_request, listener, watch=None):
    """django-eventstream's stream for WSGI servers (its own needs an ASGI server): the same
    events, ids and padding, in this request's thread.

    The storage is read when the stream opens, and when the shared cache says one of its
    channels has an event it did not get (one sent by another process: the cache is looked at
    every CHECK_SECONDS), or events came too fast. An event of this process comes straight
    from django-eventstream's listener. A quiet stream costs no database query.
    """
    from django_eventstream.eventstream import EventPermissionError, get_events
    from django_eventstream.utils import make_id, sse_encode_error, sse_encode_event
    from django_eventstream.views import get_listener_manager

    manager = get_listener_manager()
    # With Redis, send_event reaches listeners through an asyncio task WSGI does not run: the
    # cache's news below find the events instead.
    local = manager.redis_listener is None
    if local:
        manager.add_listener(listener)
    with _open_lock:
        _open["streams"] += 1
    keys = {_news_key(channel): channel for channel in event_request.channels}
    started = time.monotonic()
    quiet = 0.0
    last_ids = dict(event_request.channel_last_ids)
    # Padding first (some proxies hold back the first 2 KB), then "open".
    body = ":" + " " * 2048 + f"\n\nretry: {RETRY_MS}\n\nevent: stream-open\ndata:\n\n"
    read = True

    def missed():
        news = cache.get_many(list(keys))
        return any(_number(last) > _number(last_ids.get(keys[key])) for key, last in news.items())

    try:
        while True:
            if read:
                listener.woken.clear()
                with manager.lock:
                    listener.channel_items = {}
                    listener.overflow = False
                event_request.channel_last_ids = dict(last_ids)
                try:
                    found = get_events(event_request)
                except EventPermissionError as refused:
                    extra = {"channels": refused.channels}
                    yield body + sse_encode_error("forbidden", str(refused), extra=extra)
                    return
                last_ids = dict(found.channel_last_ids)
                if found.channel_reset:
                    body += sse_encode_event(
                        "stream-reset",
                        {"channels": sorted(found.channel_reset)},
                        event_id=make_id(last_ids),
                        json_encode=True,
                    )
                for channel, items in found.channel_items.items():
                    for item in items:
                        last_ids[channel] = item.id
                        body += sse_encode_event(item.type, item.data, event_id=make_id(last_ids))
                if found.channel_more:
                    yield body
                    body = ""
                    continue
                read = False
            if body:
                yield body
                body = ""
                quiet = 0.0
            if time.monotonic() - started > STREAM_SECONDS:
                return
            if listener.woken.wait(CHECK_SECONDS):
                # This process's events, in order; a gap or an overflow: read the storage.
                with manager.lock:
                    listener.woken.clear()
                    queued, listener.channel_items = listener.channel_items, {}
                    read, listener.overflow = listener.overflow, False
                for channel, items in queued.items():
                    for item in items:
                        last = _number(last_ids.get(channel))
                        if item.id is None or _number(item.id) <= last:
                            continue
                        if _number(item.id) != last + 1:
                            read = True
                            break
                        last_ids[channel] = item.id
                        body += sse_encode_event(item.type, item.data, event_id=make_id(last_ids))
                continue
            read = missed()
            changed = None if read or watch is None else watch()
            if changed is not None:
                # Not stored (no id): what it says is read afresh by any later poll.
                yield sse_encode_event(EVENT_TYPE, changed, json_encode=True)
                quiet = 0.0
            elif not read:
                quiet += CHECK_SECONDS
                if quiet >= KEEP_ALIVE_SECONDS:
                    quiet = 0.0
                    yield ": keep-alive\n\n"
    except Exception:
        logger.exception("contactkit chat: a stream failed")
    finally:
        with _open_lock:
            _open["streams"] -= 1
        if local:
            manager.remove_listener(listener)


def _thread_listener():
    from django_eventstream.views import Listener

    class ThreadListener(Listener):
        """A listener woken with a thread event (the WSGI stream waits in its thread)."""

        def __init__(self):
            super().__init__()
            self.woken = threading.Event()

        def assign_loop(self):
            pass

        def wake_threadsafe(self):
            self.woken.set()

    return ThreadListener()


def _clean_query(request):
    """Only ``lastEventId`` of django-eventstream's query parameters is taken."""
    if any(name in request.GET for name in REFUSED_PARAMETERS):
        query = request.GET.copy()
        for name in REFUSED_PARAMETERS:
            query.pop(name, None)
        request.GET = query


def stream_response(request, view_kwargs, watch=None):
    """The event stream for ``view_kwargs`` (``token`` or ``pk``), already authorised."""
    from django_eventstream import EventRequest
    from django_eventstream.eventstream import EventPermissionError

    _clean_query(request)
    if isinstance(request, ASGIRequest):
        from django_eventstream.views import events

        return events(request, **view_kwargs)
    try:
        event_request = EventRequest(request, view_kwargs=view_kwargs)
    except EventPermissionError:
        return JsonResponse({"detail": gettext("There is nothing at this address.")}, status=404)
    except EventRequest.Error:
        # A Last-Event-ID that is not ours, or after an error: start afresh (the panel's
        # catch-up poll brings what it missed).
        request.META.pop("HTTP_LAST_EVENT_ID", None)
        query = request.GET.copy()
        query.pop("lastEventId", None)
        request.GET = query
        event_request = EventRequest(request, view_kwargs=view_kwargs)
    event_request.channel_last_ids = {
        channel: last
        for channel, last in event_request.channel_last_ids.items()
        if str(last).isdigit()
    }
    listener = _thread_listener()
    listener.user_id = event_request.user.pk if event_request.user else "anonymous"
    listener.channels = event_request.channels
    response = StreamingHttpResponse(
        _sync_stream(event_request, listener, watch), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    # nginx: do not buffer this response.
    response["X-Accel-Buffering"] = "no"
    return response


def _shopper_stream(request, token):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if not enabled():
        raise Problem(404, gettext("There is nothing at this address."))
    conversation = _conversation(request)
    was_here = chat.shopper_in_chat(conversation)
    chat.mark_shopper_seen(conversation)
    if not was_here:
        publish(conversation, sides=("staff",))
    return stream_response(request, {"token": token}, _presence_watch(conversation))


# ``GET /contactkit/api/chats/<token>/stream``: the shopper's panel, behind the API's guard
# (CORS for the site's storefronts, the per-address limit, the token checked, errors as JSON).
shopper_stream = guard(_shopper_stream)


def staff_stream(request, pk):
    """``GET /contactkit/chat/<pk>/stream/``: the admin's live panel of a conversation."""
    if request.method != "GET":
        return JsonResponse(
            {"detail": gettext("This address does not answer that kind of request.")},
            status=405,
        )
    if not staff_may_chat(request.user):
        return JsonResponse(
            {"detail": gettext("Chatting with shoppers needs the permission to reply to them.")},
            status=403,
        )
    if not enabled() or not Conversation.objects.filter(pk=pk).exists():
        return JsonResponse({"detail": gettext("There is no such conversation.")}, status=404)
    return stream_response(request, {"pk": pk})
