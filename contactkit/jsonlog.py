"""Log records as JSON lines, one per record, for whatever collects a server's stderr.

A line holds ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``; a record about a
request (Django logs every 4xx and 5xx response with it, see ``django.utils.log.log_response``)
adds its ``path`` and ``method`` and the response's ``status_code``; an exception adds
``exc_info``, its traceback as text. The path is logged without its query string, which may carry
a shopper's details or a token.

(Not named ``logging.py``: run from inside this folder, Python would import it for the standard
library's ``logging``, as ``makemessages`` does in tests/test_translations.py.)

In ``LOGGING``::

    "formatters": {"json": {"()": "contactkit.jsonlog.JSONFormatter"}},
"""

import datetime as dt
import json
import logging


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (+ request, + traceback)."""

    def format(self, record):
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        # Django's development server passes its socket as "request": only a real request
        # has a path and a method.
        path = getattr(request, "path", None)
        method = getattr(request, "method", None)
        if isinstance(path, str):
            entry["path"] = path
        if isinstance(method, str):
            entry["method"] = method
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            entry["status_code"] = status_code
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # Whatever a message holds (a shopper's accents, a lazy translation), the line stays
        # one line of valid JSON.
        return json.dumps(entry, ensure_ascii=False, default=str)
