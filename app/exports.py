"""Downloads: CSV files safe to open in a spreadsheet, and PDFs shown in the browser."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: Any) -> str:
    """Text a spreadsheet would run as a formula (a donor named "=HYPERLINK(...)") is
    prefixed with a quote; numbers stay numbers."""
    text = str(cell)
    if isinstance(cell, int | float) or not text.startswith(FORMULA_STARTS):
        return text
    return "'" + text


def csv_response(filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(pdf: bytes, filename: str) -> Response:
    """A PDF the browser shows (and saves under `filename`)."""
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
