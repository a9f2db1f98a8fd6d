"""What a sign-in refuses, each ending on a page that says so: a changed state, a code used
twice, an ID token for another app or expired, an address the provider did not verify, staff
rules, too many attempts. Against the real provider on 127.0.0.1."""

from urllib.parse import urlencode, urlsplit

from bs4 import BeautifulSoup
from django.contrib.auth import SESSION_KEY, get_user_model

from contactkit.accounts.models import ShopperAccount
from contactkit.inbox.models import Conversation
from tests.accounts.conftest import begin, come_back, query, sign_in
from tests.inbox.builders import conversation


def ended_on(client, response):
    """The page a failed sign-in ends on, as text, after following its redirect."""
    assert response.status_code in (302, 303), response
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert page.status_code == 200
    return BeautifulSoup(page.content, "html.parser").get_text(" ", strip=True)


def users():
    return get_user_model().objects.count()


def test_a_tampered_state_is_refused(client, sign_in_on, contact_page):
    sign_in_on.add_user("tampered", email="t@example.com")
    callback = sign_in_on.authorize(begin(client), "tampered")
    parts = urlsplit(callback)
    changed = {**query(callback), "state": "x" * 32}
    before = users()

    text = ended_on(client, client.get(parts.path + "?" + urlencode(changed)))

    assert "could not be finished" in text
    assert users() == before


def test_a_code_used_twice_is_refused(client, sign_in_on, contact_page):
    sign_in_on.add_user("twice", email="twice@example.com")
    callback = sign_in_on.authorize(begin(client), "twice")
    assert come_back(client, callback).status_code == 302
    assert SESSION_KEY in client.session
    client.logout()

    text = ended_on(client, come_back(client, callback))

    assert "could not be finished" in text
    assert ShopperAccount.objects.count() == 1


def test_an_id_token_for_another_app_is_refused(client, sign_in_on, contact_page):
    sign_in_on.add_user("mallory", email="m@example.com", misbehave="wrong-audience")
    before = users()

    text = ended_on(client, sign_in(client, sign_in_on, "mallory"))

    assert "could not be checked" in text
    assert users() == before


def test_an_expired_id_token_is_refused(client, sign_in_on, contact_page):
    sign_in_on.add_user("late", email="late@example.com", misbehave="expired")
    before = users()

    text = ended_on(client, sign_in(client, sign_in_on, "late"))

    assert "could not be checked" in text
    assert users() == before


def test_an_unverified_address_never_unlocks_the_messages_sent_from_it(
    client, sign_in_on, contact_page
):
    site = contact_page.get_site()
    conversation(site, email="victim@example.com", message="Mi dirección es Calle Mayor 1")
    sign_in_on.add_user("claims", email="victim@example.com", email_verified=False, name="Eve")

    response = sign_in(client, sign_in_on, "claims", next_url="/contact/")
    assert response.status_code == 302 and SESSION_KEY in client.session

    account = ShopperAccount.objects.get()
    assert not account.email_verified
    assert account.user.email == ""
    page = BeautifulSoup(client.get("/contact/account/").content, "html.parser")
    text = page.get_text(" ", strip=True)
    assert "Calle Mayor" not in text
    assert "has not confirmed your email address" in text
    # Nor is the address put in the form as a verified one.
    form = BeautifulSoup(client.get("/contact/").content, "html.parser")
    assert not form.find("input", {"name": "email"}).get("value")


def test_a_shopper_sign_in_never_merges_into_an_existing_account(client, sign_in_on, contact_page):
    owner = get_user_model().objects.create_superuser("owner", "owner@tienda.example", "x")
    sign_in_on.add_user("lookalike", email="owner@tienda.example", name="Not the owner")

    sign_in(client, sign_in_on, "lookalike")

    signed_in = get_user_model().objects.get(pk=client.session[SESSION_KEY])
    assert signed_in != owner
    assert not signed_in.is_superuser and not signed_in.is_staff
    assert client.get("/admin/").status_code == 302


