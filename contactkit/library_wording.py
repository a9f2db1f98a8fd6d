"""Messages from Django and django-phonenumber-field, reworded in contactkit's catalogues.

Shoppers and shop staff read these on contactkit's forms ("Enter a valid email address.").
The libraries' own Spanish uses "usted" or Latin-American wording ("Ingrese un número de
teléfono válido (ej.: …)") in forms that say "tú" everywhere else. Listing the messages here puts
them in contactkit's catalogues, where they are translated in Spain's "tú"; Django uses the
catalogue of the app listed first in INSTALLED_APPS, so list ``contactkit`` before
``phonenumber_field`` and Django's own apps (docs/install.md).

Nothing imports this module at run time: it only carries the strings for ``makemessages``.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

MESSAGES = (
    # django.core.validators and django.forms.fields
    gettext_lazy("Enter a valid value."),
    gettext_lazy("Enter a valid URL."),
    gettext_lazy("Enter a valid integer."),
    gettext_lazy("Enter a valid email address."),
    gettext_lazy("Enter a number."),
    gettext_lazy("Enter a whole number."),
    gettext_lazy("Enter a valid date."),
    gettext_lazy("Enter a valid time."),
    gettext_lazy("Enter a valid date/time."),
    gettext_lazy("Enter a valid duration."),
    gettext_lazy("Enter a list of values."),
    gettext_lazy("Enter a complete value."),
    gettext_lazy("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_lazy("Ensure this value is greater than or equal to %(limit_value)s."),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "max",
    ),
    gettext_lazy("No file was submitted. Check the encoding type on the form."),
    gettext_lazy("Please either submit a file or check the clear checkbox, not both."),
    gettext_lazy(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_lazy("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_lazy("Select a valid choice. That choice is not one of the available choices."),
    # django-phonenumber-field
    pgettext_lazy(
        "{example_number} is a national phone number.",
        "Enter a valid phone number (e.g. {example_number}) or a number with an international "
        "call prefix.",
    ),
    pgettext_lazy(
        "{example_number} is an international phone number.",
        "Enter a valid phone number (e.g. {example_number}).",
    ),
    pgettext_lazy(
        "{example_number} is a national phone number.",
        "Enter a valid phone number (e.g. {example_number}).",
    ),
    gettext_lazy("Enter a valid phone number."),
    gettext_lazy("The phone number entered is not valid."),
)
