"""Serving contactkit pages from Django's cache, and never serving a wrong one.

A shopper who opens the contact, About or returns page without being signed in gets the same
page as every other shopper, except for a few values made for each visit: the CSRF token and
the contact form's timestamp and submission key. So a page is rendered once with *holes* in
their place (:data:`HOLES`), stored, and each response fills the holes in for its own visitor.

What makes a stored page right:

* **Changes.** Saving anything a page shows (a page, the profile, a channel, its hours, the
  returns policy, the theme, a site setting, an image) gives every page a new
  :func:`generation`, so the next visit renders again. See :func:`connect`.
* **Time.** While rendering, everything that depends on the clock says until when it holds
  (:func:`expires_by`): each shown channel's next opening or closing ("open now"), the next
  midnight where the shop is ("opens tomorrow", special days ahead), the measured reply times'
  own cache. The page is kept until the earliest of these, and never longer than
  ``CONTACTKIT_PAGE_CACHE_SECONDS``.
* **Who.** Only anonymous GET (and HEAD) requests without a query string (tracking
  parameters such as ``utm_source`` aside) of a page's main address are served from or stored
  in the cache; previews, signed-in editors, routes below a page (the thank-you page, the
  shopper's conversation, the withdrawal steps) always render. A restricted page reaches
  ``serve()`` only for a visitor who passed its restriction: signed in, or with its password
  in the session; neither is served from nor stored in the cache.
* **Key.** The site's host, the path (which holds the language: ``/en/…``), the active
  language, the generation, and the deployed static files (a new release with new stylesheet
  names never serves old pages).

:class:`PageCacheMiddleware` answers from the cache before Wagtail looks the page up (no query
at all for a hit); without it, a page still serves its stored copy from its ``serve()``.
Responses say what happened in ``X-Contactkit-Cache`` (``hit``, ``miss`` or ``bypass``).
"""

import contextvars
import datetime as dt
import hashlib
import logging
import uuid
from contextlib import contextmanager
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

from contactkit.conf import contactkit_settings

logger = logging.getLogger(__name__)

HEADER = "X-Contactkit-Cache"
GENERATION_KEY = "contactkit:pages:generation"
KEY_PREFIX = "contactkit:page:"
# Query parameters that never change a page: a link from a newsletter or an ad is cached too.
# Where Wagtail remembers the page passwords a visitor typed.
PASSED_RESTRICTIONS = "passed_page_view_restrictions"
TRACKING_PARAMETERS = ("utm_", "fbclid", "gclid", "msclkid", "mc_cid", "mc_eid", "_ga")


def _form_timestamp(request):
    from contactkit.inbox import spam

    return spam.form_timestamp()


# The values made for each visit: {name: how to make it for a request}. A page rendered for
# the cache holds :func:`marker` in their place.
HOLES = {
    "csrf": get_token,
    "started": _form_timestamp,
    "key": lambda request: uuid.uuid4().hex,
}

_rendering = contextvars.ContextVar("contactkit_page_cache_rendering", default=None)


def marker(name):
    """What a page rendered for the cache holds where the value ``name`` of :data:`HOLES` goes."""
    return f"ck-hole-{name}-4b1d07"


def hole(name, value):
    """``value``, or the :func:`marker` of ``name`` while a page is rendered for the cache."""
    return marker(name) if _rendering.get() is not None else value


def rendering():
    """Whether a page is being rendered for the cache (so with holes)."""
    return _rendering.get() is not None


def expires_by(when):
    """Tell a page being rendered for the cache that what it shows holds only until ``when``
    (an aware datetime); the page is then kept no longer. Does nothing otherwise."""
    limits = _rendering.get()
    if limits is not None and when is not None:
        limits.append(when)


def expires_at_midnight(zone, now=None):
    """:func:`expires_by` the next midnight in ``zone``, where dates shown ("today",
    "tomorrow", the special days ahead) move on."""
    now = now or timezone.now()
    local = now.astimezone(zone)
    midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0))
    expires_by(midnight.replace(tzinfo=zone))


