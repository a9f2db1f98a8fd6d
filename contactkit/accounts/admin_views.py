"""Verified social profiles in the admin: each social channel, whether its profile is proven
to be the shop's, and the button that proves it through the provider's own sign-in."""

from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from contactkit.accounts import providers
from contactkit.accounts.models import ProfileProof
from contactkit.profile.choices import SOCIAL_KINDS
from contactkit.profile.models import ContactChannel


def proof_state(channel):
    """("verified", proof), ("changed", proof) when the link no longer is the proven
    profile, or ("none", None)."""
    proof = getattr(channel, "proof_or_none", None)
    if proof is None:
        return "none", None
    return ("verified" if proof.matches(channel.url) else "changed"), proof


class VerifiedProfilesView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    model = ContactChannel
    permission_required = "change"
    template_name = "contactkit/admin/verified_profiles.html"
    header_icon = "success"
    page_title = gettext_lazy("Verified social profiles")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        channels = list(
            ContactChannel.objects.filter(kind__in=SOCIAL_KINDS)
            .select_related("site", "proof")
            .order_by("site__hostname", "sort_order", "pk")
        )
        rows = []
        for channel in channels:
            try:
                channel.proof_or_none = channel.proof
            except ProfileProof.DoesNotExist:
                channel.proof_or_none = None
            state, proof = proof_state(channel)
            rows.append(
                {
                    "channel": channel,
                    "state": state,
                    "proof": proof,
                    "provider": providers.profile_provider(channel.kind),
                    "edit_url": reverse(
                        "wagtailsnippets_contactkit_contactchannel:edit", args=[channel.pk]
                    ),
                }
            )
        context.update(
            rows=rows,
            any_provider=bool(providers.profile_kinds()),
            action_url=reverse("contactkit_verified_profiles"),
        )
        return context

    def post(self, request, *args, **kwargs):
        """Withdraw a proof (the shop no longer controls that profile, or it was a mistake)."""
        proof = get_object_or_404(ProfileProof, pk=request.POST.get("remove"))
        url = proof.channel.url
        proof.delete()
        messages.success(request, _("%(url)s is no longer shown as verified.") % {"url": url})
        return redirect("contactkit_verified_profiles")


def admin_urls():
    return [
        path(
            "contactkit/verified-profiles/",
            VerifiedProfilesView.as_view(),
            name="contactkit_verified_profiles",
        )
    ]
