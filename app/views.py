"""Pages every user shares: home, signing in and out, language."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import authenticate, sign_in_rate_limited
from app.extensions import db
from app.forms import LanguageForm, LoginForm
from app.permissions import SIGNED_IN, public, requires

bp = Blueprint("app", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths: never let `next` send someone to another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


@bp.get("/")
@public
def home() -> str:
    return render_template("app/home.html")


@bp.get("/healthz")
@public
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")


@bp.route("/login", methods=["GET", "POST"])
@public
@sign_in_rate_limited
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            session.permanent = True
            login_user(user)
            if user.locale:
                session["lang"] = user.locale
            return redirect(safe_next(form.next.data, url_for("app.home")), 303)
        flash(_("Wrong email or password."), "error")
        return render_template("app/login.html", form=form), 422
    if not form.is_submitted():
        form.next.data = safe_next(request.args.get("next"), "")
    return render_template("app/login.html", form=form)


@bp.post("/logout")
@requires(SIGNED_IN)
def logout() -> Response:
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("app.login"), 303)


@bp.post("/language")
@public
def set_language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(safe_next(form.next.data, url_for("app.home")), 303)
