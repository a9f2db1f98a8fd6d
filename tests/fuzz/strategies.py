"""What a hostile client sends, as hypothesis strategies.

Text mixes what breaks software in practice with hypothesis' own text: NUL (PostgreSQL refuses
it in text columns), lone surrogates (not encodable as UTF-8: a JSON "\\ud800" escape turns
into one), RTL and zero-width marks, line separators, emoji sequences, very long strings,
markup and template syntax, SQL, format strings and numbers out of any range. Bodies are built
by hand (:func:`urlencoded`, :func:`multipart`) so that what the test client would refuse to
encode (surrogates) still reaches the server as the invalid UTF-8 an attacker can send.
"""

import json
from urllib.parse import quote

from hypothesis import strategies as st

SNIPPETS = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "\ud83d",  # half of an emoji's surrogate pair
    "\u202e",  # right-to-left override
    "\u200f",
    "\u2066\u2069",
    "\u200b\u200d",
    "\ufeff",
    "\ufffe\uffff",
    "\u2028\u2029",
    "\x85",
    "\x7f\x9f",
    "\r\n",
    "\n",
    "\t\x0b\x0c",
    "e\u0301\u0301\u0301",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "😀",
    "𝕬𝖓𝖆",
    "ﷺ",
    "مرحبا بالعالم",
    "שלום",
    "日本語のテキスト",
    "Ǆǅǆ",
    "İı",
    "ß",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><b>x</b>",
    "{{ request.META }}",
    "{% debug %}",
    "${7*7}",
    "%(name)s",
    "%s%s%n",
    "{0}",
    "' OR '1'='1",
    "'; DROP TABLE contactkit_conversation; --",
    "\\",
    "%",
    "_",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "-1",
    "0",
    "-0",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999999999",
    "0x7fffffffffffffff",
    "１２３",
    "٣",
    "ana@example.com",
    "ana@example.com\r\nBcc: robot@example.com",
    '"a b"@example.com',
    "ana@ejemplo.españa",
    "a@" + "b" * 250 + ".com",
    "CK-2026-000001",
    "https://evil.example/",
    "data:text/html,<script>alert(1)</script>",
    " ",
    "",
]

# Any character at all, lone surrogates included (hypothesis leaves them out by default).
any_character = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),
    st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co", "Cn"]),
)


def _repeat(pair):
    text, times = pair
    return text * times


long_text = st.tuples(
    st.sampled_from(["x", "é", "😀", "\x00", "a ", "\u202e"]), st.integers(1, 6000)
).map(_repeat)

hostile_text = st.one_of(
    st.sampled_from(SNIPPETS),
    st.text(max_size=40),
    st.text(any_character, max_size=40),
    st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=8)), max_size=6).map("".join),
    long_text,
)

# What a form field may hold once a browser (or not) sent it: several values of one name too.
field_value = st.one_of(hostile_text, st.lists(hostile_text, min_size=2, max_size=3))

# Another site's page, this site's own, a listed storefront, or nonsense.
STOREFRONT = "https://tienda-alba.myshopify.com"
origins = st.one_of(
    st.sampled_from(
        [
            STOREFRONT,
            STOREFRONT.upper(),
            STOREFRONT + ":443",
            "http://testserver",
            "https://evil.example",
            "null",
            "file://",
            "http://[::1]:8000",
            "http://x:99999",
            "http://[::1",
            "https://tienda-alba.myshopify.com.evil.example",
            "",
        ]
    ),
    hostile_text,
)

accept_languages = st.one_of(
    st.sampled_from(["es", "en", "en-GB,en;q=0.9", "*", "xx-YY", "es;q=abc", ";;;,,,", "de"]),
    hostile_text,
)

forwarded_for = st.one_of(
    st.sampled_from(["203.0.113.9", "::1", "1.2.3.4, 5.6.7.8", "unknown", "[::ffff:1.2.3.4]"]),
    hostile_text,
)


