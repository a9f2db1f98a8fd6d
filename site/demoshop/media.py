"""Uploaded images served by Django itself, for a shop with no web server in front of it.

``SERVE_MEDIA=1`` (the production default) adds this view at MEDIA_URL: the About page's logo,
photos and seals, Wagtail's originals and the renditions it writes on first use, all from
MEDIA_ROOT. A shop with nginx or Caddy in front lets that serve MEDIA_ROOT instead (faster:
docs/deploy.md), and one on S3 serves nothing here at all.

- Only files inside MEDIA_ROOT, after following ``..`` and symbolic links: anything else (a
  path out of it, such as the shoppers' attachments kept beside it, a folder, a hidden file)
  answers 404, the same as a file that does not exist.
- Not Wagtail's documents: /documents/<id>/<name> serves them (Wagtail's view, which checks
  a private collection's restrictions); their direct path under MEDIA_URL would skip that check.
- Conditional GET: ``ETag`` and ``Last-Modified`` from the file, answered 304 when unchanged;
  ``Cache-Control`` keeps a file a day (Wagtail never reuses a file's name for other content,
  so a day old copy is still right; the check after it costs a 304).
- ``Content-Security-Policy: sandbox`` on every file: an image opened on its own can run
  nothing even if it is an SVG with a script in it.
"""

import mimetypes
import re
import stat
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.http import FileResponse, Http404
from django.urls import re_path
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

MAX_AGE = 24 * 60 * 60
# Served by Wagtail's document view, which checks privacy; never straight from the folder.
NOT_SERVED = ("documents",)
# Formats Python's mimetypes may not know on every system.
CONTENT_TYPES = {
    ".avif": "image/avif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".heic": "image/heic",
}
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def media_file(path):
    """The file of MEDIA_ROOT that ``path`` (the URL's part after MEDIA_URL) names, or None."""
    parts = PurePosixPath(path).parts
    if not parts or parts[0] in NOT_SERVED or any(part.startswith(".") for part in parts):
        return None
    if "\x00" in path or "\\" in path:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        candidate = (root / path).resolve()
        info = candidate.stat()
    except (OSError, ValueError, RuntimeError):  # missing, unreadable, a symlink loop
        return None
    if not candidate.is_relative_to(root) or candidate == root:
        return None
    relative = candidate.relative_to(root).parts
    if relative[0] in NOT_SERVED or not stat.S_ISREG(info.st_mode):
        return None
    return candidate, info


@require_safe
def serve(request, path):
    found = media_file(path)
    if found is None:
        raise Http404
    file, info = found
    etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
    last_modified = int(info.st_mtime)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        content_type = CONTENT_TYPES.get(file.suffix.lower())
        if content_type is None:
            content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        response = FileResponse(file.open("rb"), content_type=content_type)
    response.headers["ETag"] = etag
    response.headers["Last-Modified"] = http_date(last_modified)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Content-Security-Policy"] = SANDBOX
    return response


def urlpatterns():
    """The media route when Django is to serve MEDIA_URL itself (``SERVE_MEDIA``), else none.

    Nothing when MEDIA_URL is on another host (object storage, a CDN).
    """
    prefix = settings.MEDIA_URL or ""
    if not getattr(settings, "SERVE_MEDIA", False) or not prefix.startswith("/"):
        return []
    return [re_path(rf"^{re.escape(prefix.lstrip('/'))}(?P<path>.*)$", serve, name="media")]
