"""Page types an editor adds anywhere in the tree; their facts come from the store profile."""

from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.contrib.forms.forms import FormBuilder
from wagtail.contrib.forms.models import AbstractFormField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from contactkit import themes
from contactkit.conf import contactkit_settings
from contactkit.pages import cache as page_cache
from contactkit.pages.blocks import BodyBlock
from contactkit.profile.shop import Shop

INTRO_FEATURES = ["bold", "italic", "link"]

NOT_STORED_MESSAGE = _(
    "We could not store your message just now because many people are writing at the same "
    "moment. Nothing was sent: please press “Send message” again. Your text is still here; "
    "attach your files again if you had any."
)


class ContactkitPage(Page):
    """What every contactkit page shares: an intro, a body of blocks and the shop's facts.

    Subclasses set ``template`` and may extend :meth:`get_context`; everything a template
    needs comes from the context, so a theme only changes the look. Each request is shown in
    the theme :meth:`theme_for` picks; render other templates of a route through
    :meth:`get_themed_template` so the theme's copies are used there too.
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

    @property
    def preview_modes(self):
        """Wagtail's preview (in the site's theme) and one preview per available theme."""
        return [*super().preview_modes, *themes.preview_modes()]

    def theme_for(self, request):
        """The theme this page is shown in for ``request``.

        The theme being previewed comes first, then the site's choice in *Settings → Theme*,
        then ``CONTACTKIT_THEME``, then "default". Override it to choose otherwise, such as
        one theme per section; return one of ``contactkit.themes.available_themes()``.
        """
        previewed = None
        if getattr(request, "is_preview", False):
            previewed = themes.theme_name_for_preview_mode(getattr(request, "preview_mode", None))
        return themes.theme_for_request(request, preferred=previewed)

    def get_themed_template(self, request, template_name):
        """``template_name`` as the theme of ``request`` overrides it, for ``TemplateResponse``."""
        return themes.template_for(self.theme_for(request), template_name)

    def get_template(self, request, *args, **kwargs):
        return self.get_themed_template(request, super().get_template(request, *args, **kwargs))

    def serve(self, request, *args, **kwargs):
        return self.serve_cached(request, super().serve, *args, **kwargs)

    def serve_cached(self, request, serve, *args, **kwargs):
        """``serve(request, *args, **kwargs)``, through the page cache when this is the page's
        main address (:mod:`contactkit.pages.cache`); routes below it always render."""
        view = args[0] if args else kwargs.get("view")
        if view is not None and getattr(view, "__name__", "") not in ("index", "index_route"):
            return serve(request, *args, **kwargs)
        return page_cache.serve(self, request, lambda: serve(request, *args, **kwargs))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if page_cache.rendering():
            # Filled in for each visitor when the stored page is served.
            context["csrf_token"] = page_cache.marker("csrf")
        context["shop"] = Shop.for_request(request)
        context["contactkit_base_template"] = contactkit_settings.BASE_TEMPLATE
        context["contactkit_theme"] = self.theme_for(request)
        return context


class ContactPage(RoutablePageMixin, ContactkitPage):
    """Every way to reach the shop, whether someone is there now, and the contact form.

    Override :meth:`get_form_class`, :meth:`get_form` or :meth:`serve_success` to change how
    the form is built or what happens after a message is stored.
    """

    template = "contactkit/pages/contact_page.html"
    thanks_template = "contactkit/pages/contact_thanks.html"

    content_panels = [
        *ContactkitPage.content_panels,
        InlinePanel(
            "form_fields",
            heading=_("Extra questions in the contact form"),
            help_text=_(
                "Name, email, phone, topic, order number, message and attachments are always "
                "asked. Add any other question here."
            ),
        ),
    ]

    class Meta:
        verbose_name = _("contact page")

    def serve(self, request, *args, **kwargs):
        return self.serve_cached(request, super().serve, *args, **kwargs)

    def get_form_class(self):
        """The form shoppers fill in."""
        from contactkit.inbox.forms import ContactForm

        return ContactForm

    def get_form(self, data=None, files=None, request=None, initial=None):
        """This page's form: the built-in fields and the page's own extra questions.

        ``request`` is the request the form was sent with: the form's limits count by it.
        """
        # The published page's questions change only when it is published again: read once
        # per change. A preview's questions are the ones being edited (held in memory).
        if "form_fields" in getattr(self, "_cluster_related_objects", {}) or not self.pk:
            questions = list(self.form_fields.all())
        else:
            questions = page_cache.remember(
                "form_fields", (self.pk,), lambda: list(self.form_fields.all())
            )
        builder = FormBuilder(questions)
        definition = [
            {
                "name": question.clean_name,
                "label": question.label,
                "type": question.field_type,
                "required": question.required,
                "choices": [
                    value for value, _ in builder.get_formatted_field_choices(question) if value
                ],
            }
            for question in builder.fields
        ]
        return self.get_form_class()(
            data,
            files,
            extra_fields=builder.formfields,
            extra_definition=definition,
            request=request,
            initial=initial,
        )

    @path("")
    def index(self, request):
        if request.method == "POST":
            form = self.get_form(request.POST, request.FILES, request=request)
            if form.is_valid():
                from contactkit.inbox.submission import NotStored, receive

                try:
                    conversation = receive(
                        form, site=Shop.for_request(request).site, request=request, page=self
                    )
                except NotStored:
                    # Nothing was kept: say so, and give the form back with the text in it.
                    form.add_error(None, NOT_STORED_MESSAGE)
                    return self.serve_form(request, form, status=503)
                return self.serve_success(request, conversation)
        else:
            from contactkit.accounts import identity

            form = self.get_form(initial=identity.initial(request))
        return self.serve_form(request, form)

    def serve_form(self, request, form, status=200):
        """The page with ``form``: empty, or sent back with its errors and the shopper's text."""
        context = self.get_context(request)
        context["form"] = form
        response = TemplateResponse(request, self.get_template(request), context, status=status)
        if status == 503:
            response["Retry-After"] = "5"
        return response

    def serve_success(self, request, conversation):
        """After a message is stored: remember its reference and show the thank-you page.

        Redirecting (rather than rendering) means a reload never sends the message twice.
        """
        request.session["contactkit_reference"] = conversation.reference
        # The address the form was sent from, so the thank-you page is in the same language.
        return redirect(request.path + self.reverse_subpage("thanks"))

    @path("thanks/", name="thanks")
    def thanks(self, request):
        """What happened to the message just sent, told truthfully.

        The page says an email was sent only if a confirmation was really queued; a message
        held for review (or caught as spam) is said to be stored, to be read by a person
        before anyone answers, with no email sent.
        """
        from contactkit.inbox.models import Conversation, EmailDelivery, Status

        reference = request.session.get("contactkit_reference")
        if not reference:
            return redirect(self.url)
        conversation = Conversation.objects.filter(reference=reference).first()
        context = self.get_context(request)
        context["reference"] = reference
        context["reply_time"] = context["shop"].expected_reply_time
        context["held_for_review"] = conversation is not None and conversation.status in (
            Status.HELD,
            Status.SPAM,
        )
        context["confirmation_sent"] = (
            conversation is not None
            and conversation.deliveries.filter(kind=EmailDelivery.Kind.CONFIRMATION).exists()
        )
        # The shopper's own page of the conversation, to follow it and write again.
        from contactkit.inbox import thread_views

        context["thread_url"] = thread_views.thanks_link(self, request, conversation)
        template = self.get_themed_template(request, self.thanks_template)
        # Private (it holds the link): never cached nor indexed.
        return thread_views.private(TemplateResponse(request, template, context))

    # The shopper's private conversation page, reached by the signed link in every email.
    # "link/" first: it is not a token.
    @path("account/", name="account")
    def account(self, request):
        """A signed-in shopper's conversations ("My messages"), or the ways to sign in."""
        from contactkit.accounts.views import account_page

        return account_page(self, request)

    @path("conversation/link/", name="thread_new_link")
    def thread_new_link(self, request):
        from contactkit.inbox import thread_views

        return thread_views.new_link(self, request)

    @path("conversation/<str:token>/", name="thread")
    def thread(self, request, token):
        from contactkit.inbox import thread_views

        return thread_views.thread(self, request, token)

    @path("conversation/<str:token>/files/<int:attachment_id>/", name="thread_file")
    def thread_file(self, request, token, attachment_id):
        from contactkit.inbox import thread_views

        return thread_views.attachment(self, request, token, attachment_id)

    @path("vcard/", name="vcard")
    def vcard(self, request):
        """The shop as a contact card (vCard) a shopper saves to their phone."""
        from contactkit.pages.vcard import shop_vcard, vcard_content_disposition

        shop = Shop.for_request(request)
        response = HttpResponse(shop_vcard(shop, request), content_type="text/vcard; charset=utf-8")
        response["Content-Disposition"] = vcard_content_disposition(shop)
        return response


