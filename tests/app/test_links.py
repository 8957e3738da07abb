"""One-time links: a row's id and nonce signed under a purpose's salt, read back only
within their age, under the same purpose, and untouched."""

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.links import (
    LinkFault,
    LinkPurpose,
    SignedLink,
    UnreadableLink,
    issue_link,
    nonce_matches,
    read_link,
)

SIGN_IN = LinkPurpose(salt="relais.tests.sign-in", row_key="person")
CALENDAR = LinkPurpose(salt="relais.tests.calendar", row_key="person")
HOUR = 3600


@pytest.fixture(autouse=True)
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def fault_of(token: str, purpose: LinkPurpose = SIGN_IN) -> LinkFault:
    with pytest.raises(UnreadableLink) as unreadable:
        read_link(purpose, token, max_age_seconds=HOUR)
    return unreadable.value.fault


def test_a_link_reads_back_as_its_row_and_nonce() -> None:
    token, nonce = issue_link(SIGN_IN, 42)
    assert read_link(SIGN_IN, token, max_age_seconds=HOUR) == SignedLink(row_id=42, nonce=nonce)


def test_each_link_gets_a_new_nonce() -> None:
    (first, first_nonce), (second, second_nonce) = issue_link(SIGN_IN, 1), issue_link(SIGN_IN, 1)
    assert first != second and first_nonce != second_nonce


def test_the_payload_names_the_row_as_its_purpose_says(app: Flask) -> None:
    token, nonce = issue_link(SIGN_IN, 7)
    plain = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SIGN_IN.salt)
    assert plain.loads(token) == {"person": 7, "nonce": nonce}


def test_a_tampered_link_is_refused() -> None:
    token, _nonce = issue_link(SIGN_IN, 42)
    assert fault_of(token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")) is (
        LinkFault.TAMPERED
    )
    assert fault_of(token[:-10]) is LinkFault.TAMPERED
    assert fault_of("not-a-link") is LinkFault.TAMPERED


def test_a_link_of_another_purpose_is_refused() -> None:
    token, _nonce = issue_link(CALENDAR, 42)
    assert fault_of(token, SIGN_IN) is LinkFault.TAMPERED


def test_a_link_signed_with_another_key_is_refused() -> None:
    forged = URLSafeTimedSerializer("not the app's key", salt=SIGN_IN.salt)
    assert fault_of(forged.dumps({"person": 42, "nonce": "n"})) is LinkFault.TAMPERED


def test_a_link_older_than_its_age_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - HOUR - 60)
        old, _nonce = issue_link(SIGN_IN, 42)
    with monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - HOUR + 60)
        recent, _nonce = issue_link(SIGN_IN, 42)
    assert fault_of(old) is LinkFault.EXPIRED
    assert read_link(SIGN_IN, recent, max_age_seconds=HOUR).row_id == 42


@pytest.mark.parametrize(
    "payload",
    [
        {"person": 42},
        {"nonce": "n"},
        {"person": "42", "nonce": "n"},
        {"person": 42, "nonce": 7},
        {"someone": 42, "nonce": "n"},
        [42, "n"],
    ],
)
def test_a_signed_payload_that_is_not_an_id_and_a_nonce_is_refused(
    app: Flask, payload: object
) -> None:
    signed = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=SIGN_IN.salt).dumps(payload)
    assert fault_of(signed) is LinkFault.MALFORMED


def test_only_the_nonce_stored_on_the_row_matches() -> None:
    _token, nonce = issue_link(SIGN_IN, 42)
    _newer, newer_nonce = issue_link(SIGN_IN, 42)
    assert nonce_matches(nonce, nonce)
    assert not nonce_matches(newer_nonce, nonce)
    assert not nonce_matches(None, nonce)
    assert not nonce_matches(nonce, "")


def test_a_link_for_a_row_not_saved_yet_is_never_issued() -> None:
    with pytest.raises(ValueError, match="saved row"):
        issue_link(SIGN_IN, None)  # type: ignore[arg-type]  # a new row's id before flush
