"""Build the demo shop: an invented Spanish ceramics shop with its profile, people and channels.

Safe to run again: it updates what it made before and never duplicates it.
"""

import datetime as dt
import io

import holidays
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from contactkit.inbox.models import CannedReply, Conversation, InboxSettings, Message, TopicRoute
from contactkit.pages.models import AboutPage, ContactPage, LegalNoticePage, ReturnsPage
from contactkit.profile.models import (
    ChannelHoursException,
    ContactChannel,
    OpeningHoursInterval,
    Person,
    ReviewProfile,
    StoreClosure,
    StoreProfile,
    TrustSeal,
)
from contactkit.returns.models import ReturnPolicy, ReturnStep
from demoshop.home.models import HomePage, StandardPage

MON_FRI = range(0, 5)

PROFILE = {
    "trade_name": "Cerámica Alba",
    "legal_name": "Cerámica Alba Artesanos, S.L.",
    "legal_form": "Sociedad Limitada (S.L.)",
    "story": (
        "Cerámica Alba nació en 2016 en un pequeño taller del barrio de Ruzafa, en Valencia. "
        "Lucía Alba aprendió el oficio de su abuelo en Manises y hoy, con un equipo de seis "
        "personas, tornea, esmalta y cuece a mano cada taza, plato y jarrón que vendemos.\n\n"
        "Vendemos por internet a toda Europa, pero seguimos abriendo la puerta del taller: "
        "si quieres ver cómo trabajamos, ven a visitarnos."
    ),
    "founding_date": dt.date(2016, 3, 14),
    "number_of_employees": 6,
    "time_zone": "Europe/Madrid",
    "street_address": "Calle de Sueca, 27",
    "postal_code": "46006",
    "city": "Valencia",
    "region": "Valencia",
    "country": "ES",
    "register_name": "Registro Mercantil de Valencia",
    "register_entry": "Tomo 10234, Libro 7516, Folio 45, Hoja V-178234, Inscripción 1.ª",
    "tax_id": "B98765431",
    "vat_id": "ESB98765431",
    "payment_methods": ["card", "paypal", "bizum", "bank_transfer"],
    "countries_shipped_to": ["ES", "PT", "FR", "IT", "DE", "BE", "NL"],
    "languages_spoken": ["es", "ca", "en"],
}

PEOPLE = [
    (
        "Lucía Alba Martínez",
        "Fundadora y ceramista",
        "Tornea cada pieza de la colección y responde en persona a los encargos especiales.",
        "#8a3b24",
    ),
    (
        "Javier Soler",
        "Atención al cliente",
        "Contesta el teléfono y el WhatsApp, y sigue cada pedido hasta que llega a tu casa.",
        "#2f5d62",
    ),
    (
        "Marta Ruiz",
        "Envíos y devoluciones",
        "Embala con mimo cada pedido y gestiona los cambios y devoluciones.",
        "#5b4a8a",
    ),
]

SPLIT_DAY = [(day, "09:00", "14:00") for day in MON_FRI] + [
    (day, "16:00", "19:00") for day in MON_FRI
]

# (kind, label, fields, purposes, languages, reply time, weekly hours)
CHANNELS = [
    (
        "phone",
        "Atención al cliente",
        {"phone": "+34960123456"},
        ["sales", "support", "returns", "complaints"],
        ["es", "ca", "en"],
        None,
        SPLIT_DAY + [(5, "10:00", "14:00")],
    ),
    (
        "whatsapp",
        "WhatsApp",
        {"phone": "+34612345678"},
        ["sales", "support"],
        ["es", "en"],
        60,
        [(day, "09:00", "20:00") for day in MON_FRI],
    ),
    (
        "email",
        "Correo electrónico",
        {"email": "hola@ceramica-alba.example"},
        ["sales", "support", "returns", "complaints"],
        ["es", "ca", "en"],
        1440,
        [],
    ),
    (
        "form",
        "Formulario de contacto",
        {},
        ["sales", "support", "returns", "complaints"],
        ["es", "ca", "en"],
        1440,
        [],
    ),
    (
        "store",
        "Taller y tienda en Ruzafa",
        {
            "street_address": "Calle de Sueca, 27",
            "postal_code": "46006",
            "city": "Valencia",
            "region": "Valencia",
            "country": "ES",
        },
        ["sales", "returns"],
        ["es", "ca"],
        None,
        [(day, "10:00", "14:00") for day in range(0, 6)]
        + [(day, "17:00", "20:30") for day in MON_FRI],
    ),
    (
        "instagram",
        "",
        {"url": "https://www.instagram.com/ceramica.alba.demo/"},
        [],
        ["es"],
        240,
        [],
    ),
    ("facebook", "", {"url": "https://www.facebook.com/ceramica.alba.demo"}, [], ["es"], 1440, []),
    ("pinterest", "", {"url": "https://www.pinterest.es/ceramicaalbademo/"}, [], [], None, []),
]


