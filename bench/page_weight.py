"""What a phone downloads to scan a crate, online and offline: the scan page, its
scripts, stylesheets and icons, the web app manifest and its icons, the service worker
and everything it keeps for use without signal (the outbox script, the pack and outbox
pages, the QR decoder that scan.js otherwise loads lazily when the browser has no native
BarcodeDetector). Every resource is gzip-compressed (level 6, like a typical server).

    .venv/bin/python -m bench.page_weight

Exits 1 when the gzipped total is over the budget."""

import gzip
import json
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from app import create_app
from app.extensions import db
from app.models import Role, User

BUDGET = 100 * 1024
SCAN_PAGE = "/inventory/scan"
# Not referenced by the HTML: scan.js injects it only when it needs it (and the service
# worker keeps it for use without signal).
LAZY = ["/static/js/vendor/jsqr.min.js"]
SERVICE_WORKER = "/sw.js"
MANIFEST = "/manifest.webmanifest"
EMAIL = "bench@example.org"
PASSWORD = "bench-password-1234"


class ResourceFinder(HTMLParser):
    """Collects <script src>, <link href> for stylesheets, icons and the manifest, and
    the service worker the page registers (data-service-worker on the manifest link)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and values.get("src"):
            self.add(values["src"])
        elif tag == "link" and values.get("href"):
            rels = values.get("rel", "").lower().split()
            if rels and rels[0] in ("stylesheet", "icon", "apple-touch-icon", "manifest"):
                self.add(values["href"])
            if values.get("data-service-worker"):
                self.add(values["data-service-worker"])

    def add(self, url: str) -> None:
        if url not in self.urls:
            self.urls.append(url)


def add_sites(user: User) -> None:
    """Give the volunteer two sites so the page shows the site choice, as it would for real."""
    try:
        from inventory.models import Site, SiteKind
    except ImportError:
        return
    user.sites = [
        Site(name="Entrepôt Nord", kind=SiteKind.WAREHOUSE, city="Lille"),
        Site(name="Point de collecte Gare", kind=SiteKind.COLLECTION_POINT, city="Lille"),
    ]


def referenced_by(path: str, body: bytes) -> list[str]:
    """What the manifest (its icons) and the service worker (the shell it keeps) make
    the phone download too."""
    if path == MANIFEST:
        return [icon["src"] for icon in json.loads(body)["icons"]]
    if path == SERVICE_WORKER:
        first_line = body.decode("utf-8").split("\n", 1)[0]
        settings = json.loads(first_line.removeprefix("self.RELAIS = ").rstrip(";"))
        return settings["static"] + settings["pages"]
    return []


def fetched_already(url: str, urls: list[str]) -> bool:
    """The same file under another query string (a static URL carries its content's hash,
    the lazy decoder's does not) is downloaded once."""
    path = urlsplit(url).path
    return any(urlsplit(other).path == path for other in urls)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(tmp) / "bench.sqlite3"),
                "INSTANCE_PATH": tmp,
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            db.create_all()
            user = User(email=EMAIL, role=Role.VOLUNTEER)
            user.set_password(PASSWORD)
            add_sites(user)
            db.session.add(user)
            db.session.commit()

        client = app.test_client()
        response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        if response.status_code not in (302, 303):
            print(f"login failed: HTTP {response.status_code}", file=sys.stderr)
            return 2

        page = client.get(SCAN_PAGE)
        if page.status_code != 200:
            print(f"{SCAN_PAGE}: HTTP {page.status_code}", file=sys.stderr)
            return 2
        html = page.get_data()
        finder = ResourceFinder()
        finder.feed(html.decode("utf-8"))

        rows = [(SCAN_PAGE, html)]
        urls = finder.urls + [u for u in LAZY if not fetched_already(u, finder.urls)]
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc:
                print(f"{url}: not served by the app (the CSP would block it)", file=sys.stderr)
                return 2
            response = client.get(url)
            if response.status_code != 200:
                print(f"{url}: HTTP {response.status_code}", file=sys.stderr)
                return 2
            body = response.get_data()
            response.close()
            urls.extend(
                u
                for u in referenced_by(parts.path, body)
                if not fetched_already(u, [SCAN_PAGE, *urls])
            )
            rows.append((parts.path + ("  (lazy)" if url in LAZY else ""), body))

    raw_total = gzip_total = 0
    width = max(len(label) for label, _ in rows)
    print(f"{'resource':<{width}}  {'raw':>9}  {'gzip':>9}")
    for label, body in rows:
        packed = len(gzip.compress(body, compresslevel=6))
        raw_total += len(body)
        gzip_total += packed
        print(f"{label:<{width}}  {len(body):>9,}  {packed:>9,}")
    print(f"{'total':<{width}}  {raw_total:>9,}  {gzip_total:>9,}")

    if gzip_total > BUDGET:
        print(f"over budget: {gzip_total:,} > {BUDGET:,} bytes gzipped", file=sys.stderr)
        return 1
    print(f"within budget ({BUDGET:,} bytes gzipped)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
