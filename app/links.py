"""Absolute links to Relais pages, for QR codes, emails and payment pages: built from
RELAIS_BASE_URL, inside a request or not (the CLI issues receipts too)."""

from typing import Any

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("relais.invalid")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)
