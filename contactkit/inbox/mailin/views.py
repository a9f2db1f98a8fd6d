"""The inbound-mail webhook: a mail provider posts each email it receives, as raw MIME.

One endpoint for every provider: the raw email as the request body (``message/rfc822``), or
in a form field named ``email`` (SendGrid's Inbound Parse), ``body-mime`` (Mailgun) or
``raw``, or in JSON as ``RawEmail`` (Postmark) or ``raw``. It is imported exactly like a mail
read from the mailbox (:func:`.importer.import_email`).

The provider proves itself with the shared secret ``CONTACTKIT_INBOUND_SECRET``: in the
``X-Contactkit-Secret`` header, or as the password of HTTP Basic authentication (for
providers that only let you put ``https://user:secret@shop/...`` in their settings). Without
a secret set the endpoint does not exist (404).
"""

import base64
import binascii
import email.policy
import hmac
import json
from email.parser import BytesParser
from urllib.parse import parse_qs

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from wagtail.models import Site

from contactkit.conf import contactkit_settings
from contactkit.inbox.mailin.importer import import_email

FIELDS = ("email", "body-mime", "raw", "RawEmail")
# Room for a form's or JSON's wrapping around the email itself.
OVERHEAD = 1024 * 1024


@csrf_exempt
@require_POST
def inbound_email(request):
    """Import the posted email; answer ``{"outcome": ..., "reference": ...}``."""
    secret = contactkit_settings.INBOUND_SECRET
    if not secret:
        raise Http404
    if not _authenticated(request, secret):
        return JsonResponse({"error": "forbidden"}, status=403)
    limit = contactkit_settings.INBOUND_MAX_BYTES + OVERHEAD
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return JsonResponse({"error": "too big"}, status=413)
    # Read here, not through request.body or request.POST: Django caps those far lower
    # (DATA_UPLOAD_MAX_MEMORY_SIZE) than an email with photos.
    body = request.read(limit + 1)
    if len(body) > limit:
        return JsonResponse({"error": "too big"}, status=413)
    raw = _raw_email(request.content_type or "", request.META.get("CONTENT_TYPE", ""), body)
    del body
    if not raw or not raw.strip():
        return JsonResponse({"error": "no email in the request"}, status=400)
    site = Site.find_for_request(request)
    inbound = import_email(raw, site=site, mailbox="webhook")
    reference = inbound.conversation.reference if inbound.conversation_id else ""
    return JsonResponse({"outcome": inbound.outcome, "reference": reference})


def _authenticated(request, secret):
    given = request.headers.get("X-Contactkit-Secret", "")
    if not given:
        kind, _sep, credentials = request.headers.get("Authorization", "").partition(" ")
        if kind.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            given = decoded.partition(":")[2]
    return bool(given) and hmac.compare_digest(given.encode(), str(secret).encode())


def _raw_email(content_type, full_content_type, body):
    """The email in a request body: the body itself, or a form's or JSON's field."""
    if content_type == "multipart/form-data":
        # Parsed with the email package, which takes a form of any size.
        form = BytesParser(policy=email.policy.compat32).parsebytes(
            b"Content-Type: " + full_content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        if form.is_multipart():
            fields = {}
            for part in form.get_payload():
                name = part.get_param("name", header="content-disposition")
                if name in FIELDS and name not in fields:
                    fields[name] = part.get_payload(decode=True) or b""
            return next((fields[name] for name in FIELDS if name in fields), b"")
        return b""
    if content_type == "application/x-www-form-urlencoded":
        # Read as latin-1, which maps every byte to one character and back: each value comes
        # back as the exact bytes it stands for. (parse_qs of bytes turns %C3%B1, an email's
        # "ñ", into text and then fails to make ASCII bytes of it.)
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        for name in FIELDS:
            if values.get(name):
                return values[name][0].encode("latin-1")
        return b""
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return b""
        for name in FIELDS:
            if isinstance(data, dict) and isinstance(data.get(name), str):
                return _json_bytes(data[name])
        return b""
    return body


def _json_bytes(text):
    """A JSON string's email as bytes: undecodable bytes escaped as surrogates (U+DC80-DCFF)
    back to what they were; any other lone surrogate (a JSON "\\ud800", which no byte stands
    for) as "?", so the email is still kept rather than the call failing."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")
