"""Privacy requests: hand over or erase everything stored for one email address."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from contactkit.inbox import actions, privacy
from contactkit.inbox.models import Conversation
from contactkit.inbox.views.display import url


class PrivacyForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("The shopper's email address"),
        help_text=gettext_lazy("Every conversation sent from this address, in any case."),
    )


class PrivacyView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Hand over (JSON) or erase everything stored for one email address.

    Erasing shows what will go and asks to confirm; the confirmation posts to
    :class:`PrivacyEraseView`.
    """

    model = Conversation
    permission_required = "view"
    template_name = "contactkit/admin/privacy.html"
    header_icon = "lock"
    page_title = gettext_lazy("Privacy requests")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Inbox")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, *args, **kwargs):
        initial = {"email": request.GET.get("email", "")}
        return self.render_to_response(self.get_context_data(form=PrivacyForm(initial=initial)))

    def post(self, request, *args, **kwargs):
        form = PrivacyForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        email = form.cleaned_data["email"]
        if request.POST.get("action") == "erase":
            if not self.user_has_permission("delete"):
                raise PermissionDenied
            conversations = Conversation.objects.for_email(email)
            self.template_name = "contactkit/admin/privacy_confirm_erase.html"
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    email=email,
                    conversations=conversations.order_by("created_at"),
                    counts=privacy.count_stored(conversations),
                )
            )
        response = JsonResponse(
            privacy.export_for_email(email), json_dumps_params={"indent": 2, "ensure_ascii": False}
        )
        response["Content-Disposition"] = (
            f'attachment; filename="contactkit-{slugify(email) or "export"}.json"'
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_erase=self.user_has_permission("delete"), action_url=url("privacy"), **kwargs
        )


class PrivacyEraseView(PermissionCheckedMixin, View):
    """Erases, once confirmed, every conversation of an address with its files and emails."""

    model = Conversation
    permission_required = "delete"
    http_method_names = ["post"]

    def post(self, request):
        form = PrivacyForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("That is not an email address."))
            return redirect(url("privacy"))
        counts = actions.erase_for_email(form.cleaned_data["email"], user=request.user)
        messages.success(
            request,
            ngettext(
                "Erased %(count)d conversation of %(email)s, with its messages and files.",
                "Erased %(count)d conversations of %(email)s, with their messages and files.",
                counts["conversations"],
            )
            % {"count": counts["conversations"], "email": form.cleaned_data["email"]},
        )
        return redirect(url("privacy"))
