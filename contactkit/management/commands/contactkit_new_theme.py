"""``manage.py contactkit_new_theme NAME``: a new theme to edit, copied from the default one."""

import json
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

import contactkit
from contactkit import themes
from contactkit.conf import contactkit_settings

MANIFEST = """\
# A contactkit theme: this manifest, theme.css, and any templates it overrides in templates/.
# The folder's name is the theme's name. Staff see the label and description in
# Settings → Theme; add label_<language> and description_<language> for other admin languages.
name = {name}
label = {label}
# label_es = {label}
description = ""
# description_es = ""
"""

TEMPLATES_README = """\
To change a template in this theme only, copy it here from contactkit's templates keeping its
path (for example contactkit/includes/channel_head.html) and edit the copy. docs/theming.md
lists every template with its context and blocks.
"""


class Command(BaseCommand):
    help = "Create a new contactkit theme, copied from the default theme, ready to edit."

    def add_arguments(self, parser):
        parser.add_argument(
            "name", help="the theme's name and folder: lowercase letters, digits, '-' and '_'"
        )
        parser.add_argument(
            "--label", help="the name staff see in Settings → Theme (default: made from NAME)"
        )
        parser.add_argument(
            "--dir",
            dest="directory",
            type=Path,
            help="the folder to create the theme in (default: the first CONTACTKIT_THEME_DIRS)",
        )

    def handle(self, *args, name, label=None, directory=None, **options):
        if not themes.NAME_PATTERN.fullmatch(name):
            raise CommandError(
                f"{name!r} cannot be a theme name: use lowercase letters, digits, '-' and '_', "
                "starting with a letter or a digit."
            )
        parent = directory or self._default_dir()
        target = parent / name
        if target.exists():
            raise CommandError(f"{target} already exists; nothing was changed.")
        existing = themes.available_themes().get(name)
        if existing is not None:
            raise CommandError(
                f"There is already a theme called {name!r} in {existing.path}; pick another name."
            )
        label = label or name.replace("-", " ").replace("_", " ").capitalize()

        source = themes.bundled_themes_dir() / "default"
        (target / "templates").mkdir(parents=True)
        shutil.copyfile(source / "theme.css", target / "theme.css")
        (target / "theme.toml").write_text(
            MANIFEST.format(name=_toml_string(name), label=_toml_string(label)), encoding="utf-8"
        )
        (target / "templates" / "README.md").write_text(TEMPLATES_README, encoding="utf-8")
        themes.clear_caches()

        self.stdout.write(self.style.SUCCESS(f"Created the theme {name!r} in {target}."))
        self.stdout.write(self._next_steps(name, label, parent, target))

    def _default_dir(self):
        if contactkit_settings.THEME_DIRS:
            return Path(contactkit_settings.THEME_DIRS[0])
        raise CommandError(
            "Where should the theme go? Set CONTACTKIT_THEME_DIRS in your settings, for "
            'example CONTACTKIT_THEME_DIRS = [BASE_DIR / "themes"], or pass --dir.'
        )

    def _next_steps(self, name, label, parent, target):
        searched = {directory.resolve() for directory in themes.theme_dirs()}
        templates = Path(contactkit.__file__).resolve().parent / "templates" / "contactkit"
        steps = []
        if parent.resolve() not in searched:
            steps.append(f"Add {parent} to CONTACTKIT_THEME_DIRS so contactkit finds the theme.")
        steps += [
            f"Change the values in {target / 'theme.css'}; each says what it changes.",
            "Run `manage.py check`: it measures the contrast of the theme's colours.",
            f"Pick “{label}” in the admin under Settings → Theme (or set CONTACTKIT_THEME = "
            f'"{name}"). To look first, preview a contactkit page and choose the theme as '
            "preview mode.",
            f"To change markup, copy a template from {templates} into "
            f"{target / 'templates' / 'contactkit'}, keeping its path, and edit the copy.",
        ]
        return "Next:\n" + "\n".join(f"  {number}. {step}" for number, step in enumerate(steps, 1))


def _toml_string(text):
    # A JSON string is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)