class ContactFormField(AbstractFormField):
    """An extra question an editor adds to the contact form."""

    page = ParentalKey(ContactPage, on_delete=models.CASCADE, related_name="form_fields")


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

    def serve(self, request, *args, **kwargs):
        return self.serve_cached(request, super().serve, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        from contactkit.returns.text import describe

        context = super().get_context(request, *args, **kwargs)
        shop = context["shop"]
        context["returns_sections"] = describe(shop.return_policy, shop.profile)
        context["returns_channels"] = [
            view for view in shop.direct_channels if not view.purposes or "returns" in view.purposes
        ]
        return context

    # The withdrawal button (art. 11a): statement, confirmation, receipt (page and PDF).
    @path("withdraw/", name="withdraw")
    def withdraw(self, request):
        from contactkit.returns.withdrawal import views

        return views.statement(self, request)

    @path("withdraw/confirm/", name="withdraw_confirm")
    def withdraw_confirm(self, request):
        from contactkit.returns.withdrawal import views

        return views.confirm(self, request)

    @path("withdraw/receipt/<str:token>/", name="withdrawal_receipt")
    def withdrawal_receipt(self, request, token):
        from contactkit.returns.withdrawal import views

        return views.receipt(self, request, token)

    @path("withdraw/receipt/<str:token>/pdf/", name="withdrawal_receipt_pdf")
    def withdrawal_receipt_pdf(self, request, token):
        from contactkit.returns.withdrawal import views

        return views.receipt_pdf(self, request, token)

    # A return request (a fault, a wrong item, an exchange), with photos, for the inbox.
    @path("return-request/", name="return_request")
    def return_request(self, request):
        from contactkit.returns import requests

        return requests.serve(self, request)

    @path("withdrawal-form/", name="withdrawal_form")
    def withdrawal_form(self, request):
        """The EU model withdrawal form, filled in with the shop's details, ready to print."""
        context = self.get_context(request)
        template = self.get_themed_template(request, "contactkit/pages/withdrawal_form.html")
        return TemplateResponse(request, template, context)


class LegalNoticePage(ContactkitPage):
    """The identification data the law asks for (LSSI-CE art. 10, § 5 DDG), from the profile."""

    template = "contactkit/pages/legal_notice_page.html"
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("legal notice page")
