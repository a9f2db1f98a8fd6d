"""Twenty shoppers send the contact form at the same moment to the threaded demo server: every
message is stored, with its own gap-free reference, on SQLite and on PostgreSQL alike.

The server runs in a subprocess on a database of its own (a SQLite file, or a fresh PostgreSQL
database when the suite runs on PostgreSQL), as ``python3 dev.py demo`` runs it.
"""

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from bs4 import BeautifulSoup
from django.utils import timezone

from tests.inbox.demo_server import DemoServer

SHOPPERS = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    # Shoppers reach the shop through a proxy on 127.0.0.1 that names each one's address, as
    # behind a load balancer: each is limited on their own address.
    server = DemoServer(
        tmp_path_factory.mktemp("demo"),
        database_url=os.environ.get("DATABASE_URL"),
        settings={"CONTACTKIT_TRUSTED_PROXIES": ["127.0.0.1"]},
    )
    try:
        yield server.start()
    finally:
        server.stop()


class Shopper:
    """One person with their own browser session, who opens the contact page and writes."""

    def __init__(self, demo, number):
        self.demo = demo
        self.number = number
        self.email = f"cliente{number}@example.com"
        self.session = requests.Session()
        self.session.headers["X-Forwarded-For"] = f"198.51.100.{number}"
        self.fields = {}

    def open_form(self):
        response = self.session.get(self.demo.url + "/contacto/", timeout=30)
        assert response.status_code == 200
        form = BeautifulSoup(response.text, "html.parser").find("form", class_="ck-form")
        self.action = self.demo.url + form["action"]
        self.fields = {
            field["name"]: field.get("value", "") for field in form.find_all("input", type="hidden")
        }

    def send(self, text):
        data = {
            **self.fields,
            "name": f"Cliente {self.number}",
            "email": self.email,
            "topic": "product",
            "message": text,
            "consent": "on",
        }
        response = self.session.post(self.action, data=data, timeout=60, allow_redirects=False)
        if response.status_code != 302:
            return response.status_code, response.text[-2000:]
        thanks = self.session.get(self.demo.url + response.headers["Location"], timeout=30)
        reference = BeautifulSoup(thanks.text, "html.parser").select_one(".ck-reference")
        return 302, reference.get_text(strip=True) if reference else thanks.text[-2000:]


def all_at_once(shoppers, action):
    """Run ``action(shopper)`` for every shopper in its own thread, released together."""
    start = threading.Barrier(len(shoppers))

    def run(shopper):
        start.wait()
        return action(shopper)

    with ThreadPoolExecutor(len(shoppers)) as pool:
        return list(pool.map(run, shoppers))


@pytest.fixture(scope="module")
def shoppers(demo):
    people = [Shopper(demo, number) for number in range(1, SHOPPERS + 1)]
    for person in people:
        person.open_form()
    # The spam check refuses forms sent faster than a person types.
    time.sleep(3.5)
    return people


def test_twenty_shoppers_at_once_are_all_stored_with_gap_free_references(demo, shoppers):
    results = all_at_once(shoppers, lambda s: s.send(f"Pregunta de la clienta {s.number}."))

    assert [status for status, _ in results] == [302] * SHOPPERS, results
    year = timezone.now().year
    expected = [f"CK-{year}-{number:06d}" for number in range(1, SHOPPERS + 1)]
    assert sorted(reference for _, reference in results) == expected
    stored = demo.stored()
    assert [c["reference"] for c in stored] == expected
    by_email = {c["email"]: c for c in stored}
    for shopper, (_, reference) in zip(shoppers, results, strict=True):
        conversation = by_email[shopper.email]
        # Each shopper's thank-you page shows their own reference, and their text is whole.
        assert conversation["reference"] == reference
        assert conversation["messages"] == [f"Pregunta de la clienta {shopper.number}."]
        assert conversation["status"] == "new"


def test_a_double_click_at_once_stores_one_message(demo, shoppers):
    # Every shopper's form is sent twice at the same moment (a double click on a slow phone).
    doubled = [shopper for shopper in shoppers for _ in range(2)]
    results = all_at_once(doubled, lambda s: s.send(f"Pregunta de la clienta {s.number}."))

    assert {status for status, _ in results} == {302}
    stored = demo.stored()
    assert len(stored) == SHOPPERS
    assert all(len(c["messages"]) == 1 for c in stored)


def test_sending_again_with_new_text_adds_a_message_to_the_same_conversation(demo, shoppers):
    results = all_at_once(shoppers, lambda s: s.send(f"Otra cosa más, {s.number}."))

    assert {status for status, _ in results} == {302}
    stored = demo.stored()
    assert len(stored) == SHOPPERS
    for conversation in stored:
        number = re.search(r"\d+", conversation["email"]).group()
        assert conversation["messages"] == [
            f"Pregunta de la clienta {number}.",
            f"Otra cosa más, {number}.",
        ]
