"""The launcher's JSON API: its live state, and live chats a shopper starts and carries on.

Served with django-ninja under ``/contactkit/api/`` (OpenAPI at ``openapi.json``, docs at
``docs``; the developer's guide is docs/launcher-api.md). The shop's pages and the widget on
other storefronts use the same endpoints.

Every answer is JSON. Whatever a call gets wrong gets a 4xx whose ``detail`` is one sentence in
the shopper's language (``?lang=``, else the chat's language, else the browser's): bad JSON
400, origin not allowed 403, unknown site or token 404, expired token 410, body over 64 KB 413,
a field wrong 422 (with ``field``), too many calls 429 (with ``Retry-After``), nobody in the
chat 409. Nothing a shopper types is refused for being fast: a chat line over
``CHAT_RATE_LIMIT`` is stored and held back from staff's email (see
:func:`contactkit.launcher.chat.add_chat_message`).

Before any endpoint runs, :func:`guard` (wrapped around every URL of the API) answers CORS
preflights, counts the call against the per-address and per-origin limits, refuses bodies over
:data:`MAX_BODY`, finds the site (``?site=``, the body's ``site``, or the chat's token) and
checks the ``Origin`` against that site (see :mod:`contactkit.launcher.cors`).
"""

import json
import logging
import math
import time
from datetime import datetime
from functools import wraps
from typing import Literal

from django.core.cache import cache
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator, validate_email
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import URLPattern
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, ngettext
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from pydantic import ConfigDict, field_validator
from wagtail.models import Site

from contactkit.conf import contactkit_settings
from contactkit.inbox import limits, threads
from contactkit.inbox.models import Source
from contactkit.inbox.spam import keyed_hash
from contactkit.launcher import chat, cors
from contactkit.launcher.state import chat_unavailable_text, language_or_default, launcher_state
from contactkit.profile.choices import ChatProvider

try:
    from ninja import Status
except ImportError:  # django-ninja before 1.7 (Wagtail 8 allows 1.6.3) takes a tuple

    def Status(status_code, value):  # noqa: N802 (ninja's class name)
        return status_code, value


logger = logging.getLogger(__name__)

# The largest body a call may send (bytes): a chat line is at most 5000 characters.
MAX_BODY = 64 * 1024
# The launcher's state may be kept this long by the browser and shared caches (seconds).
STATE_MAX_AGE = 15
# A conversation page's address is made once an hour per chat, not on every poll (seconds).
THREAD_URL_SECONDS = 3600

FIELD_LABELS = {
    "name": gettext_lazy("Your name"),
    "email": gettext_lazy("Your email"),
    "message": gettext_lazy("Your message"),
    "body": gettext_lazy("Your message"),
}
REQUIRED = {
    "name": gettext_lazy("Write your name."),
    "email": gettext_lazy("Write your email address: we answer there if you have to go."),
    "message": gettext_lazy("Write your message first."),
    "body": gettext_lazy("Write your message first."),
}


def bad_json_text():
    return gettext('This is not the JSON we expect: send an object such as {"body": "…"}.')


def too_many_text():
    return gettext("That is a lot of messages at once. Wait a moment and try again.")


class Problem(Exception):
    """An answer that is not a success: a status and a sentence for the shopper."""

    def __init__(self, status, detail, **extra):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra

    def response(self):
        return JsonResponse({"detail": str(self.detail), **self.extra}, status=self.status)


class JSONObjectParser(Parser):
    """JSON bodies must be one object; anything else is a 400 with a sentence saying so."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        # JSONDecodeError and UnicodeDecodeError; RecursionError: arrays or objects nested
        # thousands deep, which Python's parser gives up on.
        except (ValueError, RecursionError) as error:
            raise Problem(400, bad_json_text()) from error
        if not isinstance(data, dict):
            raise Problem(400, bad_json_text())
        return data


class ContactkitAPI(NinjaAPI):
    """django-ninja's API with :func:`guard` around every one of its URLs."""

    def _get_urls(self):
        found = super()._get_urls()
        for pattern in found:
            if isinstance(pattern, URLPattern):
                pattern.callback = guard(pattern.callback)
        return found


