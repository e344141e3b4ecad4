"""The simulators as the benchmark runs them: ``python -m bench.simulators --port P``.

Like ``calendar-gateway simulate --latency``, on uvloop and httptools without an access
log, so that the upstreams spend as little of the machine as they can.
"""

from __future__ import annotations

import argparse

import uvicorn

from calendar_gateway.simulators.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.simulators")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, required=True)
    parser.add_argument("--xelion-max-in-flight", type=int, required=True)
    args = parser.parse_args()
    app = create_app(latency_seconds=args.latency, xelion_max_in_flight=args.xelion_max_in_flight)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
