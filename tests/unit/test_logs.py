"""JSON log lines, and the redaction that backs up never logging a secret."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from calendar_gateway import correlation
from calendar_gateway.access_log import loggable_path
from calendar_gateway.cli import demo_settings
from calendar_gateway.graphql.observability import OperationLabels
from calendar_gateway.logs import (
    MEMO_ENTRIES,
    MEMO_MAX_CHARACTERS,
    REDACTED,
    JsonFormatter,
    RedactingFormatter,
    Redactor,
    configure,
    utc_time,
)

# What logging gathers for every record unless told not to (configure() tells it not to).
GATHERED = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord("calendar_gateway.test", logging.INFO, __file__, 1, message, args,
                              None)  # fmt: skip
    entry.__dict__.update(extra)
    return entry


def test_a_log_line_is_one_json_object_with_level_logger_and_message() -> None:
    line = JsonFormatter(Redactor()).format(record("hello %s", "world"))
    entry = json.loads(line)
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "INFO", "calendar_gateway.test", "hello world",
    )  # fmt: skip


def test_extras_become_fields() -> None:
    entry = json.loads(JsonFormatter(Redactor()).format(record("done", duration_ms=1.5)))
    assert entry["duration_ms"] == 1.5


def test_an_exception_is_one_field_of_the_same_line() -> None:
    try:
        raise KeyError("calendars")
    except KeyError:
        failed = record("failed")
        failed.exc_info = sys.exc_info()
    line = JsonFormatter(Redactor()).format(failed)
    assert "\n" not in line
    assert "KeyError" in json.loads(line)["exception"]


def test_a_known_secret_is_redacted_wherever_it_appears() -> None:
    redact = Redactor(["SECRET-pw-123"])
    assert redact("vendor said: bad password SECRET-pw-123!") == (
        f"vendor said: bad password {REDACTED}!"
    )


def test_short_known_values_are_left_to_the_credential_patterns() -> None:
    assert Redactor(["user"])("user 198 booked") == "user 198 booked"


def test_authorization_values_are_redacted() -> None:
    text = "headers {'Authorization': 'Basic ZGVtbzpkZW1v'}"
    assert "ZGVtbzpkZW1v" not in Redactor()(text)


def test_a_feed_link_s_token_is_redacted_from_access_lines() -> None:
    line = '127.0.0.1:5 - "GET /feeds/WyJob2xpZGF5cyJd.q7Zx-_1.ics HTTP/1.1" 200'

    assert Redactor()(line) == '127.0.0.1:5 - "GET /feeds/[redacted].ics HTTP/1.1" 200'


def test_credential_fields_in_json_and_forms_are_redacted() -> None:
    text = '{"apiToken": "tok-1"} password=pw-2&user=u {"renewalToken":"tok-3"}'
    redacted = Redactor()(text)
    assert not {"tok-1", "pw-2", "tok-3"} & set(redacted.replace('"', " ").split())


def test_a_secret_in_an_exception_is_redacted_in_the_json_line() -> None:
    try:
        raise ValueError("login failed for SECRET-pw-123")
    except ValueError:
        failed = record("failed")
        failed.exc_info = sys.exc_info()
    assert "SECRET-pw-123" not in JsonFormatter(Redactor(["SECRET-pw-123"])).format(failed)


def test_operation_names_become_labels_up_to_a_limit() -> None:
    labels = OperationLabels(limit=2)
    assert [labels(n) for n in ("A", "B", "C", "A", None)] == ["A", "B", "other", "A",
                                                              "anonymous"]  # fmt: skip


def test_an_operation_name_that_is_not_a_graphql_name_is_other() -> None:
    assert OperationLabels()("x" * 100) == "other"


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure() rewires the root logger and uvicorn's; put them back afterwards."""
    names = ("", "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = [(logging.getLogger(n), logging.getLogger(n).handlers[:], logging.getLogger(n).level,
              logging.getLogger(n).propagate) for n in names]  # fmt: skip
    flags = {name: getattr(logging, name) for name in GATHERED}
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers, logger.level, logger.propagate = handlers, level, propagate
    for name, value in flags.items():
        setattr(logging, name, value)


