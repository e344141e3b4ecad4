"""The gateway's HTTP/1.1 pool, against the simulators and a loopback server: answers and
errors as httpx has them."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from calendar_gateway.upstreams.http1 import Http1Transport, Timeouts

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4)
ONE_CONNECTION = httpx.Limits(max_connections=1, max_keepalive_connections=1)
BOOKINGS = "/jsonapi/calendar.json"
TIMEOUTS = Timeouts(pool=1.0, connect=1.0, read=1.0)


@pytest.fixture
async def client(
    simulator_url: str, upstream: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=simulator_url, timeout=5.0, transport=Http1Transport(LIMITS)
    ) as client:
        yield client


async def inject(upstream: httpx.AsyncClient, **fault: Any) -> None:
    (await upstream.post("/_admin/faults", json=fault)).raise_for_status()


async def test_an_answer_keeps_its_status_headers_and_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/grs/v1/login", auth=("demo", "demo"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["apiToken"]


async def test_a_form_post_reaches_the_upstream_with_its_fields(client: httpx.AsyncClient) -> None:
    form = {"user": "user", "password": "user", "version": "3.9", "action": "calendarrefresh"}
    response = await client.post(BOOKINGS, data={**form, "diary": "137463"})
    assert response.json()["data"][0]["calDiaryInternal"] == 137463


async def test_a_refused_connection_is_a_connect_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"
    async with httpx.AsyncClient(transport=Http1Transport(LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(url)


async def test_a_dropped_connection_is_a_read_error_not_a_timeout(
    client: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="login$", drop=True)
    with pytest.raises(httpx.ReadError):
        await client.get("/grs/v1/login", auth=("demo", "demo"))


async def test_an_answer_slower_than_the_read_timeout_is_a_read_timeout(
    client: httpx.AsyncClient, upstream: httpx.AsyncClient
) -> None:
    await inject(upstream, path="login$", delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await client.get("/grs/v1/login", auth=("demo", "demo"), timeout=0.1)


Answerer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[bool]]
"""Writes one answer; True to keep the connection open for the next request."""


class Scripted:
    """An HTTP/1.1 server answering each request by its path, as ``answers`` say; it
    counts the connections it accepted, and the most open at once."""

    def __init__(self, answers: dict[str, Answerer]) -> None:
        self.answers = answers
        self.connections = self.open = self.most_open = 0
        self.requests: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    self.requests.append(head)
                    path = head.split(b" ")[1].decode()
                    if not await self.answers[path](reader, writer):
                        break
            writer.close()
        finally:
            self.open -= 1


def canned(answer: bytes, *, delay: float = 0.0, keep: bool = True) -> Answerer:
    async def write(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(delay)
        writer.write(answer)
        await writer.drain()
        return keep

    return write


def trickled(parts: list[bytes], pause: float) -> Answerer:
    async def write(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(pause)
        return True

    return write


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
ANSWERS: dict[str, Answerer] = {
    "/ok": canned(OK),
    "/slow": canned(OK, delay=0.5),
    "/short": canned(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", keep=False),
    "/chunked": canned(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1, \r\n3\r\n2]\n\r\n0\r\n\r\n"
    ),
    "/until-closed": canned(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n[1, 2]", keep=False),
    "/closing": canned(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"),
    "/bye": canned(OK, keep=False),
    "/head": canned(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
    "/hints": canned(
        b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
        b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Final: 1\r\n\r\n{}"
    ),
    "/garbage": canned(b"SMTP ready\r\n\r\n"),
    # An answer, and another nobody asked for.
    "/extra": canned(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n[99]"),
    "/gzip": canned(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
        % (len(gzip.compress(b"{}")), gzip.compress(b"{}"))
    ),
    "/trickle": trickled(
        [b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", b"[", b"1", b"]", b"\n"], 0.15
    ),
    "/stall": trickled([b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", b"["], 1.0),
}


@pytest.fixture
async def scripted() -> AsyncIterator[tuple[Scripted, str]]:
    server = Scripted(ANSWERS)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    async with listening:
        yield server, f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"


@pytest.fixture
async def pooled(scripted: tuple[Scripted, str]) -> AsyncIterator[httpx.AsyncClient]:
    _, url = scripted
    async with httpx.AsyncClient(
        base_url=url, timeout=2.0, transport=Http1Transport(ONE_CONNECTION)
    ) as client:
        yield client


async def test_an_answer_read_whole_gives_its_connection_back_to_the_pool(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    for _ in range(3):
        assert (await pooled.get("/ok")).content == b"{}"
    assert server.connections == 1


async def test_an_answer_cut_short_is_a_read_error_and_frees_its_connection(
    pooled: httpx.AsyncClient,
) -> None:
    with pytest.raises(httpx.ReadError):
        await pooled.get("/short")
    assert (await pooled.get("/ok")).content == b"{}"


async def test_a_chunked_answer_is_read_whole_and_keeps_its_connection(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    assert (await pooled.get("/chunked")).json() == [1, 2]
    assert (await pooled.get("/ok")).json() == {}
    assert server.connections == 1


async def test_an_answer_without_a_length_ends_with_its_connection(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    assert (await pooled.get("/until-closed")).json() == [1, 2]
    assert (await pooled.get("/ok")).json() == {}
    assert server.connections == 2


async def test_connection_close_is_honoured_and_a_closed_idle_connection_is_not_reused(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    assert (await pooled.get("/closing")).status_code == 200
    # The server closes this one after answering, without saying so.
    assert (await pooled.get("/bye")).status_code == 200
    await asyncio.sleep(0.05)
    assert (await pooled.get("/ok")).status_code == 200
    assert server.connections == 3


async def test_a_head_answer_has_no_body_whatever_its_length_says(
    pooled: httpx.AsyncClient,
) -> None:
    response = await pooled.head("/head", timeout=0.5)
    assert (response.status_code, response.content) == (200, b"")
    assert (await pooled.get("/ok")).json() == {}


async def test_informational_answers_are_skipped(pooled: httpx.AsyncClient) -> None:
    response = await pooled.get("/hints")
    assert (response.status_code, response.headers["x-final"], response.json()) == (201, "1", {})
    assert "link" not in response.headers


async def test_a_compressed_answer_is_decoded_as_httpx_decodes_it(
    pooled: httpx.AsyncClient,
) -> None:
    assert (await pooled.get("/gzip")).json() == {}


async def test_an_answer_that_is_not_http_is_a_protocol_error(pooled: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        await pooled.get("/garbage")
    assert (await pooled.get("/ok")).json() == {}


async def test_an_answer_nobody_asked_for_is_not_read_as_the_next_one(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    assert (await pooled.get("/extra")).json() == {}
    assert (await pooled.get("/chunked")).json() == [1, 2]
    assert server.connections == 2


@pytest.mark.parametrize(
    "headers",
    [{"X-Id": "a\r\nX-Forged: 1"}, {"X-Id": "a\nb"}, {"X-Id": "a\rb"}, {"X-Id": "a\0b"}],
)
async def test_a_header_that_would_split_a_line_is_refused_before_sending(
    scripted: tuple[Scripted, str], headers: dict[str, str]
) -> None:
    server, url = scripted
    transport = Http1Transport(ONE_CONNECTION)
    sent = [("host", "127.0.0.1"), *headers.items()]
    with pytest.raises(httpx.LocalProtocolError):
        await transport.send("GET", f"{url}/ok", sent, None, TIMEOUTS)
    with pytest.raises(httpx.LocalProtocolError):
        await transport.send("GET", f"{url}/ok x", [("host", "127.0.0.1")], None, TIMEOUTS)
    await transport.aclose()
    assert server.requests == []


async def test_a_header_s_bytes_go_out_as_httpx_encoded_them(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    # httpx reads a request's headers as UTF-8 if they all are, else as latin-1.
    await pooled.get("/ok", headers={b"X-Name": "Zoë".encode()})
    await pooled.get("/ok", headers={b"X-Name": "Zoë".encode(), b"X-Latin": b"caf\xe9"})
    assert b"\r\nx-name: Zo\xc3\xab\r\n" in server.requests[0]
    assert b"\r\nx-latin: caf\xe9\r\n" in server.requests[1]


async def test_credentials_in_a_url_are_refused_not_dropped(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, url = scripted
    with_credentials = url.replace("http://", "http://user:secret@")
    with pytest.raises(httpx.UnsupportedProtocol):
        await pooled.send(httpx.Request("GET", f"{with_credentials}/ok"))
    transport = Http1Transport(ONE_CONNECTION)
    with pytest.raises(httpx.UnsupportedProtocol):
        await transport.send("GET", f"{with_credentials}/ok", [("host", "x")], None, TIMEOUTS)
    await transport.aclose()
    assert server.requests == []


async def test_at_most_the_limit_of_connections_are_open_and_callers_wait_their_turn(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    answers = await asyncio.gather(*(pooled.get("/slow") for _ in range(3)))
    assert [answer.status_code for answer in answers] == [200] * 3
    assert server.most_open == 1


async def test_waiting_longer_than_the_pool_timeout_for_a_connection_is_a_pool_timeout(
    pooled: httpx.AsyncClient,
) -> None:
    slow = asyncio.ensure_future(pooled.get("/slow"))
    await asyncio.sleep(0.05)
    with pytest.raises(httpx.PoolTimeout):
        await pooled.get("/ok", timeout=httpx.Timeout(2.0, pool=0.1))
    assert (await slow).status_code == 200
    # The timed-out wait gave nothing away: the connection still serves.
    assert (await pooled.get("/ok")).status_code == 200


async def test_an_idle_connection_older_than_the_keepalive_expiry_is_not_reused(
    scripted: tuple[Scripted, str],
) -> None:
    server, url = scripted
    limits = httpx.Limits(max_connections=1, keepalive_expiry=0.05)
    async with httpx.AsyncClient(transport=Http1Transport(limits), timeout=2.0) as client:
        await client.get(f"{url}/ok")
        await client.get(f"{url}/ok")
        await asyncio.sleep(0.15)
        await client.get(f"{url}/ok")
    assert server.connections == 2


async def test_a_request_cancelled_mid_answer_does_not_leave_its_answer_to_the_next(
    scripted: tuple[Scripted, str], pooled: httpx.AsyncClient
) -> None:
    server, _ = scripted
    slow = asyncio.ensure_future(pooled.get("/slow"))
    await asyncio.sleep(0.05)
    slow.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await slow
    assert (await pooled.get("/chunked")).json() == [1, 2]
    assert server.connections == 2


async def test_the_read_timeout_counts_from_the_last_read_not_from_the_request(
    pooled: httpx.AsyncClient,
) -> None:
    # Four pauses of 0.15 s: longer in all than the read timeout, each one shorter.
    assert (await pooled.get("/trickle", timeout=httpx.Timeout(2.0, read=0.4))).json() == [1]
    with pytest.raises(httpx.ReadTimeout):
        await pooled.get("/stall", timeout=httpx.Timeout(2.0, read=0.4))


async def test_an_origin_over_tls_is_reached_with_the_context_given(
    tls_origin: tuple[str, ssl.SSLContext],
) -> None:
    url, trusting = tls_origin
    async with httpx.AsyncClient(transport=Http1Transport(LIMITS, trusting)) as client:
        assert (await client.get(f"{url}/ok", timeout=2.0)).json() == {}
    # The system's trusted authorities do not know the test's own.
    async with httpx.AsyncClient(transport=Http1Transport(LIMITS)) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"{url}/ok", timeout=2.0)


@pytest.fixture
async def tls_origin(tmp_path: Path) -> AsyncIterator[tuple[str, ssl.SSLContext]]:
    """A server for ``localhost`` over TLS, and a client context that trusts its certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    trusting = ssl.create_default_context(cadata=pem.decode())
    server = Scripted(ANSWERS)
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0, ssl=serving)
    async with listening:
        yield f"https://localhost:{listening.sockets[0].getsockname()[1]}", trusting
