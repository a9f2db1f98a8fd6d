"""Build the peer's site: its contact page with four fields, as an editor would in the admin.

    python bench/peer/manage.py migrate && python bench/peer/manage.py peer_setup

Idempotent: run again, it leaves one contact page at /contact/ with the same four fields.
"""

from django.core.management.base import BaseCommand
from wagtail.models import Page, Site

from contact.models import FormField, FormPage

FIELDS = [
    ("Name", "singleline"),
    ("Email", "email"),
    ("Subject", "singleline"),
    ("Message", "multiline"),
]


class Command(BaseCommand):
    help = (
        "Create the peer's contact page (/contact/) with its fields name, email, subject, message."
    )

    def handle(self, *args, **options):
        site = Site.objects.get(is_default_site=True)
        home = site.root_page
        page = FormPage.objects.child_of(home).filter(slug="contact").first()
        if page is None:
            page = FormPage(
                title="Contact",
                slug="contact",
                intro="<p>Write to us and we will answer as soon as we can.</p>",
                thank_you_text="<p>Thank you: we have your message.</p>",
                to_address="hola@ceramica-alba.example",
                from_address="web@ceramica-alba.example",
                subject="Message from the website",
            )
            home.add_child(instance=page)
        page.form_fields.all().delete()
        for order, (label, kind) in enumerate(FIELDS):
            FormField.objects.create(
                page=page, sort_order=order, label=label, field_type=kind, required=True
            )
        page.save_revision().publish()
        self.stdout.write(Page.objects.get(pk=page.pk).url_path)
