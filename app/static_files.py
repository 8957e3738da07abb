"""Speed on a phone: responses compressed, and static files addressed by their content.

url_for("static", filename=...) adds `?v=<hash of the file>`; a file asked for with the
hash it has now may be kept a year by any cache (a new release changes the hash, hence
the address). Without it, or with an old hash, the browser checks back as before. Pages
are not touched: they stay uncached."""

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from werkzeug.security import safe_join

from app.extensions import compress

VERSION = "v"
VERSION_LENGTH = 12
YEAR = 365 * 24 * 3600


def hash_file(path: str) -> str:
    """The first characters of the SHA-256 of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:VERSION_LENGTH]


# Once per file while the app runs: a release restarts it.
cached_hash_file = cache(hash_file)


def static_version(filename: str) -> str | None:
    """The version a static file is addressed by, or None for a file that is not there.
    In debug mode files change under a running app: hashed afresh each time."""
    folder = current_app.static_folder
    path = safe_join(folder, filename) if folder else None
    if path is None or not Path(path).is_file():
        return None
    return hash_file(path) if current_app.debug else cached_hash_file(path)


def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
    """url_defaults: every url_for("static", ...) carries the file's version."""
    if endpoint != "static" or VERSION in values or "filename" not in values:
        return
    version = static_version(values["filename"])
    if version is not None:
        values[VERSION] = version


def cache_versioned_static(response: Response) -> Response:
    """A static file asked for by its current version: cached for a year, never
    revalidated."""
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    wanted = request.args.get(VERSION)
    if wanted is None or wanted != static_version(filename):
        return response
    response.cache_control.no_cache = None
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    return response


def init_static_files(app: Flask) -> None:
    compress.init_app(app)
    app.url_defaults(add_static_version)
    app.after_request(cache_versioned_static)
