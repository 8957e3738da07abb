"""What the PostgreSQL race tests share: the marks that run them only there, a bearer
token for each of their committed users, and a start line that sets every job off at
the same moment."""

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from flask import Flask

from tests.conftest import PASSWORD

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith(("postgresql", "postgres:"))
POSTGRES_ONLY = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ON_POSTGRES, reason="concurrency tests need PostgreSQL (TEST_DATABASE_URL)"
    ),
]
WAIT = 60  # seconds: no barrier or future waits longer
T = TypeVar("T")


def tokens_for(app: Flask, emails: list[str]) -> list[str]:
    """A bearer token for each email, asked of the API with the test password."""
    tokens = []
    for email in emails:
        response = app.test_client().post(
            "/api/v1/tokens", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        tokens.append(response.json["token"])
    return tokens


def all_at_once(jobs: list[Callable[[], T]]) -> list[T]:
    """Each job in its own thread, all released together; their answers in order."""
    start = threading.Barrier(len(jobs), timeout=WAIT)

    def run(job: Callable[[], T]) -> T:
        start.wait()
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
        return [future.result(timeout=WAIT) for future in futures]
