"""Security headers for every response. Scripts and styles come only from Relais itself,
so the Content-Security-Policy forbids inline scripts."""

from flask import Flask
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(self), geolocation=(), microphone=()"
    )
    return response


def add_strict_transport_security(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def never_cache(response: Response) -> Response:
    """For pages and files about people or money: kept by no shared computer's cache and
    no proxy."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_security(app: Flask) -> None:
    app.after_request(add_security_headers)
    if app.config["PRODUCTION"]:
        app.after_request(add_strict_transport_security)