@pytest.mark.usefixtures("restored_logging")
def test_serve_logs_json_to_stderr_redacting_the_configured_passwords(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = demo_settings("http://127.0.0.1:9", 0).model_copy(
        update={"calendars_password": SecretStr("SECRET-pw-123")}
    )
    configure(settings)
    logging.getLogger("uvicorn.error").warning("GRS said SECRET-pw-123 is wrong")
    entry = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert (entry["logger"], entry["message"]) == ("uvicorn.error", f"GRS said {REDACTED} is wrong")


def test_a_password_that_is_also_a_word_leaves_longer_words_readable() -> None:
    redact = Redactor(["gateway"])
    assert redact("calendar_gateway started; password gateway refused") == (
        f"calendar_gateway started; password {REDACTED} refused"
    )


def test_uvicorns_colour_copy_of_a_message_is_not_a_field() -> None:
    colored = record("Started server process [%d]", 7, color_message="\x1b[36m%d\x1b[0m")
    line = JsonFormatter(Redactor()).format(colored)
    assert "color_message" not in json.loads(line)
    assert "\\u001b" not in line


def test_a_text_line_carries_the_request_id_and_escapes_control_characters() -> None:
    token = correlation._request_id.set("req-9")
    try:
        line = RedactingFormatter(Redactor()).format(record("GET /x\x1b[31m\nFAKE 200"))
    finally:
        correlation._request_id.reset(token)
    assert " [req-9]: " in line
    assert "\x1b" not in line
    assert "\n" not in line


@pytest.mark.parametrize("name", ["api_key", "access_token", "token", "API_KEY"])
def test_credential_parameters_are_redacted_from_a_logged_path(name: str) -> None:
    path = loggable_path("/graphql", f"query=%7B__typename%7D&{name}=k3y-value-1")
    assert path == f"/graphql?query=%7B__typename%7D&{name}={REDACTED}"


def test_a_configured_api_key_is_redacted_wherever_it_appears(
    capsys: pytest.CaptureFixture[str], restored_logging: None
) -> None:
    key = "k" * 40
    settings = demo_settings("http://127.0.0.1:9", 0).model_copy(
        update={"api_keys": (SecretStr(key),)}
    )
    configure(settings)
    logging.getLogger("calendar_gateway.test").warning("client sent ?apikey2=%s", key)
    assert key not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("PassWord: hunter22", f"PassWord: {REDACTED}"),
        ("AUTHORIZATION=Bearer abc.def", f"AUTHORIZATION={REDACTED}"),
        # Letters that fold into a field's name when case is ignored (a long s).
        ("pa\u017fsword=hunter22", f"pa\u017fsword={REDACTED}"),
        ("GET /feeds/t0k3n.ics 200", f"GET /feeds/{REDACTED}.ics 200"),
        ("said SECRET-pw-123.", f"said {REDACTED}."),
        ("graphql query FanOut: ok", "graphql query FanOut: ok"),
    ],
)
def test_each_pattern_applies_whatever_the_case_or_the_alphabet(text: str, redacted: str) -> None:
    # The redactor skips a pattern where a substring test says it cannot match.
    assert Redactor(["SECRET-pw-123"])(text) == redacted


class Odd:
    def __str__(self) -> str:
        return "odd"


ODD_VALUES: dict[str, object] = {
    "when": datetime(2030, 1, 7, 9, 30, tzinfo=UTC),
    "thing": Odd(),
    "keyed": {1: "one", "two": [1.5, None, True]},
    "tiny": 1e-05,
}


@pytest.mark.parametrize("message", ["plain %s", "caf\u00e9 %s", "ctrl\x1b[31m %s\x7f"])
@pytest.mark.parametrize("big", [None, 2**70])  # an integer beyond 64 bits, or none
def test_a_json_line_is_one_line_of_ascii_json_of_its_entry(message: str, big: int | None) -> None:
    values = {**ODD_VALUES, "big": big}
    line = JsonFormatter(Redactor()).format(record(message, "ok", **values))
    assert line.isascii()
    assert "\n" not in line
    entry = json.loads(line)
    # What json.dumps(entry, default=str) says of each value.
    assert {key: entry[key] for key in values} == json.loads(json.dumps(values, default=str))
    assert entry["message"] == message.replace("%s", "ok")


@pytest.mark.usefixtures("restored_logging")
def test_a_line_has_the_same_fields_without_the_caller_thread_and_process(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure(demo_settings("http://127.0.0.1:9", 0))
    # Not gathered: neither format shows them.
    assert [bool(getattr(logging, name)) for name in GATHERED] == [False] * len(GATHERED)
    logging.getLogger("calendar_gateway.test").warning("done", extra={"duration_ms": 2.5})
    entry = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert set(entry) == {"time", "level", "logger", "message", "duration_ms"}


@given(st.floats(min_value=0, max_value=4102444800))  # up to 2100
def test_a_line_s_time_is_the_record_s_time_in_utc_to_the_millisecond(created: float) -> None:
    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert utc_time(created) == expected


@pytest.mark.parametrize(
    "created",
    # Fractions that round up into the next second, or to a millisecond's edge.
    [0.0, 1.9999995, 1.9999994999, 1796609000.9999996, 1796609000.0004999, 1796609000.9995],
)
def test_a_time_rounds_to_microseconds_before_milliseconds_as_datetime_does(
    created: float,
) -> None:
    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert utc_time(created) == expected


@pytest.mark.parametrize(
    "text",
    ["POST", "said SECRET-pw-123.", "password=hunter22", "GET /feeds/t0k3n.ics 200"],
)
def test_a_remembered_text_is_redacted_as_the_first_time(text: str) -> None:
    redact = Redactor(["SECRET-pw-123"])
    first = redact(text)
    assert redact(text) == first == Redactor(["SECRET-pw-123"])._redact(text)


def test_the_redactor_remembers_a_bounded_number_of_short_clean_texts() -> None:
    redact = Redactor(["SECRET-pw-123"])
    for number in range(MEMO_ENTRIES + 10):
        assert redact(f"line {number}") == f"line {number}"
    assert redact("said SECRET-pw-123") == f"said {REDACTED}"
    redact("x" * (MEMO_MAX_CHARACTERS + 1))
    assert 0 < len(redact._clean) <= MEMO_ENTRIES
    assert "x" * (MEMO_MAX_CHARACTERS + 1) not in redact._clean
    # What held a secret is not kept: the secret is not held for it.
    assert not any("SECRET" in text for text in redact._clean)
