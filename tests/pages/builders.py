"""A complete shop for page tests: profile, people, channels, returns policy and pages."""

import datetime as dt

from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage
from contactkit.profile.models import Person, ReviewProfile, StoreClosure, TrustSeal
from contactkit.returns.models import ReturnPolicy, ReturnStep
from tests.profile.builders import channel, profile_for

WEEKDAYS_9_TO_2_AND_4_TO_7 = [(d, "09:00", "14:00") for d in range(5)] + [
    (d, "16:00", "19:00") for d in range(5)
]


def image(title="Foto"):
    return get_image_model().objects.create(title=title, file=get_test_image_file())


def full_shop(site, people=2, extra_phones=0):
    profile = profile_for(
        site,
        trade_name="Cerámica Alba",
        legal_name="Cerámica Alba Artesanos, S.L.",
        legal_form="S.L.",
        story="Empezamos en un taller.\n\nHoy somos seis.",
        founding_date=dt.date(2016, 3, 14),
        number_of_employees=6,
        street_address="Calle de Sueca, 27",
        postal_code="46006",
        city="Valencia",
        region="Valencia",
        country="ES",
        register_name="Registro Mercantil de Valencia",
        register_entry="Tomo 10234, Folio 45, Hoja V-178234",
        tax_id="B98765431",
        vat_id="ESB98765431",
        payment_methods=["card", "bizum"],
        countries_shipped_to=["ES", "PT"],
        languages_spoken=["es", "en"],
        logo=image("Logo"),
    )
    for index in range(people):
        Person.objects.create(
            profile=profile, name=f"Persona {index}", role="Ceramista", photo=image(f"P{index}")
        )
    TrustSeal.objects.create(
        profile=profile,
        name="Sello de prueba",
        image=image("Sello"),
        verification_url="https://sellos.example.org/verificar",
    )
    ReviewProfile.objects.create(
        profile=profile, name="Opiniones", url="https://opiniones.example.org/x"
    )
    StoreClosure.objects.create(profile=profile, date=dt.date(2026, 12, 25), label="Navidad")
    channel(
        site,
        "phone",
        label="Atención al cliente",
        hours=WEEKDAYS_9_TO_2_AND_4_TO_7,
        languages=["es", "en"],
    )
    for index in range(extra_phones):
        channel(site, "phone", label=f"Línea {index}", hours=WEEKDAYS_9_TO_2_AND_4_TO_7)
    channel(
        site,
        "whatsapp",
        phone="+34612345678",
        purposes=["sales", "support"],
        reply_time=60,
        hours=[(d, "09:00", "20:00") for d in range(5)],
    )
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    channel(
        site,
        "store",
        label="Taller",
        street_address="Calle de Sueca, 27",
        postal_code="46006",
        city="Valencia",
        country="ES",
        purposes=["sales", "returns"],
        hours=[(d, "10:00", "14:00") for d in range(6)],
    )
    channel(site, "instagram", url="https://www.instagram.com/ceramica/")
    policy = ReturnPolicy.for_site(site)
    policy.return_days = 30
    policy.return_methods = ["ReturnByMail"]
    policy.refund_types = ["FullRefund"]
    policy.item_conditions = ["NewCondition"]
    policy.full_clean()
    policy.save()
    ReturnStep.objects.create(policy=policy, title="Avísanos", text="Por correo.")
    home = site.root_page
    pages = {}
    for model, slug, title in (
        (ContactPage, "contacto", "Contacto"),
        (AboutPage, "quienes-somos", "Quiénes somos"),
        (ReturnsPage, "devoluciones", "Devoluciones"),
        (LegalNoticePage, "aviso-legal", "Aviso legal"),
    ):
        pages[slug] = home.add_child(instance=model(title=title, slug=slug, intro="<p>Hola</p>"))
    return pages
