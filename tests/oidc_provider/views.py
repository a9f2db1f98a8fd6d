"""The test-only JSON endpoints: users with their claims, and the client's redirect URIs.

A test fixture on 127.0.0.1, so CSRF-exempt and without authentication.
"""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model

from .models import MISBEHAVIOURS, Claims

USER_FIELDS = {
    "username",
    "password",
    "email",
    "email_verified",
    "name",
    "profile",
    "preferred_username",
    "misbehave",
}


class BadRequest(Exception):
    pass


def _json_body(request):
    try:
        data = json.loads(request.body)
    except ValueError as error:
        raise BadRequest(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def _endpoint(view):
    def wrapper(request):
        try:
            return view(request)
        except BadRequest as error:
            return JsonResponse({"error": str(error)}, status=400)

    return csrf_exempt(require_POST(wrapper))


@_endpoint
def users(request):
    """Create a user, or replace the password and claims of an existing one (same username)."""
    data = _json_body(request)
    if unknown := set(data) - USER_FIELDS:
        raise BadRequest(f"unknown fields: {sorted(unknown)}")
    username = data.get("username")
    if not username or not isinstance(username, str):
        raise BadRequest("username is required")
    misbehave = data.get("misbehave", "")
    if not isinstance(misbehave, str) or misbehave not in dict(MISBEHAVIOURS):
        raise BadRequest(f"misbehave must be one of {[m for m, _ in MISBEHAVIOURS]}")
    with transaction.atomic():
        user, _ = get_user_model().objects.update_or_create(
            username=username, defaults={"email": data.get("email", "")}
        )
        user.set_password(data.get("password", ""))
        user.save(update_fields=["password"])
        Claims.objects.update_or_create(
            user=user,
            defaults={
                "email_verified": bool(data.get("email_verified", True)),
                "name": data.get("name", ""),
                "profile": data.get("profile", ""),
                "preferred_username": data.get("preferred_username", ""),
                "misbehave": misbehave,
            },
        )
    return JsonResponse({"sub": str(user.pk)}, status=201)


@_endpoint
def redirect_uris(request):
    """Register one more exact redirect URI for the client."""
    uri = _json_body(request).get("uri")
    if not isinstance(uri, str) or urlsplit(uri).scheme not in ("http", "https") or "#" in uri:
        raise BadRequest("uri must be an absolute http(s) URI without a fragment")
    Application = get_application_model()
    with transaction.atomic():
        application = Application.objects.get(client_id=settings.OIDC_TEST_CLIENT_ID)
        registered = application.redirect_uris.split()
        if uri not in registered:
            application.redirect_uris = " ".join([*registered, uri])
            application.save(update_fields=["redirect_uris"])
    return JsonResponse({"redirect_uris": application.redirect_uris.split()})