# --- the generation ----------------------------------------------------------------------------


def generation():
    """The pages' current generation (a token), or None when the cache cannot keep one (then
    nothing is served from the cache nor stored in it)."""
    current = cache.get(GENERATION_KEY)
    if current is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        current = cache.get(GENERATION_KEY)
    return current


def invalidate(**kwargs):
    """Forget every stored page (a new generation). Called on every save of what pages show.

    Again once the transaction commits: a page rendered between the save and the commit read
    the old rows, and must not be kept under the new generation.
    """
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)
    transaction.on_commit(lambda: cache.set(GENERATION_KEY, uuid.uuid4().hex, None))


# Models saved while shoppers write, chat and withdraw: they show on no cached page, and
# invalidating on each would empty the cache all day. Everything else of contactkit is what
# the shop's staff edit, shown on pages: saving it invalidates.
TRAFFIC_MODELS = {
    "contactkit.referencecounter",
    "contactkit.conversation",
    "contactkit.message",
    "contactkit.attachment",
    "contactkit.emaildelivery",
    "contactkit.inboundemail",
    "contactkit.mailboxstate",
    "contactkit.withdrawal",
    "contactkit.chatpresence",
    "contactkit.cannedreply",
    "contactkit.shopperaccount",
}


def shows_on_pages(model):
    """Whether saving a row of ``model`` can change what a contactkit page shows."""
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Locale, Page, PageViewRestriction, Site

    meta = model._meta
    if meta.label_lower in TRAFFIC_MODELS:
        return False
    if meta.app_label == "contactkit":
        return True
    shown = (Page, Site, Locale, PageViewRestriction, BaseSiteSetting, BaseGenericSetting)
    return issubclass(model, shown) or model in (get_image_model(), get_document_model())


def _changed(sender, **kwargs):
    if shows_on_pages(sender):
        invalidate()


def connect():
    """Invalidate the stored pages whenever something they show is saved or deleted (from the
    app's ``ready()``); moving a page in the tree counts too."""
    from wagtail.signals import page_unpublished, post_page_move

    post_save.connect(_changed, dispatch_uid="contactkit_page_cache_save")
    post_delete.connect(_changed, dispatch_uid="contactkit_page_cache_delete")
    page_unpublished.connect(invalidate, dispatch_uid="contactkit_page_cache_unpublish")
    post_page_move.connect(invalidate, dispatch_uid="contactkit_page_cache_move")


# Facts pages read that change only when someone saves something: kept this long at most.
REMEMBER_SECONDS = 24 * 60 * 60
_MISSING = object()


def remember(name, parts, compute):
    """``compute()``, computed once per change and kept in the cache under the current
    :func:`generation` (every save of what pages show starts a new one).

    For the shop's facts a page reads on every render (its profile, channels and hours, the
    site's settings, the addresses of its other pages), so a page rendered afresh asks the
    database only for the page itself. ``parts`` name what the value depends on (the site,
    the language…): never the time, which is computed on each render from these facts.
    ``None`` is remembered too.
    """
    current = generation()
    if current is None:
        return compute()
    key = "contactkit:facts:" + hashlib.sha256(repr((current, name, parts)).encode()).hexdigest()
    found = cache.get(key, _MISSING)
    if found is _MISSING:
        found = compute()
        cache.set(key, found, REMEMBER_SECONDS)
    return found


# --- which requests ------------------------------------------------------------------------


def _release():
    """What changes with each deployment of static files (their manifest), so a new release
    never serves pages naming the old release's stylesheets."""
    from django.contrib.staticfiles.storage import staticfiles_storage

    try:
        return staticfiles_storage.manifest_hash
    except (AttributeError, ValueError, OSError):
        from contactkit import __version__

        return __version__


def _only_tracking(query_string):
    return all(
        name.startswith(TRACKING_PARAMETERS)
        for name, _value in parse_qsl(query_string, keep_blank_values=True)
    )


