"""What a shop gets from ``pip install contactkit``: the wheel holds everything and migrates."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, ROOT],
        check=True,
    )
    [built] = out.glob("contactkit-*.whl")
    return built


def shipped_files():
    """Every file of the source tree that a shop needs at run time, as named in the wheel."""
    package = ROOT / "contactkit"
    for folder in ("templates", "static", "locale", "migrations"):
        for path in (package / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                yield path.relative_to(ROOT).as_posix()
    for path in (ROOT / "themes").rglob("*"):
        if path.is_file():
            yield "contactkit/bundled_themes/" + path.relative_to(ROOT / "themes").as_posix()


def test_wheel_holds_templates_static_locale_migrations_and_themes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set(shipped_files())
    for must in (
        "contactkit/migrations/0001_initial.py",
        "contactkit/locale/es/LC_MESSAGES/django.mo",
        "contactkit/locale/en/LC_MESSAGES/django.mo",
        "contactkit/bundled_themes/default/theme.toml",
        "contactkit/bundled_themes/default/theme.css",
    ):
        assert must in expected
    assert expected - names == set()
    assert not any(name.startswith(("tests/", "site/", "demoshop/")) for name in names)


def test_wheel_installs_into_a_fresh_wagtail_project_and_migrates(wheel, tmp_path):
    target = tmp_path / "installed"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, wheel],
        check=True,
    )
    project = tmp_path / "project"
    project.mkdir()
    wagtail = [sys.executable, "-m", "wagtail.bin.wagtail"]
    subprocess.run([*wagtail, "start", "myshop", project], check=True, capture_output=True)
    settings = project / "myshop" / "settings" / "base.py"
    text = settings.read_text()
    text = text.replace(
        "INSTALLED_APPS = [",
        'INSTALLED_APPS = [\n    "contactkit",\n    "phonenumber_field",\n    "django_countries",\n'
        '    "wagtail.contrib.settings",\n    "wagtail.contrib.routable_page",',
        1,
    )
    # The step docs/install.md asks for, so the themes' stylesheets are collected.
    text += (
        "\nSTATICFILES_FINDERS = [\n"
        '    "django.contrib.staticfiles.finders.FileSystemFinder",\n'
        '    "django.contrib.staticfiles.finders.AppDirectoriesFinder",\n'
        '    "contactkit.themes.ThemeFinder",\n]\n'
    )
    settings.write_text(text)
    env = {
        "PYTHONPATH": str(target),
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "myshop.settings.dev",
    }
    check = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=project, env=env, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    # The installed copy is the one in use, not the source tree.
    where = subprocess.run(
        [sys.executable, "-c", "import contactkit; print(contactkit.__file__)"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(target))
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert migrate.returncode == 0, migrate.stderr
    assert "Applying contactkit.0001_initial... OK" in migrate.stdout
