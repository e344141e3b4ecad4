"""Structured logs: one JSON object a line (or text), with the request id, secrets redacted.

The gateway never puts a secret in a log message on purpose; redaction is the second
line of defence, for what a vendor or a library might echo. It replaces a known secret
only where it stands as a token of its own, so a password that is also a word does not
garble the words that contain it.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache

import orjson

from calendar_gateway import correlation
from calendar_gateway.settings import Settings

REDACTED = "[redacted]"
# Shorter known values (demo passwords such as "user") would mangle ordinary words; the
# credential patterns still catch them where they stand as credentials.
MIN_SECRET_LENGTH = 6
# Log text repeats (a request's method, path and client, an operation's outcome): a text
# found clean once is looked up after, if it is this short, among this many remembered.
MEMO_MAX_CHARACTERS = 256
MEMO_ENTRIES = 1024

# Names of fields that hold a credential.
_CREDENTIAL_FIELDS = (
    "authorization",
    "password",
    "sha512password",
    "apitoken",
    "renewaltoken",
    "authentication",
)
# An Authorization value, or a field that holds a credential, in JSON, repr, form or header shape.
_CREDENTIALS = re.compile(
    rf"(?i)([\"']?(?:{'|'.join(_CREDENTIAL_FIELDS)})"
    r"[\"']?\s*[:=]\s*[\"']?)(?:(?:basic|bearer|xelion)\s+)?[^\"'&\s,;}]+"
)
_FEED_PATH = "/feeds/"
# A feed link's token is its credential (calendar apps send no headers): access logs keep
# the path without it.
_FEED_LINK = re.compile(rf"({_FEED_PATH})[^/\s\"'?]+(\.ics)")
# The attributes every LogRecord has; anything else was passed as ``extra`` and is logged,
# except uvicorn's copy of its message with terminal colour codes.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
    "request",
}
# Control characters (ANSI escapes, newlines) in a text line could forge or hide lines;
# JSON escapes them by itself.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# json.dumps(entry, default=str), compact, without making an encoder for every line.
_JSON = json.JSONEncoder(default=str, separators=(",", ":"))
# orjson as json above: str() of what it cannot encode, datetimes and dataclasses included.
_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class Redactor:
    """Replaces known secret values, and anything shaped like a credential, in text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is replaced whole.
        self._known = sorted(
            {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
        )
        alternatives = "|".join(map(re.escape, self._known))
        # Not inside a longer word: "gateway" as a password leaves "calendar_gateway" be.
        self._secrets = re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])") if self._known else None
        self._clean: set[str] = set()

    def __call__(self, text: str) -> str:
        # A set lookup against the substring tests below: 0.1 against 1.2-1.4 us a field,
        # four or five fields a request. Redaction depends on the text alone.
        if text in self._clean:
            return text
        redacted = self._redact(text)
        # Only text with nothing to redact is remembered: no secret is kept for it.
        if redacted == text and len(text) <= MEMO_MAX_CHARACTERS:
            # Bounded by starting again: paths and messages may be new every time.
            if len(self._clean) >= MEMO_ENTRIES:
                self._clean.clear()
            self._clean.add(text)
        return redacted

    def _redact(self, text: str) -> str:
        # Each pattern runs only where it could match: most log text holds none of what
        # they look for, and a substring test is far cheaper than a regular expression.
        if self._secrets is not None and any(secret in text for secret in self._known):
            text = self._secrets.sub(REDACTED, text)
        if _FEED_PATH in text:
            text = _FEED_LINK.sub(lambda m: m.group(1) + REDACTED + m.group(2), text)
        if _may_name_a_credential(text):
            text = _CREDENTIALS.sub(lambda m: m.group(1) + REDACTED, text)
        return text


def _may_name_a_credential(text: str) -> bool:
    """Whether ``text`` may hold one of the credential fields' names, in any case."""
    # Ignoring case, the pattern also matches letters outside ASCII that fold into its
    # names (the Kelvin sign as a "k", a long s as an "s"): such text is always searched.
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(name in lowered for name in _CREDENTIAL_FIELDS)


class JsonFormatter(logging.Formatter):
    """A JSON object per record: time, level, logger, message, request_id, extras, exception."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": self._redact(record.getMessage()),
        }
        request_id = correlation.current_request_id()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD:
                entry[key] = self._redact(str(value)) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = self._redact(self.formatException(record.exc_info))
        return _encoded(entry)


def _encoded(entry: dict[str, object]) -> str:
    """``entry`` as one line of ASCII JSON: orjson's where it is ASCII, json's escapes else.

    orjson's line costs about 27,000 fewer instructions (callgrind) than json's, 1.5% of a
    fan-out request's, which logs two. It writes other letters as they are, where json
    escapes them, and refuses an integer beyond 64 bits: json writes those lines.
    """
    try:
        line = orjson.dumps(entry, default=str, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return _JSON.encode(entry)
    return line if line.isascii() else _JSON.encode(entry)


def utc_time(created: float) -> str:
    """``datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")``, faster.

    For a time after 1970, as a record's is. The date and time of day are made once a
    second (0.8 against 2.0 us a line); the fraction is rounded to microseconds as
    ``fromtimestamp`` rounds it, half to even, before milliseconds are cut from it.
    """
    fraction, whole = math.modf(created)
    microseconds = round(fraction * 1e6)
    if microseconds == 1_000_000:
        whole, microseconds = whole + 1, 0
    return f"{_utc_second(whole)}.{microseconds // 1000:03d}+00:00"


@lru_cache(maxsize=4)
def _utc_second(whole: float) -> str:
    return datetime.fromtimestamp(whole, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


class RedactingFormatter(logging.Formatter):
    """The plain-text format for people at a terminal, with the request id, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(request)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        request_id = correlation.current_request_id()
        record.request = f" [{request_id}]" if request_id is not None else ""
        return self._redact(super().format(record))

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = _CONTROL.sub(lambda m: repr(m[0])[1:-1], record.message)
        return super().formatMessage(record)


def configure(settings: Settings) -> None:
    """Send every log record, uvicorn's too, to stderr in the configured format."""
    redact = Redactor(_secrets_of(settings))
    handler = logging.StreamHandler(sys.stderr)
    formatter = JsonFormatter if settings.log_format == "json" else RedactingFormatter
    handler.setFormatter(formatter(redact))
    root = logging.getLogger()
    root.handlers = [handler]
    # Neither format shows where a record was made, nor its thread or process: skip
    # gathering them for every record (the logging HOWTO's "Optimization"; a stack walk
    # among them), about a third of what an INFO line cost.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    # access_log.py writes the access lines, as fields.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every upstream request at INFO: the transport logs the failures that
    # matter, and a line per call costs a visible share of the CPU under load.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))


def _secrets_of(settings: Settings) -> list[str]:
    secrets = [
        settings.bookings_password,
        settings.calendars_password,
        settings.appointments_password,
        *settings.api_keys,
        *([settings.jwt_secret] if settings.jwt_secret else []),
        *([settings.feed_secret] if settings.feed_secret else []),
    ]
    return [secret.get_secret_value() for secret in secrets]
