"""GraphiQL, the in-browser IDE: this gateway's own page, on only when ``GRAPHIQL`` says so.

React and GraphiQL are npm packages, pinned in static/graphiql/package.json; ``make`` installs
them. Only the files the page loads are served (and shipped: pyproject's hatch artifacts list
the same files), each checked against its Subresource Integrity hash. A file missing or
different is loaded from the CDN instead, with the same hash, and the log says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from calendar_gateway.settings import Settings

log = logging.getLogger(__name__)

HERE = Path(__file__).parent / "static" / "graphiql"
PACKAGES = HERE / "node_modules"
MOUNT = "/graphiql-assets"

EXAMPLE_QUERY = """\
# calendar-gateway: one GraphQL API over Synergist bookings, Genesys business
# calendars and Xelion appointments. Press Ctrl-Enter (or the play button) to run
# this query; Ctrl-Space completes; the Docs tab lists every field.
{
  businessCalendars {
    id
    name
    timeZone
    weekStarts
    weekEnds
    dayStarts
    dayEnds
  }
}
"""

_CREDENTIAL_HINTS = {
    "api-key": "your API key",
    "jwt": "your JWT",
}


@dataclass(frozen=True)
class Asset:
    """A file of a pinned npm package that the page loads, with its SRI hash."""

    package: str
    file: str
    integrity: str

    @property
    def version(self) -> str:
        return _pinned_versions()[self.package]

    @property
    def path(self) -> Path:
        return PACKAGES / self.package / self.file

    @property
    def local_url(self) -> str:
        # The version in the path: a new one is a new URL, so copies may be kept for good.
        return f"{MOUNT}/{self.package}@{self.version}/{self.file}"

    @property
    def cdn_url(self) -> str:
        return f"https://unpkg.com/{self.package}@{self.version}/{self.file}"


STYLESHEETS = (
    Asset(
        "graphiql",
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    Asset(
        "@graphiql/plugin-explorer",
        "dist/style.css",
        "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    ),
)
SCRIPTS = (
    Asset(
        "react",
        "umd/react.production.min.js",
        "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    ),
    Asset(
        "react-dom",
        "umd/react-dom.production.min.js",
        "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    ),
    Asset(
        "graphiql",
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    Asset(
        "@graphiql/plugin-explorer",
        "dist/index.umd.js",
        "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
    ),
)
ASSETS = (*STYLESHEETS, *SCRIPTS)


@cache
def _pinned_versions() -> dict[str, str]:
    manifest = json.loads((HERE / "package.json").read_text())
    versions: dict[str, str] = manifest["dependencies"]
    return versions


@cache
def is_installed(asset: Asset) -> bool:
    """Whether our copy of ``asset`` is there and is the very file its hash names."""
    if not asset.path.is_file():
        return False
    digest = hashlib.sha384(asset.path.read_bytes()).digest()
    return asset.integrity == "sha384-" + base64.b64encode(digest).decode()


def url_of(asset: Asset) -> str:
    if is_installed(asset):
        return asset.local_url
    log.warning(
        "GraphiQL: %s@%s/%s is not installed (make graphiql); the page loads it from the CDN",
        asset.package,
        asset.version,
        asset.file,
    )
    return asset.cdn_url


def page(settings: Settings) -> str:
    """The IDE's HTML for this gateway: how to authenticate, and a query that runs."""
    stylesheets = "\n".join(
        f'<link rel="stylesheet" href="{url_of(a)}" integrity="{a.integrity}" crossorigin>'
        for a in STYLESHEETS
    )
    scripts = "\n".join(
        f'<script src="{url_of(a)}" integrity="{a.integrity}" crossorigin></script>'
        for a in SCRIPTS
    )
    return Template((HERE / "page.html").read_text()).substitute(
        stylesheets=stylesheets, scripts=scripts, config=_script_json(page_config(settings))
    )


def page_config(settings: Settings) -> dict[str, object]:
    """What the page's script reads: the example query, and the headers to start from."""
    hint = _CREDENTIAL_HINTS.get(settings.auth_mode)
    headers = None
    query = EXAMPLE_QUERY
    if hint is not None:
        headers = json.dumps({"Authorization": f"Bearer <{hint}>"}, indent=2)
        query = (
            f"# This gateway needs {hint}: in the Headers tab below, replace <{hint}> in\n"
            f"# the Authorization header with it.\n{EXAMPLE_QUERY}"
        )
    return {
        "query": query,
        "headers": headers,
        "persistHeaders": settings.graphiql_persist_headers,
    }


def _script_json(value: object) -> str:
    # Inside <script>: no "</script>" or "<!--" may close or comment it out.
    return json.dumps(value).replace("<", "\\u003c")


def routes() -> list[Route]:
    """The one route serving the page's files, and nothing else from node_modules."""
    files = {a.local_url.removeprefix(MOUNT + "/"): a.path for a in ASSETS if is_installed(a)}

    async def asset(request: Request) -> Response:
        path = files.get(request.path_params["path"])
        if path is None:
            raise HTTPException(404, "GraphiQL has no such file.")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    return [Route(f"{MOUNT}/{{path:path}}", asset, methods=["GET"])]