def test_staff_sign_in_finds_existing_staff_by_a_verified_address_of_an_allowed_domain(
    client, sign_in_on, contact_page
):
    marta = get_user_model().objects.create_superuser("marta", "marta@tienda.example", "x")
    sign_in_on.add_user("marta", email="Marta@tienda.example")
    before = users()

    response = sign_in(client, sign_in_on, "marta", purpose="staff", next_url="/admin/")

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert int(client.session[SESSION_KEY]) == marta.pk
    assert client.get("/admin/").status_code == 200
    assert users() == before


def test_staff_sign_in_never_creates_a_user(client, sign_in_on, contact_page):
    sign_in_on.add_user("newbie", email="newbie@tienda.example")
    before = users()

    response = sign_in(client, sign_in_on, "newbie", purpose="staff", next_url="/admin/")

    assert response["Location"] == "/admin/login/"
    assert SESSION_KEY not in client.session
    assert users() == before
    page = client.get("/admin/login/").content.decode()
    assert "No staff account uses this address" in page


def test_staff_sign_in_refuses_other_domains_and_unverified_addresses(
    client, sign_in_on, contact_page
):
    get_user_model().objects.create_superuser("pepe", "pepe@gmail.example", "x")
    get_user_model().objects.create_superuser("rosa", "rosa@tienda.example", "x")
    sign_in_on.add_user("pepe", email="pepe@gmail.example")
    sign_in_on.add_user("rosa", email="rosa@tienda.example", email_verified=False)

    sign_in(client, sign_in_on, "pepe", purpose="staff", next_url="/admin/")
    assert SESSION_KEY not in client.session
    assert "Only addresses of the shop" in client.get("/admin/login/").content.decode()

    sign_in(client, sign_in_on, "rosa", purpose="staff", next_url="/admin/")
    assert SESSION_KEY not in client.session
    assert "has not verified your email" in client.get("/admin/login/").content.decode()


def test_a_staff_account_is_not_signed_in_through_the_shoppers_button(
    client, sign_in_on, contact_page
):
    marta = get_user_model().objects.create_superuser("marta2", "marta2@tienda.example", "x")
    sign_in_on.add_user("marta2", email="marta2@tienda.example")
    sign_in(client, sign_in_on, "marta2", purpose="staff", next_url="/admin/")
    assert int(client.session[SESSION_KEY]) == marta.pk
    client.logout()

    text = ended_on(client, sign_in(client, sign_in_on, "marta2", next_url="/contact/"))

    assert "belongs to the shop's staff" in text


def test_sign_in_off_means_no_buttons_and_no_routes(client, settings, contact_page):
    settings.CONTACTKIT_SIGN_IN = {}

    page = client.get("/contact/").content.decode()

    assert "Continue with" not in page and "ck-sign-in" not in page
    assert client.get("/contact/account/").status_code == 404
    assert client.post("/auth/login/oidc/", {"purpose": "shopper"}).status_code == 404
    assert client.get("/contactkit/account/messages/").status_code == 404


def test_only_the_purposes_the_shop_turned_on_start_a_sign_in(
    client, sign_in_on, contact_page, settings
):
    settings.CONTACTKIT_SIGN_IN = {**settings.CONTACTKIT_SIGN_IN, "staff": []}

    assert client.post("/auth/login/oidc/", {"purpose": "staff"}).status_code == 404
    assert client.post("/auth/login/oidc/", {"purpose": "admin"}).status_code == 404
    assert client.post("/auth/login/github/", {"purpose": "shopper"}).status_code == 404
    # Proving a profile needs staff who may edit the channels.
    assert client.post("/auth/login/oidc/", {"purpose": "proof", "channel": "1"}).status_code == 403
    # Starting one takes a POST (with the CSRF token), never a GET a page could embed.
    assert client.get("/auth/login/oidc/").status_code == 405


