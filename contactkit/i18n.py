"""What the shop writes itself, in each language the site offers.

Pages are translated the Wagtail way (locales and translated copies of pages, see docs/pages.md,
"Two languages"). The store profile, its people, seals, channels and returns policy are
settings, one per site, so the words in them that shoppers read (the story, a bio, a channel's
label, a returns step) carry their other languages in a ``translations`` field:
``{"en": {"story": "…", …}, …}``. The main fields hold the site's default language.

:meth:`TranslatedFieldsMixin.localize` puts the words of the active language in place on an
instance that is only read (the :class:`~contactkit.profile.shop.Shop` does it for everything it
loads), so pages, the structured data and emails all read translated text the same way. A text
not yet translated falls back to the default language, and :func:`fallback_language` says so,
for a ``lang`` attribute.
"""

from django import forms
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def content_languages():
    """The languages pages and the shop's own words can be written in: ``[(code, name)]``."""
    languages = getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", None) or settings.LANGUAGES
    return [(code, name) for code, name in languages]


def default_language():
    """The language the main fields are written in: the site's default content language."""
    codes = [code for code, _name in content_languages()]
    try:
        return translation.get_supported_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        return codes[0] if codes else settings.LANGUAGE_CODE


def other_languages():
    """The content languages other than the default one, each with its name."""
    default = default_language()
    return [(code, name) for code, name in content_languages() if code != default]


def active_content_language():
    """The content language of the request being served (the default one if none matches)."""
    active = translation.get_language() or default_language()
    codes = [code for code, _name in content_languages()]
    for candidate in (active, active.split("-")[0]):
        if candidate in codes:
            return candidate
    return default_language()


class TranslationsFormField(forms.Field):
    """The other languages of a model's translated fields, one text box per language and field."""

    def __init__(self, *, sources, **kwargs):
        self.sources = sources  # [(field name, model field)]
        kwargs.setdefault("required", False)
        kwargs["widget"] = TranslationsWidget(sources=sources)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value if isinstance(value, dict) else {}

    def to_python(self, value):
        if not isinstance(value, dict):
            return {}
        cleaned = {}
        known = {code for code, _name in other_languages()}
        for language, texts in value.items():
            if language not in known or not isinstance(texts, dict):
                continue
            kept = {}
            for name, _field in self.sources:
                text = texts.get(name)
                if not isinstance(text, str):
                    continue
                text = text.replace("\r\n", "\n").strip()
                if text:
                    kept[name] = text
            if kept:
                cleaned[language] = kept
        return cleaned

    def validate(self, value):
        super().validate(value)
        names = dict(content_languages())
        errors = []
        for language, texts in value.items():
            for name, field in self.sources:
                limit = getattr(field, "max_length", None)
                if limit and len(texts.get(name, "")) > limit:
                    errors.append(
                        forms.ValidationError(
                            _(
                                "%(language)s: %(field)s is %(length)s characters long; it "
                                "can be at most %(limit)s."
                            ),
                            code="max_length",
                            params={
                                "field": capfirst(field.verbose_name),
                                "language": gettext(names.get(language, language)),
                                "length": len(texts[name]),
                                "limit": limit,
                            },
                        )
                    )
        if errors:
            raise forms.ValidationError(errors)

    def has_changed(self, initial, data):
        return self.to_python(initial or {}) != self.to_python(data or {})


class TranslationsWidget(forms.Widget):
    """One labelled text box per other language and translated field, grouped by language."""

    template_name = "contactkit/admin/widgets/translations.html"

    def __init__(self, *, sources, attrs=None):
        super().__init__(attrs)
        self.sources = sources

    def input_name(self, name, language, field):
        return f"{name}__{language}__{field}"

    def value_from_datadict(self, data, files, name):
        value = {}
        for language, _language_name in other_languages():
            for field, _model_field in self.sources:
                key = self.input_name(name, language, field)
                if key in data:
                    value.setdefault(language, {})[field] = data.get(key)
        return value

    def value_omitted_from_data(self, data, files, name):
        return not any(key.startswith(f"{name}__") for key in data)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = value if isinstance(value, dict) else {}
        base_id = (attrs or {}).get("id") or f"id_{name}"
        languages = []
        for language, language_name in other_languages():
            boxes = []
            for field, model_field in self.sources:
                limit = getattr(model_field, "max_length", None)
                boxes.append(
                    {
                        "id": f"{base_id}_{language}_{field}",
                        "name": self.input_name(name, language, field),
                        "label": capfirst(model_field.verbose_name),
                        "value": value.get(language, {}).get(field, ""),
                        "multiline": isinstance(model_field, models.TextField),
                        "max_length": limit,
                    }
                )
            languages.append(
                {"code": language, "name": capfirst(gettext(language_name)), "boxes": boxes}
            )
        context["widget"]["languages"] = languages
        return context

    def id_for_label(self, id_):
        # The group has a legend per language; there is no single control to point at.
        return None


