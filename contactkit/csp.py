"""What contactkit adds to the project's Content-Security-Policy, response by response.

The project sets the policy (django-csp's ``CONTENT_SECURITY_POLICY``, see docs/csp.md): nothing
inline, everything from the site's own origin. contactkit's pages, the launcher and the inbox
need nothing more. What they may need besides depends on choices made in the admin or in the
project's storage settings, so it is added here, to the responses that need it, by
:class:`ContactkitCSPMiddleware` (listed after ``csp.middleware.CSPMiddleware``, so that it hands
its additions to django-csp on the response's way out):

- a site whose live chat is run by Crisp, Tawk.to or Tidio: that service's origins, on the
  site's pages (launcher.js loads the service's script once a shopper chooses it). Sites
  without such a chat get none of them;
- media stored elsewhere (S3, a CDN): the storage's origin for images and media;
- in the Wagtail admin, a nonce on the small inline scripts Wagtail's own form widgets still
  write (choosers, inline panels, date pickers; wagtail/wagtail#1288), and on nothing else:
  see :func:`nonce_wagtail_scripts`. contactkit's own admin screens write no inline script.

The additions are worked out from the site's channels, not from the page's HTML, so a page
served from the page cache gets the same header as a fresh one (at no query), and no public page
needs a nonce, which a stored page could not carry.
"""

import json
import logging
import re
from functools import lru_cache
from urllib.parse import urlsplit

from csp.constants import NONCE
from django.core.signals import setting_changed
from django.db import DatabaseError

logger = logging.getLogger(__name__)

# The origins each third-party chat needs, by directive, from the services' own guides (Crisp's
# below; Tawk.to's and Tidio's help pages on CSP). Scripts only from each service's own script
# hosts: never a wildcard over a domain that also serves files people upload (Crisp's
# storage.crisp.chat, Tawk.to's tawk.link) nor a public CDN such as cdn.jsdelivr.net (anyone can
# publish there), either of which would let anyone's script in. The services also need
# 'unsafe-inline' styles: their widgets write <style> elements and style attributes of their
# own (Crisp's guide says so; the others do the same). Only sites that chose such a chat get
# it, and never for scripts. See docs/csp.md.
CHAT_SOURCES = {
    # https://docs.crisp.chat/guides/others/whitelisting-our-systems/crisp-domain-names/
    "crisp": {
        "script-src": ["https://client.crisp.chat", "https://settings.crisp.chat"],
        "style-src": ["'unsafe-inline'", "https://client.crisp.chat"],
        "img-src": ["https://*.crisp.chat"],
        "font-src": ["https://client.crisp.chat"],
        "media-src": ["https://client.crisp.chat"],
        "connect-src": [
            "https://client.crisp.chat",
            "https://storage.crisp.chat",
            "wss://client.relay.crisp.chat",
            "wss://stream.relay.crisp.chat",
            "wss://client.relay.rescue.crisp.chat",
        ],
        "frame-src": ["https://game.crisp.chat", "https://assets.crisp.chat"],
        "worker-src": ["blob:", "https://client.crisp.chat"],
    },
    "tawkto": {
        "script-src": ["https://embed.tawk.to"],
        "style-src": ["'unsafe-inline'", "https://*.tawk.to", "https://fonts.googleapis.com"],
        "img-src": [
            "https://*.tawk.to",
            "https://tawk.link",
            "https://cdn.jsdelivr.net",
            "https://s3.amazonaws.com",
        ],
        "font-src": ["https://*.tawk.to", "https://fonts.gstatic.com"],
        "media-src": ["https://*.tawk.to"],
        "connect-src": ["https://*.tawk.to", "wss://*.tawk.to"],
        "frame-src": ["https://*.tawk.to"],
        "form-action": ["https://*.tawk.to"],
    },
    "tidio": {
        "script-src": ["https://code.tidio.co", "https://widget-v4.tidiochat.com"],
        "style-src": ["'unsafe-inline'", "https://*.tidio.co", "https://*.tidiochat.com"],
        "img-src": ["https://*.tidio.co", "https://*.tidiochat.com"],
        "font-src": ["https://*.tidio.co", "https://*.tidiochat.com"],
        "media-src": ["https://*.tidio.co", "https://*.tidiochat.com"],
        "connect-src": [
            "https://*.tidio.co",
            "wss://*.tidio.co",
            "https://*.tidiochat.com",
            "wss://*.tidiochat.com",
        ],
        "frame-src": ["https://*.tidio.co", "https://*.tidiochat.com"],
        "worker-src": ["blob:"],
    },
}


