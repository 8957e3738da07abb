"""Relais as the README deploys it: gunicorn with several workers behind a reverse proxy,
rate limits counted in Redis. Needs the machine's Redis on 127.0.0.1:6379."""

import http.client
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import Role, User
from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS = 2
PASSWORD = "the right password, for once"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own, and its keys deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        missing_service("Redis is not reachable on 127.0.0.1:6379: shared rate limits need it")
    prefix = f"relais-test-{uuid.uuid4().hex}"
    yield prefix
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)
    client.close()


def make_database(instance: Path) -> None:
    """`flask db upgrade` and one user, in a SQLite file of the instance folder."""
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'relais.sqlite3'}",
            "SECRET_KEY": "only-to-build-the-database-" + "x" * 16,
        }
    )
    with app.app_context():
        upgrade()
        for email in ("alice@relais.test", "bob@relais.test"):
            user = User(email=email, role=Role.VOLUNTEER)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def environment(instance: Path, redis_prefix: str) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RELAIS_") and key != "DATABASE_URL"
    }
    return {
        **inherited,
        "RELAIS_INSTANCE_PATH": str(instance),
        "RELAIS_PROXY_COUNT": "1",
        "RELAIS_RATELIMIT_STORAGE_URI": REDIS_URL,
        "RELAIS_RATELIMIT_KEY_PREFIX": redis_prefix,
        "RELAIS_LOGIN_RATE_LIMIT": "10 per minute",
        "RELAIS_LOGIN_ADDRESS_RATE_LIMIT": "10 per minute",
    }


@pytest.fixture
def server(tmp_path: Path, redis_prefix: str) -> Iterator["Server"]:
    """gunicorn serving 'app:create_app()' with several sync workers. No secret key is
    set: the workers make the instance's key file as they start, all at once."""
    make_database(tmp_path)
    port = free_port()
    access_log = tmp_path / "access.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        "%(p)s %(s)s %(m)s %(U)s",
        "app:create_app()",
    ]
    with (tmp_path / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment(tmp_path, redis_prefix), stdout=log, stderr=log
        )
    try:
        wait_until_up(port, process)
        yield Server(port, tmp_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"gunicorn exited with {process.returncode}"
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)  # not listening yet
    pytest.fail(f"gunicorn did not answer within {timeout:.0f} s")


@dataclass(frozen=True)
class Browser:
    """A visitor behind the proxy: its address (X-Forwarded-For), cookie and form token."""

    address: str
    cookie: str
    csrf_token: str


@dataclass(frozen=True)
class Server:
    port: int
    instance: Path

    def send(self, method: str, path: str, headers: dict[str, str], body: str = "") -> tuple:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=10)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Set-Cookie", ""), response.read()
        finally:
            connection.close()

    def browser(self, address: str) -> Browser:
        _status, cookie, page = self.send("GET", "/login", {"X-Forwarded-For": address})
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token is not None
        return Browser(address, cookie.partition(";")[0], token[1].decode())

    def sign_in(self, browser: Browser, email: str, password: str = "wrong") -> int:
        body = urlencode({"email": email, "password": password, "csrf_token": browser.csrf_token})
        status, _cookie, _page = self.send(
            "POST",
            "/login",
            {
                "X-Forwarded-For": browser.address,
                "Cookie": browser.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body,
        )
        return status

    def workers_that_answered(self, path: str) -> set[str]:
        lines = (self.instance / "access.log").read_text().splitlines()
        return {line.split()[0] for line in lines if line.endswith(f"POST {path}")}


def test_the_sign_in_limit_holds_across_workers_and_counts_each_client_apart(
    server: Server,
) -> None:
    attacker = server.browser("203.0.113.10")
    with ThreadPoolExecutor(6) as pool:
        statuses = Counter(
            pool.map(lambda _: server.sign_in(attacker, "alice@relais.test"), range(30))
        )
    assert statuses == {422: 10, 429: 20}
    # Both workers answered, each accepting the form token the other signed: they agreed
    # on the key they made at start. On a busy machine one worker may have taken every
    # request so far: other visitors sign in (and are refused) until both have answered.
    for visitor in range(40):
        if len(server.workers_that_answered("/login")) == WORKERS:
            break
        stranger = server.browser(f"192.0.2.{100 + visitor}")
        assert server.sign_in(stranger, f"nobody{visitor}@relais.test") == 422
    assert len(server.workers_that_answered("/login")) == WORKERS
    key_file = server.instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not list(server.instance.glob(".secret_key-*"))

    # Another visitor behind the same proxy signs in, to another account, as if nothing
    # happened; the attacked account stays closed from any address.
    neighbour = server.browser("198.51.100.20")
    assert server.sign_in(neighbour, "bob@relais.test") == 422
    assert server.sign_in(neighbour, "bob@relais.test", PASSWORD) == 303
    assert server.sign_in(server.browser("192.0.2.30"), "alice@relais.test", PASSWORD) == 429
