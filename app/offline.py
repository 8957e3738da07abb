"""The phone in the field: the web app manifest, the service worker that keeps the app
shell for use without signal, and the outbox page that lists the actions waiting to be
sent. The outbox itself lives in the phone's IndexedDB (static/js/outbox.js)."""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_babel import gettext as _

from app.models import User
from app.permissions import SIGNED_IN, may_open, public, requires

bp = Blueprint("offline", __name__)
# Sent by the service worker when it fetches the shell's pages in the background.
KEEPING_HEADER = "X-Relais-Keep"

STATIC = Path(__file__).resolve().parent.parent / "static"
SERVICE_WORKER = STATIC / "js" / "sw.js"
# The static files of the app shell, kept on the phone for use without signal.
SHELL_FILES = (
    "css/relais.css",
    "js/htmx.min.js",
    "js/outbox.js",
    "js/scan.js",
    "js/vendor/jsqr.min.js",
    "img/relais.svg",
    "img/icon-192.png",
)
# The pages of the app shell: the pack page without a crate stands in, offline, for
# the pack page of any crate not opened on this phone before. Each person's phone keeps
# those they may open (kept_pages), which their pages tell the service worker.
SHELL_PAGES = ("inventory.scan", "inventory.pack_shell", "offline.outbox")
THEME_COLOUR = "#0b6e4f"


def release_of(files: list[Path]) -> str:
    """A name for this release of the shell: it changes when any of its files does, so
    phones drop the old cache and fetch the new files."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def kept_pages(user: User) -> list[str]:
    """The shell pages a phone keeps for this person: those their role may open."""
    return [url_for(endpoint) for endpoint in SHELL_PAGES if may_open(user, endpoint)]


@bp.get("/sw.js")
@public
def service_worker() -> Response:
    settings = {
        "release": current_app.extensions["relais_shell_release"],
        "static": [url_for("static", filename=name) for name in SHELL_FILES],
        "pages": [url_for(endpoint) for endpoint in SHELL_PAGES],
        "outbox": url_for("static", filename="js/outbox.js"),
    }
    body = f"self.RELAIS = {json.dumps(settings)};\n{SERVICE_WORKER.read_text()}"
    response = Response(body, mimetype="text/javascript")
    # A phone checks for a new service worker on each visit; never from a stale copy.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    icons = [
        {
            "src": url_for("static", filename=f"img/icon-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "any maskable",
        }
        for size in (192, 512)
    ]
    body = {
        "name": _("Relais: crates and stock"),
        "short_name": "Relais",
        "start_url": url_for("inventory.scan"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": icons,
    }
    return Response(json.dumps(body), mimetype="application/manifest+json")


@bp.get("/outbox")
@requires(SIGNED_IN)
def outbox() -> str:
    """The actions taken on this phone and not yet applied; outbox.js lists them."""
    return render_template("app/outbox.html")


class ShellKeepingSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, never set by the service worker's background fetch of
    a shell page: that fetch carries the cookie of its start, and its answer could land
    after the person signed in or chose their site, putting back the older session."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if request.headers.get(KEEPING_HEADER):
            return False
        return super().should_set_cookie(app, session)


def init_offline(app: Flask) -> None:
    files = [SERVICE_WORKER] + [STATIC / name for name in SHELL_FILES]
    app.extensions["relais_shell_release"] = release_of(files)
    app.session_interface = ShellKeepingSessionInterface()
    app.add_template_global(kept_pages)
    app.register_blueprint(bp)