RETURN_STEPS = [
    (
        "Avísanos",
        "Escríbenos por el formulario, por correo o por WhatsApp con tu número de pedido. "
        "También puedes usar el formulario de desistimiento.",
    ),
    (
        "Embala la pieza",
        "Usa la caja original si la tienes: la cerámica viaja mejor bien protegida.",
    ),
    (
        "Envíala o tráela",
        "Te mandamos una etiqueta de envío gratuita, o tráela al taller de Ruzafa.",
    ),
    (
        "Te devolvemos el dinero",
        "En cuanto la recibimos y la revisamos, te devolvemos el importe por el mismo medio "
        "de pago.",
    ),
]

PAGES = [
    (
        ContactPage,
        "contacto",
        {
            "title": "Contacto",
            "show_in_menus": True,
            "intro": "<p>Somos seis personas en un taller de Valencia y respondemos nosotros "
            "mismos. Elige cómo prefieres hablar con nosotros.</p>",
            "search_description": "Teléfono, WhatsApp, correo y taller de Cerámica Alba en "
            "Valencia, con horarios y tiempos de respuesta.",
        },
    ),
    (
        AboutPage,
        "quienes-somos",
        {
            "title": "Quiénes somos",
            "show_in_menus": True,
            "intro": "<p>Detrás de cada pieza hay una persona con nombre y apellidos.</p>",
            "search_description": "La historia, el equipo y los datos de la empresa detrás de "
            "Cerámica Alba.",
        },
    ),
    (
        ReturnsPage,
        "devoluciones",
        {
            "title": "Devoluciones",
            "show_in_menus": True,
            "intro": "<p>Si una pieza no te convence, la devuelves sin complicaciones.</p>",
            "search_description": "Cómo devolver un pedido de Cerámica Alba: plazos, costes y "
            "formulario de desistimiento.",
            "body": [
                (
                    "questions",
                    {
                        "heading": "Preguntas frecuentes",
                        "questions": [
                            {
                                "question": "¿Y si la pieza llega rota?",
                                "answer": "<p>Mándanos una foto en las 48 horas siguientes y "
                                "te enviamos otra o te devolvemos el dinero, sin coste.</p>",
                            },
                            {
                                "question": "¿Puedo cambiar el color de una taza?",
                                "answer": "<p>Sí: elige el cambio al avisarnos y te enviamos "
                                "la nueva cuando recibamos la tuya.</p>",
                            },
                        ],
                    },
                )
            ],
        },
    ),
    (
        LegalNoticePage,
        "aviso-legal",
        {
            "title": "Aviso legal",
            "show_in_menus": False,
            "search_description": "Datos identificativos de Cerámica Alba Artesanos, S.L.",
        },
    ),
]


PRIVACY_TEXT = (
    "<p>Cerámica Alba Artesanos, S.L. guarda los mensajes que nos envías solo para "
    "responderte. No los compartimos con nadie. Puedes pedirnos una copia o que los borremos "
    "escribiendo a hola@ceramica-alba.example.</p>"
)

CANNED_REPLIES = [
    (
        "Plazo de envío",
        "Hola {name}:\n\nGracias por escribirnos. Enviamos los pedidos en 2 o 3 días "
        "laborables y llegan en 24-48 horas a la península.\n\nUn saludo,\n{shop}\n"
        "Referencia: {reference}",
    ),
    (
        "Devolución recibida",
        "Hola {name}:\n\nHemos recibido tu devolución y en los próximos días verás el "
        "reembolso.\n\nUn saludo,\n{shop}\nReferencia: {reference}",
    ),
]

SAMPLE_CONVERSATIONS = [
    (
        "demo-1",
        "Carmen López",
        "carmen@example.com",
        "product",
        "Hola, ¿la vajilla azul se puede meter en el microondas? Gracias.",
        "new",
    ),
    (
        "demo-2",
        "Pau Ferrer",
        "pau@example.com",
        "order_status",
        "Hice el pedido el lunes y aún no me ha llegado el correo de envío.",
        "open",
    ),
    (
        "demo-3",
        "Promo SEO",
        "seo@spam.example",
        "other",
        "Best SEO https://a.example https://b.example https://c.example https://d.example",
        "spam",
    ),
]


