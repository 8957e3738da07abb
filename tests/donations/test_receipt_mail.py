"""Receipts' emails through a real SMTP conversation: a small SMTP server in a thread
records each connection and the messages it accepts, and can refuse one."""

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask

from donations.models import Donation
from tests.donations.test_receipts import paid_donation  # noqa: F401  (the gifts)


class SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SMTPConversation)
        self.connections = 0
        self.received: list[EmailMessage] = []
        self.refuse = 0  # messages to refuse (554), from the next one on


class SMTPConversation(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: no extensions, so no STARTTLS."""

    server: SMTPServer

    def handle(self) -> None:
        self.server.connections += 1
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"QUIT":
                self.reply("221 bye")
                return
            if verb == b"DATA":
                self.reply("354 end with .")
                self.receive()
            else:
                self.reply("250 ok")

    def receive(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        if self.server.refuse:
            self.server.refuse -= 1
            self.reply("554 refused")
            return
        message = message_from_bytes(b"".join(lines), policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.server.received.append(message)
        self.reply("250 queued")

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SMTPServer]:
    server = SMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.server_address[1])
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield server
    server.shutdown()
    server.server_close()


def send_pending(app: Flask) -> str:
    return app.test_cli_runner().invoke(args=["receipts", "send-pending"]).output


def test_pending_receipts_go_by_smtp_over_one_connection(
    app: Flask,
    db_session: Any,
    smtp: SMTPServer,
    paid_donation: Callable[..., Donation],  # noqa: F811
) -> None:
    gifts = [paid_donation(cents) for cents in (5000, 3000, 2000)]
    assert "Sent 3 of 3 receipt(s)." in send_pending(app)
    assert smtp.connections == 1
    numbers = [gift.receipt.number for gift in gifts]
    for message, number in zip(smtp.received, numbers, strict=True):
        assert message["To"] == "marc.leroy@example.org" and number in message["Subject"]
        assert message["From"] == f"{app.config['MAIL_FROM_NAME']} <{app.config['MAIL_FROM']}>"
        (pdf,) = message.iter_attachments()
        assert pdf.get_filename() == f"recu-fiscal-{number}.pdf"
        assert pdf.get_content().startswith(b"%PDF-")
    db_session.expire_all()
    assert all(gift.receipt.emailed_at is not None for gift in gifts)
    assert send_pending(app) == "Sent 0 of 0 receipt(s).\n"


def test_a_receipt_the_server_refuses_waits_and_the_others_go(
    app: Flask,
    db_session: Any,
    smtp: SMTPServer,
    paid_donation: Callable[..., Donation],  # noqa: F811
) -> None:
    gifts = [paid_donation(cents) for cents in (5000, 3000)]
    smtp.refuse = 1
    assert "Sent 1 of 2 receipt(s)." in send_pending(app)
    db_session.expire_all()
    assert [gift.receipt.emailed_at is None for gift in gifts] == [True, False]
    assert [gifts[1].receipt.number in m["Subject"] for m in smtp.received] == [True]
    assert "Sent 1 of 1 receipt(s)." in send_pending(app)
    db_session.expire_all()
    assert gifts[0].receipt.emailed_at is not None
    assert len(smtp.received) == 2


def test_receipts_wait_while_the_mail_server_is_down(
    app: Flask,
    db_session: Any,
    monkeypatch: pytest.MonkeyPatch,
    paid_donation: Callable[..., Donation],  # noqa: F811
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    gift = paid_donation()
    result = app.test_cli_runner().invoke(args=["receipts", "send-pending"])
    assert "Sent 0 of 1 receipt(s)." in result.output and result.exit_code == 1
    db_session.expire_all()
    assert gift.receipt.emailed_at is None
