"""Links Relais sends out: absolute links to its pages, for QR codes, emails and payment
pages, built from RELAIS_BASE_URL, inside a request or not (the CLI issues receipts too);
and one-time links, for signing in or opening a calendar without an account.

A one-time link carries a row's id and a nonce, signed with the app's secret key under a
salt of its own purpose. The caller stores the nonce on the row: a new link stores a new
one, which cancels those sent before, and a caller whose links work once clears it when
the link is used. What a refusal says, and with which status, is the caller's."""

import secrets
from dataclasses import dataclass
from enum import Enum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def external_url(endpoint: str, **values: Any) -> str:
    adapter = current_app.url_map.bind("relais.invalid")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)


@dataclass(frozen=True)
class LinkPurpose:
    """What one kind of link is for: the salt it is signed under, and the name its
    payload gives the row's id (kept, so that links already sent stay readable)."""

    salt: str
    row_key: str


@dataclass(frozen=True)
class SignedLink:
    """What a link that reads well says: the row it was made for, and its nonce."""

    row_id: int
    nonce: str


class LinkFault(Enum):
    EXPIRED = "expired"
    TAMPERED = "tampered"  # not signed by Relais under this purpose, or cut short
    MALFORMED = "malformed"  # signed, but not an id and a nonce


class UnreadableLink(Exception):
    """A token that does not read as a link of its purpose; `fault` says why."""

    def __init__(self, fault: LinkFault) -> None:
        super().__init__(fault.value)
        self.fault = fault


def serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose.salt)


def issue_link(purpose: LinkPurpose, row_id: int) -> tuple[str, str]:
    """A new token for the row, and the nonce to store on the row so that it works. The
    row must be saved (flushed): a link for no id could never be opened."""
    if row_id is None:
        raise ValueError(f"a {purpose.row_key} link needs a saved row")
    nonce = secrets.token_urlsafe(16)
    return serializer(purpose).dumps({purpose.row_key: row_id, "nonce": nonce}), nonce


def read_link(purpose: LinkPurpose, token: str, *, max_age_seconds: int) -> SignedLink:
    """The row and nonce of a link signed for this purpose within max_age_seconds;
    raises UnreadableLink otherwise."""
    try:
        data = serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as error:
        raise UnreadableLink(LinkFault.EXPIRED) from error
    except BadSignature as error:
        raise UnreadableLink(LinkFault.TAMPERED) from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get(purpose.row_key), int)
        or not isinstance(data.get("nonce"), str)
    ):
        raise UnreadableLink(LinkFault.MALFORMED)
    return SignedLink(row_id=data[purpose.row_key], nonce=data["nonce"])


def nonce_matches(stored: str | None, offered: str) -> bool:
    """Whether a link's nonce is the one stored on its row, compared in constant time;
    never when the row holds none (its link was used)."""
    return stored is not None and secrets.compare_digest(stored, offered)