def chat_providers(request):
    """The third-party chat services (``crisp``, ``tawkto``, ``tidio``) of the channels of
    ``request``'s site.

    Worked out once per change of what pages show, and remembered per host in the page
    cache's generation (:func:`contactkit.pages.cache.remember`: saving a channel starts a new
    one), so a page served from the page cache costs no query here either. Worked out from the
    request's :class:`~contactkit.profile.shop.Shop` when the page loaded its channels anyway,
    else with a query.
    """
    from django.http.request import split_domain_port

    from contactkit.pages.cache import remember

    host = split_domain_port(request._get_raw_host())[0]
    return frozenset(
        remember("csp-chat-providers", (host, request.get_port()), lambda: _providers(request))
    )


def _providers(request):
    from wagtail.models import Site

    from contactkit.profile.choices import ChannelKind
    from contactkit.profile.models import ContactChannel

    site = Site.find_for_request(request)
    if site is None:
        return []
    shop = getattr(request, "_contactkit_shop", None)
    if shop is not None and shop.site == site and "channels" in shop.__dict__:
        found = {view.chat_provider for view in shop.channels if view.kind == ChannelKind.CHAT}
    else:
        found = set(
            ContactChannel.objects.filter(site=site, kind=ChannelKind.CHAT).values_list(
                "chat_provider", flat=True
            )
        )
    return sorted(found & set(CHAT_SOURCES))


@lru_cache(maxsize=1)
def sign_in_origins():
    """Where a "Continue with …" form may lead (contactkit.accounts): the providers' sign-in
    origins, for ``form-action``. From the settings only, so the same for every response."""
    from contactkit.accounts.providers import sign_in_origins as origins

    try:
        return origins()
    except Exception:  # noqa: BLE001 - a backend that cannot be loaded is the checks' to report
        logger.exception("The sign-in providers' origins could not be worked out")
        return ()


@lru_cache(maxsize=1)
def media_origins():
    """The origin the default storage serves files from, when it is not this site's own.

    Asked of the storage itself (a URL it would give, computed without any request to it), so
    S3 with or without a custom domain, another endpoint or an absolute MEDIA_URL all work.
    """
    from django.core.files.storage import default_storage

    try:
        url = default_storage.url("contactkit-csp-probe.jpg")
    except Exception:  # noqa: BLE001 - a storage that cannot name a URL serves nothing to allow
        return ()
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ()
    return (f"{parts.scheme}://{parts.netloc}",)


# --- the Wagtail admin ----------------------------------------------------------------------

# Wagtail 8's form widgets start themselves with an inline script: a call of one of these, with
# literal data (JSON) as its arguments. The inline panels wrap theirs in a function.
WAGTAIL_INITIALIZERS = frozenset(
    {
        "new PageChooser",
        "new ImageChooser",
        "new DocumentChooser",
        "new SnippetChooser",
        "new Chooser",
        "initDateChooser",
        "initTimeChooser",
        "initDateTimeChooser",
        "createTaskChooser",
    }
)
_CALL = re.compile(r"\s*(?P<callee>(?:new\s+)?[A-Za-z]+)\((?P<args>.*)\);?\s*", re.S)
_PANEL = re.compile(
    r"\s*\(function\(\)\s*\{\s*var panel = new (?:Inline|MultipleChooser)Panel\("
    r'JSON\.parse\((?P<options>"[^"\\]*(?:\\.[^"\\]*)*")\)\);\s*\}\)\(\);\s*',
    re.S,
)
_INLINE_SCRIPT = re.compile(r"<script>(?P<body>.*?)</script>", re.S)
_JSON = json.JSONDecoder()


def _json_arguments(text):
    """Whether ``text`` is a comma-separated list of JSON values and nothing else."""
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        try:
            _, position = _JSON.raw_decode(text, position)
        except ValueError:
            return False
        while position < end and text[position].isspace():
            position += 1
        if position == end:
            return True
        if text[position] != ",":
            return False
        position += 1


def is_wagtail_initializer(body):
    """Whether an inline script's ``body`` is one of Wagtail's widget initializers: a call of
    a known function or constructor whose arguments are all literal data (JSON), or an inline
    panel's start with its options as one literal string. Nothing else can run this way: any
    other code, an expression, a variable, a second statement, does not match."""
    panel = _PANEL.fullmatch(body)
    if panel:
        try:
            json.loads(panel["options"])
        except ValueError:
            return False
        return True
    call = _CALL.fullmatch(body)
    if not call:
        return False
    callee = " ".join(call["callee"].split())
    return callee in WAGTAIL_INITIALIZERS and _json_arguments(call["args"])


