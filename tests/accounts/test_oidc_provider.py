"""Smoke tests of the test OpenID provider itself (tests/oidc.py, tests/oidc_provider/), by hand
with requests and PyJWT: no relying party involved. The provider starts once per session."""

import base64
import hashlib
import json
import secrets
import socket
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from bs4 import BeautifulSoup

from tests.oidc import ProviderError, oidc_provider  # noqa: F401

REDIRECT_URI = "http://127.0.0.1:9/smoke/complete/oidc/"


@pytest.fixture(scope="module")
def provider(oidc_provider):  # noqa: F811
    oidc_provider.allow_redirect(REDIRECT_URI)
    return oidc_provider


@pytest.fixture(scope="module")
def discovery(provider):
    response = requests.get(provider.issuer + "/.well-known/openid-configuration", timeout=10)
    assert response.status_code == 200
    return response.json()


@pytest.fixture(scope="module")
def jwks(discovery):
    return jwt.PyJWKSet.from_dict(requests.get(discovery["jwks_uri"], timeout=10).json())


def s256(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(discovery, client_id, *, verifier=None, nonce="n-0S6_WzA2Mj", state="xyz"):
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile email",
        "state": state,
        "nonce": nonce,
    }
    if verifier is not None:
        params.update(code_challenge=s256(verifier), code_challenge_method="S256")
    return discovery["authorization_endpoint"] + "?" + urlencode(params)


def get_code(provider, discovery, username, *, verifier, nonce="n-0S6_WzA2Mj"):
    location = provider.authorize(
        authorize_url(discovery, provider.client_id, verifier=verifier, nonce=nonce), username
    )
    assert location.startswith(REDIRECT_URI + "?"), location
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def redeem(provider, discovery, code, verifier):
    return requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        auth=(provider.client_id, provider.client_secret),
        timeout=10,
    )


def signed_claims(id_token, jwks, **options):
    """The ID token's claims once its RS256 signature is verified with the provider's JWKS."""
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256"
    key = jwks[header["kid"]]
    return jwt.decode(id_token, key, algorithms=["RS256"], **options)


def test_discovery_document(provider, discovery, jwks):
    assert discovery["issuer"] == provider.issuer == provider.url + "/o"
    assert discovery["jwks_uri"] == provider.issuer + "/.well-known/jwks.json"
    assert discovery["authorization_endpoint"] == provider.issuer + "/authorize/"
    assert discovery["token_endpoint"] == provider.issuer + "/token/"
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    assert {"openid", "profile", "email"} <= set(discovery["scopes_supported"])
    assert {"email", "email_verified", "name"} <= set(discovery["claims_supported"])
    assert [key.key_type for key in jwks.keys] == ["RSA"]


def test_rp_settings(provider):
    assert provider.rp_settings() == {
        "SOCIAL_AUTH_OIDC_OIDC_ENDPOINT": provider.issuer,
        "SOCIAL_AUTH_OIDC_KEY": provider.client_id,
        "SOCIAL_AUTH_OIDC_SECRET": provider.client_secret,
        "SOCIAL_AUTH_OIDC_USE_PKCE": True,
    }


def test_login_page_is_labelled_for_the_browser_tests(provider):
    page = BeautifulSoup(
        requests.get(provider.url + "/accounts/login/", timeout=10).text, "html.parser"
    )
    labels = {label.get_text(strip=True): label["for"] for label in page.find_all("label")}
    assert page.find(id=labels["Username"])["name"] == "username"
    assert page.find(id=labels["Password"])["type"] == "password"
    assert page.find("button").get_text(strip=True) == "Sign in"


def test_authorization_without_code_challenge_is_refused(provider, discovery):
    provider.add_user("smoke-ana")
    location = provider.authorize(authorize_url(discovery, provider.client_id), "smoke-ana")
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(REDIRECT_URI + "?")
    assert query["error"] == ["invalid_request"]
    assert "code" not in query


