#!/usr/bin/env python3
"""The inbox in the Wagtail admin with 100,000 conversations on PostgreSQL: list, filters, search.

    .venvs/test-py311/bin/python bench/inbox.py                 # the table of docs/benchmarks.md
    .venvs/test-py311/bin/python bench/inbox.py --explain       # and the plans of slow queries
    .venvs/test-py311/bin/python bench/inbox.py --rebuild       # throw the data away, make it anew

Run it with a Python that has contactkit[test] installed (Django, psycopg, the demo's
dependencies) and a PostgreSQL server. What it does:

1. creates the database ``--database`` (default contactkit_bench_inbox) on the server of
   ``--server`` if it is missing, and migrates it (the demo's settings, demoshop.settings.test:
   DEBUG off, the local-memory cache);
2. unless it already holds exactly ``--conversations`` of them, fills it with that many
   conversations (100,000), made up but shaped like a shop's: 32,000 shoppers (Spanish names,
   addresses at the usual providers), many of whom write several times; every source,
   topic and status in realistic shares (most old conversations closed, the new and open ones
   recent, a few per cent spam or held for review); eight members of staff to assign them to;
   dates over three years; one to five messages each (the shopper's, staff's replies and
   notes, in Spanish), 2.7 on average, a shopper's first one a few hundred characters long;
   order numbers, withdrawals with their refund deadline. Everything is written with
   ``bulk_create`` in batches, from a fixed seed (``--seed``), so two runs measure the same
   data; then (on every run) VACUUM ANALYZE, as autovacuum keeps a real shop's database;
3. gives the shop its store profile (time zone Europe/Madrid, in which refund deadlines are
   counted) and logs in a member of staff (not a superuser: a group gives them the inbox's
   permissions) with
   Django's test Client, in this process, and requests each page of the table below, in turn,
   ``--runs`` times (after one request each to warm up), the whole page as a browser gets it
   (the admin's menu and its counts, the filters, the first 50 rows). It times each answer and
   the SQL inside it (count, total and slowest query);
4. checks that each search finds exactly what the inbox's documented rule finds (every word in
   the reference, name, email, order number or one of the messages, case ignored), computed
   here with a plain query, so that a faster search cannot quietly find something else;
5. prints the table: wall-clock time (median and p95, ms), the SQL's share, and, when
   PostgreSQL runs on this machine, the CPU time of the request in this process and in the
   database's (what it takes on an idle machine) and how long both waited for a CPU (what
   other programs cost it); ``--explain`` also the EXPLAIN (ANALYZE, BUFFERS) of each query
   slower than ``--explain-ms``; ``--json`` writes the numbers to a file.

The pages: the inbox list (first page); each status filter (new, open, waiting, closed); the
assignee filter (one member of staff, and "Nobody"); the list sorted by name and by refund
deadline; a search by a word of a message ("lavavajillas", in about a quarter of them;
"Canarias", in a few per cent), by a shopper's email, by a reference, by a name (first name
and surname).

The client runs in the same process as the views, so the times are the server's own work
(middleware, views, SQL, templates) without a network or a second process in between.
"""

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "contactkit_bench_inbox"
STAFF_USERNAME = "bench-inbox-staff"
# A word in about a quarter of the conversations, and one in a few per cent of them.
SEARCH_WORD = "lavavajillas"
RARE_WORD = "Canarias"
BATCH = 2_000
# What the issue asks of the list and the search at 100,000 conversations.
TARGET_MS = 200