def nonce_wagtail_scripts(html, nonce):
    """``html`` with the nonce (``nonce()`` gives it, asked once, on the first script that
    needs it) on each inline script that Wagtail's widgets wrote, and how many there were.

    Those scripts are the only inline code in the admin: django-csp's nonce lets them (and the
    copies jQuery runs when an inline panel adds a form from its <template>, which carry the
    nonce along) run under ``script-src 'self' 'nonce-…'``. A script is recognised by what it
    is, the exact shape Wagtail writes with literal arguments (:func:`is_wagtail_initializer`),
    so a script injected into a page gets no nonce and stays blocked, unless it is itself only a
    call of one of those initializers with literal data, which can do no more than start a
    widget.
    """
    count = 0
    value = None

    def add(match):
        nonlocal count, value
        if not is_wagtail_initializer(match["body"]):
            return match[0]
        count += 1
        value = value or str(nonce())
        return f'<script nonce="{value}">{match["body"]}</script>'

    return _INLINE_SCRIPT.sub(add, html), count


def _merge(update, extra):
    for directive, sources in extra.items():
        current = list(update.get(directive) or [])
        current += [source for source in sources if source not in current]
        update[directive] = current
    return update


def _with_defaults(extra, response):
    """``extra`` for django-csp's update, with ``default-src``'s sources first in each
    directive the policy does not set: django-csp adds a directive it lacks with only the
    sources given, and the browser then stops falling back to ``default-src`` for it (a chat's
    connect-src without 'self' would cut the launcher off its own API)."""
    from django.conf import settings

    configured = getattr(response, "_csp_config", None)
    if configured is None:
        configured = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        configured = configured.get("DIRECTIVES", {})
    policy = {**configured, **(getattr(response, "_csp_replace", None) or {})}
    fallback = list(policy.get("default-src") or [])
    return {
        directive: sources if policy.get(directive) is not None else fallback + list(sources)
        for directive, sources in extra.items()
    }


class ContactkitCSPMiddleware:
    """Adds contactkit's per-response sources to django-csp's policy (see the module's text).

    List it right after ``csp.middleware.CSPMiddleware``. A project that needs other sources
    for a chat service can subclass it and change :attr:`chat_sources`.
    """

    chat_sources = CHAT_SOURCES

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        extra = {}
        media = media_origins()
        if media:
            _merge(extra, {"img-src": media, "media-src": media})
        if _is_html(response):
            if _in_admin(request):
                _merge(extra, self.admin_policy(request, response))
            else:
                _merge(extra, self.chat_policy(request))
            sign_in = sign_in_origins()
            if sign_in:
                _merge(extra, {"form-action": sign_in})
        if extra:
            update = dict(getattr(response, "_csp_update", None) or {})
            response._csp_update = _merge(update, _with_defaults(extra, response))
        return response

    def admin_policy(self, request, response):
        """The nonce of Wagtail's own widget scripts, when an admin page has any."""
        if response.streaming or getattr(response, "_csp_exempt", False):
            return {}
        charset = response.charset or "utf-8"
        try:
            text = response.content.decode(charset)
        except (UnicodeDecodeError, LookupError):  # not the HTML it says it is: no script of ours
            return {}
        html, count = nonce_wagtail_scripts(text, lambda: request.csp_nonce)
        if not count:
            return {}
        response.content = html.encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return {"script-src": [NONCE]}

    def chat_policy(self, request):
        """The sources of the chat services the request's site uses, or nothing.

        Nothing either when the database cannot say (it is down, and the page is the short
        "try again" one): the strict policy stands, and the page keeps its own status.
        """
        try:
            providers = chat_providers(request)
        except DatabaseError:
            logger.warning("The chat services of %s are unknown: database error", request.path)
            return {}
        extra = {}
        for provider in sorted(providers):
            _merge(extra, self.chat_sources.get(provider, {}))
        return extra


def _is_html(response):
    return response.get("Content-Type", "").startswith("text/html")


def _in_admin(request):
    from django.urls import reverse

    return request.path.startswith(reverse("wagtailadmin_home"))


def _storage_changed(setting, **kwargs):
    if setting in ("STORAGES", "MEDIA_URL"):
        media_origins.cache_clear()
    if setting in ("CONTACTKIT_SIGN_IN", "AUTHENTICATION_BACKENDS") or setting.startswith(
        "SOCIAL_AUTH_"
    ):
        sign_in_origins.cache_clear()


setting_changed.connect(_storage_changed, dispatch_uid="contactkit_csp_storage_changed")
