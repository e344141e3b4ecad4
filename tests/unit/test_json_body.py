"""Vendor JSON decoded by orjson reads as httpx's ``response.json()`` reads it, refusals too."""

from __future__ import annotations

import math

import httpx
import pytest

from calendar_gateway.upstreams.json_body import json_body

BODIES = [
    b'{"success": true, "data": [{"id": 137463, "start": "2020-01-01T09:00:00"}]}',
    b'{"a": 1.5e3, "b": null, "c": "\\u00e9t\\u00e9", "a": 2}',
    b"18446744073709551616123",
    b"[-9223372036854775809, 9223372036854775807, 0.30000000000000004, 1e400]",
    b'"\\ud800"',
]


@pytest.mark.parametrize("body", BODIES)
def test_an_answer_reads_as_httpx_reads_it(body: bytes) -> None:
    response = httpx.Response(200, content=body)
    assert json_body(response) == response.json()


def test_nan_which_orjson_refuses_reads_as_the_standard_library_reads_it() -> None:
    assert math.isnan(json_body(httpx.Response(200, content=b"NaN")))


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"a": '])
def test_what_is_not_json_is_refused_with_a_value_error(body: bytes) -> None:
    response = httpx.Response(200, content=body)
    with pytest.raises(ValueError, match=r"Expecting value|unexpected"):
        response.json()
    with pytest.raises(ValueError, match=r"Expecting value|unexpected"):
        json_body(response)
