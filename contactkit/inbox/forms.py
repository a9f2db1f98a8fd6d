"""The contact form shoppers fill in, with the checks that keep bad input out of the inbox."""

import uuid

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from phonenumber_field.formfields import PhoneNumberField
from PIL import Image

from contactkit.conf import contactkit_settings
from contactkit.inbox import limits, spam
from contactkit.inbox.models import Topic
from contactkit.pages.cache import hole

# What a shopper may attach, recognised by the file's bytes, never by its name.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "application/pdf": {".pdf"},
}


def no_line_breaks(value):
    # A line break in a name would end up in an email header.
    if "\n" in value or "\r" in value:
        raise forms.ValidationError(_("Write this on one line."), code="line_break")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class TooManyPixels(Exception):
    """An image whose canvas is bigger than Pillow will decode (a "decompression bomb")."""


def sniff(upload):
    """The real type of an uploaded file from its bytes: an image type, PDF, or None.

    Raises :class:`TooManyPixels` for an image with more pixels than ``Image.MAX_IMAGE_PIXELS``
    (a real photo over ~89 megapixels, or a tiny file that claims a huge canvas).
    """
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return "application/pdf"
    try:
        with Image.open(upload) as image:
            if image.width * image.height > (Image.MAX_IMAGE_PIXELS or float("inf")):
                raise TooManyPixels
            image.verify()
            kind = IMAGE_FORMATS.get(image.format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise TooManyPixels from error
    except TooManyPixels:
        raise
    except Exception:  # noqa: BLE001
        # Crafted files make Pillow raise nearly anything (SyntaxError, struct.error,
        # IndexError…): whatever it is, the file is not a picture we can open.
        kind = None
    finally:
        upload.seek(0)
    return kind


def file_problem(upload):
    """What is wrong with a file a shopper sends, in words for them, or None if it is fine.

    The checks of every way files reach the inbox (the contact form, the conversation page,
    an email): at most ``CONTACTKIT_ATTACHMENT_MAX_SIZE``, a photo or a PDF by its bytes, and
    named like what it is. A fine file gets its real type as ``upload.sniffed_type``.
    """
    if upload.size > contactkit_settings.ATTACHMENT_MAX_SIZE:
        return _("“%(name)s” is %(size)s; each file can be at most %(max)s.") % {
            "name": upload.name,
            "size": filesizeformat(upload.size),
            "max": filesizeformat(contactkit_settings.ATTACHMENT_MAX_SIZE),
        }
    try:
        kind = sniff(upload)
    except TooManyPixels:
        return _(
            "“%(name)s” is a picture too big to open (more than %(megapixels)s "
            "megapixels): send a smaller copy of it."
        ) % {
            "name": upload.name,
            "megapixels": (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000,
        }
    extension = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if kind is None:
        return _("“%(name)s” is not a photo or a PDF we can open.") % {"name": upload.name}
    if extension not in EXTENSIONS[kind]:
        return _("“%(name)s” is named like another kind of file than it contains.") % {
            "name": upload.name
        }
    upload.sniffed_type = kind
    return None


class ContactForm(forms.Form):
    """The shop's contact form. Editors' extra fields are added by :meth:`add_extra_fields`."""

    name = forms.CharField(label=_("Your name"), max_length=120, validators=[no_line_breaks])
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_("We answer to this address."),
    )
    phone = PhoneNumberField(
        label=_("Phone (optional)"),
        required=False,
        help_text=_("If you prefer that we call you."),
    )
    # No topic is chosen for the shopper: a silent default would route the message wrongly.
    topic = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Choose one…")), *Topic.choices],
        error_messages={"required": _("Choose what your message is about.")},
    )
    order_number = forms.CharField(
        label=_("Order number (optional)"),
        max_length=60,
        required=False,
        validators=[no_line_breaks],
    )
    message = forms.CharField(
        label=_("Your message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attachments = MultipleFileField(
        label=_("Photos or PDF (optional)"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,.pdf"}
        ),
    )
    consent = forms.BooleanField(
        label=_("I agree that the shop keeps my message to answer it."),
        error_messages={"required": _("We need your consent to keep and answer your message.")},
    )
    # Spam traps: a field people never see, and when the form was opened.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    field_order = [
        "name",
        "email",
        "phone",
        "topic",
        "order_number",
        "message",
        "attachments",
        "consent",
    ]

    def __init__(self, *args, extra_fields=None, extra_definition=None, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The request the form was sent with, for the attachment quota of its address.
        self.request = request
        self._extra_definition = list(extra_definition or [])
        if not self.is_bound:
            # A page stored by the page cache gets each visitor's own values when served.
            self.initial.setdefault("started", hole("started", spam.form_timestamp()))
            self.initial.setdefault("submission_key", hole("key", uuid.uuid4().hex))
        self.extra_names = []
        self.add_extra_fields(extra_fields or {})
        self.fields["attachments"].help_text = ngettext(
            "Up to %(count)s file of %(size)s.",
            "Up to %(count)s files of %(size)s each.",
            contactkit_settings.ATTACHMENT_MAX_COUNT,
        ) % {
            "count": contactkit_settings.ATTACHMENT_MAX_COUNT,
            "size": filesizeformat(contactkit_settings.ATTACHMENT_MAX_SIZE),
        }

    def add_extra_fields(self, formfields):
        """Add the fields editors defined on the page, before the attachments.

        Their names get an ``extra_`` prefix so they can never replace a built-in field.
        """
        order = list(self.fields)
        position = order.index("attachments")
        for clean_name, field in formfields.items():
            name = f"extra_{clean_name}"
            self.fields[name] = field
            self.extra_names.append(name)
            order.insert(position, name)
            position += 1
        self.order_fields(order)

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        limit = contactkit_settings.ATTACHMENT_MAX_COUNT
        if len(files) > limit:
            raise forms.ValidationError(
                ngettext(
                    "You can attach %(count)s file at most.",
                    "You can attach %(count)s files at most.",
                    limit,
                )
                % {"count": limit},
                code="too_many_files",
            )
        errors = [error for upload in files if (error := file_problem(upload))]
        if errors:
            raise forms.ValidationError(errors, code="bad_file")
        if limits.attachment_quota_exceeded(self.request, sum(upload.size for upload in files)):
            raise forms.ValidationError(
                _(
                    "You have sent many files in the last hour. Send your message without "
                    "files, or try again later."
                ),
                code="attachment_quota",
            )
        return files

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def extra_definition(self):
        """The extra questions as they are now (name, label, type, choices), to keep with the
        answers so that later edits of the page never change what an old answer meant."""
        return self._extra_definition

    def extra_answers(self):
        """The editors' extra fields as {label: answer}, for the conversation."""
        answers = {}
        for name in self.extra_names:
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            if isinstance(value, (list, tuple)):
                value = ", ".join(map(str, value))
            answers[str(self.fields[name].label)] = str(value)
        return answers
