"""The bench's summary of a py-spy profile."""

from __future__ import annotations

from bench.profile import summarise

LOOP = "Runner.run (asyncio/runners.py:118)"
COLLAPSED = "\n".join(
    [
        f"<module> (uvicorn/__main__.py:4);{LOOP};Transport.request (calendar_gateway/t.py:9) 3",
        f"<module> (uvicorn/__main__.py:4);{LOOP};GraphQL.__call__ (strawberry/asgi.py:1) 1",
    ]
)


def test_inclusive_shares_leave_out_the_frames_down_to_the_event_loop() -> None:
    inclusive = dict(summarise(COLLAPSED).inclusive)
    assert inclusive == {
        "Transport.request (calendar_gateway/t.py)": 0.75,
        "GraphQL.__call__ (strawberry/asgi.py)": 0.25,
    }
