"""A signed-in shopper's name and verified address start the withdrawal form and the
launcher's chat form; the inbox marks what they send as from a verified address."""

import re

from bs4 import BeautifulSoup

from contactkit.accounts.models import ShopperAccount
from contactkit.inbox.models import Conversation
from contactkit.launcher import chat
from tests.accounts.conftest import sign_in
from tests.inbox.builders import conversation
from tests.returns.test_withdrawal_flow import shop, withdraw_url  # noqa: F401


def test_the_launcher_offers_sign_in_then_starts_with_the_shoppers_details(
    client, sign_in_on, contact_page
):
    from contactkit.launcher.models import LauncherSettings

    launcher = LauncherSettings.for_site(contact_page.get_site())
    launcher.enabled = True
    launcher.save()

    anonymous = BeautifulSoup(client.get("/contact/").content, "html.parser")
    box = anonymous.select_one("[data-contactkit-launcher]")
    assert box["data-sign-in-url"] == "/contact/account/?next=%2Fcontact%2F"
    assert "data-shopper-email" not in box.attrs

    sign_in_on.add_user("carla", email="carla@example.com", name="Carla Ruiz")
    sign_in(client, sign_in_on, "carla")
    box = BeautifulSoup(client.get("/contact/").content, "html.parser").select_one(
        "[data-contactkit-launcher]"
    )
    assert (box["data-shopper-name"], box["data-shopper-email"]) == (
        "Carla Ruiz",
        "carla@example.com",
    )
    assert "data-sign-in-url" not in box.attrs


def test_a_chat_started_signed_in_is_marked_only_for_the_verified_address(
    rf, sign_in_on, contact_page, django_user_model
):
    user = django_user_model.objects.create_user("shopper-x")
    ShopperAccount.objects.create(
        user=user, email="carla@example.com", email_verified=True, provider="oidc"
    )
    request = rf.post("/")
    request.user = user
    site = contact_page.get_site()

    same = chat.start_chat(
        site, name="Carla", email="Carla@Example.com", message="Hola", request=request
    )
    other = chat.start_chat(
        site, name="Carla", email="otra@example.com", message="Hola", request=request
    )

    assert (same.shopper_id, same.sender_verified) == (user.pk, True)
    assert (other.shopper_id, other.sender_verified) == (user.pk, False)


def test_the_inbox_shows_a_verified_sender(admin_client, contact_page):
    made = conversation(contact_page.get_site(), email="carla@example.com", sender_verified=True)

    listing = admin_client.get("/admin/contactkit/inbox/").content.decode()
    page = admin_client.get(f"/admin/contactkit/inbox/{made.pk}/").content.decode()

    assert "carla@example.com (verified by sign-in)" in listing
    assert "Verified by sign-in" in page


def test_the_withdrawal_form_starts_with_the_shoppers_details(client, sign_in_on, shop):  # noqa: F811
    sign_in_on.add_user("dani", email="dani@example.com", name="Dani Vidal")
    sign_in(client, sign_in_on, "dani")

    html = client.get(withdraw_url(shop["devoluciones"])).content.decode()
    form = BeautifulSoup(html, "html.parser")
    assert form.find("input", {"name": "name"})["value"] == "Dani Vidal"
    assert form.find("input", {"name": "email"})["value"] == "dani@example.com"
    assert re.search(r"Signed in as Dani Vidal \(dani@example.com\)", form.get_text(" "))
    assert not Conversation.objects.exists()
