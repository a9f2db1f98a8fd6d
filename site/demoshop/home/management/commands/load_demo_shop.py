"""Build the demo shop: an invented Spanish ceramics shop with its profile, people, channels and
pages, in Spanish and in English.

Every word a shopper reads is written here in both languages (a :class:`Text`). The site's
default language (``LANGUAGE_CODE``: Spanish in the demo) goes where the shop's own language
goes: the page tree under the site's root and the main fields of the settings. The other
language goes where contactkit keeps translations (docs/pages.md, "Two languages"): an English
copy of every page in the English locale, made with Wagtail's ``copy_for_translation`` as
*Translate* in the admin makes it, and the ``translations`` field of the store profile, its
people, seals, holidays and channels, and of the returns policy and its steps.

Safe to run again: it updates what it made before and never duplicates it.
"""

import datetime as dt
import io
from decimal import Decimal

import holidays
from django.contrib.contenttypes.models import ContentType
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site

from contactkit.i18n import content_languages, default_language, other_languages
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
from contactkit.returns.choices import NonReturnable
from contactkit.returns.models import ReturnPolicy, ReturnStep
from demoshop.home.models import HomePage, StandardPage

# The languages the demo is written in. The first is the shop's own: its words are used for a
# default language the demo is not written in.
WRITTEN_IN = ("es", "en")
SHOP_LANGUAGE = WRITTEN_IN[0]


class Text(dict):
    """One text in each language the demo is written in: ``Text(es="…", en="…")``."""

    def __init__(self, **by_language):
        super().__init__(by_language)


def in_language(value, language):
    """``value`` in ``language``: a :class:`Text`'s words in it (the shop's own if it is not
    written in it), anything else as it is."""
    if isinstance(value, Text):
        return value.get(language, value[SHOP_LANGUAGE])
    return value


# The weekdays of an opening, as OpeningHoursInterval.weekdays stores them (Monday is "0").
MON_FRI = ["0", "1", "2", "3", "4"]
MON_SAT = [*MON_FRI, "5"]

