"""Admin panels of the returns policy (Settings → Returns policy)."""

from wagtail.admin.panels import Panel


class LegalReviewWarning(Panel):
    """A warning next to the policy's other exceptions, shown only while there are some.

    The law lets a shop refuse a return only for the goods it lists (Directive 2011/83/EU,
    art. 16: the ticked ``non_returnable_categories``). Anything in ``non_returnable_items``
    is outside that list, so a lawyer has to check it. The warning follows what the owner sees:
    the submitted text when the form comes back with errors, the saved policy otherwise (so it
    is there again on the edit page the admin returns to after saving). Lines written only in
    another language count too: shoppers reading that language see them.
    """

    def __init__(self, field_name="non_returnable_items", **kwargs):
        super().__init__(**kwargs)
        self.field_name = field_name

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["field_name"] = self.field_name
        return kwargs

    class BoundPanel(Panel.BoundPanel):
        template_name = "contactkit/admin/legal_review_warning.html"

        def _value(self, name):
            if self.form is not None and name in self.form.fields:
                return self.form[name].value()
            return getattr(self.instance, name, None)

        def has_other_exceptions(self):
            name = self.panel.field_name
            texts = [self._value(name)]
            translations_field = getattr(type(self.instance), "_translations_field", None)
            if translations_field:
                translations = self._value(translations_field)
                if isinstance(translations, dict):
                    texts += [
                        language.get(name)
                        for language in translations.values()
                        if isinstance(language, dict)
                    ]
            return any(isinstance(text, str) and text.strip() for text in texts)

        def is_shown(self):
            return self.has_other_exceptions()
