"""Model fields the store profile needs that Django does not ship."""

from django import forms
from django.core import checks, exceptions
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class ChoiceListField(models.JSONField):
    """A list of values picked from ``choices``, shown as checkboxes and stored as a JSON list.

    Works the same on SQLite and PostgreSQL (unlike ``ArrayField``) and keeps the order of
    ``choices`` whatever order the editor ticked them in. ``choices`` may be a callable. They
    are left out of migrations: they do not change the column, and lists that come from Django
    (such as its languages) differ between Django versions.
    """

    description = _("A list of choices")

    def __init__(self, *args, choices=None, **kwargs):
        self._list_choices = choices or []
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        elif not self.blank:
            kwargs["blank"] = False  # Django leaves out False, its own default; ours is True
        return name, path, args, kwargs

    @property
    def list_choices(self):
        choices = self._list_choices
        return list(choices() if callable(choices) else choices)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if not self.list_choices:
            errors.append(
                checks.Error("ChoiceListField needs choices.", obj=self, id="contactkit.E100")
            )
        return errors

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {key for key, _label in self.list_choices}
        unknown = [item for item in value or [] if item not in allowed]
        if unknown:
            raise exceptions.ValidationError(
                _("%(value)s is not one of the available choices."),
                code="invalid_choice",
                params={"value": ", ".join(map(str, unknown))},
            )

    def formfield(self, **kwargs):
        defaults = {
            "form_class": OrderedMultipleChoiceField,
            "choices": self.list_choices,
            "required": not self.blank,
            "widget": forms.CheckboxSelectMultiple,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        # JSONField.formfield would build a JSON textarea; editors need a list of checkboxes.
        for key in ("encoder", "decoder", "max_length"):
            defaults.pop(key, None)
        return form_class(**defaults)

    def labels(self, values):
        """The human labels of ``values``, in the order of ``choices``."""
        picked = set(values or [])
        return [label for key, label in self.list_choices if key in picked]


class OrderedMultipleChoiceField(forms.MultipleChoiceField):
    def clean(self, value):
        picked = set(super().clean(value))
        return [key for key, _label in self.choices if key in picked]
