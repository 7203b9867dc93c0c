"""The pages' static files (web/static/), served by the app itself with their content's hash in
the URL, so a browser may keep them for a year and still never runs a stale script."""

from __future__ import annotations

import hashlib
import mimetypes
from functools import cache
from pathlib import Path

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}


@cache
def _files() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, short hash), read once per worker."""
    out = {}
    for path in STATIC.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            out[path.relative_to(STATIC).as_posix()] = (data, hashlib.sha256(data).hexdigest()[:12])
    return out


def url(name: str) -> str:
    """/static/app.css?v=<hash>: a new hash for new content."""
    return f"{PREFIX}{name}?v={_files()[name][1]}"


def find(name: str) -> tuple[bytes, str, str] | None:
    """(bytes, content type, ETag) of a static file, or None."""
    found = _files().get(name)
    if found is None:
        return None
    kind = TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0] or \
        "application/octet-stream"
    return found[0], kind, f'"{found[1]}"'
