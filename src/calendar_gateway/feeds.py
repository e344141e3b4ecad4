"""``GET /feeds/{token}.ics``: the iCalendar feed a signed link opens, outside GraphQL's auth.

The token is the only credential (calendar apps send no headers): a request without a valid
one learns nothing, not even whether the feed exists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from calendar_gateway.services.errors import InvalidInputError
from calendar_gateway.services.feeds import (
    PATH,
    FeedsDisabledError,
    FeedService,
    InvalidFeedTokenError,
)
from calendar_gateway.upstreams.errors import NotFoundError, UpstreamError

log = logging.getLogger(__name__)

MEDIA_TYPE = "text/calendar; charset=utf-8"
# Calendar apps poll on their own schedule; ask them to revalidate, which the ETag makes cheap.
_CACHE_CONTROL = "private, no-cache"


def feed_endpoint(
    service: Callable[[], FeedService | None],
) -> Callable[[Request], Awaitable[Response]]:
    """The route's handler; ``service`` gives the running feeds, None outside the lifespan."""

    async def endpoint(request: Request) -> Response:
        feeds = service()
        if feeds is None:
            return PlainTextResponse("Starting up.", status_code=503)
        try:
            feed = await feeds.render(request.path_params["token"], datetime.now(UTC).date())
        except (InvalidFeedTokenError, FeedsDisabledError, InvalidInputError) as error:
            log.info("feed refused: %s", error)
            return PlainTextResponse("No such feed.", status_code=404)
        except NotFoundError:
            return PlainTextResponse("No such feed.", status_code=404)
        except UpstreamError as error:
            log.warning("feed failed upstream: %s: %s", error.upstream, error.message)
            return PlainTextResponse(
                "The calendar's source is unavailable; try again later.",
                status_code=503,
                headers={"Retry-After": "60"},
            )
        headers = {"ETag": feed.etag, "Cache-Control": _CACHE_CONTROL}
        if _matches(request.headers.get("if-none-match"), feed.etag):
            return Response(status_code=304, headers=headers)
        return Response(feed.body, media_type=MEDIA_TYPE, headers=headers)

    return endpoint


def _matches(if_none_match: str | None, etag: str) -> bool:
    # RFC 9110 13.1.2: weak comparison, a list of tags, or "*".
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


__all__ = ["MEDIA_TYPE", "PATH", "feed_endpoint"]
