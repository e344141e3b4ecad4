"""An upstream's answer, read whole, as the ``httpx.Response`` the vendor clients read."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import httpx

RawHeaders = Sequence[tuple[bytes, bytes]]
_HTTP_1_1 = {"http_version": b"HTTP/1.1"}


class Answer(httpx.Response):
    """An ``httpx.Response`` built cheaply from an answer read whole.

    ``httpx.Response.__init__`` (parsing the headers, reading the body through its decoder
    and chunker) cost about as much as the rest of receiving a read; most callers read only
    ``status_code`` and ``content``. So ``received`` sets the state that ``__init__`` would
    leave, and ``headers`` and ``request`` are made on first access.
    """

    make_request: Callable[[], httpx.Request] | None = None
    sets_cookies = False
    """Does the answer set a cookie? Asked of every answer, so known without ``headers``."""
    _raw_headers: RawHeaders | None = None
    _headers: httpx.Headers | None = None

    @classmethod
    def received(
        cls,
        status: int,
        raw_headers: RawHeaders,
        body: bytes,
        request: httpx.Request | None,
        *,
        compressed: bool,
        sets_cookies: bool,
    ) -> Answer:
        """The answer ``httpx.Response(status, headers=raw_headers, content=body)`` would be;
        ``compressed`` and ``sets_cookies`` say whether ``raw_headers`` name a
        Content-Encoding and a Set-Cookie, as the parser saw them go by."""
        if compressed:
            # A compressed body goes through httpx's decoders, errors and all.
            answer = cls(
                status, headers=raw_headers, content=body, request=request, extensions=_HTTP_1_1
            )
        else:
            answer = cls.__new__(cls)
            answer.__dict__.update(
                status_code=status,
                _request=request,
                next_request=None,
                extensions=dict(_HTTP_1_1),
                history=[],
                is_closed=True,
                is_stream_consumed=True,
                default_encoding="utf-8",
                stream=httpx.ByteStream(body),
                _content=body,
                _num_bytes_downloaded=0,
            )
        answer._raw_headers = raw_headers
        answer.sets_cookies = sets_cookies
        return answer

    @property
    def headers(self) -> httpx.Headers:
        if self._headers is None:
            content = self._content
            self._headers = httpx.Headers(self._raw_headers)
            if content:
                # What httpx.Response adds for a body given whole.
                self._headers.setdefault("Content-Length", str(len(content)))
        return self._headers

    @headers.setter
    def headers(self, value: httpx.Headers) -> None:
        self._headers = value

    @property
    def request(self) -> httpx.Request:
        self._make_request()
        return super().request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value

    def raise_for_status(self) -> Answer:
        self._make_request()  # httpx's reads _request, not the property
        super().raise_for_status()
        return self

    def _make_request(self) -> None:
        if self._request is None and self.make_request is not None:
            self._request = self.make_request()
