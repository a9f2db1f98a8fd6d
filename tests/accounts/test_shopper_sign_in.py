"""A shopper signs in through the provider: prefilled forms, verified sender, My messages."""

from bs4 import BeautifulSoup
from django.contrib.auth import SESSION_KEY, get_user_model

from contactkit.accounts.models import ShopperAccount
from contactkit.inbox.models import Conversation
from tests.accounts.conftest import query, sign_in
from tests.inbox.builders import conversation


def test_shopper_signs_in_with_pkce_and_gets_a_shopper_account(client, sign_in_on, contact_page):
    sign_in_on.add_user("ana", email="ana@example.com", name="Ana García")
    client.get("/contact/")
    before = client.session.session_key

    authorize_url = client.post("/auth/login/oidc/", {"purpose": "shopper", "next": "/contact/"})[
        "Location"
    ]
    asked = query(authorize_url)
    assert asked["code_challenge_method"] == "S256"
    assert asked["code_challenge"] and asked["state"] and asked["nonce"]

    from tests.accounts.conftest import come_back

    response = come_back(client, sign_in_on.authorize(authorize_url, "ana"))
    assert response.status_code == 302
    assert response["Location"] == "/contact/"

    user = get_user_model().objects.get(pk=client.session[SESSION_KEY])
    assert not user.is_staff and not user.is_superuser
    assert not user.has_perm("wagtailadmin.access_admin")
    assert not user.has_usable_password()
    account = ShopperAccount.objects.get(user=user)
    assert (account.name, account.email, account.email_verified) == (
        "Ana García",
        "ana@example.com",
        True,
    )
    # Session fixation: the session key changed when she signed in.
    assert client.session.session_key != before

    response = client.get("/contact/")
    # Her name and address are in it: never kept by a shared cache, nor by the page cache.
    assert "private" in response["Cache-Control"]
    assert response["X-Contactkit-Cache"] == "bypass"
    page = BeautifulSoup(response.content, "html.parser")
    assert page.find("input", {"name": "name"})["value"] == "Ana García"
    assert page.find("input", {"name": "email"})["value"] == "ana@example.com"
    assert "Signed in as Ana García (ana@example.com)." in page.get_text(" ", strip=True)
    # The admin stays closed to her.
    assert client.get("/admin/").status_code == 302


def test_message_sent_signed_in_is_marked_verified_and_listed(client, sign_in_on, contact_page):
    site = contact_page.get_site()
    older = conversation(site, email="Ana@Example.com", message="Mensaje de antes")
    someone_else = conversation(site, email="luis@example.com", message="De Luis")
    sign_in_on.add_user("ana2", email="ana@example.com", name="Ana García")
    sign_in(client, sign_in_on, "ana2", next_url="/contact/")

    page = BeautifulSoup(client.get("/contact/").content, "html.parser")
    form = {field["name"]: field.get("value", "") for field in page.select("form.ck-form input")}
    form.update(message="¿Dónde está mi pedido 123?", topic="order_status", consent="on")
    form["started"] = (
        str(int(form["started"]) - 60) if form.get("started", "").isdigit() else form.get("started")
    )
    response = client.post("/contact/", form)
    assert response.status_code == 302, response.content[:2000]
    sent = Conversation.objects.exclude(pk__in=[older.pk, someone_else.pk]).get()
    assert sent.sender_verified and sent.shopper_id == int(client.session[SESSION_KEY])

    listing = client.get("/contact/account/")
    text = BeautifulSoup(listing.content, "html.parser").get_text(" ", strip=True)
    assert "¿Dónde está mi pedido 123?" in text
    assert "Mensaje de antes" in text
    assert "De Luis" not in text and someone_else.reference not in text
    assert listing["Cache-Control"] == "private, no-store"
