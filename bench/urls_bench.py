"""bench/pages.py: the demo's URLs, plus the floor.

The floor is a bare Django view answering the bytes of the contact page (saved by the benchmark
from a real response into BENCH_FLOOR_FILE) through the same middleware, on the same server:
what serving that page costs when rendering it costs nothing.
"""

import os
from pathlib import Path

from django.http import HttpResponse
from django.urls import path

from demoshop.urls import urlpatterns as demo_urlpatterns

_floor = []


def floor(request):
    if not _floor:
        _floor.append(Path(os.environ["BENCH_FLOOR_FILE"]).read_bytes())
    return HttpResponse(_floor[0], content_type="text/html; charset=utf-8")


urlpatterns = [path("bench/floor/", floor), *demo_urlpatterns]
