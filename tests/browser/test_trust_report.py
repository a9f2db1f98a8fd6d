"""The trust report in the admin, in Chromium against the demo shop: the dashboard panel with
the score and what to fix first, the full report, and a fix link that leads to its screen.

With CONTACTKIT_SCREENSHOTS=1 it saves the panel to docs/screenshots/trust-panel.png for
docs/trust-report.md.
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.cache import cache

from contactkit.accounts.models import ProfileProof
from tests.browser.test_demo_pages import AXE_OPTIONS

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
USERNAME = "rosa-informe"
PASSWORD = "tienda-2026"  # noqa: S105 (a test user of the demo)


@pytest.fixture(scope="module")
def seen(demo, browser):
    """Rosa, the owner, opens the dashboard, the full report, and follows the first fix."""
    User = get_user_model()
    User.objects.filter(username=USERNAME).delete()
    User.objects.create_superuser(USERNAME, "rosa@example.com", PASSWORD)
    cache.clear()
    found = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    page = context.new_page()
    try:
        page.goto(demo.url + "/admin/login/")
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        panel = page.locator("#contactkit-trust-section, [id^=contactkit-trust]").first
        found["panel"] = " ".join(panel.inner_text().split())
        if os.environ.get("CONTACTKIT_SCREENSHOTS") == "1":
            panel.screenshot(path=str(SCREENSHOTS / "trust-panel.png"))
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("link", name="Ver el informe completo").click()
        found["report_url"] = page.url
        found["report"] = " ".join(page.locator("main").inner_text().split())
        found["axe"] = Axe().run(page, options=AXE_OPTIONS)
        with page.expect_navigation(wait_until="load"):
            page.get_by_role("link", name="Propiedades → Perfiles sociales verificados").click()
        found["fix_url"] = page.url
    finally:
        context.close()
        User.objects.filter(username=USERNAME).delete()
    return found


def test_the_dashboard_shows_the_score_and_what_to_fix_first(seen):
    assert not ProfileProof.objects.exists()  # the demo proves none of its profiles
    assert "Cuánta confianza transmite tu tienda" in seen["panel"]
    assert "Puntuación: 98/100" in seen["panel"]
    assert "Recomendado: Demuestra que tus perfiles sociales son tuyos" in seen["panel"]


def test_the_full_report_groups_the_findings_by_severity(seen):
    assert seen["report_url"].endswith("/admin/contactkit/trust/")
    report = seen["report"]
    assert "Obligatorio por ley (0)" in report
    assert "Lo esperan los clientes (0)" in report
    assert "Recomendado (1)" in report
    assert "No falta nada de lo que exige la ley." in report
    assert seen["axe"].violations_count == 0, seen["axe"].generate_report()


def test_a_finding_links_to_the_screen_that_fixes_it(seen):
    assert seen["fix_url"].endswith("/admin/contactkit/verified-profiles/")
