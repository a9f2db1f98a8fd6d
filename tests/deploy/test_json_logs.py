"""contactkit.jsonlog.JSONFormatter: one line of valid JSON per record, whatever it holds (a real
server's lines are checked in test_served.py)."""

import json
import logging
import sys

from django.test import RequestFactory

from contactkit.jsonlog import JSONFormatter


def formatted(record):
    line = JSONFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def record(message, *args, level=logging.ERROR, exc_info=None, **extra):
    made = logging.getLogger("django.request").makeRecord(
        "django.request", level, __file__, 1, message, args, exc_info, extra=extra
    )
    return made


def test_a_plain_record_has_time_level_logger_and_message():
    line = formatted(record("Mensaje de %s", "Ana Núñez", level=logging.WARNING))
    assert line.keys() == {"time", "level", "logger", "message"}
    assert line["message"] == "Mensaje de Ana Núñez"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["time"].endswith("+00:00")


def test_a_request_error_has_its_path_method_status_and_traceback():
    request = RequestFactory().post("/contacto/?email=ana@example.com")
    try:
        raise ValueError("a bug\nin two lines")
    except ValueError:
        exc_info = sys.exc_info()
    line = formatted(
        record(
            "Internal Server Error: %s",
            request.path,
            exc_info=exc_info,
            request=request,
            status_code=500,
        )
    )
    assert line["path"] == "/contacto/" and line["method"] == "POST"
    assert line["status_code"] == 500
    assert line["exc_info"].startswith("Traceback (most recent call last)")
    assert line["exc_info"].endswith("ValueError: a bug\nin two lines")
    assert "ana@example.com" not in json.dumps(line)


def test_what_is_not_a_request_is_left_out():
    # Django's development server logs with its socket as "request".
    line = formatted(record("GET / 200", request=object(), status_code="200"))
    assert "path" not in line and "method" not in line and "status_code" not in line