class TranslationsField(models.JSONField):
    """The other languages of ``fields`` on this model, as ``{language: {field: text}}``."""

    description = _("Translations of the shop's own words")

    def __init__(self, *args, fields=(), **kwargs):
        self.translated_fields = tuple(fields)
        kwargs.setdefault("default", dict)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("verbose_name", _("in other languages"))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["fields"] = list(self.translated_fields)
        for key, value in (("default", dict), ("blank", True)):
            if kwargs.get(key) is value:
                del kwargs[key]
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        if not cls._meta.abstract:
            cls._translations_field = name

    def formfield(self, **kwargs):
        sources = []
        for field_name in self.translated_fields:
            try:
                sources.append((field_name, self.model._meta.get_field(field_name)))
            except Exception as error:  # pragma: no cover - a programming error
                raise ImproperlyConfigured(
                    f"{self.model.__name__}.{self.name} translates unknown field {field_name!r}"
                ) from error
        return TranslationsFormField(
            sources=sources,
            label=kwargs.get("label") or capfirst(self.verbose_name),
            help_text=self.help_text,
            required=False,
        )


class LocalizedInstanceError(RuntimeError):
    pass


class TranslatedFieldsMixin:
    """For a model with a :class:`TranslationsField`: read its words in a given language."""

    def _translations(self):
        return getattr(self, getattr(type(self), "_translations_field", "translations"), None) or {}

    @classmethod
    def translated_field_names(cls):
        field = cls._meta.get_field(getattr(cls, "_translations_field", "translations"))
        return field.translated_fields

    def translated(self, field, language=None):
        """The text of ``field`` in ``language`` (the active one by default), or the default
        language's text when it has not been translated."""
        language = language or active_content_language()
        if language != default_language():
            text = self._translations().get(language, {}).get(field)
            if text:
                return text
        return getattr(self, field)

    def fallback_language(self, field, language=None):
        """The language ``field`` is shown in when it differs from ``language``, else ""."""
        language = language or active_content_language()
        if language == default_language() or not getattr(self, field):
            return ""
        if self._translations().get(language, {}).get(field):
            return ""
        return default_language()

    def localize(self, language=None):
        """Put the words of ``language`` (the active one) in place, for reading only.

        The instance then refuses to be saved, so a translation can never overwrite the
        default language's text.
        """
        language = language or active_content_language()
        if getattr(self, "_contactkit_language", None) == language:
            return self
        originals = getattr(self, "_contactkit_originals", None)
        if originals is None:
            originals = {name: getattr(self, name) for name in self.translated_field_names()}
            self._contactkit_originals = originals
        for name, text in originals.items():
            setattr(self, name, text)
        self._contactkit_fallbacks = {}
        for name in originals:
            fallback = self.fallback_language(name, language)
            if fallback:
                self._contactkit_fallbacks[name] = fallback
            setattr(self, name, self.translated(name, language))
        self._contactkit_language = language
        return self

    def shown_language(self, field):
        """For a ``lang`` attribute: the language ``field`` is shown in if it fell back, else
        ""."""
        return getattr(self, "_contactkit_fallbacks", {}).get(field, "")

    def save(self, *args, **kwargs):
        if getattr(self, "_contactkit_language", None) is not None:
            raise LocalizedInstanceError(
                f"{type(self).__name__} was localized for display; load it again to save it."
            )
        return super().save(*args, **kwargs)


@checks.register()
def check_catalogue_order(app_configs=None, **kwargs):
    """contactkit's catalogue rewords some library messages (contactkit.library_wording); Django
    takes a message from the first app in INSTALLED_APPS that translates it."""
    return catalogue_order_problems(list(settings.INSTALLED_APPS))


def catalogue_order_problems(installed):
    """The W009 warning if ``installed`` lists phonenumber_field before contactkit."""
    mine = next((i for i, app in enumerate(installed) if app.split(".")[0] == "contactkit"), None)
    theirs = next((i for i, app in enumerate(installed) if app == "phonenumber_field"), None)
    if mine is None or theirs is None or mine < theirs:
        return []
    return [
        checks.Warning(
            "'phonenumber_field' comes before 'contactkit' in INSTALLED_APPS, so shoppers read "
            "that library's wording of phone errors instead of contactkit's.",
            hint="List 'contactkit' before 'phonenumber_field' in INSTALLED_APPS.",
            id="contactkit.W009",
        )
    ]
