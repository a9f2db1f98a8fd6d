"""`python3 dev.py demo --port N`: the demo's address follows N everywhere it is written."""

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command
from wagtail.models import Site

from tests.pages.demo_html import demo_languages

ROOT = Path(__file__).resolve().parents[1]


def test_load_demo_shop_takes_the_port(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with demo_languages():
        call_command("load_demo_shop", "--port", "8123", stdout=io.StringIO())
        site = Site.objects.get(is_default_site=True)
        assert (site.hostname, site.port) == ("127.0.0.1", 8123)
        sitemap = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:8123").content.decode()
    assert "<loc>http://127.0.0.1:8123/contacto/</loc>" in sitemap
    assert "<loc>http://127.0.0.1:8123/en/contact/</loc>" in sitemap
    assert ":8000" not in sitemap


def test_load_demo_shop_defaults_to_port_8000(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo_shop", stdout=io.StringIO())
    assert Site.objects.get(is_default_site=True).port == 8000


def test_dev_settings_put_the_port_in_links_from_emails():
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    env = {**os.environ, **dev.demo_env(8123), "PYTHONPATH": str(ROOT / "site")}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import demoshop.settings.dev as s; print(s.WAGTAILADMIN_BASE_URL)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == "http://127.0.0.1:8123"