CREATE_DATABASE = """
import sys, psycopg
from psycopg import sql
with psycopg.connect(sys.argv[1] + "/postgres", autocommit=True) as db:
    if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[2]]).fetchone():
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(sys.argv[2])))
"""


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--server", default=SERVER, help=f"the PostgreSQL server, no database (default {SERVER})"
    )
    parser.add_argument(
        "--database", default=DATABASE, help=f"the database, made if missing (default {DATABASE})"
    )
    parser.add_argument(
        "--conversations", type=int, default=100_000, help="how many (default 100000)"
    )
    parser.add_argument(
        "--runs", type=int, default=20, help="timed requests of each page (default 20)"
    )
    parser.add_argument("--seed", type=int, default=14, help="the data's random seed (default 14)")
    parser.add_argument(
        "--rebuild", action="store_true", help="delete the conversations and make them anew"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the plans of the slow queries (last run)"
    )
    parser.add_argument(
        "--explain-ms",
        type=float,
        default=10.0,
        help="what --explain calls a slow query, in ms (default 10)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="PAGE",
        help="measure only this page (repeatable): list, status_new, status_open, "
        "status_waiting, status_closed, assignee, assignee_nobody, sort_name, sort_refund, "
        "search_word, search_rare, search_email, search_reference, search_name",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    return parser.parse_args()


# --- numbers -------------------------------------------------------------------------------


def percentile(values, fraction):
    """The ``fraction`` percentile of ``values`` (nearest rank), or None."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def summary(values):
    return {"median": statistics.median(values), "p95": percentile(values, 0.95)}


# --- the database --------------------------------------------------------------------------


def set_up_django(server, database):
    import subprocess

    subprocess.run([sys.executable, "-c", CREATE_DATABASE, server, database], check=True)  # noqa: S603
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "demoshop.settings.test"
    sys.path[:0] = [str(ROOT / "site"), str(ROOT)]
    import django

    django.setup()
    from django.db import connections

    # One connection for the whole run, as a web process with CONN_MAX_AGE keeps one (the test
    # settings close it after every request, which would time connecting, not the inbox).
    connections["default"].settings_dict["CONN_MAX_AGE"] = None
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


FIRST_NAMES = (
    "Ana María Lucía Carmen Laura Marta Paula Sara Elena Cristina Isabel Pilar Rosa Teresa "
    "Nuria Raquel Silvia Beatriz Irene Alba Noelia Sofía Julia Claudia Andrea Lorena Inés "
    "Antonio José Manuel Francisco David Juan Javier Daniel Carlos Jesús Alejandro Miguel "
    "Rafael Pablo Sergio Fernando Jorge Luis Alberto Álvaro Adrián Diego Raúl Iván Rubén Óscar "
    "Andrés Joaquín Santiago Víctor Mario Hugo Marcos Jordi Núria Montse Iñaki Aitor Xabier"
).split()
SURNAMES = (
    "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez "
    "Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez "
    "Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro "
    "Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano "
    "Guerrero Cano Prieto Méndez Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores "
    "Cabrera Campos Vega Fuentes Carrasco Diez Caballero Reyes Nieto Aguilar Pascual Santana "
    "Herrero Lorenzo Montero Hidalgo Giménez Ibáñez Ferrer Durán Santiago Benítez Mora Vicente "
    "Arias Vargas Carmona Crespo Román Pastor Soto Sáez Velasco Moya Soler Parra Esteban Bravo"
).split()
PROVIDERS = (
    "gmail.com gmail.com gmail.com gmail.com hotmail.com hotmail.es outlook.es outlook.com "
    "yahoo.es icloud.com telefonica.net movistar.es protonmail.com orange.es"
).split()
PRODUCTS = [
    "la taza grande",
    "el juego de seis platos",
    "la tetera esmaltada",
    "el jarrón azul",
    "la fuente de horno",
    "los cuencos de desayuno",
    "la vajilla de doce piezas",
    "la jarra de agua",
    "el frutero de barro",
    "las tazas de café",
    "la ensaladera",
    "el plato de pan",
]
OPENINGS = [
    "Hola,",
    "Buenos días,",
    "Buenas tardes.",
    "Hola, buenas.",
    "Estimados señores:",
    "",
]
SENTENCES = {
    "ordering": [
        "No consigo terminar la compra, la página se queda cargando al pagar con tarjeta.",
        "Al meter el código de descuento me dice que no es válido y no sé por qué.",
        "¿Se puede pagar contra reembolso o solo con tarjeta y Bizum?",
        "Quería pedir {product} pero no me deja elegir el envío a Canarias.",
    ],
    "product": [
        "¿{product} se puede meter en el microondas?",
        "¿{product} aguanta el lavavajillas o hay que lavarlo a mano?",
        "¿Qué medidas tiene {product}? En la foto parece más pequeño.",
        "¿Vais a volver a tener {product} en verde? Está agotado desde hace semanas.",
        "¿El esmalte de {product} es apto para uso alimentario?",
    ],
    "order_status": [
        "Hice el pedido {order} hace una semana y todavía no ha llegado.",
        "¿Me podéis decir por dónde va el pedido {order}? El seguimiento no se actualiza.",
        "El transportista dice que entregó el pedido {order} pero yo no he recibido nada.",
        "¿Cuándo sale el pedido {order}? Lo necesito para un regalo el sábado.",
    ],
    "complaint": [
        "{product} llegó roto, el asa venía suelta dentro de la caja.",
        "El paquete del pedido {order} vino abierto y faltaba {product}.",
        "Después de dos lavados en el lavavajillas {product} ha perdido el color.",
        "Llevo tres correos sin respuesta sobre el pedido {order}, esto no es serio.",
    ],
    "return": [
        "Quiero devolver {product} del pedido {order}, no es el tono que esperaba.",
        "¿Puedo cambiar {product} por otro de otro color? Pedido {order}.",
        "¿Cómo hago la devolución? No encuentro la etiqueta en la caja.",
    ],
    "withdrawal": [
        "Por la presente desisto del contrato de compra del pedido {order}.",
        "Ejerzo mi derecho de desistimiento sobre {product} (pedido {order}).",
    ],
    "company": [
        "¿Tenéis tienda física en Valencia o solo vendéis por internet?",
        "¿Hacéis piezas por encargo para restaurantes?",
        "Me gustaría saber si los talleres de cerámica son en castellano o en valenciano.",
    ],
    "other": [
        "¿Hacéis envíos a Portugal y a Francia?",
        "Quería felicitaros, {product} es precioso.",
        "¿Tenéis tarjetas regalo?",
    ],
}
# What shoppers add around their question, so that messages are as long as real ones.
CONTEXT = [
    "Lo compré para regalárselo a mi madre por su cumpleaños, que es la semana que viene.",
    "Ya os había escrito por el chat pero no me contestó nadie.",
    "Os adjunto una foto para que veáis cómo llegó la caja.",
    "Soy clienta desde hace años y nunca había tenido ningún problema con vosotros.",
    "Vivo en un pueblo y el repartidor no siempre encuentra la dirección, por si acaso.",
    "Si hace falta os llamo por teléfono, estoy disponible por las mañanas.",
    "Me lo recomendó una amiga que os compró una vajilla el año pasado.",
    "No tengo prisa, pero me gustaría saberlo antes de hacer el siguiente pedido.",
]
CLOSINGS = ["Gracias.", "Un saludo.", "Muchas gracias de antemano.", "Saludos cordiales.", ""]
REPLIES = [
    "Hola {first}, gracias por escribirnos. Lo revisamos hoy mismo y te decimos algo.",
    "Hola {first}: el pedido salió ayer con SEUR; te llegará en 24-48 horas.",
    "Hola {first}, sí, todas nuestras piezas aguantan el lavavajillas, aunque a mano duran más.",
    "Hola {first}, sentimos mucho lo ocurrido. Te enviamos otra pieza sin coste esta semana.",
    "Hola {first}, te hemos mandado la etiqueta de devolución a tu correo. Un saludo.",
    "Hola {first}, hemos recibido tu desistimiento y te devolveremos el importe en 14 días.",
]
FOLLOW_UPS = [
    "Muchas gracias, ya me ha llegado.",
    "Perfecto, quedo a la espera.",
    "Sigo sin recibir nada, ¿podéis mirarlo otra vez?",
    "Vale, lo devuelvo esta semana.",
]
NOTES = [
    "Revisar con el almacén.",
    "Cliente habitual, tratar con cariño.",
    "Reembolso hecho en la pasarela.",
    "Pedir foto del daño.",
]
TOPIC_WEIGHTS = {
    "ordering": 8,
    "product": 22,
    "order_status": 30,
    "complaint": 8,
    "return": 14,
    "withdrawal": 4,
    "company": 6,
    "other": 8,
}
SOURCE_WEIGHTS = {"form": 55, "email": 20, "launcher": 8, "widget": 5, "chat": 8}


def ascii_part(text):
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class Maker:
    """Made-up conversations, the same ones for the same seed."""

    def __init__(self, seed, site, staff, now):
        self.random = random.Random(seed)  # noqa: S311 (made-up data, repeatable)
        self.site = site
        self.staff = staff
        self.now = now
        self.shoppers = [self.shopper(n) for n in range(40_000)]
        self.order = 10_000

    def shopper(self, n):
        first = self.random.choice(FIRST_NAMES)
        surnames = self.random.sample(SURNAMES, 2)
        user = f"{ascii_part(first)}.{ascii_part(surnames[0])}"
        if self.random.random() < 0.6:
            user += str(self.random.randint(1, 999))
        return (f"{first} {' '.join(surnames)}", f"{user}@{self.random.choice(PROVIDERS)}")

    def pick(self, weights):
        return self.random.choices(list(weights), weights=list(weights.values()))[0]

    def status(self, age_days):
        """Most old conversations are closed; new, open and waiting ones are recent."""
        roll = self.random.random()
        if roll < 0.04:
            return "spam"
        if roll < 0.045:
            return "held"
        if age_days < 2:
            return self.random.choice(["new", "new", "new", "open", "waiting"])
        if age_days < 14:
            return self.random.choice(["new", "open", "waiting", "waiting", "closed", "closed"])
        if age_days < 60:
            return "waiting" if self.random.random() < 0.06 else "closed"
        return "closed"

    def body(self, topic, first, order):
        product = self.random.choice(PRODUCTS)
        parts = [self.random.choice(OPENINGS)]
        said = SENTENCES[topic]
        for sentence in self.random.sample(said, min(len(said), self.random.randint(1, 3))):
            parts.append(sentence.format(product=product, order=order))
        for sentence in self.random.sample(CONTEXT, self.random.randint(0, 3)):
            parts.append(sentence.format(product=product, order=order))
        parts.append(self.random.choice(CLOSINGS))
        if self.random.random() < 0.7:
            parts.append(first)
        return "\n".join(filter(None, parts))

    def make(self, count):
        """(conversation, [message, …]) pairs, oldest first, not saved."""
        from contactkit.inbox.models import Conversation, Message

        span = 3 * 365 * 24 * 3600
        # Recent days busier than old ones: a shop that grew.
        ages = sorted((self.random.random() ** 1.5 * span for _ in range(count)), reverse=True)
        for age in ages:
            created = self.now - dt.timedelta(seconds=age)
            name, email = self.shoppers[int(self.random.random() ** 2 * len(self.shoppers))]
            topic = self.pick(TOPIC_WEIGHTS)
            source = "withdrawal" if topic == "withdrawal" else self.pick(SOURCE_WEIGHTS)
            status = self.status(age / 86400)
            self.order += self.random.randint(1, 3)
            order = f"PED-{self.order}"
            answered = status in ("open", "waiting", "closed") and self.random.random() < 0.95
            assignee = None
            if status not in ("spam", "held") and (answered or self.random.random() < 0.3):
                assignee = self.random.choice(self.staff)
            first_response_at = None
            if answered:
                first_response_at = created + dt.timedelta(minutes=self.random.randint(3, 3000))
            conversation = Conversation(
                site=self.site,
                source=source,
                topic=topic,
                status=status,
                spam_reason={"spam": "links:5", "held": "rate_ip"}.get(status, ""),
                assignee=assignee,
                name=name,
                email=email,
                order_number=order if self.random.random() < 0.5 else "",
                language=self.random.choice(["es", "es", "es", "en"]),
                created_at=created,
                first_response_at=first_response_at,
                first_response_by=assignee if answered else None,
                closed_at=(first_response_at or created) + dt.timedelta(days=1)
                if status == "closed"
                else None,
                refund_due=(created + dt.timedelta(days=14)).date()
                if topic == "withdrawal"
                else None,
                consented_at=created,
            )
            first = name.split()[0]
            messages = [(Message.Kind.SHOPPER, self.body(topic, first, order), created, None)]
            when = created
            if answered:
                when = first_response_at
                reply = self.random.choice(REPLIES).format(first=first)
                messages.append((Message.Kind.REPLY, reply, when, assignee))
                for _ in range(self.random.choice([0, 0, 1, 1, 2])):
                    when += dt.timedelta(hours=self.random.randint(1, 48))
                    messages.append(
                        (Message.Kind.SHOPPER, self.random.choice(FOLLOW_UPS), when, None)
                    )
                if self.random.random() < 0.1:
                    note = self.random.choice(NOTES)
                    messages.append((Message.Kind.NOTE, note, when, assignee))
            yield conversation, messages


def fill(args):
    """Delete every conversation and make ``args.conversations`` new ones."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Site

    from contactkit.inbox.models import Conversation, Message, ReferenceCounter

    staff = list(get_user_model().objects.filter(username__startswith="bench-inbox-"))
    site = Site.objects.get(is_default_site=True)
    now = timezone.now().replace(microsecond=0)
    maker = Maker(args.seed, site, staff, now)
    print(f"Making {args.conversations:,} conversations (batches of {BATCH:,})…", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE contactkit_conversation, contactkit_referencecounter RESTART IDENTITY CASCADE"
        )
    started = time.perf_counter()
    numbers = {}
    batch = []

    def flush():
        with transaction.atomic():
            made = Conversation.objects.bulk_create([c for c, _ in batch])
            messages = []
            for conversation, lines in zip(made, (m for _, m in batch), strict=True):
                for kind, body, created, author in lines:
                    messages.append(
                        Message(
                            conversation=conversation,
                            kind=kind,
                            body=body,
                            author=author,
                            via="admin" if kind != Message.Kind.SHOPPER else conversation.source,
                            email_message_id=""
                            if kind == Message.Kind.NOTE
                            else f"<{secrets.token_hex(12)}@tienda.example>",
                            created_at=created,
                        )
                    )
            Message.objects.bulk_create(messages, batch_size=BATCH)
        batch.clear()

    for n, (conversation, messages) in enumerate(maker.make(args.conversations), 1):
        year = conversation.created_at.year
        numbers[year] = numbers.get(year, 0) + 1
        conversation.reference = f"CK-{year}-{numbers[year]:06d}"
        batch.append((conversation, messages))
        if len(batch) == BATCH:
            flush()
            if n % 20_000 == 0:
                print(f"  {n:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    if batch:
        flush()
    # New conversations go on from the references made here.
    ReferenceCounter.objects.bulk_create(
        ReferenceCounter(year=year, last=last) for year, last in numbers.items()
    )
    print(f"Made in {time.perf_counter() - started:.0f} s.", flush=True)


def vacuum():
    from django.db import connection

    print("VACUUM ANALYZE…", flush=True)
    with connection.cursor() as cursor:
        for table in ("contactkit_conversation", "contactkit_message", "auth_user"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def staff_members():
    """Eight members of staff who may use the inbox (a group), the first of them logs in."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from wagtail.users.models import UserProfile

    group, _ = Group.objects.get_or_create(name="Inbox (bench)")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["contactkit", "wagtailadmin"],
            codename__in=[
                "access_admin",
                "view_conversation",
                "reply_conversation",
                "delete_conversation",
            ],
        )
    )
    names = ["Lucía Alba", "Marta Soler", "Jordi Puig", "Carmen Vidal"]
    names += ["Pablo Ortega", "Inés Moya", "Raúl Cano", "Sara Lozano"]
    users = []
    for n, full in enumerate(names):
        first, last = full.split()
        username = STAFF_USERNAME if n == 0 else f"bench-inbox-{ascii_part(first)}"
        user, _ = get_user_model().objects.update_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "is_staff": True},
        )
        user.groups.add(group)
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save()
        users.append(user)
    return users


def store_profile():
    """The shop's store profile (its time zone, which the refund deadlines are counted in), as
    every shop with 100,000 conversations has one."""
    from wagtail.models import Site

    from contactkit.profile.models import StoreProfile

    site = Site.objects.get(is_default_site=True)
    StoreProfile.objects.update_or_create(
        site=site, defaults={"trade_name": "Cerámica Alba", "time_zone": "Europe/Madrid"}
    )


# --- measuring -----------------------------------------------------------------------------


class SQLTimer:
    """Times every query of a request (the connection's execute wrapper)."""

    def __init__(self):
        self.queries = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - started, sql, params))


def pages(users):
    """[(key, label, query string)] of the table, with the data they look for."""
    from django.db.models import Count

    from contactkit.inbox.models import Conversation

    # A shopper who wrote three times or more (their name too), a conversation of last year.
    repeat = (
        Conversation.objects.values("email")
        .annotate(n=Count("pk"))
        .filter(n__gte=3)
        .order_by("email")
        .values_list("email", flat=True)
        .first()
    )
    this_year = Conversation.objects.order_by("-created_at").first().created_at.year
    last_year = Conversation.objects.filter(reference__startswith=f"CK-{this_year - 1}-")
    last_year = last_year.order_by("reference").values_list("reference", flat=True)
    last_year = last_year[last_year.count() // 3]
    someone = Conversation.objects.filter(email=repeat).values_list("name", flat=True).first()
    name = " ".join(someone.split()[:2])
    return [
        ("list", "Inbox list, first page", {}),
        ("status_new", "Status filter: New", {"status": "new"}),
        ("status_open", "Status filter: Open", {"status": "open"}),
        ("status_waiting", "Status filter: Waiting on customer", {"status": "waiting"}),
        ("status_closed", "Status filter: Closed", {"status": "closed"}),
        ("assignee", f"Assignee filter: {users[1].get_full_name()}", {"assignee": users[1].pk}),
        ("assignee_nobody", "Assignee filter: Nobody", {"assignee": "null"}),
        ("sort_name", "Sorted by name", {"ordering": "name"}),
        ("sort_refund", "Sorted by refund deadline", {"ordering": "-refund_due"}),
        ("search_word", f"Search: a word of a message ({SEARCH_WORD})", {"q": SEARCH_WORD}),
        ("search_rare", f"Search: a rarer word ({RARE_WORD})", {"q": RARE_WORD}),
        ("search_email", f"Search: an email ({repeat})", {"q": repeat}),
        ("search_reference", f"Search: a reference ({last_year})", {"q": last_year}),
        ("search_name", f"Search: a name ({name})", {"q": name}),
    ]


COUNT = re.compile(r'class="pagination__end">\s*([\d,.]+) conversations?', re.S)
ROW = re.compile(r'id="conversation_(\d+)_title"')


def what_it_shows(response):
    """(how many conversations the page says match, the ids of its rows)."""
    html = response.content.decode()
    found = COUNT.search(html)
    total = int(re.sub(r"\D", "", found.group(1))) if found else 0
    return total, [int(pk) for pk in ROW.findall(html)]


def expected_search(query):
    """The conversations in the inbox a search for ``query`` must find, by the documented rule
    (every word, case ignored, in the reference, name, email, order number or a message), with
    one plain query per word and field group, intersected here: what the inbox's search,
    however it is made fast, must still find."""
    from django.db.models import Q

    from contactkit.inbox.models import Conversation, Message

    words = {word.casefold(): word for word in query.split()}
    found = None
    for word in words.values():
        in_conversation = Conversation.objects.inbox().filter(
            Q(reference__icontains=word)
            | Q(name__icontains=word)
            | Q(email__icontains=word)
            | Q(order_number__icontains=word)
        )
        ids = set(in_conversation.values_list("pk", flat=True))
        ids |= set(
            Message.objects.filter(body__icontains=word)
            .filter(conversation__in=Conversation.objects.inbox())
            .values_list("conversation_id", flat=True)
        )
        found = ids if found is None else found & ids
    return found or set()


def view_matches(client, user, params):
    """(every conversation the inbox's own view finds for ``params``, the count its page shows).

    The view's whole queryset, not page after page: a word in a quarter of 100,000
    conversations fills 500 pages."""
    from django.test import RequestFactory
    from django.urls import resolve

    url = "/admin/contactkit/inbox/"
    request = RequestFactory().get(url, params)
    request.user = user
    match = resolve(url)
    view = match.func.view_class(**match.func.view_initkwargs)
    view.setup(request)
    found = set(view.get_queryset().values_list("pk", flat=True))
    total, _ = what_it_shows(client.get(url, params))
    return found, total


class CPUClock:
    """Time on a CPU, and time waiting for one, of this thread and of the database's process
    serving it (Linux's /proc/<pid>/schedstat, in ns), when the database runs on this machine.

    On a busy machine the wall-clock time of a request grows with everything else that runs;
    the CPU time it costs does not, and it is what the same request takes on an idle machine
    (the view and the database work one after the other), less PostgreSQL's parallel workers,
    which are not counted.
    """

    def __init__(self):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        import threading

        self.files = [f"/proc/self/task/{threading.get_native_id()}/schedstat"]
        self.files.append(f"/proc/{backend}/schedstat")
        try:
            self.read()
        except OSError:
            self.files = None  # the database is elsewhere: no CPU figures

    def read(self):
        """(ns on a CPU, ns waiting for one), this thread and the database's process."""
        on, waiting = 0, 0
        for name in self.files:
            with open(name) as stat:
                fields = stat.read().split()
            on, waiting = on + int(fields[0]), waiting + int(fields[1])
        return on, waiting


def measure(args, client, table):
    from django.db import connection

    url = "/admin/contactkit/inbox/"
    results = {
        key: {"times": [], "sql": [], "slowest": [], "cpu": [], "cpu_wait": [], "queries": 0}
        for key, _, _ in table
    }
    clock = CPUClock()
    slow = {}
    for run in range(args.runs + 1):
        for key, _, params in table:
            timer = SQLTimer()
            if clock.files:
                cpu_before = clock.read()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                response = client.get(url, params)
                elapsed = time.perf_counter() - started
            if clock.files:
                cpu_after = clock.read()
            if response.status_code != 200:
                raise SystemExit(f"{key}: HTTP {response.status_code}")
            if run == 0:
                # A first request warms caches (content types, the reply figures): not timed.
                results[key]["matches"], results[key]["rows"] = what_it_shows(response)
                continue
            row = results[key]
            row["times"].append(elapsed * 1000)
            row["sql"].append(sum(q[0] for q in timer.queries) * 1000)
            row["slowest"].append(max(q[0] for q in timer.queries) * 1000)
            row["queries"] = len(timer.queries)
            if clock.files:
                row["cpu"].append((cpu_after[0] - cpu_before[0]) / 1e6)
                row["cpu_wait"].append((cpu_after[1] - cpu_before[1]) / 1e6)
            slow[key] = [q for q in timer.queries if q[0] * 1000 >= args.explain_ms]
        print(f"  run {run}/{args.runs}", end="\r", flush=True)
    print(" " * 20, end="\r")
    return results, slow


def explain(slow):
    from django.db import connection

    for key, queries in slow.items():
        for seconds, sql, params in queries:
            shown = sql % tuple(repr(str(p)) if isinstance(p, str) else p for p in params or ())
            print(f"\n--- {key}: {seconds * 1000:.1f} ms\n{shown}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                print("\n".join(row[0] for row in cursor.fetchall()))


def machine():
    import django
    from django.db import connection

    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": postgres.split()[0],
    }


def main():
    args = parse_args()
    set_up_django(args.server, args.database)
    from django.test import Client

    from contactkit.inbox.models import Conversation

    users = staff_members()
    store_profile()
    if args.rebuild or Conversation.objects.count() != args.conversations:
        fill(args)
    vacuum()
    table = pages(users)
    if args.only:
        table = [page for page in table if page[0] in args.only]
    client = Client()
    client.force_login(users[0])

    print("Checking that each search finds what the rule says…", flush=True)
    for key, _, params in table:
        if "q" in params:
            listed, total = view_matches(client, users[0], params)
            wanted = expected_search(params["q"])
            if listed != wanted or total != len(wanted):
                raise SystemExit(
                    f"{key}: the inbox lists {len(listed)} ({total} said), the rule finds "
                    f"{len(wanted)}: {sorted(listed ^ wanted)[:10]}…"
                )
            print(f"  {key}: {total} conversations, as the rule says")

    print(f"Timing {len(table)} pages, {args.runs} runs each, in turn…", flush=True)
    load_before = os.getloadavg()[0]
    results, slow = measure(args, client, table)
    about = machine()
    about["load"] = [load_before, os.getloadavg()[0]]
    print(
        f"\n{args.conversations:,} conversations · PostgreSQL {about['postgresql']} · "
        f"Python {about['python']} · Django {about['django']} · {about['cores']} cores "
        f"({about['cpu']}) · load average {load_before:.1f} before, "
        f"{about['load'][1]:.1f} after\n"
    )
    header = "| page | matches | queries | median ms | p95 ms | SQL ms | slowest query ms |"
    header += " CPU ms | waiting for a CPU ms |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for key, label, _ in table:
        row = results[key]
        times = summary(row["times"])
        row.update(label=label, time=times)
        for name in ("sql", "slowest", "cpu", "cpu_wait"):
            row[f"{name}_median"] = statistics.median(row[name]) if row[name] else None
        cpu = "" if row["cpu_median"] is None else f"{row['cpu_median']:.0f}"
        waiting = "" if row["cpu_wait_median"] is None else f"{row['cpu_wait_median']:.0f}"
        print(
            f"| {label} | {row['matches']:,} | {row['queries']} | {times['median']:.0f} | "
            f"{times['p95']:.0f} | {row['sql_median']:.0f} | {row['slowest_median']:.0f} | "
            f"{cpu} | {waiting} |"
        )
    print(
        "\nMedians but p95. SQL: the page's queries, from the view's side. CPU: this process "
        "and the\ndatabase's, on a CPU (what an idle machine takes); waiting: ready but "
        "waiting for a CPU."
    )
    over = [
        results[key]["label"] for key, _, _ in table if results[key]["time"]["median"] >= TARGET_MS
    ]
    print(
        f"\nTarget: under {TARGET_MS} ms. "
        + (f"Over it (median): {', '.join(over)}." if over else "Every page meets it (median).")
    )
    if args.explain:
        explain(slow)
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": about, "conversations": args.conversations, "results": results},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