# CSRF: ninja's views are csrf_exempt, and no endpoint here authenticates with a cookie: the API
# sets and reads none (the chat is named by the token in its URL, which the shopper's panel
# keeps), so a forged cross-site request carries nothing that a forging page does not already
# have. What an attacker's page can do is what anyone with curl can do: start a chat (rate-
# limited, spam-checked, stored like a form message) or write in a chat whose token it holds.
api = ContactkitAPI(
    urls_namespace="contactkit_api",
    title="contactkit",
    version="1",
    description=(
        "The launcher's live state and live chat with the shop's staff. See the guide in "
        "docs/launcher-api.md."
    ),
    parser=JSONObjectParser(),
)


# --- before every endpoint --------------------------------------------------------------------


class Call:
    """What :func:`guard` found out about a call, for the endpoint (``request.contactkit``)."""

    def __init__(self):
        self.site = None
        self.site_id = None
        self.conversation = None
        self.token_problem = None
        self.verdict = cors.Verdict("", False, True)
        self.language = translation.get_language()


def _site_from(value):
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        # OverflowError: JSON's 1e400 (or Infinity) is a float int() cannot take.
        return None, None
    if number <= 0 or number > 2**31:
        return number, None
    return number, Site.objects.filter(pk=number).first()


def _retry_after(window):
    return max(1, math.ceil(window - time.time() % window))


def _over(kind, key, limit):
    """Count one call for ``key``; the seconds to wait when that goes over ``limit``."""
    if not limit or not key:
        return None
    count, window = limit
    if limits.add(kind, keyed_hash(key), window) > count:
        return _retry_after(window)
    return None


def _too_many(wait, verdict):
    response = JsonResponse({"detail": too_many_text(), "retry_after": wait}, status=429)
    response["Retry-After"] = str(wait)
    return cors.add_headers(response, verdict)