def test_sign_in_is_rate_limited_per_address(client, sign_in_on, contact_page, settings):
    settings.CONTACTKIT_SIGN_IN_RATE_LIMIT = (3, 600)
    for _ in range(3):
        assert client.post("/auth/login/oidc/", {"purpose": "shopper"}).status_code == 302

    response = client.post("/auth/login/oidc/", {"purpose": "shopper", "next": "/contact/"})

    assert response.status_code == 303
    text = BeautifulSoup(client.get(response["Location"]).content, "html.parser").get_text(" ")
    assert "Too many sign-in attempts" in text
    # Coming back from the provider counts too.
    assert client.get("/auth/complete/oidc/", {"state": "x", "code": "y"}).status_code == 303


def test_a_shopper_never_sees_another_shoppers_conversations(client, sign_in_on, contact_page):
    site = contact_page.get_site()
    anas = conversation(site, email="ana@example.com", message="Lo de Ana")
    sign_in_on.add_user("luis", email="luis@example.com", name="Luis")
    sign_in(client, sign_in_on, "luis")
    mine = conversation(site, email="luis@example.com", message="Lo de Luis")

    page = BeautifulSoup(client.get("/contact/account/").content, "html.parser")
    text = page.get_text(" ", strip=True)
    assert "Lo de Luis" in text and mine.reference in text
    assert "Lo de Ana" not in text and anas.reference not in text
    # No query string or other address lists someone else's.
    for address in (
        "/contact/account/?email=ana@example.com",
        f"/contact/account/?reference={anas.reference}",
        "/contactkit/account/messages/?email=ana@example.com",
    ):
        answer = client.get(address, follow=True)
        assert "Lo de Ana" not in answer.content.decode()
    # Nor the launcher's API, with Luis's cookies.
    api = client.get("/contactkit/api/launcher", {"site": site.pk})
    assert "Lo de Ana" not in api.content.decode() and "ana@example.com" not in api.content.decode()
    assert Conversation.objects.filter(email="ana@example.com").get().shopper_id is None


def test_the_policy_lets_continue_with_forms_lead_to_the_provider(client, sign_in_on, contact_page):
    """Browsers apply form-action to where a form's POST redirects: the provider's origin."""
    policy = client.get("/contact/")["Content-Security-Policy"]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives["form-action"].split() == ["'self'", sign_in_on.url]
    assert sign_in_on.url in client.get("/admin/login/")["Content-Security-Policy"]


def test_an_id_token_with_another_nonce_is_refused(client, sign_in_on, contact_page):
    sign_in_on.add_user("replayer", email="r@example.com", misbehave="wrong-nonce")
    before = users()

    text = ended_on(client, sign_in(client, sign_in_on, "replayer"))

    assert "could not be checked" in text
    assert users() == before


def test_an_id_token_not_signed_by_the_provider_is_refused(client, sign_in_on, contact_page):
    sign_in_on.add_user("forger", email="f@example.com", misbehave="forged-signature")
    before = users()

    text = ended_on(client, sign_in(client, sign_in_on, "forger"))

    assert "could not be checked" in text
    assert users() == before


def test_a_provider_posting_its_answer_cross_site_is_taken_back_as_a_get(
    client, sign_in_on, contact_page
):
    """Apple's form_post: the browser posts the answer from the provider's site, without the
    shop's SameSite=Lax session cookie; the shop keeps it and comes back as a GET with it."""
    from django.test import Client

    sign_in_on.add_user("posted", email="posted@example.com", name="Pau")
    callback = sign_in_on.authorize(begin(client, next_url="/contact/"), "posted")
    parts = urlsplit(callback)

    cross_site = Client()  # no cookie of the shop's
    bounced = cross_site.post(parts.path, query(callback))
    assert bounced.status_code == 303
    assert "code=" not in bounced["Location"] and "state=" not in bounced["Location"]

    response = client.get(bounced["Location"])
    assert response.status_code == 302 and response["Location"] == "/contact/"
    assert ShopperAccount.objects.get().email == "posted@example.com"
    # Kept once: the same address again ends on the "start again" page.
    client.logout()
    assert "could not be finished" in ended_on(client, client.get(bounced["Location"]))
