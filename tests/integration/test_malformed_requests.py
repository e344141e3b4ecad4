"""Every malformed request is refused with a coded GraphQL error in JSON: never a 500, never
text/plain. The hostile probe's cases (issue #12) and GraphQL over HTTP's request rules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

QUERY = "{ __typename }"
JSON = {"Content-Type": "application/json"}
PREFLIGHT = {"apollo-require-preflight": "true"}
DEEP = 50_000


def with_query(**members: object) -> bytes:
    return json.dumps({"query": QUERY, **members}).encode()


BAD_BODIES = {
    "invalid UTF-8": b'{"query": "{ __typename \xff }"}',
    "a UTF-8 byte order mark": b'\xef\xbb\xbf{"query": "{ __typename }"}',
    "JSON null": b"null",
    'JSON "str"': b'"str"',
    "JSON 123": b"123",
    "JSON true": b"true",
    "JSON [1,2]": b"[1, 2]",
    "an empty batch": b"[]",
    "a batch with a non-object": json.dumps([{"query": QUERY}, 1]).encode(),
    "an escaped lone surrogate": b'{"query": "{ __typename }", "variables": {"v": "\\ud800"}}',
    "a raw lone surrogate": '{"query": "{ __typename \ud800 }"}'.encode("utf-8", "surrogatepass"),
    "50k-deep variables": b'{"query": "{ __typename }", "variables": {"v": '
    + b"[" * DEEP
    + b"]" * DEEP
    + b"}}",
    "65-deep variables": with_query(variables={"v": json.loads("[" * 63 + "]" * 63)}),
    "an empty body": b"",
    "a blank body": b" \n ",
    "truncated JSON": b'{ "not a JSON',
    "NaN": b'{"query": NaN}',
    "no query": b"{}",
    "a misspelt query": b'{"qeury": "{ __typename }"}',
    **{
        f"{member} as {kind}": json.dumps({"query": QUERY, member: value}).encode()
        for member, wrong in {
            "query": {"0": 0, "false": False, "an object": {}, "an array": ["q"]},
            "variables": {"a string": "x", "0": 0, "false": False, "an array": []},
            "operationName": {"0": 0, "false": False, "an object": {}, "an array": ["Q"]},
            "extensions": {"a string": "x", "0": 0, "false": False, "an array": []},
        }.items()
        for kind, value in wrong.items()
    },
    "an unsupported persisted query version": with_query(
        extensions={"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}
    ),
    "a persisted query hash that is not SHA-256": with_query(
        extensions={"persistedQuery": {"version": 1, "sha256Hash": "abc"}}
    ),
    "a persisted query hash that does not match": with_query(
        extensions={
            "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(b"other").hexdigest()}
        }
    ),
    "an unknown operation name": with_query(operationName="Missing"),
}

BAD_GETS = {
    "no query": {},
    "variables that are not JSON": {"query": QUERY, "variables": "{nope"},
    "variables that are an array": {"query": QUERY, "variables": "[1]"},
    "extensions that are a number": {"query": QUERY, "extensions": "5"},
    "deep variables": {"query": QUERY, "variables": '{"v":' + "[" * 100 + "]" * 100 + "}"},
}


@pytest.fixture(scope="module")
async def gateway(shared_gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    # No reset of the simulators: none of these requests reaches a vendor.
    async with httpx.AsyncClient(base_url=shared_gateway_url, timeout=30) as client:
        yield client


def refusal(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    """The one coded error of a JSON refusal with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == code
    assert isinstance(error["message"], str)
    assert error["message"]
    return dict(error)


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
async def test_a_malformed_body_is_a_coded_400(gateway: httpx.AsyncClient, body: bytes) -> None:
    response = await gateway.post("/graphql", content=body, headers=JSON)
    refusal(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize("params", BAD_GETS.values(), ids=BAD_GETS.keys())
async def test_a_malformed_get_is_a_coded_400(
    gateway: httpx.AsyncClient, params: dict[str, str]
) -> None:
    headers = {"Accept": "application/json", **PREFLIGHT}  # not a browser asking for GraphiQL
    response = await gateway.get("/graphql", params=params, headers=headers)
    refusal(response, 400, "BAD_REQUEST")
    assert response.headers["cache-control"] == "private, no-store"


async def test_deep_variables_are_refused_by_their_depth(gateway: httpx.AsyncClient) -> None:
    body = BAD_BODIES["65-deep variables"]
    error = refusal(await gateway.post("/graphql", content=body, headers=JSON), 400, "BAD_REQUEST")
    assert error["message"] == "The request's JSON is nested more than 64 levels deep."


async def test_variables_as_deep_as_allowed_run(gateway: httpx.AsyncClient) -> None:
    body = with_query(variables={"v": json.loads("[" * 62 + "]" * 62)})
    response = await gateway.post("/graphql", content=body, headers=JSON)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_lone_surrogate_in_a_get_query_is_a_graphql_error(
    gateway: httpx.AsyncClient,
) -> None:
    # Decoded as U+FFFD by the URL parser: a syntax error in the document, answered as one.
    response = await gateway.get(
        "/graphql?query=%7B%20__typename%20%ED%A0%80%20%7D", headers=PREFLIGHT
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/json-patch+json",
        "application/json; charset=latin-1",
        "multipart/form-data; boundary=x",
    ],
)
async def test_a_body_that_is_not_json_in_utf8_is_a_coded_415(
    gateway: httpx.AsyncClient, content_type: str
) -> None:
    headers = {"Content-Type": content_type, **PREFLIGHT}
    response = await gateway.post("/graphql", content=with_query(), headers=headers)
    refusal(response, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", '"utf-8"'])
async def test_json_in_utf8_runs_whatever_the_charset_spelling(
    gateway: httpx.AsyncClient, charset: str
) -> None:
    headers = {"Content-Type": f"application/json; charset={charset}"}
    response = await gateway.post("/graphql", content=with_query(), headers=headers)
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_mutation_over_get_is_405_allowing_post(gateway: httpx.AsyncClient) -> None:
    params = {"query": 'mutation { deleteBooking(id: "1") }'}
    response = await gateway.get("/graphql", params=params, headers=PREFLIGHT)
    refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_another_method_is_405_allowing_get_and_post(
    gateway: httpx.AsyncClient, method: str
) -> None:
    response = await gateway.request(method, "/graphql", content=with_query(), headers=JSON)
    refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "POST"}


async def test_head_is_405_allowing_get_and_post(gateway: httpx.AsyncClient) -> None:
    response = await gateway.head("/graphql", params={"query": QUERY}, headers=PREFLIGHT)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/json"


async def test_an_unknown_path_is_a_coded_404(gateway: httpx.AsyncClient) -> None:
    refusal(await gateway.get("/graphq1"), 404, "NOT_FOUND")


async def test_the_gateway_still_serves_after_them_all(gateway: httpx.AsyncClient) -> None:
    for body in BAD_BODIES.values():
        await gateway.post("/graphql", content=body, headers=JSON)
    response = await gateway.post("/graphql", json={"query": QUERY})
    assert response.json() == {"data": {"__typename": "Query"}}