def _body(request):
    """The JSON object sent, or {} (what is wrong with it is said by the endpoint)."""
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _too_big(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        return True
    try:
        return len(request.body) > MAX_BODY
    except RequestDataTooBig:
        return True


def _language(request, body, conversation):
    wanted = request.GET.get("lang") or body.get("lang")
    if isinstance(wanted, str) and wanted:
        return language_or_default(wanted[:12])
    if conversation is not None and conversation.language:
        return language_or_default(conversation.language)
    # The browser's languages (Accept-Language): these addresses have no language prefix.
    return language_or_default(translation.get_language_from_request(request))


def _unread_call_language(request):
    """The language of a call that failed before its own was known: ``?lang=`` if the query
    string can be read at all, else the browser's."""
    try:
        return _language(request, {}, None)
    except (BadRequest, SuspiciousOperation):
        return language_or_default(translation.get_language_from_request(request))


def guard(view):
    """Wrap one of the API's views with CORS, limits, the body's size and the site."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            return _guarded(view, request, kwargs, *args)
        except Problem as problem:
            return problem.response()
        except Http404:
            # An address of the API that names nothing (django-ninja's home page without
            # its docs): the 404 every other unknown address of the API gets.
            with translation.override(_unread_call_language(request)):
                detail = gettext("There is nothing at this address.")
            return JsonResponse({"detail": detail}, status=404)
        except (BadRequest, SuspiciousOperation) as error:
            # What Django answers 400 to (a query string with more fields than
            # DATA_UPLOAD_MAX_NUMBER_FIELDS, a Host it will not trust): the caller's fault,
            # logged where Django logs it.
            if isinstance(error, SuspiciousOperation):
                security = logging.getLogger(f"django.security.{type(error).__name__}")
                security.warning("%s %s: %s", request.method, request.path, error)
            with translation.override(_unread_call_language(request)):
                detail = gettext("We could not read this request.")
            return JsonResponse({"detail": detail}, status=400)
        except (OperationalError, InterfaceError):
            # The database is down or restarting: a clean 503 the panel retries after.
            logger.exception("contactkit API: the database is unavailable: %s", request.path)
            response = JsonResponse(
                {
                    "detail": gettext(
                        "This page cannot be shown right now because of a technical problem "
                        "on our side. Please try again in a minute."
                    )
                },
                status=503,
            )
            response["Retry-After"] = "30"
            return response
        except Exception:  # never a 500 page: the shopper's panel shows a sentence
            logger.exception("contactkit API call failed: %s %s", request.method, request.path)
            return JsonResponse(
                {"detail": gettext("Something went wrong on our side. Try again in a moment.")},
                status=500,
            )

    guarded.csrf_exempt = True
    return guarded


def _guarded(view, request, kwargs, *args):
    call = Call()
    request.contactkit = call
    # The address's limit first: a flood costs the cache, not the database.
    if request.method != "OPTIONS":
        wait = _over(
            "api_ip",
            limits.address_key(limits.client_address(request)),
            contactkit_settings.API_RATE_LIMIT_IP,
        )
        if wait is not None:
            with translation.override(_language(request, {}, None)):
                return _too_many(wait, cors.check(request))
    # The site asked for (?site=), and the chat named by the token (its language, its site).
    wanted_site = request.GET.get("site")
    if wanted_site is not None:
        call.site_id, call.site = _site_from(wanted_site)
    if "token" in kwargs:
        if wanted_site is not None and call.site is None:
            call.token_problem = threads.INVALID
        else:
            token = str(kwargs["token"])[:200]
            call.conversation, call.token_problem = threads.check_token(token, site=call.site)
        if call.conversation is not None:
            call.site = call.conversation.site
    body = {}
    with translation.override(_language(request, {}, call.conversation)):
        # Nothing bigger than MAX_BODY is read.
        if request.method == "POST":
            if _too_big(request):
                return cors.add_headers(
                    JsonResponse(
                        {
                            "detail": gettext(
                                "That is too long to send. Split it into shorter messages."
                            )
                        },
                        status=413,
                    ),
                    cors.check(request, call.site),
                )
            if "token" not in kwargs:
                # POST /chats names its site in the body.
                body = _body(request)
                if "site" in body:
                    call.site_id, call.site = _site_from(body["site"])
    call.language = _language(request, body, call.conversation)

    with translation.override(call.language):
        call.verdict = verdict = cors.check(request, call.site)
        if request.method == "OPTIONS":
            return cors.preflight(verdict)
        if not verdict.allowed:
            return cors.forbidden(verdict)
        # A storefront's calls count against its limit, except an open chat asking for news,
        # which is cheap and already counted per address: a busy storefront's open chats
        # must not silence each other.
        polling = request.method == "GET" and "token" in kwargs
        if verdict.foreign and not polling:
            wait = _over("api_origin", verdict.origin, contactkit_settings.API_RATE_LIMIT_ORIGIN)
            if wait is not None:
                return _too_many(wait, verdict)
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                {
                    "detail": gettext("This address does not take %(method)s.")
                    % {"method": request.method}
                },
                status=405,
            )
            response["Allow"] = allowed
        return cors.add_headers(response, verdict)


# --- errors --------------------------------------------------------------------------------


@api.exception_handler(Problem)
def _problem(request, exc):
    return api.create_response(request, {"detail": str(exc.detail), **exc.extra}, status=exc.status)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    if exc.status_code == 400 and isinstance(exc.__cause__, Problem):
        # ninja wraps what the parser raised: say what the parser said.
        return _problem(request, exc.__cause__)
    if exc.status_code == 400:
        return api.create_response(request, {"detail": bad_json_text()}, status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(
        request, {"detail": gettext("There is nothing at this address.")}, status=404
    )


def _field_error(field, error):
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    label = str(FIELD_LABELS.get(field, field))
    if kind in ("missing", "string_too_short"):
        if field in REQUIRED:
            return str(REQUIRED[field])
        return gettext("“%(field)s” is missing.") % {"field": label}
    if kind == "string_too_long":
        count = context.get("max_length", 0)
        return ngettext(
            "“%(field)s” can be at most %(count)s character long.",
            "“%(field)s” can be at most %(count)s characters long.",
            count,
        ) % {"field": label, "count": count}
    if kind == "value_error" and context.get("error"):
        return str(context["error"])
    return gettext("“%(field)s” is not valid.") % {"field": label}


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    """422 saying which field is wrong and how, in the shopper's words; 400 when the body is
    not a JSON object at all."""
    errors = {}
    for error in exc.errors:
        location = [part for part in error.get("loc", ()) if isinstance(part, str)]
        # ("body", "payload", "email") or ("query", "after"): the last part names the field.
        source = location[0] if location else ""
        fields = location[2:] if source == "body" else location[1:]
        if not fields:
            return api.create_response(request, {"detail": bad_json_text()}, status=400)
        errors.setdefault(fields[-1], _field_error(fields[-1], error))
    field, detail = next(iter(errors.items()))
    return api.create_response(
        request, {"detail": detail, "field": field, "errors": errors}, status=422
    )


# --- schemas -----------------------------------------------------------------------------


class Error(Schema):
    detail: str


class Channel(Schema):
    kind: str
    label: str
    href: str
    open_now: bool
    status: str | None
    reply_time: str | None


class Chat(Schema):
    available: bool
    provider: Literal["contactkit", "crisp", "tawkto", "tidio", "link"] | None
    provider_name: str
    account: str | None
    url: str | None
    label: str
    open_now: bool
    status: str | None
    reply_time: str | None


class LauncherState(Schema):
    enabled: bool
    language: str
    shop: str
    open: bool
    chat: Chat
    channels: list[Channel]
    nobody: str | None
    back_at: datetime | None
    reply_time: str | None
    contact_url: str
    privacy_url: str
    poll: float
    stream: bool = False
    texts: dict[str, str]


class ChatLine(Schema):
    id: int
    mine: bool
    who: str
    body: str
    at: datetime


class Events(Schema):
    messages: list[ChatLine]
    staff_present: bool
    staff_typing: bool
    status: Literal["open", "closed"]
    thread_url: str


class ChatStarted(Schema):
    token: str
    reference: str
    thread_url: str
    chat: Events


class Sent(ChatLine):
    held: bool = Field(
        False, description="Over the chat's rate limit: stored, but staff are not emailed."
    )


def _one_line(value):
    from contactkit.inbox.forms import no_line_breaks

    try:
        no_line_breaks(value)
    except DjangoValidationError as error:
        raise ValueError(error.messages[0]) from None
    return value


def _no_nul(value):
    """No NUL character (PostgreSQL keeps none in text): refused with Django's own sentence,
    as the contact form refuses it, instead of failing when the text is stored."""
    try:
        ProhibitNullCharactersValidator()(value)
    except DjangoValidationError as error:
        raise ValueError(error.messages[0]) from None
    return value


class NewChat(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    site: int = Field(description="The Wagtail site's id (data-site of the widget).")
    lang: str = Field("", max_length=12, description="The shopper's language, such as es.")
    name: str = Field(min_length=1, max_length=120)
    email: str = Field(min_length=1, max_length=254)
    message: str = Field(min_length=1, max_length=5000)
    website: str = Field("", max_length=500, description="Leave empty (a trap for robots).")
    source: Literal["launcher", "widget"] = "launcher"

    @field_validator("name")
    @classmethod
    def _name_on_one_line(cls, value):
        return _one_line(_no_nul(value))

    @field_validator("message")
    @classmethod
    def _storable(cls, value):
        return _no_nul(value)

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value):
        try:
            validate_email(value)
        except DjangoValidationError as error:
            raise ValueError(error.messages[0]) from None
        return value


class NewLine(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=5000)
    # The panel's own name for this line, the same when it sends it again: a send whose
    # answer was lost (a dropped connection) and is retried stores the line once.
    key: str = Field("", max_length=64, pattern=r"^[A-Za-z0-9_-]*$")

    @field_validator("body")
    @classmethod
    def _storable(cls, value):
        return _no_nul(value)


# How long a line's key is remembered (seconds).
LINE_KEY_SECONDS = 3600


# --- endpoints -----------------------------------------------------------------------------

ERRORS = {400: Error, 403: Error, 404: Error, 410: Error, 413: Error, 422: Error, 429: Error}


def _call(request):
    return getattr(request, "contactkit", None) or Call()


def _site(request, number=None):
    call = _call(request)
    # Only ever the site the origin was checked against.
    if call.site is None or (number is not None and call.site_id != number):
        raise Problem(404, gettext("There is no such shop here."))
    return call.site


def _conversation(request):
    call = _call(request)
    if call.conversation is not None:
        return call.conversation
    if call.token_problem == threads.EXPIRED:
        raise Problem(
            410,
            gettext(
                "This chat's link has expired. Your conversation is kept: the link in our "
                "last email opens it."
            ),
        )
    raise Problem(404, gettext("This chat does not exist, or its link no longer works."))


def _thread_url(conversation):
    """The conversation page's address (a fresh link, made once an hour per chat)."""
    key = f"contactkit:chat:{conversation.pk}:thread_url:{conversation.thread_key}"
    key += f":{translation.get_language()}"
    found = cache.get(key)
    if found is None:
        found = threads.thread_url(conversation, translation.get_language())
        cache.set(key, found, THREAD_URL_SECONDS)
    return found


def _shop_name(site):
    from contactkit.profile.shop import Shop

    return Shop.for_site(site).profile.name or str(site)


def _events(conversation, after=0):
    # The shop's name is read only when a reply without its author's first name needs it.
    name = lazy(_shop_name, str)(conversation.site)
    found = chat.events(conversation, after, shop_name=name)
    for line in found["messages"]:
        line["who"] = str(line["who"])
    found["thread_url"] = _thread_url(conversation)
    return found


@api.get(
    "/launcher",
    response={200: LauncherState, **ERRORS},
    url_name="launcher",
    summary="The launcher's live state",
    description=(
        "Who can answer now, on which channel, the chat, when the team is back, and every "
        "sentence of the panel in `lang`. Public, cacheable for 15 seconds."
    ),
)
def launcher(request, response: HttpResponse, site: int, lang: str = ""):
    found = _site(request, site)
    patch_cache_control(response, public=True, max_age=STATE_MAX_AGE)
    return launcher_state(found, _call(request).language)


@api.post(
    "/chats",
    response={201: ChatStarted, 409: Error, **ERRORS},
    url_name="chats",
    summary="Start a live chat",
    description=(
        "Stores the conversation and its first message, emails the shopper a confirmation "
        "with the link to their conversation page, and returns the chat's token. 409 when "
        "nobody is in the chat now (the sentence says what to do instead)."
    ),
)
def start_chat(request, payload: NewChat):
    site = _site(request, payload.site)
    call = _call(request)
    state = launcher_state(site, call.language)
    if not state["chat"]["available"] or state["chat"]["provider"] != ChatProvider.NATIVE:
        raise Problem(409, chat_unavailable_text(state), contact_url=state["contact_url"])
    extra = {"Storefront": call.verdict.origin} if call.verdict.foreign else None
    conversation = chat.start_chat(
        site,
        name=payload.name,
        email=payload.email,
        message=payload.message,
        language=call.language,
        source=Source.CHAT,
        honeypot=payload.website,
        extra_fields=extra,
        request=None if call.verdict.foreign else request,
    )
    return Status(
        201,
        {
            "token": threads.thread_token(conversation),
            "reference": conversation.reference,
            "thread_url": _thread_url(conversation),
            "chat": _events(conversation),
        },
    )


@api.get(
    "/chats/{token}/events",
    response={200: Events, **ERRORS},
    url_name="chat_events",
    summary="What happened in a chat",
    description=(
        "The shopper's and staff's messages after the message `after` (never internal "
        "notes), whether staff are there and typing. Asking marks the shopper as in the chat."
    ),
)
def chat_events(request, token: str, after: int = Query(0, ge=0, le=2**63 - 1)):
    return _events(_conversation(request), after)


@api.post(
    "/chats/{token}/messages",
    response={201: Sent, **ERRORS},
    url_name="chat_messages",
    summary="The shopper writes in the chat",
    description=(
        "Stored first, like any message of the shopper's; staff are emailed about it only "
        "when nobody is in the chat. Works whether or not staff are there."
    ),
)
def chat_message(request, token: str, payload: NewLine):
    conversation = _conversation(request)
    seen = f"contactkit:chat:{conversation.pk}:line:{payload.key}" if payload.key else ""
    if seen and not cache.add(seen, 0, LINE_KEY_SECONDS):
        # Sent before (a retry of a send whose answer was lost): the line stored then.
        message = conversation.messages.filter(pk=cache.get(seen) or 0).first()
        if message is not None:
            return Status(201, _line(message, held=False))
    message = chat.add_chat_message(conversation, payload.body)
    if seen:
        cache.set(seen, message.pk, LINE_KEY_SECONDS)
    limit = contactkit_settings.CHAT_RATE_LIMIT
    held = bool(limit) and limits.usage("chat", str(conversation.pk), limit[1]) > limit[0]
    return Status(201, _line(message, held=held))


def _line(message, *, held):
    """A line the shopper sent, as the messages endpoint answers it."""
    return {
        "id": message.pk,
        "mine": True,
        "who": gettext("You"),
        "body": message.body,
        "at": message.created_at,
        "held": held,
    }


@api.post(
    "/chats/{token}/typing",
    response={204: None, **ERRORS},
    url_name="chat_typing",
    summary="The shopper is typing",
    description="Staff see it for a few seconds.",
)
def chat_typing(request, token: str):
    chat.set_typing(_conversation(request), chat.SHOPPER)
    return Status(204, None)
