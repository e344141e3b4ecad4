"""AUTH_MODE=jwt: HS256 with a shared secret, or RS256/ES256 against a JWKS file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.conftest import gateway_client, settings_for

SECRET = "a-shared-secret-of-at-least-32-bytes"
AUDIENCE = "calendar-gateway"
ISSUER = "https://issuer.example"
TYPENAME = {"query": "{ __typename }"}

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def claims(**changes: Any) -> dict[str, Any]:
    valid = {"sub": "alice", "aud": AUDIENCE, "iss": ISSUER, "exp": int(time.time()) + 600}
    return {k: v for k, v in {**valid, **changes}.items() if v is not None}


async def status_with(gateway: httpx.AsyncClient, token: str) -> tuple[int, str]:
    response = await gateway.post(
        "/graphql", json=TYPENAME, headers={"Authorization": f"Bearer {token}"}
    )
    message = response.json()["errors"][0]["message"] if response.status_code != 200 else ""
    return response.status_code, message


@pytest.fixture(scope="module")
async def hs256_gateway(simulator_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(
        simulator_url,
        auth_mode="jwt",
        jwt_secret=SECRET,
        jwt_audience=AUDIENCE,
        jwt_issuer=ISSUER,
    )
    async with gateway_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    jwks = {
        "keys": [
            {**RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True), "kid": "rsa-1"},
            {**ECAlgorithm.to_jwk(EC_KEY.public_key(), as_dict=True), "kid": "ec-1"},
        ]
    }
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps(jwks))
    return path


@pytest.fixture(scope="module")
async def jwks_gateway(simulator_url: str, jwks_file: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(simulator_url, auth_mode="jwt", jwt_jwks_file=jwks_file)
    async with gateway_client(settings) as client:
        yield client


def hs256(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


async def test_hs256_token_with_the_secret_runs_operations(
    hs256_gateway: httpx.AsyncClient,
) -> None:
    assert await status_with(hs256_gateway, hs256(claims())) == (200, "")


async def test_hs256_token_signed_with_another_secret_gives_401(
    hs256_gateway: httpx.AsyncClient,
) -> None:
    token = hs256(claims(), secret="another-secret-of-at-least-32-bytes!")
    assert await status_with(hs256_gateway, token) == (401, "Invalid token.")


async def test_expired_token_gives_401_saying_so(hs256_gateway: httpx.AsyncClient) -> None:
    token = hs256(claims(exp=int(time.time()) - 60))
    assert await status_with(hs256_gateway, token) == (401, "The token has expired.")


async def test_token_for_another_audience_gives_401(hs256_gateway: httpx.AsyncClient) -> None:
    token = hs256(claims(aud="someone-else"))
    assert await status_with(hs256_gateway, token) == (
        401,
        "The token is meant for another audience.",
    )


async def test_token_from_another_issuer_gives_401(hs256_gateway: httpx.AsyncClient) -> None:
    token = hs256(claims(iss="https://elsewhere.example"))
    assert await status_with(hs256_gateway, token) == (401, "The token's issuer is not accepted.")


async def test_token_without_expiry_gives_401(hs256_gateway: httpx.AsyncClient) -> None:
    token = hs256(claims(exp=None))
    assert await status_with(hs256_gateway, token) == (401, "The token has no exp claim.")


async def test_unsigned_token_gives_401(hs256_gateway: httpx.AsyncClient) -> None:
    token = jwt.encode(claims(), "", algorithm="none")
    assert await status_with(hs256_gateway, token) == (401, "Invalid token.")


async def test_garbage_token_gives_401(hs256_gateway: httpx.AsyncClient) -> None:
    assert await status_with(hs256_gateway, "not.a.jwt") == (401, "Invalid token.")


async def test_rs256_token_signed_by_a_published_key_runs_operations(
    jwks_gateway: httpx.AsyncClient,
) -> None:
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    assert await status_with(jwks_gateway, token) == (200, "")


async def test_es256_token_signed_by_a_published_key_runs_operations(
    jwks_gateway: httpx.AsyncClient,
) -> None:
    token = jwt.encode(claims(), EC_KEY, algorithm="ES256", headers={"kid": "ec-1"})
    assert await status_with(jwks_gateway, token) == (200, "")


async def test_token_signed_by_an_unpublished_key_gives_401(
    jwks_gateway: httpx.AsyncClient,
) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims(), stranger, algorithm="RS256", headers={"kid": "rsa-1"})
    assert await status_with(jwks_gateway, token) == (401, "Invalid token.")


async def test_token_naming_an_unknown_key_gives_401(jwks_gateway: httpx.AsyncClient) -> None:
    token = jwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "rsa-2"})
    assert await status_with(jwks_gateway, token) == (401, "Invalid token.")


async def test_hs256_token_keyed_with_the_public_key_gives_401(
    jwks_gateway: httpx.AsyncClient,
) -> None:
    # Algorithm confusion: the public key's PEM used as an HMAC secret. PyJWT will not sign
    # this, so it is built by hand.
    pem = RSA_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = b".".join(
        base64url(json.dumps(part).encode())
        for part in ({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}, claims())
    )
    signature = base64url(hmac.new(pem, signing_input, hashlib.sha256).digest())
    token = (signing_input + b"." + signature).decode()
    assert await status_with(jwks_gateway, token) == (401, "Invalid token.")


def base64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


async def test_expired_rs256_token_gives_401(jwks_gateway: httpx.AsyncClient) -> None:
    expired = claims(exp=int(time.time()) - 60)
    token = jwt.encode(expired, RSA_KEY, algorithm="RS256", headers={"kid": "rsa-1"})
    assert await status_with(jwks_gateway, token) == (401, "The token has expired.")
