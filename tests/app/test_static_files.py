"""Responses come compressed when the browser asks, and static files are addressed by
their content and kept a year."""

import gzip
import hashlib
import re
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, url_for

STATIC = Path(__file__).resolve().parents[2] / "static"


def static_urls(page: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page)


def test_pages_come_gzipped_when_asked_and_stay_uncached(client: Any) -> None:
    response = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    page = gzip.decompress(response.data).decode()
    assert "<html" in page
    assert "immutable" not in response.headers.get("Cache-Control", "")
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers and "<html" in plain.get_data(as_text=True)


def test_static_urls_carry_the_files_hash_and_are_kept_a_year(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    urls = static_urls(page)
    (htmx,) = [url for url in urls if "htmx.min.js" in url]
    content = (STATIC / "js" / "htmx.min.js").read_bytes()
    assert htmx == f"/static/js/htmx.min.js?v={hashlib.sha256(content).hexdigest()[:12]}"
    assert all("?v=" in url for url in urls)

    response = client.get(htmx, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == content
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert "no-cache" not in cache


def test_brotli_when_the_browser_takes_it(client: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    (css,) = [url for url in static_urls(page) if url.startswith("/static/css/relais.css")]
    response = client.get(css, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == (STATIC / "css" / "relais.css").read_bytes()


def test_a_file_without_its_current_hash_is_checked_back(client: Any) -> None:
    for url in ("/static/js/htmx.min.js", "/static/js/htmx.min.js?v=0123456789ab"):
        cache = client.get(url).headers.get("Cache-Control", "")
        assert "immutable" not in cache and "max-age=31536000" not in cache


def test_url_for_leaves_a_missing_file_unversioned(app: Flask) -> None:
    with app.test_request_context():
        assert url_for("static", filename="js/nothing-here.js") == "/static/js/nothing-here.js"
        assert url_for("static", filename="../app/config.py") == "/static/../app/config.py"