def header_value(text):
    """A header as WSGI carries it: latin-1 characters (the bytes sent, read as latin-1)."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


@st.composite
def hostile_headers(draw):
    """Request headers as WSGI environ keys: Origin, languages, proxies, cookies, referrers."""
    environ = {}
    # An Origin one time in four: most origins are refused (403), which would hide the rest.
    if draw(st.integers(0, 3)) == 0:
        environ["HTTP_ORIGIN"] = header_value(draw(origins))
    if draw(st.booleans()):
        environ["HTTP_ACCEPT_LANGUAGE"] = header_value(draw(accept_languages))
    if draw(st.booleans()):
        environ["HTTP_X_FORWARDED_FOR"] = header_value(draw(forwarded_for))
    if draw(st.booleans()):
        environ["HTTP_REFERER"] = header_value(draw(st.one_of(origins, hostile_text)))
    if draw(st.booleans()):
        cookie = draw(
            st.one_of(
                st.just("sessionid=" + "x" * 40),
                st.just("csrftoken=%00; sessionid=\\"),
                hostile_text.map(lambda value: f"sessionid={value}"),
                hostile_text,
            )
        )
        # Without NUL, raw or as a quoted octal escape: a session key holding one is its own
        # test (test_site_pages.py), so that it does not hide what else these find.
        environ["HTTP_COOKIE"] = header_value(cookie.replace("\x00", "").replace("\\", "/"))
    if draw(st.booleans()):
        environ["REMOTE_ADDR"] = draw(
            st.sampled_from(["127.0.0.1", "::1", "", "not-an-address", "2001:db8::1"])
        )
    return environ


def encode(text):
    """``text`` as the bytes a hostile client sends: UTF-8, lone surrogates and all."""
    return text.encode("utf-8", "surrogatepass")


def _pairs(fields):
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            yield name, one


def urlencoded(fields):
    """A form body, urlencoded by hand (the test client cannot encode lone surrogates)."""
    return "&".join(
        f"{quote(encode(name), safe='')}={quote(encode(value), safe='')}"
        for name, value in _pairs(fields)
    ).encode("ascii")


def multipart(fields, files=(), boundary=None):
    """A multipart/form-data body by hand: its content type and bytes.

    ``files`` is a list of (field name, file name, bytes, content type); names may hold quotes,
    line breaks, NUL or invalid UTF-8, as a hostile client's may.
    """
    # Fixed (a strategy may not draw randomness of its own): long and odd enough that no
    # drawn value holds it.
    boundary = boundary or "ck-fuzz-7c2f1e-boundary"
    lines = []
    for name, value in _pairs(fields):
        lines += [
            b"--" + boundary.encode(),
            b'Content-Disposition: form-data; name="' + encode(name) + b'"',
            b"",
            encode(value),
        ]
    for name, filename, content, content_type in files:
        lines += [
            b"--" + boundary.encode(),
            b'Content-Disposition: form-data; name="'
            + encode(name)
            + b'"; filename="'
            + encode(filename)
            + b'"',
            b"Content-Type: " + encode(content_type),
            b"",
            content,
        ]
    lines += [b"--" + boundary.encode() + b"--", b""]
    return f"multipart/form-data; boundary={boundary}", b"\r\n".join(lines)


def png(width=4, height=4):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "#8a3b24").save(buffer, format="PNG")
    return buffer.getvalue()


def gif_claiming(width, height):
    """A few bytes of GIF header that claim a huge canvas (a decompression bomb)."""
    return (
        b"GIF89a"
        + width.to_bytes(2, "little")
        + height.to_bytes(2, "little")
        + b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

file_names = st.one_of(
    st.sampled_from(
        [
            "foto.png",
            "factura.pdf",
            "FOTO.PNG",
            "foto.png.exe",
            "foto.pdf",
            ".png",
            "..",
            "../../etc/passwd.png",
            "C:\\fakepath\\foto.png",
            'comillas".png',
            "salto\r\nde linea.png",
            "nul\x00.png",
            "\u202egnp.exe",
            "😀.png",
            "a" * 300 + ".png",
            "",
        ]
    ),
    hostile_text.map(lambda name: name[:200] + ".png"),
    hostile_text,
)

file_contents = st.one_of(
    st.just(png()),
    st.just(PDF),
    st.just(gif_claiming(65535, 65535)),
    st.just(png()[:20]),
    st.binary(max_size=300),
    st.just(b"%PDF-"),
    st.just(b"\x00" * 64),
)

uploads = st.lists(
    st.tuples(
        st.sampled_from(["attachments", "attachments", "attachments", "other", "message"]),
        file_names,
        file_contents,
        st.sampled_from(
            ["image/png", "application/pdf", "application/octet-stream", "text/html", "", "x\x00y"]
        ),
    ),
    max_size=5,
)

# Photos and PDFs named as what they are, the names hostile: what a shopper's phone may send.
good_uploads = st.lists(
    st.tuples(
        st.just("attachments"),
        st.one_of(st.just(""), hostile_text.map(lambda name: name[:120])),
        st.sampled_from([(".png", png()), (".PDF", PDF), (".pdf", PDF)]),
        st.sampled_from(["image/png", "application/pdf", "application/octet-stream"]),
    ).map(lambda found: (found[0], found[1] + found[2][0], found[2][1], found[3])),
    max_size=3,
)

# A form's hidden key against sending twice: a fresh one, none, or one too long.
submission_keys = st.one_of(
    st.text("0123456789abcdef", min_size=32, max_size=32),
    st.text("0123456789abcdef", min_size=32, max_size=32),
    st.sampled_from(["", "k" * 65]),
)

# JSON values of every kind, hostile strings and numbers out of range among them.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(hostile_text, children, max_size=4),
    ),
    max_leaves=8,
)


def json_body(value):
    """``value`` as JSON bytes: lone surrogates and NUL become \\ud800 and \\u0000 escapes;
    NaN and infinities become the NaN/Infinity that Python's parser takes."""
    return json.dumps(value).encode("ascii")


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b'"texto"',
            b"\xef\xbb\xbf{}",  # a byte order mark
            b'{"body": "\xff\xfe"}',  # invalid UTF-8 inside the JSON
            b'{"body": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8 (CESU)
            b'{"body": 1e999999}',
            b'{"site": 1e400, "body": "x"}',
            b'{"site": -1e400}',
            b'{"site": NaN}',
            b'{"site": Infinity}',
            b'{"__proto__": {}}',
            b"[" * 5000 + b"]" * 5000,  # deep nesting
            b'{"a": ' * 3000 + b"1" + b"}" * 3000,
            b"x" * (64 * 1024 + 10),  # over the API's body limit
        ]
    ),
)

