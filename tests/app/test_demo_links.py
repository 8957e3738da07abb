"""`make demo` on another port: labels, receipts and emails point at that port."""

import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp

from app import create_app
from app.links import external_url
from inventory.labels import LabelFormat, render_labels
from inventory.models import Crate
from inventory.views.labels import labels_for
from tests.inventory.test_labels import decoded, pages

ROOT = Path(__file__).resolve().parents[2]


def demo_base_url(**variables: str) -> str:
    """The RELAIS_BASE_URL `make demo` gives its demo-data and gunicorn commands."""
    assignments = [f"{name}={value}" for name, value in variables.items()]
    plan = subprocess.run(
        ["make", "--dry-run", "--always-make", "demo", *assignments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    urls = {
        command: re.search(r"RELAIS_BASE_URL=(\S+) \S+/" + command, plan)
        for command in ("flask --app app demo-data", "gunicorn")
    }
    assert all(urls.values()), plan
    (url,) = {found.group(1) for found in urls.values() if found}
    return url


def test_make_demo_on_another_port_puts_that_port_in_qr_codes_and_links(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = demo_base_url(PORT="8123")
    assert base == "http://127.0.0.1:8123"
    monkeypatch.setenv("RELAIS_BASE_URL", base)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "INSTANCE_PATH": str(tmp_path)})
    with app.test_request_context():
        pdf = render_labels(labels_for([Crate(code="7K3MQ9XJ")]), LabelFormat.A4_SHEET)
        link = external_url("donor.home")
    (page,) = pages(pdf)
    barcodes: list[zxingcpp.Barcode] = decoded(page)
    assert [barcode.text for barcode in barcodes] == ["http://127.0.0.1:8123/c/7K3MQ9XJ"]
    assert link.startswith("http://127.0.0.1:8123/")


def test_a_base_url_set_by_hand_wins_over_host_and_port() -> None:
    url = demo_base_url(PORT="8123", RELAIS_BASE_URL="https://relais.example.org")
    assert url == "https://relais.example.org"
