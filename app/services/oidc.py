"""Single sign-on through OpenID Connect: the authorization code flow with PKCE.

The provider (a national authority's identity provider) says who the person is; Contamap
decides what they may do. The ID token's claim ``CONTAMAP_OIDC_NAME_CLAIM`` must name an
enabled user created with ``contamap user create``, whose role and organisation apply.

The state, the nonce and the PKCE verifier of a sign-in under way travel in a short-lived
HttpOnly cookie of their own: the provider's redirect back must bring the same state, and its
ID token the same nonce. The token is checked with joserfc (Authlib's JOSE library): its
signature against the provider's published keys, its issuer, audience, expiry and nonce.
"""

import logging
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.urls import add_params_to_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.core.config import Settings
from app.errors import BadGateway, Forbidden, Unauthorized

logger = logging.getLogger(__name__)
PENDING_COOKIE = "contamap_oidc"
PENDING_SECONDS = 600  # a sign-in at the provider must come back within this
TIMEOUT_S = 10
LEEWAY_S = 60  # clocks of the provider and of this server may differ by this much


@dataclass(frozen=True)
class Provider:
    """The provider's endpoints and keys, as its discovery document gives them."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    keys: KeySet


@dataclass(frozen=True)
class Pending:
    """A sign-in under way: what the provider's answer must match."""

    state: str
    nonce: str
    verifier: str

    def cookie(self) -> str:
        """The cookie's value (token_urlsafe never holds a dot)."""
        return f"{self.state}.{self.nonce}.{self.verifier}"

    @classmethod
    def from_cookie(cls, value: str | None) -> "Pending":
        """The sign-in under way, from its cookie; a 403 without one."""
        parts = (value or "").split(".")
        if len(parts) != 3 or not all(parts):
            raise Forbidden("no single sign-on is under way here: start again at /auth/oidc/login")
        return cls(*parts)


class OidcClient:
    """A client of one provider, its discovery document fetched once (``transport``: how to
    reach it; the tests give a fake provider)."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None,
        name_claim: str,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.name_claim = name_claim
        self.transport = transport
        self._provider: Provider | None = None

    def _get(self, client: httpx.Client, url: str) -> Any:
        response = client.get(url)
        response.raise_for_status()
        return response.json()

    def provider(self) -> Provider:
        """The provider's endpoints and keys; a 502 when it cannot be read."""
        if self._provider is None:
            try:
                with httpx.Client(transport=self.transport, timeout=TIMEOUT_S) as client:
                    found = self._get(client, f"{self.issuer}/.well-known/openid-configuration")
                    keys = KeySet.import_key_set(self._get(client, found["jwks_uri"]))
                    if found["issuer"].rstrip("/") != self.issuer:
                        raise ValueError(f"the discovery document names {found['issuer']}")
                    self._provider = Provider(
                        found["issuer"],
                        found["authorization_endpoint"],
                        found["token_endpoint"],
                        keys,
                    )
            except (httpx.HTTPError, KeyError, TypeError, ValueError, JoseError) as exc:
                logger.warning("the identity provider %s cannot be read: %s", self.issuer, exc)
                raise BadGateway("the identity provider cannot be reached; try again") from exc
        return self._provider

    def start(self, redirect_uri: str) -> tuple[str, Pending]:
        """Where to send the browser to sign in at the provider, and what its answer must match."""
        pending = Pending(*(secrets.token_urlsafe(32) for _ in range(3)))
        url = add_params_to_uri(
            self.provider().authorization_endpoint,
            [
                ("response_type", "code"),
                ("client_id", self.client_id),
                ("redirect_uri", redirect_uri),
                ("scope", "openid profile"),
                ("state", pending.state),
                ("nonce", pending.nonce),
                ("code_challenge", create_s256_code_challenge(pending.verifier)),
                ("code_challenge_method", "S256"),
            ],
        )
        return url, pending

    def exchange(self, code: str, state: str, pending: Pending, redirect_uri: str) -> str:
        """The provider's ID token for the code its redirect brought back (not yet checked:
        ``vouched`` checks it); a 403 for another sign-in's state, a 401 when refused."""
        if not secrets.compare_digest(state.encode(), pending.state.encode()):
            raise Forbidden("the sign-in's state does not match: start again")
        provider = self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": pending.verifier,
        }
        # A confidential client authenticates with its secret; a public one by PKCE alone.
        auth: httpx.Auth = (
            httpx.BasicAuth(self.client_id, self.client_secret)
            if self.client_secret
            else httpx.Auth()
        )
        try:
            with httpx.Client(transport=self.transport, timeout=TIMEOUT_S) as client:
                answer = client.post(provider.token_endpoint, data=form, auth=auth)
        except httpx.HTTPError as exc:
            raise BadGateway("the identity provider cannot be reached; try again") from exc
        if answer.status_code != 200:
            logger.warning("the identity provider refused a code: %s", answer.text[:200])
            raise Unauthorized("the identity provider refused the sign-in")
        id_token = answer.json().get("id_token")
        if not isinstance(id_token, str):
            raise Unauthorized("the identity provider sent no ID token")
        return id_token

    def vouched(self, id_token: str, pending: Pending) -> str:
        """The name an ID token vouches for, once its signature, issuer, audience, expiry and
        nonce (this browser's sign-in's) are checked; a 401 when one fails."""
        provider, nonce = self.provider(), pending.nonce
        options: dict[str, Any] = {
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": self.client_id},
            "exp": {"essential": True},
            "nonce": {"essential": True, "value": nonce},
            self.name_claim: {"essential": True},
        }
        claims = jwt.JWTClaimsRegistry(leeway=LEEWAY_S, **options)
        try:
            token = jwt.decode(id_token, provider.keys, algorithms=["RS256", "ES256"])
            claims.validate(token.claims)
        except (JoseError, ValueError) as exc:
            logger.warning("refused an ID token: %s", exc)
            raise Unauthorized(f"the identity provider's ID token is not valid: {exc}") from exc
        name = token.claims[self.name_claim]
        if not isinstance(name, str):
            raise Unauthorized(f"the ID token's {self.name_claim} is not a name")
        return name


def oidc_client(settings: Settings) -> OidcClient | None:
    """The configured provider's client; None without CONTAMAP_OIDC_ISSUER."""
    if settings.oidc_issuer is None or settings.oidc_client_id is None:
        return None
    return OidcClient(
        str(settings.oidc_issuer),
        settings.oidc_client_id,
        settings.oidc_client_secret,
        settings.oidc_name_claim,
    )