def test_code_flow_with_pkce(provider, discovery, jwks):
    sub = provider.add_user(
        "smoke-ana",
        email="ana@example.com",
        email_verified=True,
        name="Ana Pérez",
        profile="https://example.com/ana",
        preferred_username="ana",
    )
    verifier = secrets.token_urlsafe(48)
    code = get_code(provider, discovery, "smoke-ana", verifier=verifier, nonce="nonce-123")

    response = redeem(provider, discovery, code, verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()
    claims = signed_claims(
        tokens["id_token"], jwks, audience=provider.client_id, issuer=provider.issuer
    )
    assert claims["aud"] == provider.client_id
    assert claims["sub"] == sub
    assert claims["nonce"] == "nonce-123"
    assert claims["email"] == "ana@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "Ana Pérez"
    assert claims["profile"] == "https://example.com/ana"
    assert claims["preferred_username"] == "ana"
    assert abs(claims["iat"] - time.time()) < 60

    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert userinfo == {
        "sub": sub,
        "email": "ana@example.com",
        "email_verified": True,
        "name": "Ana Pérez",
        "profile": "https://example.com/ana",
        "preferred_username": "ana",
    }

    # Codes are single use.
    replay = redeem(provider, discovery, code, verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_claims_follow_the_user_and_the_scopes(provider, discovery, jwks):
    provider.add_user("smoke-ben", email="ben@example.com", email_verified=False)
    verifier = secrets.token_urlsafe(48)
    code = get_code(provider, discovery, "smoke-ben", verifier=verifier)
    claims = signed_claims(
        redeem(provider, discovery, code, verifier).json()["id_token"],
        jwks,
        audience=provider.client_id,
    )
    assert claims["email"] == "ben@example.com"
    assert claims["email_verified"] is False
    assert "name" not in claims


def test_wrong_code_verifier_is_refused(provider, discovery):
    provider.add_user("smoke-ana")
    verifier = secrets.token_urlsafe(48)
    code = get_code(provider, discovery, "smoke-ana", verifier=verifier)
    response = redeem(provider, discovery, code, secrets.token_urlsafe(48))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_audience_user_gets_a_signed_token_for_someone_else(provider, discovery, jwks):
    provider.add_user("smoke-eve", email="eve@example.com", misbehave="wrong-audience")
    verifier = secrets.token_urlsafe(48)
    code = get_code(provider, discovery, "smoke-eve", verifier=verifier, nonce="nonce-eve")
    id_token = redeem(provider, discovery, code, verifier).json()["id_token"]

    with pytest.raises(jwt.InvalidAudienceError):
        signed_claims(id_token, jwks, audience=provider.client_id)
    claims = signed_claims(id_token, jwks, audience="someone-else", issuer=provider.issuer)
    assert claims["aud"] == "someone-else"
    assert claims["nonce"] == "nonce-eve"
    assert claims["exp"] > time.time()


def test_expired_user_gets_a_signed_token_that_expired(provider, discovery, jwks):
    provider.add_user("smoke-old", email="old@example.com", misbehave="expired")
    verifier = secrets.token_urlsafe(48)
    code = get_code(provider, discovery, "smoke-old", verifier=verifier, nonce="nonce-old")
    id_token = redeem(provider, discovery, code, verifier).json()["id_token"]

    with pytest.raises(jwt.ExpiredSignatureError):
        signed_claims(id_token, jwks, audience=provider.client_id)
    claims = signed_claims(
        id_token,
        jwks,
        audience=provider.client_id,
        issuer=provider.issuer,
        options={"verify_exp": False},
    )
    now = time.time()
    assert abs(claims["iat"] - (now - 7200)) < 60
    assert abs(claims["exp"] - (now - 3600)) < 60
    assert claims["nonce"] == "nonce-old"


def test_unregistered_redirect_uri_is_refused(provider, discovery):
    provider.add_user("smoke-ana")
    url = authorize_url(discovery, provider.client_id, verifier="v" * 43).replace(
        "smoke%2Fcomplete", "smoke%2Felsewhere"
    )
    with pytest.raises(ProviderError, match="400"):
        provider.authorize(url, "smoke-ana")


def test_wrong_password_is_refused(provider, discovery):
    provider.add_user("smoke-ana")
    url = authorize_url(discovery, provider.client_id, verifier="v" * 43)
    with pytest.raises(ProviderError, match="refused to log in"):
        provider.authorize(url, "smoke-ana", password="wrong")


def test_unknown_misbehaviour_is_refused(provider):
    with pytest.raises(ProviderError, match="misbehave"):
        provider.add_user("smoke-typo", misbehave="wrong-audiance")


def test_token_request_and_browser_overlap(provider, discovery):
    """The server is threaded: a request held open does not block the others."""
    host, port = provider.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as idle:
        idle.sendall(b"GET /o/.well-known/jwks.json HTTP/1.1\r\n")  # never finished
        started = time.monotonic()
        response = requests.get(discovery["jwks_uri"], timeout=5)
        assert response.status_code == 200
        assert json.loads(response.text)["keys"]
        assert time.monotonic() - started < 5
