"""calendar-gateway serve | simulate | demo | export-schema."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import uvicorn
from pydantic import ValidationError

from calendar_gateway import logs
from calendar_gateway.app import create_app
from calendar_gateway.graphql.client_schema import client_sdl
from calendar_gateway.graphql.schema import create_schema
from calendar_gateway.metrics import MULTIPROCESS_DIR
from calendar_gateway.settings import ENV_PREFIX, Settings
from calendar_gateway.simulators import app as simulators

LOOPBACK = "127.0.0.1"
LOCAL_ORIGINS = r"http://(localhost|127\.0\.0\.1)(:[0-9]{1,5})?"


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calendar-gateway", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="the gateway, configured from the environment")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    simulate = commands.add_parser("simulate", help="all three vendor simulators on one port")
    simulate.add_argument("--host", default=LOOPBACK)
    simulate.add_argument("--port", type=int, default=8100)
    simulate.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every vendor request"
    )
    simulate.set_defaults(run=_simulate)

    demo = commands.add_parser("demo", help="the simulators and a gateway in front of them")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(run=_demo)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("-o", "--output", type=Path)
    export.add_argument(
        "--client",
        action="store_true",
        help="the schema for clients and codegen: without Federation's internals",
    )
    export.set_defaults(run=_export_schema)
    return parser


def _serve(args: argparse.Namespace) -> None:
    try:
        settings = Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        sys.exit(f"calendar-gateway: {_first_problem(exc)}")
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    # As demo does: a busy port is one line and an exit, not uvicorn's log lines and status 3.
    try:
        _bind(port, host).close()
    except OSError as error:
        sys.exit(
            f"calendar-gateway serve: cannot listen on {host}:{port} ({error.strerror}); "
            f"choose another port with --port or {ENV_PREFIX}PORT"
        )
    signal.signal(signal.SIGTERM, _stopped)
    # The supervisor of --workers logs too; each worker configures itself (app.py).
    logs.configure(settings)
    with _metrics_directory(settings, args.workers):
        uvicorn.run(
            "calendar_gateway.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=args.workers,
            # Ours, not uvicorn's coloured text (logs.py); access lines come from access_log.py.
            log_config=None,
            access_log=False,
            # After the drain (shutdown.py): the time requests in flight have to finish.
            timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
            # A WebSocket message is held whole, as a request body is: the same bound.
            ws_max_size=settings.max_body_bytes,
        )


@contextlib.contextmanager
def _metrics_directory(settings: Settings, workers: int) -> Iterator[None]:
    """Where several workers write their metrics, so a scrape of any one sums them all."""
    given = settings.prometheus_multiproc_dir
    if given is not None:
        # prometheus-client's rule: samples of an earlier run must not be summed in.
        for stale in given.glob("*.db"):
            stale.unlink()
        yield
        return
    if workers == 1:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="calendar-gateway-metrics-") as directory:
        # Read by prometheus-client when a worker imports it, and by each worker's Settings.
        os.environ[MULTIPROCESS_DIR] = directory
        yield


def _stopped(signum: int, frame: FrameType | None) -> None:
    # uvicorn raises the SIGTERM it handled again once it has shut down, for the handler
    # that was there before it: this one. The shutdown was clean, so the exit status is 0
    # (a default handler would make it 143, which supervisors read as killed).
    raise SystemExit(0)


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    variable = ENV_PREFIX + str(error["loc"][0]).upper()
    if error["type"] == "missing":
        return f"missing {variable} (see the configuration table in README.md)"
    return f"{variable}: {error['msg']}"


def _simulate(args: argparse.Namespace) -> None:
    app = simulators.create_app(latency_seconds=args.latency)
    uvicorn.run(app, host=args.host, port=args.port)


def _demo(args: argparse.Namespace) -> None:
    asyncio.run(_run_demo(args.port))


async def _run_demo(port: int) -> None:
    # Bound before anything is announced: a busy port is one line and an exit, not a traceback.
    try:
        gateway_socket = _bind(port)
    except OSError as error:
        sys.exit(
            f"calendar-gateway demo: cannot listen on {LOOPBACK}:{port} ({error.strerror}); "
            "choose another port with --port (make demo PORT=...)"
        )
    upstream_socket = _bind(0)
    upstream = f"http://{LOOPBACK}:{upstream_socket.getsockname()[1]}"
    settings = demo_settings(upstream, port)
    # Logged as serve logs: the same format, fields and redaction.
    logs.configure(settings)
    simulator = uvicorn.Config(simulators.create_app(), log_config=None, access_log=False)
    gateway = uvicorn.Config(create_app(settings), log_config=None, access_log=False)
    servers = [
        (uvicorn.Server(simulator), upstream_socket),
        (uvicorn.Server(gateway), gateway_socket),
    ]
    print(f"calendar-gateway demo: GraphiQL at http://{LOOPBACK}:{port}/graphql", flush=True)
    print("  browser apps on http://localhost:* and http://127.0.0.1:* may call it (CORS)")
    print(
        f"  simulators at {upstream} (see README, Running it, for their admin routes)", flush=True
    )
    await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in servers))


def demo_settings(upstream: str, port: int) -> Settings:
    """A gateway pointed at the simulators, with their seeded demo users."""
    return Settings(
        bookings_url=upstream,
        bookings_user="user",
        bookings_password="user",  # type: ignore[arg-type]
        calendars_url=upstream,
        calendars_user="demo",
        calendars_password="demo",  # type: ignore[arg-type]
        appointments_url=f"{upstream}/api/v1/master",
        appointments_user="demo",
        appointments_password="demo",  # type: ignore[arg-type]
        auth_mode="none",
        # A front end in development runs on a local port of its own (Vite's 5173, ...).
        cors_origin_regex=LOCAL_ORIGINS,
        # For exploring in GraphiQL: its docs need introspection, and one person is no flood.
        introspection=True,
        graphiql=True,
        rate_limit_requests=0,
        # Feed links work in the demo; they die with it, as its data does.
        feed_secret=secrets.token_urlsafe(32),  # type: ignore[arg-type]
        host=LOOPBACK,
        port=port,
    )


def _bind(port: int, host: str = LOOPBACK) -> socket.socket:
    # SO_REUSEADDR as uvicorn binds: a port in TIME_WAIT is free, one with a listener is not.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _export_schema(args: argparse.Namespace) -> None:
    schema = create_schema()
    sdl = client_sdl(schema) if args.client else schema.as_str() + "\n"
    if args.output is None:
        sys.stdout.write(sdl)
    else:
        args.output.write_text(sdl)
