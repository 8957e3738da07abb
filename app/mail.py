"""Outgoing email, through Flask-Mailman. With MAIL_SERVER set, messages go out by SMTP;
without it (development and the demo), each is written as an .eml file under
instance/outbox/ for a person to open in a mail program.

A message is a Draft (plain data: addresses, subject, body, attachments), made into a
Flask-Mailman message only when it is sent: a batch may render its attachments in worker
processes and hand back their bytes, and a Mailer then sends the drafts over one
connection."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import formataddr, make_msgid
from pathlib import Path

from flask import current_app
from flask_mailman import EmailMessage
from flask_mailman.backends.base import BaseEmailBackend

from app.extensions import mailman


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass(frozen=True)
class Draft:
    """Everything a message says, as plain data that may go to another process."""

    sender: str  # the From header: "Relais <dons@relais.example>"
    to: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()

    def attach(self, *attachments: Attachment) -> "Draft":
        return replace(self, attachments=self.attachments + attachments)


def draft(to: str, subject: str, body: str) -> Draft:
    """A message from the organisation."""
    config = current_app.config
    return Draft(
        sender=formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"])),
        to=to,
        subject=subject,
        body=body,
    )


def send(letter: Draft) -> None:
    """Send one message over a connection of its own."""
    with Mailer() as mailer:
        mailer.send(letter)


class Mailer:
    """Sends messages one after another over one connection, opened for the first and
    closed on leaving the `with` block, so a batch of thousands does not connect and log
    in for each. A failure (OSError, which smtplib's errors are) drops the connection:
    the next message opens a new one."""

    def __init__(self) -> None:
        self.connection = connection()

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, letter: Draft) -> None:
        try:
            self.connection.open()  # kept open after the message: send_messages leaves it
            self.connection.send_messages([message(letter, self.connection)])
        except OSError:
            self.close()
            raise

    def close(self) -> None:
        """Quit the server; one that hung up already or fails to answer is left as is."""
        try:
            self.connection.close()
        except OSError:
            current_app.logger.warning("The mail connection did not close cleanly")


def connection() -> BaseEmailBackend:
    """An SMTP connection to MAIL_SERVER, not yet open, or the outbox without one."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        return mailman.get_connection(backend=OutboxBackend)
    return mailman.get_connection(
        backend="smtp",
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config["MAIL_USERNAME"],
        password=config["MAIL_PASSWORD"],
        use_tls=config["MAIL_USE_TLS"],
        timeout=config["MAIL_TIMEOUT"],
    )


def message(letter: Draft, connection: BaseEmailBackend) -> EmailMessage:
    """The draft as a Flask-Mailman message, its Message-ID in the sender's domain
    (Flask-Mailman's default asks the machine for its own name)."""
    domain = current_app.config["MAIL_FROM"].partition("@")[2] or None
    email = EmailMessage(
        subject=letter.subject,
        body=letter.body,
        from_email=letter.sender,
        to=[letter.to],
        connection=connection,
        headers={"Message-ID": make_msgid(domain=domain)},
    )
    for attachment in letter.attachments:
        email.attach(attachment.filename, attachment.content, attachment.mimetype)
    return email


class OutboxBackend(BaseEmailBackend):
    """Flask-Mailman's backend for the outbox: each message in a file of its own, which a
    mail program opens (Flask-Mailman's file backend puts all of a connection's messages
    in one log file)."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for email in email_messages:
            mime = email.message()
            write_bytes_to_outbox(mime.as_bytes(), mime["Message-ID"])
        return len(email_messages)


def outbox() -> Path:
    return Path(current_app.instance_path) / "outbox"


def write_bytes_to_outbox(data: bytes, message_id: str) -> Path:
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    token = message_id.strip("<>").partition("@")[0][-12:]
    path = folder / f"{stamp}-{token}.eml"
    path.write_bytes(data)
    return path
