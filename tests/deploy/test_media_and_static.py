"""Under the production settings, gunicorn alone serves what the pages show: the uploaded images
(SERVE_MEDIA, the default) and the static files, compressed with brotli."""

import http.client
import json
import os
import re

import brotli
import pytest
from bs4 import BeautifulSoup

ABOUT = "/quienes-somos/"
SECRET = "los datos de una clienta"


def about_page(web):
    response = web.get(ABOUT)
    assert response.status_code == 200
    return BeautifulSoup(response.text, "html.parser")


def structured_data(html):
    graphs = [json.loads(tag.string) for tag in html.find_all("script", type="application/ld+json")]
    return [node for graph in graphs for node in graph.get("@graph", [graph])]


def test_the_about_pages_logo_photos_and_seal_are_served(web):
    html = about_page(web)
    images = [img["src"] for img in html.select("main img")]
    photos = [src for src in images if "foto-de-" in src]
    seals = [src for src in images if "sello" in src]
    logos = [node["logo"] for node in structured_data(html) if node.get("logo")]
    assert len(photos) == 3 and len(seals) == 1 and logos, images
    # The logo is in the structured data, as an address of the shop itself.
    logo = logos[0]["url"] if isinstance(logos[0], dict) else logos[0]
    assert logo.startswith(web.url + "/media/")

    for src in [*photos, *seals, logo.removeprefix(web.url)]:
        response = web.get(src)
        assert response.status_code == 200, src
        assert response.headers["Content-Type"] == "image/png"
        assert response.content.startswith(b"\x89PNG")
        assert response.headers["Cache-Control"] == "public, max-age=86400"
        # Opened on its own, an uploaded file can run nothing.
        assert response.headers["Content-Security-Policy"].startswith("sandbox;")


def test_an_image_the_browser_has_is_not_sent_again(web):
    src = about_page(web).select_one("main img")["src"]
    first = web.get(src)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    again = web.get(src, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert web.get(src, headers={"If-Modified-Since": modified}).status_code == 304
    assert web.get(src, headers={"If-None-Match": '"something-else"'}).status_code == 200


def raw_get(web, path):
    """GET ``path`` exactly as written: no client tidies the dots away first."""
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"127.0.0.1:{web.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.fixture
def private_file(shop):
    """A shopper's attachment where contactkit keeps them: beside MEDIA_ROOT, not in it."""
    private = shop.media_root.parent / "contactkit-private" / "attachments"
    private.mkdir(parents=True, exist_ok=True)
    path = private / "factura.txt"
    path.write_text(SECRET)
    # And a link inside MEDIA_ROOT that points at it.
    link = shop.media_root / "images" / "enlace.txt"
    link.unlink(missing_ok=True)
    os.symlink(path, link)
    yield path
    link.unlink()
    path.unlink()


@pytest.mark.parametrize(
    "path",
    [
        "/media/../contactkit-private/attachments/factura.txt",
        "/media/%2e%2e/contactkit-private/attachments/factura.txt",
        "/media/images/..%2f..%2fcontactkit-private/attachments/factura.txt",
        "/media/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd",
        "/media//etc/passwd",
        "/media/images/enlace.txt",
        "/media/images/",
        "/media/",
    ],
)
def test_nothing_outside_the_media_folder_is_served(web, private_file, path):
    status, body = raw_get(web, path)
    assert status == 404
    assert SECRET not in body and "root:" not in body


def test_documents_are_served_by_wagtails_view_not_from_the_folder(shop, web):
    response = web.get(shop.document_url)
    assert response.status_code == 200
    assert response.content.decode() == "Condiciones de venta de Cerámica Alba.\n"
    # Straight from the folder it would skip the check of a private collection.
    assert (shop.media_root / shop.document_file).exists()
    assert web.get(f"/media/{shop.document_file}").status_code == 404


def test_collectstatic_writes_brotli_files_and_they_are_served(shop, web):
    html = about_page(web)
    stylesheets = [link["href"] for link in html.find_all("link", rel="stylesheet")]
    assert stylesheets
    for href in stylesheets:
        assert re.search(r"\.[0-9a-f]{12}\.css$", href), href
        original = (shop.static_root / href.removeprefix("/static/")).read_bytes()
        assert (shop.static_root / (href.removeprefix("/static/") + ".br")).exists()

        response = web.get(href, headers={"Accept-Encoding": "br"}, stream=True)
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == "br"
        assert "immutable" in response.headers["Cache-Control"]
        assert brotli.decompress(response.raw.read(decode_content=False)) == original

        plain = web.get(href, headers={"Accept-Encoding": "identity"}, stream=True)
        assert "Content-Encoding" not in plain.headers
        assert plain.raw.read(decode_content=False) == original
