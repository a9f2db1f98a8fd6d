"""Joining words into sentences the way the active language does ("A, B and C")."""

from django.utils.translation import gettext as _


def and_list(items):
    """ "A, B and C" in the active language."""
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def or_list(items):
    """ "A, B or C" in the active language."""
    items = [str(item) for item in items]
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s or %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}
