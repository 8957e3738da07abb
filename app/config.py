"""Configuration defaults. create_app() layers instance/config.py, RELAIS_* variables
and the test dict on top of these."""

import os
import secrets
import tempfile
from pathlib import Path

SECRET_KEY_FILE = "secret_key"


class Defaults:
    # None: a random key is made once and kept in the instance folder (instance_secret_key).
    SECRET_KEY = None
    PRODUCTION = False
    # How many reverse proxies in front add themselves to X-Forwarded-For (0: none, the
    # client connects directly).
    PROXY_COUNT = 0
    BASE_URL = "http://127.0.0.1:5000"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600
    # Counters in each process's memory: fine for one process; several workers or servers
    # need a shared store (redis://...), which production requires.
    RATELIMIT_STORAGE_URI = "memory://"
    # Counts the last minute or hour as it moves: no burst of twice the limit across the
    # edge of a fixed window.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    # Signing in (the page and the API's tokens), per account typed and per address.
    # werkzeug's password hashing; the tests choose a cheap one, since every test user
    # would otherwise cost a fifth of a second.
    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    LOGIN_ADDRESS_RATE_LIMIT = "30 per minute;300 per hour"
    # The donation page, per address: many donors of a campaign may share one (a mobile
    # carrier's NAT).
    DONATION_RATE_LIMIT = "60 per minute;600 per hour"
    API_TOKEN_DAYS = 90
    # Event ids of replayed requests (a phone back online) are kept this long, then forgotten
    # by `flask prune-client-events` and the watching receipt sender.
    CLIENT_EVENTS_KEEP_DAYS = 30
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    PAGE_SIZE = 50
    # Responses compressed (Flask-Compress): brotli where the browser takes it, else gzip;
    # static files too, as they are read from disk.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    ]
    API_TITLE = "Relais API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    # Email: with no MAIL_SERVER, messages are written to instance/outbox/ as .eml files.
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_FROM = "dons@relais.example"
    MAIL_FROM_NAME = "Relais"
    MAIL_TIMEOUT = 30  # seconds an SMTP server may take to answer
    # True when `flask receipts send-pending --watch` runs beside the server and emails
    # every receipt: requests then only record them. False: the request that issues a
    # receipt emails it, and the watching sender only retries those held back.
    RECEIPT_SENDER = False
    # Stripe: with no secret key, a local demo gateway takes the payments instead.
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    STRIPE_API_BASE = ""
    DONATION_MIN_CENTS = 500
    DONATION_MAX_CENTS = 1_000_000
    # Who issues the tax receipts, as printed on them.
    ORGANISATION_NAME = "Relais Solidarité (démonstration)"
    ORGANISATION_ADDRESS = "12 rue des Fontinettes\n62100 Calais"
    ORGANISATION_OBJECT = (
        "Aide alimentaire, vestimentaire et hébergement d’urgence des personnes exilées"
    )
    ORGANISATION_KIND = "Association loi 1901 reconnue d’intérêt général"
    ORGANISATION_REGISTRATION = "RNA W000000000 (démonstration)"
    RECEIPT_SIGNATORY_NAME = "Camille Martin"
    RECEIPT_SIGNATORY_ROLE = "Trésorière"
    RECEIPT_SIGNATURE_IMAGE = ""


def database_url_from_environment() -> str | None:
    """DATABASE_URL as most hosts give it, made to use psycopg 3."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    return normalise_database_url(url)


def normalise_database_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret_key(folder: Path) -> str:
    """The key kept in the instance folder, made on the first start. The file is readable
    by its owner only, and appears whole or not at all (written aside, then linked into
    place), so gunicorn workers starting together all read the one that won."""
    path = folder / SECRET_KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(dir=folder, prefix=".secret_key-")  # mode 0600
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker's key is in place: use it
        finally:
            os.unlink(draft)
    return path.read_text().strip()
