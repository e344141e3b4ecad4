"""Feed tokens: a token opens the one feed it was signed for, under the secret it was signed
with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from calendar_gateway.services.feeds import FeedKind, FeedScope, FeedSigner, InvalidFeedTokenError
from calendar_gateway.settings import Settings

SIGNER = FeedSigner(b"k" * 32)
ids = st.text(min_size=1, max_size=40)


@given(company=ids, resource=ids)
def test_a_token_names_the_scope_it_was_signed_for(company: str, resource: str) -> None:
    scope = FeedScope(FeedKind.BOOKINGS, (company, resource))

    token = SIGNER.token(scope)

    assert SIGNER.scope(token) == scope
    assert token.isascii()
    assert "/" not in token


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = FeedSigner(b"o" * 32).token(FeedScope(FeedKind.HOLIDAYS, ("t", "p", "c")))

    with pytest.raises(InvalidFeedTokenError):
        SIGNER.scope(token)


@pytest.mark.parametrize(
    "token",
    ["", ".", "a.b", "%%%.%%%", "x" * 2000, "a.b.c"],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(InvalidFeedTokenError):
        SIGNER.scope(token)


def test_a_signed_scope_of_the_wrong_shape_is_refused() -> None:
    # Signed correctly, but naming a holidays feed with a bookings feed's two ids.
    token = SIGNER.token(FeedScope(FeedKind.HOLIDAYS, ("t", "p")))

    with pytest.raises(InvalidFeedTokenError):
        SIGNER.scope(token)


def test_settings_refuse_a_short_feed_secret() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings.model_validate({
            "bookings_url": "http://b", "bookings_user": "u", "bookings_password": "p",
            "calendars_url": "http://c", "calendars_user": "u", "calendars_password": "p",
            "appointments_url": "http://a", "appointments_user": "u", "appointments_password": "p",
            "auth_mode": "none", "feed_secret": "too-short",
        })  # fmt: skip