class Command(BaseCommand):
    help = "Create or update the demo shop: its profile, people, channels and pages."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port",
            type=int,
            default=8000,
            help="the port the demo is served on: its site's address (sitemap, structured "
            "data, links in emails) uses it",
        )

    def handle(self, *args, **options):
        with transaction.atomic():
            site = self.home_site(options["port"])
            profile = self.profile(site)
            self.channels(site)
            self.holidays(profile)
            self.return_policy(site)
            self.pages(site.root_page.specific)
            self.inbox(site, site.root_page.specific)
        self.stdout.write(self.style.SUCCESS(f"Demo shop ready: {profile.name} at {site}."))

    def home_site(self, port=8000):
        """Put a HomePage at the root of the default site, replacing Wagtail's welcome page."""
        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            home = root.add_child(
                instance=HomePage(
                    title="Cerámica Alba",
                    slug="inicio",
                    intro=(
                        "<p>Cerámica hecha a mano en Valencia. Aquí tienes todo lo que necesitas "
                        "para saber quiénes somos y cómo hablar con nosotros.</p>"
                    ),
                )
            )
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(is_default_site=True)
        site.hostname, site.port, site.site_name = "127.0.0.1", port, "Cerámica Alba"
        site.root_page = home
        site.save()
        # Wagtail's placeholder page is only in the way once the shop has its own home.
        for welcome in root.get_children().exclude(pk=home.pk).filter(slug="home"):
            if not welcome.get_children().exists():
                welcome.delete()
        return site

    def profile(self, site):
        profile = StoreProfile.for_site(site)
        for field, value in PROFILE.items():
            setattr(profile, field, value)
        profile.logo = self.image("Logo Cerámica Alba", "CA", "#8a3b24", size=(240, 240))
        profile.full_clean()
        profile.save()

        profile.people.all().delete()
        for order, (name, role, bio, colour) in enumerate(PEOPLE):
            initials = "".join(part[0] for part in name.split()[:2])
            Person.objects.create(
                profile=profile,
                sort_order=order,
                name=name,
                role=role,
                bio=bio,
                photo=self.image(f"Foto de {name}", initials, colour, size=(320, 320)),
            )
        profile.seals.all().delete()
        TrustSeal.objects.create(
            profile=profile,
            sort_order=0,
            kind="seal",
            name="Sello Tienda Artesana Verificada (demo)",
            image=self.image("Sello Tienda Artesana", "TA", "#1f6f43", size=(160, 160)),
            verification_url="https://sellos.example.org/verificar/ceramica-alba",
        )
        TrustSeal.objects.create(
            profile=profile,
            sort_order=1,
            kind="code_of_conduct",
            name="Código de buenas prácticas del comercio artesano (demo)",
            verification_url="https://artesania.example.org/codigo-de-conducta",
        )
        profile.review_profiles.all().delete()
        ReviewProfile.objects.create(
            profile=profile,
            sort_order=0,
            name="Opiniones verificadas (demo)",
            url="https://opiniones.example.org/tiendas/ceramica-alba",
        )
        return profile

    def channels(self, site):
        for order, (kind, label, fields, purposes, languages, reply, hours) in enumerate(CHANNELS):
            channel = ContactChannel.objects.filter(site=site, kind=kind).first()
            channel = channel or ContactChannel(site=site, kind=kind)
            channel.sort_order = order
            channel.label = label
            channel.purposes = purposes
            channel.languages = languages
            channel.reply_time = reply
            for field, value in fields.items():
                setattr(channel, field, value)
            channel.full_clean()
            channel.save()
            channel.hours.all().delete()
            OpeningHoursInterval.objects.bulk_create(
                OpeningHoursInterval(
                    channel=channel,
                    sort_order=index,
                    weekday=day,
                    opens=dt.time.fromisoformat(opens),
                    closes=dt.time.fromisoformat(closes),
                )
                for index, (day, opens, closes) in enumerate(hours)
            )
            channel.exceptions.all().delete()
            if kind == "phone":
                self.black_friday(channel)

    def black_friday(self, channel):
        """The phone line keeps long hours on Black Friday, as a real shop would."""
        today = dt.date.today()
        for year in (today.year, today.year + 1):
            november_first = dt.date(year, 11, 1)
            first_friday = november_first + dt.timedelta(days=(4 - november_first.weekday()) % 7)
            ChannelHoursException.objects.create(
                channel=channel,
                date=first_friday + dt.timedelta(weeks=3),
                label="Black Friday",
                opens=dt.time(9),
                closes=dt.time(21),
            )

    def holidays(self, profile):
        """Spanish national and Valencian holidays for this year and the next."""
        today = dt.date.today()
        calendar = holidays.Spain(subdiv="VC", years=[today.year, today.year + 1], language="es")
        profile.closures.all().delete()
        StoreClosure.objects.bulk_create(
            StoreClosure(profile=profile, sort_order=index, date=date, label=name)
            for index, (date, name) in enumerate(sorted(calendar.items()))
        )

    def return_policy(self, site):
        policy = ReturnPolicy.for_site(site)
        policy.window = "MerchantReturnFiniteReturnWindow"
        policy.return_days = 30
        policy.applicable_countries = PROFILE["countries_shipped_to"]
        policy.return_country = "ES"
        policy.item_conditions = ["NewCondition"]
        policy.return_methods = ["ReturnByMail", "ReturnInStore"]
        policy.fees = "FreeReturn"
        policy.refund_types = ["FullRefund", "ExchangeRefund"]
        policy.refund_days = 14
        # Only what art. 16 of Directive 2011/83/EU excludes from withdrawal: goods made to the
        # shopper's specification (c). Pieces sold with small defects are still returnable.
        policy.non_returnable_items = "Piezas personalizadas con nombre o dedicatoria"
        policy.full_clean()
        policy.save()
        policy.steps.all().delete()
        for order, (title, text) in enumerate(RETURN_STEPS):
            ReturnStep.objects.create(policy=policy, sort_order=order, title=title, text=text)

    def pages(self, home):
        """The contactkit pages under the home page, in the menu, in a fixed order."""
        for model, slug, fields in PAGES:
            page = model.objects.child_of(home).filter(slug=slug).first()
            if page is None:
                page = home.add_child(instance=model(slug=slug, **fields))
            else:
                for name, value in fields.items():
                    setattr(page, name, value)
                page.save_revision().publish()

    def inbox(self, site, home):
        """Who hears about new messages, canned replies and a few messages to look at."""
        privacy = StandardPage.objects.child_of(home).filter(slug="privacidad").first()
        if privacy is None:
            privacy = home.add_child(
                instance=StandardPage(
                    title="Privacidad",
                    slug="privacidad",
                    body=PRIVACY_TEXT,
                    show_in_menus=False,
                )
            )
        settings = InboxSettings.for_site(site)
        settings.from_email = "hola@ceramica-alba.example"
        settings.notify_emails = "pedidos@ceramica-alba.example"
        settings.privacy_page = privacy
        settings.full_clean()
        settings.save()
        settings.routes.all().delete()
        TopicRoute.objects.create(
            settings=settings,
            topics=["complaint", "return"],
            emails="marta@ceramica-alba.example\nlucia@ceramica-alba.example",
        )
        for title, body in CANNED_REPLIES:
            CannedReply.objects.update_or_create(title=title, defaults={"body": body})
        for key, name, email, topic, text, status in SAMPLE_CONVERSATIONS:
            if Conversation.objects.filter(submission_key=key).exists():
                continue
            conversation = Conversation.objects.create(
                site=site,
                submission_key=key,
                name=name,
                email=email,
                topic=topic,
                status=status,
                language="es",
                spam_reason="links:4" if status == "spam" else "",
                consented_at=timezone.now(),
            )
            Message.objects.create(conversation=conversation, kind="shopper", body=text)

    def image(self, title, text, colour, size):
        """A plain generated image (initials on a colour), made once and reused after."""
        Image = get_image_model()
        existing = Image.objects.filter(title=title).first()
        if existing:
            return existing
        canvas = PILImage.new("RGB", size, colour)
        draw = ImageDraw.Draw(canvas)
        box = draw.textbbox((0, 0), text, font_size=size[0] // 3)
        draw.text(
            ((size[0] - box[2]) / 2, (size[1] - box[3]) / 2),
            text,
            fill="#ffffff",
            font_size=size[0] // 3,
        )
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG")
        filename = title.lower().replace(" ", "-") + ".png"
        return Image.objects.create(title=title, file=ImageFile(buffer, name=filename))
