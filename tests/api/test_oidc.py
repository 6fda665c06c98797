"""Single sign-on through OpenID Connect, against a fake provider that answers discovery,
its keys and the token endpoint as a real one does (the code flow with PKCE, RS256 tokens)."""

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy.orm import Session

from app.services.accounts import create_user, disable_user
from tests.conftest import in_transaction

ISSUER = "https://id.example.az"
CLIENT_ID = "contamap"
SECRET = "a client secret"
PASSWORD = "correct horse battery"


class FakeProvider:
    """An identity provider in memory: it signs people in by name when the test says so."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.overrides: dict[str, Any] = {}  # claims to change in the next ID token
        self.signing_key = self.key

    def authorize(self, url: str, name: str) -> tuple[str, str]:
        """The person signs in at the provider: the code and state the redirect brings back."""
        params = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
        assert url.startswith(f"{ISSUER}/authorize?")
        assert params["response_type"] == "code"
        assert params["client_id"] == CLIENT_ID
        assert params["code_challenge_method"] == "S256"
        assert "openid" in params["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**params, "name": name}
        return code, params["state"]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The provider's endpoints."""
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                },
            )
        if path == "/jwks":
            return httpx.Response(200, json=KeySet([self.key]).as_dict(private=False))
        if path == "/token" and request.method == "POST":
            return self._token(request)
        return httpx.Response(404)

    def _token(self, request: httpx.Request) -> httpx.Response:
        expected = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return httpx.Response(401, json={"error": "invalid_client"})
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["redirect_uri"]:
            return httpx.Response(400, json={"error": "invalid_grant"})
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["code_challenge"]:
            return httpx.Response(400, json={"error": "invalid_grant", "reason": "PKCE"})
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": f"subject-{grant['name']}",
            "preferred_username": grant["name"],
            "nonce": grant["nonce"],
            "iat": now,
            "exp": now + 300,
            **self.overrides,
        }
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        id_token = jwt.encode(header, claims, self.signing_key)
        return httpx.Response(
            200, json={"access_token": "opaque", "token_type": "Bearer", "id_token": id_token}
        )


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


@pytest.fixture
def sso(database_url: str, session: Session, provider: FakeProvider) -> Iterator[TestClient]:
    """The application with single sign-on at the fake provider, and an editor to sign in."""
    create_user(session, "leyla.editor", "editor", None, PASSWORD)
    settings = {"oidc_issuer": ISSUER, "oidc_client_id": CLIENT_ID, "oidc_client_secret": SECRET}
    with in_transaction(database_url, session, **settings) as client:
        client.app.state.oidc.transport = httpx.MockTransport(provider.handle)  # type: ignore[attr-defined]
        yield client


def _id_token(client: TestClient, provider: FakeProvider, name: str = "leyla.editor") -> str:
    """Start a sign-in, sign in at the provider, come back: the ID token the page posts."""
    start = client.get("/auth/oidc/login", follow_redirects=False)
    assert start.status_code == 302, start.text
    assert "contamap_oidc=" in start.headers["set-cookie"]
    assert "HttpOnly" in start.headers["set-cookie"]
    code, state = provider.authorize(start.headers["location"], name)
    back = client.get("/auth/oidc/callback", params={"code": code, "state": state})
    assert back.status_code == 200, back.text
    found = re.search(r'name="id_token" value="([^"]+)"', back.text)
    assert found is not None
    return found.group(1)


def _complete(client: TestClient, id_token: str) -> httpx.Response:
    return client.post("/auth/oidc/complete", data={"id_token": id_token}, follow_redirects=False)


def test_single_sign_on_signs_in_the_user_the_provider_names(
    sso: TestClient, provider: FakeProvider
) -> None:
    done = _complete(sso, _id_token(sso, provider))
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "http://testserver/map"
    cookie = [c for c in done.headers.get_list("set-cookie") if c.startswith("contamap_session=")]
    assert cookie and "HttpOnly" in cookie[0] and "SameSite=lax" in cookie[0]
    me = sso.get("/auth/me").json()
    assert (me["name"], me["role"]) == ("leyla.editor", "editor")


def test_another_sign_ins_state_is_refused(sso: TestClient, provider: FakeProvider) -> None:
    start = sso.get("/auth/oidc/login", follow_redirects=False)
    code, _ = provider.authorize(start.headers["location"], "leyla.editor")
    forged = sso.get("/auth/oidc/callback", params={"code": code, "state": "another state"})
    assert forged.status_code == 403
    sso.cookies.clear()  # a browser that never started a sign-in
    assert sso.get("/auth/oidc/callback", params={"code": code, "state": "x"}).status_code == 403


@pytest.mark.parametrize(
    "override",
    [{"aud": "another-client"}, {"iss": "https://evil.example"}, {"exp": 1}, {"nonce": "old"}],
    ids=["audience", "issuer", "expired", "nonce"],
)
def test_an_id_token_that_fails_a_check_is_refused(
    sso: TestClient, provider: FakeProvider, override: dict[str, Any]
) -> None:
    provider.overrides = override
    refused = _complete(sso, _id_token(sso, provider))
    assert refused.status_code == 401, refused.text
    assert sso.get("/auth/me").status_code == 401


def test_a_token_signed_by_another_key_is_refused(sso: TestClient, provider: FakeProvider) -> None:
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    assert _complete(sso, _id_token(sso, provider)).status_code == 401


def test_a_token_from_another_browsers_sign_in_is_refused(
    database_url: str, sso: TestClient, session: Session, provider: FakeProvider
) -> None:
    """An ID token posted by an attacker into a victim's browser: its nonce is not the
    victim's sign-in's, and a browser with no sign-in under way gets a 403."""
    stolen = _id_token(sso, provider)
    with in_transaction(
        database_url, session, oidc_issuer=ISSUER, oidc_client_id=CLIENT_ID
    ) as victim:
        assert _complete(victim, stolen).status_code == 403  # no sign-in under way
        victim.app.state.oidc.transport = httpx.MockTransport(provider.handle)  # type: ignore[attr-defined]
        victim.get("/auth/oidc/login", follow_redirects=False)
        assert _complete(victim, stolen).status_code == 401  # another sign-in's nonce


def test_only_an_enabled_user_of_contamap_signs_in(
    sso: TestClient, session: Session, provider: FakeProvider
) -> None:
    unknown = _complete(sso, _id_token(sso, provider, name="someone.else"))
    assert unknown.status_code == 403
    disable_user(session, "leyla.editor")
    assert _complete(sso, _id_token(sso, provider)).status_code == 403


def test_without_an_issuer_there_is_no_single_sign_on(client: TestClient) -> None:
    assert client.get("/auth/oidc/login", follow_redirects=False).status_code == 404


def test_the_map_offers_single_sign_on_only_where_it_is_configured(
    sso: TestClient, client: TestClient
) -> None:
    assert 'href="http://testserver/auth/oidc/login"' in sso.get("/map").text
    assert "/auth/oidc/login" not in client.get("/map").text
