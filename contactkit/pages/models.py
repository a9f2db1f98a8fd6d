"""Page types an editor adds anywhere in the tree; their facts come from the store profile."""

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from contactkit.conf import contactkit_settings
from contactkit.pages.blocks import BodyBlock
from contactkit.profile.shop import Shop

INTRO_FEATURES = ["bold", "italic", "link"]


class ContactkitPage(Page):
    """What every contactkit page shares: an intro, a body of blocks and the shop's facts.

    Subclasses set ``template`` and may extend :meth:`get_context`; everything a template
    needs comes from the context, so a theme only changes the look.
    """

    intro = RichTextField(
        _("intro"),
        blank=True,
        features=INTRO_FEATURES,
        help_text=_("A sentence or two at the top of the page."),
    )
    body = StreamField(
        BodyBlock(),
        verbose_name=_("more content"),
        blank=True,
        help_text=_("Your own paragraphs, images, questions and buttons, shown after the rest."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    subpage_types = []

    class Meta:
        abstract = True

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["shop"] = Shop.for_request(request)
        context["contactkit_base_template"] = contactkit_settings.BASE_TEMPLATE
        return context


class ContactPage(RoutablePageMixin, ContactkitPage):
    """Every way to reach the shop, whether someone is there now, and the contact form."""

    template = "contactkit/pages/contact_page.html"

    class Meta:
        verbose_name = _("contact page")

    @path("vcard/", name="vcard")
    def vcard(self, request):
        """The shop as a contact card (vCard) a shopper saves to their phone."""
        from contactkit.pages.vcard import shop_vcard

        shop = Shop.for_request(request)
        response = HttpResponse(shop_vcard(shop, request), content_type="text/vcard; charset=utf-8")
        filename = (shop.profile.name or "contact").replace('"', "")
        response["Content-Disposition"] = f'attachment; filename="{filename}.vcf"'
        return response


class AboutPage(ContactkitPage):
    """Who is behind the shop, with facts a shopper can check."""

    template = "contactkit/pages/about_page.html"

    class Meta:
        verbose_name = _("about page")


class ReturnsPage(RoutablePageMixin, ContactkitPage):
    """The returns policy in words generated from its rules, and the withdrawal form."""

    template = "contactkit/pages/returns_page.html"

    class Meta:
        verbose_name = _("returns page")

    def get_context(self, request, *args, **kwargs):
        from contactkit.returns.text import describe

        context = super().get_context(request, *args, **kwargs)
        shop = context["shop"]
        context["returns_sections"] = describe(shop.return_policy, shop.profile)
        context["returns_channels"] = [
            view for view in shop.direct_channels if not view.purposes or "returns" in view.purposes
        ]
        return context

    @path("withdrawal-form/", name="withdrawal_form")
    def withdrawal_form(self, request):
        """The EU model withdrawal form, filled in with the shop's details, ready to print."""
        context = self.get_context(request)
        return TemplateResponse(request, "contactkit/pages/withdrawal_form.html", context)


class LegalNoticePage(ContactkitPage):
    """The identification data the law asks for (LSSI-CE art. 10, § 5 DDG), from the profile."""

    template = "contactkit/pages/legal_notice_page.html"
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("legal notice page")