content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "application/json; charset=bogus",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "",
        "application/xml",
    ]
)

# Query strings as a client may write them: arrays, empty names, broken percent escapes,
# encoded NUL and invalid UTF-8.
query_fragments = st.one_of(
    st.sampled_from(
        [
            "a[]=1&a[]=2",
            "site=1&site=2",
            "site[]=1",
            "lang=es&lang=en",
            "=",
            "&&&",
            "%",
            "%zz",
            "%00",
            "%FF%FE",
            "%ED%A0%80",
            "p=0",
            "p=-1",
            "p=99999999999999999999",
            "page=abc",
            "after=-1",
            "after=1e9",
            "after=99999999999999999999999",
            "sent=1",
            "sent=%00",
            "q=%3Cscript%3E",
            "lastEventId=junk",
            "es-meta=x",
            "channel=staff-x",
            "order=CA-1001&email=ana%40example.com",
            "order=%00&email=%00",
            "&".join(["a=1"] * 1001),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
        ]
    ),
    st.dictionaries(
        st.sampled_from(["site", "lang", "after", "sent", "order", "email", "p", "q", "token"]),
        hostile_text,
        max_size=3,
    ).map(
        lambda found: "&".join(f"{quote(encode(k))}={quote(encode(v))}" for k, v in found.items())
    ),
)
query_strings = st.lists(query_fragments, max_size=3).map("&".join)


def path_segment(text):
    """``text`` as one percent-encoded segment of a path (slashes encoded too)."""
    return quote(encode(text), safe="") or "x"


tokens = st.one_of(
    hostile_text.map(path_segment),
    st.sampled_from(
        [
            "x",
            "1",
            "null",
            "%00",
            "%FF",
            "..",
            "3f1c-1vxj1M-8Lg",
            "eyJ4IjoxfQ:1vxj1M:8Lg",
            "a" * 500,
            "%ED%A0%80",
        ]
    ),
)