PROFILE = {
    "trade_name": "Cerámica Alba",
    "legal_name": "Cerámica Alba Artesanos, S.L.",
    "legal_form": "Sociedad Limitada (S.L.)",
    "story": Text(
        es=(
            "Cerámica Alba nació en 2016 en un pequeño taller del barrio de Ruzafa, en Valencia. "
            "Lucía Alba aprendió el oficio de su abuelo en Manises y hoy, con un equipo de seis "
            "personas, tornea, esmalta y cuece a mano cada taza, plato y jarrón que vendemos.\n\n"
            "Vendemos por internet a toda Europa, pero seguimos abriendo la puerta del taller: "
            "si quieres ver cómo trabajamos, ven a visitarnos."
        ),
        en=(
            "Cerámica Alba was born in 2016 in a small workshop in Ruzafa, a neighbourhood of "
            "Valencia. Lucía Alba learnt the craft from her grandfather in Manises, and today, "
            "with a team of six, she throws, glazes and fires by hand every cup, plate and vase "
            "we sell.\n\n"
            "We sell online all over Europe, but our workshop door is still open: if you would "
            "like to see how we work, come and visit us."
        ),
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

# (name, role, bio, colour of the photo)
PEOPLE = [
    (
        "Lucía Alba Martínez",
        Text(es="Fundadora y ceramista", en="Founder and ceramicist"),
        Text(
            es="Tornea cada pieza de la colección y responde en persona a los encargos especiales.",
            en="Throws every piece in the collection and answers special orders in person.",
        ),
        "#8a3b24",
    ),
    (
        "Javier Soler",
        Text(es="Atención al cliente", en="Customer service"),
        Text(
            es="Contesta el teléfono y el WhatsApp, y sigue cada pedido hasta que llega a tu casa.",
            en="Answers the phone and WhatsApp, and follows every order until it reaches your "
            "door.",
        ),
        "#2f5d62",
    ),
    (
        "Marta Ruiz",
        Text(es="Envíos y devoluciones", en="Shipping and returns"),
        Text(
            es="Embala con mimo cada pedido y gestiona los cambios y devoluciones.",
            en="Packs every order with care and looks after exchanges and returns.",
        ),
        "#5b4a8a",
    ),
]

# (kind, name, image: (title, initials, colour) or None, verification link)
SEALS = [
    (
        "seal",
        Text(
            es="Sello Tienda Artesana Verificada (demo)",
            en="Verified Craft Shop seal (demo)",
        ),
        ("Sello Tienda Artesana", "TA", "#1f6f43"),
        "https://sellos.example.org/verificar/ceramica-alba",
    ),
    (
        "code_of_conduct",
        Text(
            es="Código de buenas prácticas del comercio artesano (demo)",
            en="Code of good practice for craft shops (demo)",
        ),
        None,
        "https://artesania.example.org/codigo-de-conducta",
    ),
]

# The phone line: a split day from Monday to Friday, Saturday mornings.
SPLIT_DAY = [(MON_FRI, "09:00", "14:00"), (MON_FRI, "16:00", "19:00")]

# (kind, label, fields, purposes, languages, reply time, weekly hours: (weekdays, opens, closes))
CHANNELS = [
    (
        "phone",
        Text(es="Atención al cliente", en="Customer service"),
        {"phone": "+34960123456"},
        ["sales", "support", "returns", "complaints"],
        ["es", "ca", "en"],
        None,
        [*SPLIT_DAY, (["5"], "10:00", "14:00")],
    ),
    (
        "whatsapp",
        Text(es="WhatsApp", en="WhatsApp"),
        {"phone": "+34612345678"},
        ["sales", "support"],
        ["es", "en"],
        60,
        [(MON_FRI, "09:00", "20:00")],
    ),
    (
        # The shop's own live chat, answered from the inbox by whoever is available.
        "chat",
        Text(es="Chat en directo", en="Live chat"),
        {"chat_provider": "contactkit"},
        ["sales", "support"],
        ["es", "en"],
        None,
        [(MON_FRI, "10:00", "19:00")],
    ),
    (
        "email",
        Text(es="Correo electrónico", en="Email"),
        {"email": "hola@ceramica-alba.example"},
        ["sales", "support", "returns", "complaints"],
        ["es", "ca", "en"],
        1440,
        [],
    ),
    (
        "form",
        Text(es="Formulario de contacto", en="Contact form"),
        {},
        ["sales", "support", "returns", "complaints"],
        ["es", "ca", "en"],
        1440,
        [],
    ),
    (
        "store",
        Text(es="Taller y tienda en Ruzafa", en="Workshop and shop in Ruzafa"),
        {
            "street_address": "Calle de Sueca, 27",
            "postal_code": "46006",
            "city": "Valencia",
            "region": "Valencia",
            "country": "ES",
            "latitude": Decimal("39.461000"),
            "longitude": Decimal("-0.376500"),
        },
        ["sales", "returns"],
        ["es", "ca"],
        None,
        [(MON_SAT, "10:00", "14:00"), (MON_FRI, "17:00", "20:30")],
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

# The phone line's long day on Black Friday: the name is the same in both languages.
BLACK_FRIDAY = Text(es="Black Friday", en="Black Friday")

# python-holidays writes American English; the demo's English is British.
BRITISH_SPELLING = {"Labor Day": "Labour Day"}

# (title, text)
RETURN_STEPS = [
    (
        Text(es="Avísanos", en="Let us know"),
        Text(
            es="Escríbenos por el formulario, por correo o por WhatsApp con tu número de pedido. "
            "También puedes usar el formulario de desistimiento.",
            en="Write to us through the form, by email or on WhatsApp with your order number. "
            "You can also use the withdrawal form.",
        ),
    ),
    (
        Text(es="Embala la pieza", en="Pack the piece"),
        Text(
            es="Usa la caja original si la tienes: la cerámica viaja mejor bien protegida.",
            en="Use the original box if you still have it: ceramics travel best well protected.",
        ),
    ),
    (
        Text(es="Envíala o tráela", en="Send it or bring it in"),
        Text(
            es="Te mandamos una etiqueta de envío gratuita, o tráela al taller de Ruzafa.",
            en="We send you a free shipping label, or you can bring it to the workshop in Ruzafa.",
        ),
    ),
    (
        Text(es="Te devolvemos el dinero", en="We refund you"),
        Text(
            es="En cuanto la recibimos y la revisamos, te devolvemos el importe por el mismo "
            "medio de pago.",
            en="As soon as we have received and checked it, we refund the amount by the same "
            "payment method.",
        ),
    ),
]

HOME = {
    "title": "Cerámica Alba",
    "slug": Text(es="inicio", en="home"),
    "intro": Text(
        es="<p>Cerámica hecha a mano en Valencia. Aquí tienes todo lo que necesitas para saber "
        "quiénes somos y cómo hablar con nosotros.</p>",
        en="<p>Handmade ceramics from Valencia. Here you will find everything you need to know "
        "about who we are and how to get in touch.</p>",
    ),
}

RETURNS_FAQ = Text(
    es=[
        (
            "questions",
            {
                "heading": "Preguntas frecuentes",
                "questions": [
                    {
                        "question": "¿Y si la pieza llega rota?",
                        "answer": "<p>Mándanos una foto en las 48 horas siguientes y te "
                        "enviamos otra o te devolvemos el dinero, sin coste.</p>",
                    },
                    {
                        "question": "¿Puedo cambiar el color de una taza?",
                        "answer": "<p>Sí: elige el cambio al avisarnos y te enviamos la nueva "
                        "cuando recibamos la tuya.</p>",
                    },
                ],
            },
        )
    ],
    en=[
        (
            "questions",
            {
                "heading": "Frequently asked questions",
                "questions": [
                    {
                        "question": "What if the piece arrives broken?",
                        "answer": "<p>Send us a photo within 48 hours and we will send you "
                        "another one or refund your money, at no cost to you.</p>",
                    },
                    {
                        "question": "Can I change the colour of a cup?",
                        "answer": "<p>Yes: choose an exchange when you let us know, and we will "
                        "send you the new one as soon as we receive yours.</p>",
                    },
                ],
            },
        )
    ],
)

# The pages under the home page, in this order (the menu's, for those in it).
PAGES = [
    (
        ContactPage,
        {
            "title": Text(es="Contacto", en="Contact"),
            "slug": Text(es="contacto", en="contact"),
            "show_in_menus": True,
            "intro": Text(
                es="<p>Somos seis personas en un taller de Valencia y respondemos nosotros "
                "mismos. Elige cómo prefieres hablar con nosotros.</p>",
                en="<p>We are six people in a workshop in Valencia, and we answer you "
                "ourselves. Choose how you would like to talk to us.</p>",
            ),
            "search_description": Text(
                es="Teléfono, WhatsApp, correo y taller de Cerámica Alba en Valencia, con "
                "horarios y tiempos de respuesta.",
                en="Phone, WhatsApp, email and the Cerámica Alba workshop in Valencia, with "
                "opening hours and reply times.",
            ),
        },
    ),
    (
        AboutPage,
        {
            "title": Text(es="Quiénes somos", en="About us"),
            "slug": Text(es="quienes-somos", en="about-us"),
            "show_in_menus": True,
            "intro": Text(
                es="<p>Detrás de cada pieza hay una persona con nombre y apellidos.</p>",
                en="<p>Behind every piece there is a real person, with a name of their own.</p>",
            ),
            "search_description": Text(
                es="La historia, el equipo y los datos de la empresa detrás de Cerámica Alba.",
                en="The story, the team and the company behind Cerámica Alba.",
            ),
        },
    ),
    (
        ReturnsPage,
        {
            "title": Text(es="Devoluciones", en="Returns"),
            "slug": Text(es="devoluciones", en="returns"),
            "show_in_menus": True,
            "intro": Text(
                es="<p>Si una pieza no te convence, la devuelves sin complicaciones.</p>",
                en="<p>If a piece is not right for you, you can send it back without any fuss.</p>",
            ),
            "search_description": Text(
                es="Cómo devolver un pedido de Cerámica Alba: plazos, costes y formulario de "
                "desistimiento.",
                en="How to return a Cerámica Alba order: time limits, costs and the withdrawal "
                "form.",
            ),
            "body": RETURNS_FAQ,
        },
    ),
    (
        LegalNoticePage,
        {
            "title": Text(es="Aviso legal", en="Legal notice"),
            "slug": Text(es="aviso-legal", en="legal-notice"),
            "show_in_menus": False,
            "search_description": Text(
                es="Datos identificativos de Cerámica Alba Artesanos, S.L.",
                en="Who runs the shop: the details of Cerámica Alba Artesanos, S.L.",
            ),
        },
    ),
    (
        StandardPage,
        {
            "title": Text(es="Privacidad", en="Privacy"),
            "slug": Text(es="privacidad", en="privacy"),
            "show_in_menus": False,
            "body": Text(
                es="<p>Cerámica Alba Artesanos, S.L. guarda los mensajes que nos envías solo para "
                "responderte. No los compartimos con nadie. Puedes pedirnos una copia o que los "
                "borremos escribiendo a hola@ceramica-alba.example.</p>",
                en="<p>Cerámica Alba Artesanos, S.L. keeps the messages you send us only to "
                "reply to you. We do not share them with anyone. You can ask us for a copy, or "
                "ask us to delete them, by writing to hola@ceramica-alba.example.</p>",
            ),
        },
    ),
]


def holidays_language(language):
    """The language python-holidays names Spain's holidays in for ``language`` ("en_US" for
    "en"), or None if it has none of its variants."""
    supported = holidays.Spain.supported_languages
    if language in supported:
        return language
    return next((code for code in supported if code.split("_")[0] == language), None)


def holiday_name(name, language):
    if language == "en":
        for american, british in BRITISH_SPELLING.items():
            name = name.replace(american, british)
    return name


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
    help = (
        "Create or update the demo shop: its profile, people, channels and pages, in each "
        "language it is written in."
    )

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
            self.locales = self.make_locales()
            self.default = default_language()
            # The other languages, and those of them the demo is written in (pages are
            # translated into these; a translations field holds only what is written).
            self.others = [code for code, _name in other_languages()]
            self.translated = [code for code in self.others if code in WRITTEN_IN]
            site = self.default_site(options["port"])
            homes, pages = self.pages(site)
            profile = self.profile(site)
            self.channels(site)
            self.holidays(profile)
            self.return_policy(site)
            self.inbox(site, privacy_page=pages[StandardPage])
        # Read again: the copies above keep the site's addresses from before they were published.
        addresses = " and ".join(
            f"in {translation.get_language_info(code)['name']} at "
            f"{Page.objects.get(pk=home.pk).get_full_url()}"
            for code, home in homes.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Demo shop ready: {profile.name}, {addresses}."))

    # --- languages ----------------------------------------------------------------------------

    def make_locales(self):
        """A Wagtail locale for each content language: {language code: Locale}."""
        return {
            code: Locale.objects.get_or_create(language_code=code)[0]
            for code, _name in content_languages()
        }

    def main(self, text):
        """What goes in a main field: ``text`` in the default language."""
        return in_language(text, self.default)

    def translations(self, **texts):
        """What goes in a translations field: ``{language: {field: text}}`` for each other
        language the texts are written in."""
        found = {}
        for language in self.others:
            for field, text in texts.items():
                if isinstance(text, Text) and text.get(language):
                    found.setdefault(language, {})[field] = text[language]
        return found

    # --- the site and its pages ---------------------------------------------------------------

    def default_site(self, port):
        """The default site, at the demo's address; saved with its root page (see pages)."""
        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.hostname, site.port, site.site_name = "127.0.0.1", port, "Cerámica Alba"
        return site

    def pages(self, site):
        """The home page and the pages under it in the default language, then the same pages in
        each other language, as translations of them. Returns {language: home page} and the
        default language's pages by model.

        The home page is the default site's root; Wagtail serves its translations as the roots
        of the other languages (/en/…).
        """
        root = Page.get_first_root_node()
        self.remove_welcome_page(root, site)
        default_locale = Locale.get_default()
        home = HomePage.objects.filter(locale=default_locale).child_of(root).first()
        if home is None:
            # Under the root a page takes the root's locale (that of the language the database
            # was created in) unless it is given one.
            home = root.add_child(
                instance=HomePage(locale=default_locale, **self.fields_in(HOME, self.default))
            )
        else:
            self.publish_in(home, HOME, self.default)
        site.root_page = home
        site.save()

        pages = {}
        for model, fields in PAGES:
            slug = in_language(fields["slug"], self.default)
            page = model.objects.child_of(home).filter(slug=slug).first()
            if page is None:
                page = home.add_child(instance=model(**self.fields_in(fields, self.default)))
            else:
                self.publish_in(page, fields, self.default)
            pages[model] = page

        homes = {self.default: home}
        for language in self.translated:
            # The home first: the other pages are copied under its translation, in order.
            homes[language] = self.translate(home, HOME, language)
            for model, fields in PAGES:
                self.translate(pages[model], fields, language)
        return homes, pages

    def remove_welcome_page(self, root, site):
        """Delete Wagtail's placeholder page ("Welcome to your new Wagtail site!").

        It is in the way of the shop's home pages: it has the slug "home" (that of the English
        one) among them. A site pointing at it points at the root meanwhile, since deleting a
        site's root page deletes the site.
        """
        welcome_pages = root.get_children().filter(
            slug="home", content_type=ContentType.objects.get_for_model(Page)
        )
        for welcome in welcome_pages:
            if welcome.get_children().exists():
                continue
            if Site.objects.filter(root_page=welcome).exclude(pk=site.pk).exists():
                continue
            if site.root_page_id == welcome.pk:
                site.root_page = root
                site.save()
            welcome.delete()

    def fields_in(self, fields, language):
        return {name: in_language(value, language) for name, value in fields.items()}

    def publish_in(self, page, fields, language):
        """Write ``page`` in ``language`` and publish it."""
        for name, value in self.fields_in(fields, language).items():
            setattr(page, name, value)
        page.save_revision().publish()

    def translate(self, page, fields, language):
        """``page`` in ``language``: its translation, made as *Translate* in the admin makes it
        (a draft copy in the language's locale, under the translated parent) if there is none
        yet, then written in that language and published."""
        locale = self.locales[language]
        translated = page.get_translation_or_none(locale)
        if translated is None:
            translated = page.copy_for_translation(locale, copy_parents=True)
            self.rename_new_copy(translated, in_language(fields["slug"], language))
        translated = translated.specific
        self.publish_in(translated, fields, language)
        return translated

    def rename_new_copy(self, page, slug):
        """Give a copy just made for translation, with its original's slug, its own slug.

        Saving a page whose slug changed makes wagtail.contrib.redirects add a redirect from
        its old address, even for a draft nobody could open (/en/contacto → /en/contact/). The
        copy has no pages under it yet and was never published, so it is renamed in the
        database, as if it had been made with its slug; publishing it next checks the slug as
        usual.
        """
        page.slug = slug
        page.set_url_path(page.get_parent())
        Page.objects.filter(pk=page.pk).update(slug=page.slug, url_path=page.url_path)

    # --- the shop's settings ------------------------------------------------------------------

    def profile(self, site):
        profile = StoreProfile.for_site(site)
        for field, value in PROFILE.items():
            setattr(profile, field, self.main(value))
        profile.translations = self.translations(story=PROFILE["story"])
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
                role=self.main(role),
                bio=self.main(bio),
                translations=self.translations(role=role, bio=bio),
                photo=self.image(f"Foto de {name}", initials, colour, size=(320, 320)),
            )
        profile.seals.all().delete()
        for order, (kind, name, image, url) in enumerate(SEALS):
            TrustSeal.objects.create(
                profile=profile,
                sort_order=order,
                kind=kind,
                name=self.main(name),
                translations=self.translations(name=name),
                image=self.image(*image, size=(160, 160)) if image else None,
                verification_url=url,
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
            channel.label = self.main(label)
            channel.translations = self.translations(label=label)
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
                    weekdays=list(weekdays),
                    opens=dt.time.fromisoformat(opens),
                    closes=dt.time.fromisoformat(closes),
                )
                for index, (weekdays, opens, closes) in enumerate(hours)
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
                label=self.main(BLACK_FRIDAY),
                translations=self.translations(label=BLACK_FRIDAY),
                opens=dt.time(9),
                closes=dt.time(21),
            )

    def holidays(self, profile):
        """Spanish national and Valencian holidays for this year and the next, named in each
        language python-holidays knows of those of the site."""
        today = dt.date.today()
        years = [today.year, today.year + 1]
        calendars = {}
        for language in [self.default, *self.others]:
            variant = holidays_language(language)
            if variant:
                calendars[language] = holidays.Spain(subdiv="VC", years=years, language=variant)
        main = calendars.pop(self.default, None) or holidays.Spain(
            subdiv="VC", years=years, language=SHOP_LANGUAGE
        )
        profile.closures.all().delete()
        StoreClosure.objects.bulk_create(
            StoreClosure(
                profile=profile,
                sort_order=index,
                date=date,
                label=holiday_name(name, self.default),
                translations={
                    language: {"label": holiday_name(calendar[date], language)}
                    for language, calendar in calendars.items()
                    if date in calendar
                },
            )
            for index, (date, name) in enumerate(sorted(main.items()))
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
        # Only what art. 16 of Directive 2011/83/EU excludes from withdrawal: the pieces
        # personalised with a name or a dedication are made to the shopper's specification
        # (c). Pieces sold with small defects are still returnable.
        policy.non_returnable_categories = [NonReturnable.MADE_TO_ORDER]
        policy.non_returnable_items = ""
        policy.translations = {}
        policy.full_clean()
        policy.save()
        policy.steps.all().delete()
        for order, (title, text) in enumerate(RETURN_STEPS):
            ReturnStep.objects.create(
                policy=policy,
                sort_order=order,
                title=self.main(title),
                text=self.main(text),
                translations=self.translations(title=title, text=text),
            )

    def inbox(self, site, privacy_page):
        """Who hears about new messages, canned replies and a few messages to look at."""
        settings = InboxSettings.for_site(site)
        settings.from_email = "hola@ceramica-alba.example"
        settings.notify_emails = "pedidos@ceramica-alba.example"
        settings.privacy_page = privacy_page
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
