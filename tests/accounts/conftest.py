"""Sign-in tests: a real OpenID Connect provider on 127.0.0.1 (tests/oidc.py), the shop as its
relying party through python-social-auth, driven with Django's test client."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from contactkit.pages.models import ContactPage
from tests.inbox.builders import use_private_storage
from tests.oidc import oidc_provider  # noqa: F401
from tests.profile.builders import channel, profile_for

CALLBACK = "http://testserver/auth/complete/oidc/"


@pytest.fixture(autouse=True)
def clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sign_in_on(settings, oidc_provider):  # noqa: F811
    """The shop with the local provider for shoppers, staff (example.com addresses) and for
    proving Instagram profiles."""
    oidc_provider.allow_redirect(CALLBACK)
    for name, value in oidc_provider.rp_settings().items():
        setattr(settings, name, value)
    settings.CONTACTKIT_SIGN_IN = {
        "shoppers": ["oidc"],
        "staff": ["oidc"],
        "staff_email_domains": ["tienda.example"],
        "profiles": {"instagram": "oidc"},
        "labels": {"oidc": "MiCuenta"},
    }
    return oidc_provider


@pytest.fixture
def contact_page(site, settings, tmp_path, monkeypatch):
    use_private_storage(settings, tmp_path, monkeypatch)
    profile_for(site, trade_name="Cerámica Alba", time_zone="Europe/Madrid")
    channel(site, "email", email="hola@ceramica.example", reply_time=1440)
    return site.root_page.add_child(instance=ContactPage(title="Contact", slug="contact"))


def begin(client, purpose="shopper", next_url="/", **fields):
    """Post "Continue with" and return the provider's authorization address."""
    response = client.post(
        "/auth/login/oidc/", {"purpose": purpose, "next": next_url, "back": next_url, **fields}
    )
    assert response.status_code == 302, response
    return response["Location"]


def sign_in(client, provider, username, **kwargs):
    """The whole flow: start, log in at the provider, come back; the shop's last answer."""
    callback = provider.authorize(begin(client, **kwargs), username)
    return come_back(client, callback)


def come_back(client, callback):
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == CALLBACK, callback
    return client.get(parts.path, parse_qs(parts.query))


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
