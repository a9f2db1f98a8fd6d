"""Staff prove the shop manages a social profile by signing in to its provider; the pages
mark it verified while the channel still links to it."""

import datetime as dt

from bs4 import BeautifulSoup
from django.contrib.auth import SESSION_KEY

from contactkit.accounts.models import ProfileProof
from contactkit.accounts.proofs import normalized, same_profile
from contactkit.pages.models import AboutPage
from tests.accounts.conftest import sign_in
from tests.profile.builders import channel

INSTAGRAM = "https://www.instagram.com/ceramicaalba"


def about_text(client, path="/about/"):
    client.logout()
    page = BeautifulSoup(client.get(path).content, "html.parser")
    return page, page.get_text(" ", strip=True)


def prove(admin_client, provider, instagram, username):
    """Staff click "Verify with" on the channel and sign in at the provider as ``username``."""
    return sign_in(
        admin_client,
        provider,
        username,
        purpose="proof",
        channel=str(instagram.pk),
        next_url="/admin/contactkit/verified-profiles/",
    )


def test_staff_prove_a_profile_and_the_pages_mark_it_until_the_link_changes(
    admin_client, sign_in_on, contact_page
):
    site = contact_page.get_site()
    site.root_page.add_child(instance=AboutPage(title="About", slug="about"))
    instagram = channel(site, "instagram", url=INSTAGRAM)
    owner = admin_client.session[SESSION_KEY]
    sign_in_on.add_user(
        "alba-ig", profile="https://instagram.com/CeramicaAlba/", preferred_username="ceramicaalba"
    )

    response = prove(admin_client, sign_in_on, instagram, "alba-ig")

    assert response["Location"] == "/admin/contactkit/verified-profiles/"
    # Nobody was signed in or out: the owner is still the owner.
    assert admin_client.session[SESSION_KEY] == owner
    proof = ProfileProof.objects.get(channel=instagram)
    assert (proof.provider, proof.handle, proof.verified_by_id) == (
        "oidc",
        "ceramicaalba",
        int(owner),
    )
    assert proof.account_id
    screen = admin_client.get("/admin/contactkit/verified-profiles/").content.decode()
    assert "is verified" in screen and "Verified on" in screen

    page, text = about_text(admin_client)
    mark = page.select_one(".ck-social__item .ck-verified")
    assert mark is not None and "Verified on" in mark.get_text()
    assert mark.find("time")["datetime"] == dt.date.today().isoformat()
    contact = BeautifulSoup(admin_client.get("/contact/").content, "html.parser")
    assert contact.select_one(".ck-social__item .ck-verified") is not None

    # The owner changes the link: the mark goes, at once (the page cache is told).
    instagram.url = "https://www.instagram.com/otra.tienda"
    instagram.save()
    page, text = about_text(admin_client)
    assert page.select_one(".ck-verified") is None
    assert "otra.tienda" in str(page)


def test_an_account_that_does_not_manage_the_profile_proves_nothing(
    admin_client, sign_in_on, contact_page
):
    instagram = channel(contact_page.get_site(), "instagram", url=INSTAGRAM)
    sign_in_on.add_user("impostor", profile="https://www.instagram.com/someone.else")

    prove(admin_client, sign_in_on, instagram, "impostor")

    assert not ProfileProof.objects.exists()
    screen = admin_client.get("/admin/contactkit/verified-profiles/").content.decode()
    assert "does not manage" in screen and "someone.else" in screen


def test_removing_a_proof_removes_the_mark(admin_client, sign_in_on, contact_page):
    site = contact_page.get_site()
    instagram = channel(site, "instagram", url=INSTAGRAM)
    proof = ProfileProof.objects.create(
        channel=instagram, provider="oidc", account_id="1", url=INSTAGRAM
    )
    assert BeautifulSoup(admin_client.get("/contact/").content, "html.parser").select(
        ".ck-verified"
    )

    admin_client.post("/admin/contactkit/verified-profiles/", {"remove": proof.pk})

    assert not ProfileProof.objects.exists()
    admin_client.logout()
    page = BeautifulSoup(admin_client.get("/contact/").content, "html.parser")
    assert not page.select(".ck-verified")


def test_staff_who_may_not_edit_channels_cannot_prove(client, sign_in_on, contact_page):
    from tests.inbox.builders import staff_user

    instagram = channel(contact_page.get_site(), "instagram", url=INSTAGRAM)
    client.force_login(staff_user("view_conversation", username="reader"))

    answer = client.post(
        "/auth/login/oidc/", {"purpose": "proof", "channel": instagram.pk, "next": "/admin/"}
    )

    assert answer.status_code == 403
    assert client.get("/admin/contactkit/verified-profiles/").status_code in (302, 403)


def test_profile_addresses_compare_as_the_same_profile():
    assert same_profile("https://instagram.com/CeramicaAlba/", INSTAGRAM)
    assert same_profile("https://m.facebook.com/alba", "https://www.facebook.com/alba?ref=x")
    assert same_profile("https://twitter.com/alba", "https://x.com/alba")
    assert not same_profile("https://www.instagram.com/alba", "https://www.instagram.com/alba2")
    assert not same_profile(
        "https://www.instagram.com/alba", "https://evil.example/instagram.com/alba"
    )
    assert not same_profile("", INSTAGRAM)
    # A query that names the profile counts; one that only tracks the share does not.
    assert not same_profile(
        "https://www.facebook.com/profile.php?id=100", "https://www.facebook.com/profile.php?id=200"
    )
    assert same_profile(
        "https://www.facebook.com/profile.php?id=100",
        "https://m.facebook.com/profile.php?id=100&mibextid=abc",
    )
    assert same_profile(INSTAGRAM + "?igshid=xyz&utm_source=qr", INSTAGRAM)
    assert normalized("javascript:alert(1)") == ""


def test_the_outcome_is_told_in_the_admin_language_of_the_member_of_staff(
    spanish_admin_client, sign_in_on, contact_page
):
    """The provider's return is outside the shop's language prefixes (the shop's default
    language there): the message still speaks the admin's language."""
    from django.utils import translation

    instagram = channel(contact_page.get_site(), "instagram", url=INSTAGRAM)
    sign_in_on.add_user("alba-es", profile=INSTAGRAM)

    with translation.override("en"):
        prove(spanish_admin_client, sign_in_on, instagram, "alba-es")

    screen = spanish_admin_client.get("/admin/contactkit/verified-profiles/").content.decode()
    assert "está verificado" in screen
