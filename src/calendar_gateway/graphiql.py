"""GraphiQL that works offline: Strawberry's page, with its CDN files served by us.

Strawberry's page loads React and GraphiQL from unpkg, and shows a blank page without
internet. ``make`` installs the same pinned packages from npm (static/graphiql/); this
module points the page at them. Without them it keeps the CDN and says so in the log.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from starlette.staticfiles import StaticFiles

log = logging.getLogger(__name__)

ASSETS = Path(__file__).parent / "static" / "graphiql" / "node_modules"
MOUNT = "/graphiql-assets"

# "https://unpkg.com/<package>@<version>/<file>", package possibly scoped.
_CDN_FILE = re.compile(r"https://unpkg\.com/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/([^\"']+)")


def offline_page(html: str) -> str:
    """The page with every CDN file it loads replaced by our copy of that version."""
    return _CDN_FILE.sub(_local_file, html)


def _local_file(match: re.Match[str]) -> str:
    package, version, file = match.groups()
    installed = _installed_version(package)
    if installed != version or not (ASSETS / package / file).is_file():
        log.warning(
            "GraphiQL: %s@%s is not installed; the page loads it from the CDN", package, version
        )
        return match.group(0)
    return f"{MOUNT}/{package}/{file}"


def _installed_version(package: str) -> str | None:
    manifest = ASSETS / package / "package.json"
    if not manifest.is_file():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


def assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS, check_dir=False)
