"""While the database cannot be reached, every page answers a short, clean 503.

Without this, a database restart turns every address into Django's bare "Server Error (500)"
and a traceback in the logs per request, and nothing tells a shopper (or a load balancer) that
it is temporary. With it, a request that fails because the database is unreachable
(``OperationalError`` or ``InterfaceError``: refused, closed, timed out) answers 503 with
``Retry-After`` and a translated page saying to try again, rendered from a template that needs no
database. The processes themselves recover once the database is back: Django drops a broken
connection at the end of the request and, with ``CONN_HEALTH_CHECKS``, checks a persistent one
before it is reused.

The database can fail in the view (a page, or Wagtail's own routing when it looks the site and
the page up) or in another middleware (the session saved at the end of the request). A view's
exception reaches :meth:`ServiceUnavailableMiddleware.process_exception`; another middleware's
is turned into a 500 by Django before it gets here, so the exception is noted on the request
when Django signals it (``got_request_exception``) and the 500 replaced on its way out.

Place it after SecurityMiddleware (whose headers the 503 then carries too) and WhiteNoise
(static files need no database), before everything else: any other middleware may ask the
database on the way in or out (sessions, users, the Content-Security-Policy of a site's chat).
The 503 brings its own Content-Security-Policy and X-Frame-Options, since what would have
added them may be the very thing that failed::

    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "contactkit.middleware.ServiceUnavailableMiddleware",
        ...
    ]
"""

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger("contactkit.unavailable")

DATABASE_DOWN = (OperationalError, InterfaceError)
# Seconds after which a browser or a client may try again: about what a database restart takes.
RETRY_AFTER_SECONDS = 30
# The page loads nothing (its icon is an empty data: URL) and runs nothing.
POLICY = (
    "default-src 'none'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
NOTED = "_contactkit_database_error"


def database_error(exception):
    """The database error behind ``exception`` (itself, or what it was raised from), or None.

    A template or a library may raise its own error while handling the database's.
    """
    seen = set()
    while exception is not None and id(exception) not in seen:
        if isinstance(exception, DATABASE_DOWN):
            return exception
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return None


def _note_database_error(sender, request=None, **kwargs):
    error = database_error(sys.exc_info()[1])
    if error is not None and request is not None:
        setattr(request, NOTED, error)


got_request_exception.connect(_note_database_error, dispatch_uid="contactkit_database_down")


def unavailable_response(request):
    """The 503 answered while the database is down, in the request's language."""
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(
        request, check_path=True
    )
    with translation.override(language):
        if request.accepts("text/html") or not request.accepts("application/json"):
            response = HttpResponse(
                render_to_string("contactkit/unavailable.html", {"path": request.path}),
                status=503,
                content_type="text/html; charset=utf-8",
            )
        else:
            # The launcher, the widget and API clients read JSON.
            response = JsonResponse(
                {
                    "detail": gettext(
                        "This page cannot be shown right now because of a technical problem "
                        "on our side. Please try again in a minute."
                    )
                },
                status=503,
            )
        response.headers["Content-Language"] = translation.get_language()
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Never kept by a browser, a proxy or contactkit's page cache: it is over in a minute.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Frame-Options"] = getattr(settings, "X_FRAME_OPTIONS", "DENY")
    response.contactkit_unavailable = True
    return response


class ServiceUnavailableMiddleware:
    """Answer 503 (see the module's docstring) when the database cannot be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, NOTED, None)
        if (
            error is not None
            and response.status_code >= 500
            and not getattr(response, "contactkit_unavailable", False)
        ):
            return self._unavailable(request, error)
        return response

    def process_exception(self, request, exception):
        error = database_error(exception)
        if error is None:
            return None
        return self._unavailable(request, error)

    def _unavailable(self, request, error):
        logger.warning(
            "The database is unreachable (%s: %s): answered 503.",
            type(error).__name__,
            str(error).strip(),
            extra={"request": request, "status_code": 503},
        )
        return unavailable_response(request)
