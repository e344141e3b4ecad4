"""JSON log lines, and the redaction that backs up never logging a secret."""

from __future__ import annotations

import json
import logging
import sys

from calendar_gateway.graphql.observability import OperationLabels
from calendar_gateway.logs import REDACTED, JsonFormatter, Redactor


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
