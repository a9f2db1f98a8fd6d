"""contactkit's settings, each ``CONTACTKIT_*`` with its default here and nowhere else.

Read them as ``contactkit_settings.NAME`` (without the prefix); ``checks.py`` validates them.
"""

from django.conf import settings

DEFAULTS = {
    # The template contactkit pages extend, so they sit inside the shop's header and footer.
    # It must define the blocks "extra_head" (inside <head>) and "content" (inside <main>).
    "BASE_TEMPLATE": "contactkit/standalone.html",
    # The theme used when a site has not picked one (a folder name under a theme directory).
    "THEME": "default",
    # Extra folders holding a project's own themes, searched before the ones contactkit ships.
    "THEME_DIRS": [],
}


class ContactkitSettings:
    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(f"contactkit has no setting {name}")
        return getattr(settings, f"CONTACTKIT_{name}", DEFAULTS[name])


contactkit_settings = ContactkitSettings()
