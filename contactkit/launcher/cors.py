"""Which web pages may call the launcher's API from a shopper's browser (CORS).

The shop's own pages always may: a call whose ``Origin`` is the site's own address (its
``root_url``) or the address the request was made to is same-origin. Another storefront
(Shopify, WooCommerce, PrestaShop…) may only when the site lists it in
:class:`~contactkit.launcher.models.LauncherSettings` ("storefronts that may show the widget");
it then gets ``Access-Control-Allow-Origin`` naming it, and its preflight ``OPTIONS`` is
answered. Any other ``Origin`` gets 403 and no CORS headers, so its browser shows its page
nothing at all.

No credentials: the API sets and reads no cookie (the chat's token travels in the URL), so
``Access-Control-Allow-Credentials`` is never sent and a page of a listed storefront can read
only what the token it holds gives it.

A request without ``Origin`` (a browser's same-origin GET, a server, curl) is not a
cross-origin call: CORS has nothing to allow. It is still rate-limited like any other.
"""

from urllib.parse import urlsplit

from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Content-Type"
# How long a browser may keep a preflight's answer (seconds).
MAX_AGE = 600
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(origin):
    """``origin`` as ``scheme://host[:port]``, lowercased, default port left out; "" if it is
    not an http(s) origin (such as the ``null`` origin of a sandboxed page or a file)."""
    try:
        parts = urlsplit((origin or "").strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def request_origin(request):
    """The request's ``Origin`` header as sent ("" without one)."""
    return request.headers.get("Origin", "")


def own_origins(request, site=None):
    """The origins that are the shop itself: the request's own address and the site's."""
    found = {normalise(f"{request.scheme}://{request.get_host()}")}
    if site is not None:
        found.add(normalise(site.root_url))
    return found - {""}


def listed_origins(site):
    """The storefronts ``site`` lets show the widget, normalised."""
    from contactkit.launcher.models import LauncherSettings

    return {normalise(origin) for origin in LauncherSettings.for_site(site).origins()} - {""}


def listed_anywhere(origin):
    """Whether any site lists ``origin`` (for calls that do not say which site they are for:
    a preflight of ``POST /chats``, whose site is in the body the preflight does not carry)."""
    from contactkit.launcher.models import LauncherSettings

    return any(
        origin in {normalise(listed) for listed in settings.origins()}
        for settings in LauncherSettings.objects.exclude(allowed_origins="")
    )


class Verdict:
    """What CORS says about one request: ``origin`` (normalised, "" without one), whether it
    is ``foreign`` (a cross-origin call) and whether it is ``allowed``."""

    def __init__(self, origin, foreign, allowed):
        self.origin = origin
        self.foreign = foreign
        self.allowed = allowed


def check(request, site=None):
    """Judge ``request``'s ``Origin`` for ``site`` (None: any site listing it will do)."""
    sent = request_origin(request)
    if not sent:
        return Verdict("", False, True)
    origin = normalise(sent)
    if origin and origin in own_origins(request, site):
        return Verdict(origin, False, True)
    if not origin:
        return Verdict(sent, True, False)
    allowed = origin in listed_origins(site) if site is not None else listed_anywhere(origin)
    return Verdict(origin, True, allowed)


def add_headers(response, verdict):
    """Let the browser give ``response`` to a page of an allowed foreign origin."""
    patch_vary_headers(response, ["Origin"])
    if verdict.foreign and verdict.allowed:
        response["Access-Control-Allow-Origin"] = verdict.origin
        response["Access-Control-Expose-Headers"] = "Retry-After"
    return response


def preflight(verdict):
    """The answer to ``OPTIONS``: 204 with what may be sent, or 403 for an origin not allowed."""
    if not verdict.allowed:
        return forbidden(verdict)
    response = HttpResponse(status=204)
    response["Allow"] = ALLOW_METHODS
    if verdict.foreign:
        response["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Max-Age"] = str(MAX_AGE)
    return add_headers(response, verdict)


def forbidden(verdict):
    """403 for a page whose origin the site does not list."""
    response = JsonResponse(
        {
            "detail": gettext(
                "This shop does not allow its chat on %(origin)s. The shop can add that "
                "address under “Launcher and chat” in its settings."
            )
            % {"origin": verdict.origin or gettext("this page")}
        },
        status=403,
    )
    patch_vary_headers(response, ["Origin"])
    return response
