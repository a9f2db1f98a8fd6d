"""Every public demo page is valid HTML, by the W3C Nu HTML Checker (vnu.jar, the checker behind
validator.w3.org/nu), run once on all the pages: the JVM is slow to start.

``python3 dev.py test`` installs what it needs: Debian's ``default-jre-headless`` and the npm
package ``vnu-jar`` in .venvs/vnu/. Without them this test fails, saying how to get them.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pages.demo_html import LANGUAGES, NOT_FOUND, PAGES, STATES, rendered_demo

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(
    os.environ.get(
        "CONTACTKIT_VNU_JAR", ROOT / ".venvs/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
    )
)
HOW_TO_INSTALL = (
    "`python3 dev.py test` installs it, or run `sudo apt-get install default-jre-headless` and "
    "`npm install --ignore-scripts --prefix .venvs/vnu vnu-jar`."
)


def checker():
    java = shutil.which("java")
    if java is None:
        pytest.fail(f"Java is not installed, and the HTML checker needs it: {HOW_TO_INSTALL}")
    if not VNU_JAR.is_file():
        pytest.fail(f"The W3C HTML checker is not at {VNU_JAR}: {HOW_TO_INSTALL}")
    return [java, "-Xss4m", "-jar", str(VNU_JAR)]


def test_every_public_page_is_valid_html(django_db_setup, django_db_blocker, tmp_path):
    command = checker()
    with rendered_demo(django_db_blocker, tmp_path / "media") as rendered:
        pages = dict(rendered)
    # Each page in each language, and the states a shopper reaches by sending.
    assert len(pages) == (len(PAGES) + len(STATES)) * len(LANGUAGES), sorted(pages)
    files = []
    for name, (status, html) in pages.items():
        assert status == NOT_FOUND.get(name.rsplit("-", 1)[0], 200), (name, status)
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)

    result = subprocess.run(  # noqa: S603
        [*command, "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    errors = [
        f"{Path(message.get('url', '')).name}:{message.get('lastLine', '?')}: "
        f"{message['message']} [{message.get('extract', '').strip()}]"
        for message in report["messages"]
        if message.get("type") == "error" or message.get("subType") == "fatal"
    ]
    assert errors == [], "\n".join(errors)
    assert result.returncode == 0, result.stderr
