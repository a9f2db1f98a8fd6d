"""Complete shops for the trust report's tests: everything the law and shoppers ask for filled in,
for a Spanish or a German store, with its four contactkit pages live.

``complete_shop(site, country="ES")`` returns the pages as ``TrustContext.pages`` names them:
{"contact", "about", "returns", "legal_notice"}. A test then takes one thing away to see the
rule that notices it.
"""

import datetime as dt

from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage
from contactkit.profile.models import Person, ReviewProfile, TrustSeal
from contactkit.returns.models import ReturnPolicy, ReturnStep
from tests.pages.builders import image
from tests.profile.builders import channel, profile_for

WEEKDAYS_9_TO_6 = [(list(range(5)), "09:00", "18:00")]

SHOPS = {
    "ES": {
        "profile": {
            "trade_name": "Cerámica Alba",
            "legal_name": "Cerámica Alba Artesanos, S.L.",
            "legal_form": "S.L.",
            "story": "Empezamos en un taller de Valencia en 2016.\n\nHoy somos seis.",
            "founding_date": dt.date(2016, 3, 14),
            "number_of_employees": 6,
            "time_zone": "Europe/Madrid",
            "street_address": "Calle de Sueca, 27",
            "postal_code": "46006",
            "city": "Valencia",
            "region": "Valencia",
            "country": "ES",
            "register_name": "Registro Mercantil de Valencia",
            "register_entry": "Tomo 10234, Folio 45, Hoja V-178234",
            "tax_id": "B98765431",
            "vat_id": "ESB98765431",
            "payment_methods": ["card", "bizum"],
            "countries_shipped_to": ["ES", "PT"],
            "languages_spoken": ["es", "en"],
        },
        "people": [("Lucía Alba", "Administradora"), ("Marc Soler", "Ceramista")],
        "phone": "+34960123456",
        "email": "hola@ceramica.example",
        "pages": {
            "contact": ("contacto", "Contacto"),
            "about": ("quienes-somos", "Quiénes somos"),
            "returns": ("devoluciones", "Devoluciones"),
            "legal_notice": ("aviso-legal", "Aviso legal"),
        },
        "step": ("Avísanos", "Escríbenos con tu número de pedido."),
    },
    "DE": {
        "profile": {
            "trade_name": "Keramik Alba",
            "legal_name": "Keramik Alba GmbH",
            "legal_form": "GmbH",
            "story": "Wir haben 2016 in einer Werkstatt in München angefangen.",
            "founding_date": dt.date(2016, 3, 14),
            "number_of_employees": 6,
            "time_zone": "Europe/Berlin",
            "street_address": "Schellingstraße 27",
            "postal_code": "80799",
            "city": "München",
            "region": "Bayern",
            "country": "DE",
            "register_name": "Amtsgericht München",
            "register_entry": "HRB 123456",
            "vat_id": "DE136695976",
            "payment_methods": ["card", "paypal"],
            "countries_shipped_to": ["DE", "AT"],
            "languages_spoken": ["de", "en"],
        },
        "people": [("Lena Alba", "Geschäftsführerin"), ("Jonas Weber", "Keramiker")],
        "phone": "+4989123456",
        "email": "hallo@keramik.example",
        "pages": {
            "contact": ("kontakt", "Kontakt"),
            "about": ("ueber-uns", "Über uns"),
            "returns": ("widerruf", "Widerruf und Rückgabe"),
            "legal_notice": ("impressum", "Impressum"),
        },
        "step": ("Schreib uns", "Mit deiner Bestellnummer."),
    },
}

PAGE_MODELS = {
    "contact": ContactPage,
    "about": AboutPage,
    "returns": ReturnsPage,
    "legal_notice": LegalNoticePage,
}


def complete_shop(site, country="ES"):
    """A shop of ``country`` ("ES" or "DE") with nothing missing; its live pages by name."""
    shop = SHOPS[country]
    profile = profile_for(site, logo=image("Logo"), **shop["profile"])
    for index, (name, role) in enumerate(shop["people"]):
        # The first one runs the company: named in the legal notice as its representative.
        Person.objects.create(
            profile=profile, name=name, role=role, photo=image(name), represents=index == 0
        )
    TrustSeal.objects.create(
        profile=profile,
        name="Sello de prueba",
        image=image("Sello"),
        verification_url="https://sellos.example.org/verificar",
    )
    ReviewProfile.objects.create(
        profile=profile, name="Opiniones", url="https://opiniones.example.org/tienda"
    )
    channel(
        site,
        "phone",
        phone=shop["phone"],
        hours=WEEKDAYS_9_TO_6,
        reply_time=60,
        languages=shop["profile"]["languages_spoken"],
    )
    channel(site, "email", email=shop["email"], reply_time=1440)
    channel(site, "instagram", url="https://www.instagram.com/ceramica.alba/")
    policy = ReturnPolicy.for_site(site)
    policy.return_days = 30
    policy.return_methods = ["ReturnByMail"]
    policy.refund_types = ["FullRefund"]
    policy.item_conditions = ["NewCondition"]
    policy.refund_days = 14
    policy.full_clean()
    policy.save()
    title, text = shop["step"]
    ReturnStep.objects.create(policy=policy, title=title, text=text)
    home = site.root_page
    return {
        name: home.add_child(
            instance=PAGE_MODELS[name](title=title, slug=slug, intro="<p>Hola</p>")
        )
        for name, (slug, title) in shop["pages"].items()
    }
