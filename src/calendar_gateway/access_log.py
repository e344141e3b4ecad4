"""One access log line per HTTP request, as fields: method, path, status, duration, client.

uvicorn's own access log is off (``serve`` and ``demo``): its line is one preformatted
string, without the duration, and with the query string as sent, secrets included.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

from starlette.types import Scope

from calendar_gateway.logs import REDACTED

log = logging.getLogger("calendar_gateway.access")

# Query parameters whose values are credentials, wherever a client puts them.
SECRET_PARAMETERS = frozenset({"api_key", "apikey", "access_token", "token", "key", "password"})
# Probes and scrapes arrive every few seconds from every load balancer and Prometheus.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# A path is the client's to choose: the log keeps a bounded part of it.
MAX_PATH_CHARACTERS = 512


def record(scope: Scope, status: int, elapsed: float) -> None:
    """Logs a request once its answer is sent (or has failed), ``elapsed`` seconds after it came."""
    level = logging.DEBUG if scope["path"] in QUIET_PATHS and status < 500 else logging.INFO
    # Probes and scrapes are usually below the level logged: their line is not even built.
    if not log.isEnabledFor(level):
        return
    path = loggable_path(scope["path"], scope["query_string"].decode("latin-1"))
    client = scope.get("client")
    log.log(
        level,
        "%s %s %d",
        scope["method"],
        path,
        status,
        extra={
            "method": scope["method"],
            "path": path,
            "status": status,
            "duration_ms": round(elapsed * 1000, 1),
            "client": client[0] if client else None,
        },
    )


def loggable_path(path: str, query: str) -> str:
    """The path and query, with the values of credential parameters redacted."""
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        redacted = [(k, REDACTED if k.lower() in SECRET_PARAMETERS else v) for k, v in pairs]
        path = f"{path}?{urlencode(redacted, safe='[]')}"
    if len(path) > MAX_PATH_CHARACTERS:
        return path[:MAX_PATH_CHARACTERS] + "..."
    return path
