"""Who may run operations: API keys, or JWTs signed with a shared secret or a published key."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt
from starlette.authentication import AuthCredentials, AuthenticationError, BaseUser
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Scope

from calendar_gateway.protection.rejection import rejection
from calendar_gateway.settings import Settings

log = logging.getLogger(__name__)

KEY_ALGORITHMS = frozenset({"RS256", "ES256"})
"""What a key from the JWKS file may sign with; HS256 needs ``JWT_SECRET`` instead."""

_CHALLENGE = 'Bearer realm="calendar-gateway"'


class Client(BaseUser):
    """An authenticated caller, named by what rate limits count against."""

    def __init__(self, identity: str) -> None:
        self._identity = identity

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self._identity


def client_identity(scope: Scope) -> str:
    """Whom a request counts against: its authenticated client, else its address."""
    user = scope.get("user")
    if isinstance(user, Client):
        return user.identity
    return client_address(scope)


def client_address(scope: Scope) -> str:
    """Where a request comes from, as rate limits name it."""
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


class MissingCredentialsError(AuthenticationError):
    challenge = _CHALLENGE


class InvalidCredentialsError(AuthenticationError):
    # RFC 6750 3.1: a token was sent, and it is not good.
    challenge = f'{_CHALLENGE}, error="invalid_token"'


def unauthenticated(error: AuthenticationError) -> Response:
    """The 401 that answers refused credentials, with the challenge that says why."""
    challenge = getattr(error, "challenge", _CHALLENGE)
    log.info("authentication refused: %s", error)
    return rejection(401, "UNAUTHENTICATED", str(error), headers={"WWW-Authenticate": challenge})


def backend_for(settings: Settings) -> ApiKeyBackend | JwtBackend | None:
    """The configured way to check clients; None when ``AUTH_MODE`` is ``none``."""
    if settings.auth_mode == "api-key":
        return ApiKeyBackend([key.get_secret_value() for key in settings.api_keys])
    if settings.auth_mode == "jwt":
        return JwtBackend(
            _verifier_for(settings), audience=settings.jwt_audience, issuer=settings.jwt_issuer
        )
    return None


def _bearer_token(authorization: bytes | None, kind: str) -> str:
    # Read as Starlette reads headers (latin-1), so that lower() and strip() judge as before.
    scheme, _, token = (authorization or b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MissingCredentialsError(
            f"Authentication required: send Authorization: Bearer {kind}."
        )
    return token.strip()


class ApiKeyBackend:
    def __init__(self, keys: Sequence[str]) -> None:
        self._digests = [_digest(key) for key in keys]

    def authenticate(
        self, authorization: bytes | None, conn: HTTPConnection
    ) -> tuple[AuthCredentials, Client]:
        """The client an operation's Authorization header names; raises AuthenticationError."""
        return self.identify(_bearer_token(authorization, "<API key>"), conn)

    def identify(self, key: str, conn: HTTPConnection) -> tuple[AuthCredentials, Client]:
        """The client ``key`` names; also for WebSocket connections (connection_init)."""
        digest = _digest(key)
        # Digests have one length, and every key is compared: the time taken tells
        # neither how much of a key was right nor which key matched.
        matched = False
        for known in self._digests:
            matched |= hmac.compare_digest(known, digest)
        if not matched:
            raise InvalidCredentialsError("Invalid API key.")
        # The key's digest names the client: keys never reach logs or Redis.
        return AuthCredentials(["graphql"]), Client(f"key:{digest.hex()[:32]}")


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class SharedSecret:
    """HS256 tokens, signed with ``JWT_SECRET``."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def key_for(self, token: str) -> tuple[str, str]:
        return self._secret, "HS256"


class PublishedKeys:
    """RS256/ES256 tokens, checked against the public keys of a JWKS file."""

    def __init__(self, jwks: jwt.PyJWKSet) -> None:
        self._keys = jwks

    @classmethod
    def from_file(cls, path: Path) -> PublishedKeys:
        return cls(jwt.PyJWKSet.from_json(path.read_text()))

    def key_for(self, token: str) -> tuple[jwt.PyJWK, str]:
        kid = jwt.get_unverified_header(token).get("kid")
        key = self._key(kid)
        if key.algorithm_name not in KEY_ALGORITHMS:
            raise jwt.InvalidAlgorithmError(f"{key.algorithm_name} keys are not accepted")
        return key, key.algorithm_name

    def _key(self, kid: object) -> jwt.PyJWK:
        if kid is None and len(self._keys.keys) == 1:
            return self._keys.keys[0]
        try:
            return self._keys[str(kid)]
        except KeyError:
            raise jwt.InvalidKeyError("the token's signing key is unknown") from None


def _verifier_for(settings: Settings) -> SharedSecret | PublishedKeys:
    if settings.jwt_jwks_file is not None:
        return PublishedKeys.from_file(settings.jwt_jwks_file)
    if settings.jwt_secret is None:  # Settings already refuses this for AUTH_MODE=jwt
        raise ValueError("AUTH_MODE=jwt needs JWT_SECRET or JWT_JWKS_FILE")
    return SharedSecret(settings.jwt_secret.get_secret_value())


class JwtBackend:
    def __init__(
        self, keys: SharedSecret | PublishedKeys, *, audience: str | None, issuer: str | None
    ) -> None:
        self._keys = keys
        self._audience = audience
        self._issuer = issuer

    def authenticate(
        self, authorization: bytes | None, conn: HTTPConnection
    ) -> tuple[AuthCredentials, Client]:
        """The client an operation's Authorization header names; raises AuthenticationError."""
        return self.identify(_bearer_token(authorization, "<JWT>"), conn)

    def identify(self, token: str, conn: HTTPConnection) -> tuple[AuthCredentials, Client]:
        """The client ``token`` names; also for WebSocket connections (connection_init)."""
        claims = self._verified_claims(token)
        subject = claims.get("sub")
        identity = f"sub:{subject}" if isinstance(subject, str) else client_identity(conn.scope)
        return AuthCredentials(["graphql"]), Client(identity)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            key, algorithm = self._keys.key_for(token)
            return jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                # A token without an expiry would be good forever once leaked.
                options={"require": ["exp"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidCredentialsError("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise InvalidCredentialsError("The token is meant for another audience.") from None
        except jwt.InvalidIssuerError:
            raise InvalidCredentialsError("The token's issuer is not accepted.") from None
        except jwt.MissingRequiredClaimError as error:
            raise InvalidCredentialsError(f"The token has no {error.claim} claim.") from None
        except jwt.PyJWTError:
            raise InvalidCredentialsError("Invalid token.") from None