def cacheable_request(request):
    """Whether ``request`` may be answered from (and stored in) the page cache."""
    if not contactkit_settings.PAGE_CACHE_SECONDS:
        return False
    if request.method not in ("GET", "HEAD"):
        return False
    if getattr(request, "is_preview", False):
        return False
    if request.META.get("QUERY_STRING") and not _only_tracking(request.META["QUERY_STRING"]):
        return False
    # Django's messages in a cookie would show on the page: render for them.
    if "messages" in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    # A visitor who typed a page's password (Wagtail keeps that in the session) sees pages
    # others may not: render for them, never store. Only a visitor with a session is asked.
    if settings.SESSION_COOKIE_NAME in request.COOKIES and hasattr(request, "session"):
        return not request.session.get(PASSED_RESTRICTIONS)
    return True


def _key(request, current_generation):
    parts = "\n".join(
        [
            current_generation,
            _release(),
            request.get_host(),
            request.path,
            get_language() or "",
        ]
    )
    return KEY_PREFIX + hashlib.sha256(parts.encode()).hexdigest()


# --- serving ------------------------------------------------------------------------------


def _fill(content, request):
    for name, make in HOLES.items():
        mark = marker(name).encode()
        if mark in content:
            content = content.replace(mark, str(make(request)).encode())
    return content


def _from_entry(entry, request):
    status, headers, content = entry
    response = HttpResponse(_fill(content, request), status=status)
    for name, value in headers:
        response[name] = value
    response[HEADER] = "hit"
    return response


def cached_response(request):
    """The stored page for ``request`` with its holes filled, or None."""
    if not cacheable_request(request):
        return None
    current = generation()
    if current is None:
        return None
    entry = cache.get(_key(request, current))
    return _from_entry(entry, request) if entry else None


STORED_HEADERS = ("Content-Type", "Content-Language")


@contextmanager
def _rendering_for_cache():
    limits = []
    token = _rendering.set(limits)
    try:
        yield limits
    finally:
        _rendering.reset(token)


def serve(page, request, render):
    """Serve ``page`` for ``request``: from the cache when stored, else ``render()`` it (a
    rendered response) and store it when it may be.

    ``render`` is the page's own serving; it is called with holes in place of each visit's
    values when the result will be stored.
    """
    if not cacheable_request(request):
        response = render()
        response[HEADER] = "bypass"
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Rendered for this person (a signed-in shopper's name and address in the form):
            # never kept by a shared cache.
            patch_cache_control(response, private=True)
        return response
    current = generation()
    if current is not None:
        entry = cache.get(_key(request, current))
        if entry:
            return _from_entry(entry, request)
    with _rendering_for_cache() as limits:
        response = render()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    if response.streaming:
        response[HEADER] = "bypass"
        return response
    if current is None or response.status_code != 200 or response.cookies:
        # Not stored (a cache that keeps nothing, such as Redis down, an error page, a page
        # that sets a cookie): this visitor's own values all the same.
        response.content = _fill(response.content, request)
        response[HEADER] = "bypass"
        return response
    now = timezone.now()
    seconds = contactkit_settings.PAGE_CACHE_SECONDS
    if limits:
        seconds = min(seconds, int((min(limits) - now).total_seconds()))
    if seconds > 0:
        headers = [(name, response[name]) for name in STORED_HEADERS if response.has_header(name)]
        cache.set(_key(request, current), (200, headers, response.content), seconds)
    response.content = _fill(response.content, request)
    response[HEADER] = "miss"
    return response


class PageCacheMiddleware:
    """Answer anonymous visits of stored pages before Wagtail looks the page up.

    Put it after Django's session, locale, CSRF and authentication middleware (it needs to
    know the visitor and the language, and the CSRF cookie to fill in the token).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = cached_response(request)
        except Exception:  # A cache that fails is a miss, never an error page.
            logger.exception("The page cache could not be read.")
            response = None
        return response if response is not None else self.get_response(request)
