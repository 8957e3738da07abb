"""Outgoing email. With MAIL_SERVER set, messages go out by SMTP; without it (development
and the demo), each is written as an .eml file under instance/outbox/ for a person to
open in a mail program.

A message is a Draft (plain data: addresses, subject, body, attachments) made into MIME
by compose(), which needs no app: a batch may compose its messages in worker processes
and hand back their bytes, which a Mailer then sends."""

import base64
import io
import secrets
import smtplib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, make_msgid
from pathlib import Path

from flask import current_app


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, except that it makes the class of each header name
    once: the standard one makes a new class for each header of each message, a quarter
    of the cost of a receipt's email (the headers are the same)."""

    def __init__(self) -> None:
        super().__init__()
        self.made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self.made:
            self.made[key] = super().__getitem__(name)
        return self.made[key]


POLICY = policy.default.clone(header_factory=_HeaderClasses())


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
    message_id: str
    date: str
    attachments: tuple[Attachment, ...] = ()

    def attach(self, *attachments: Attachment) -> "Draft":
        return replace(self, attachments=self.attachments + attachments)


def draft(to: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()) -> Draft:
    """A message from the organisation, sent now."""
    config = current_app.config
    return Draft(
        sender=formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"])),
        to=to,
        subject=subject,
        body=body,
        message_id=make_msgid(domain=config["MAIL_FROM"].partition("@")[2] or None),
        date=datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
        attachments=attachments,
    )


def compose(letter: Draft) -> EmailMessage:
    """The MIME message of a draft: its text, and each attachment in base64."""
    message = EmailMessage(POLICY)
    message["From"] = letter.sender
    message["To"] = letter.to
    message["Subject"] = letter.subject
    message["Message-ID"] = letter.message_id
    message["Date"] = letter.date
    message.set_content(letter.body)
    if letter.attachments:
        message.make_mixed(boundary=boundary_for(letter.body))
    for attachment in letter.attachments:
        message.attach(attachment_part(attachment))
    return message


def attachment_part(attachment: Attachment) -> EmailMessage:
    """What add_attachment makes of bytes, the same headers in the same order, but with
    the base64 made in C in one call rather than in Python one line at a time."""
    part = EmailMessage(POLICY)
    part.set_raw("Content-Type", attachment.mimetype)
    part.set_raw("Content-Transfer-Encoding", "base64")
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    part.set_raw("MIME-Version", "1.0")
    part.set_payload(base64.encodebytes(attachment.content).decode("ascii"))
    return part


def boundary_for(body: str) -> str:
    """A multipart boundary like the one the email package picks, without its search
    of the whole message (attachments included) for a clash: attachments are bytes,
    written in base64, which cannot hold one, so only the text is checked."""
    while True:
        boundary = f"{'=' * 15}{secrets.randbelow(10**19):019d}=="
        if boundary not in body:
            return boundary


def build_message(
    to: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()
) -> EmailMessage:
    return compose(draft(to, subject, body, attachments))


def outbox() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send(message: EmailMessage) -> None:
    with Mailer() as mailer:
        mailer.send(message)


class Mailer:
    """Sends messages one after another over one SMTP connection, opened for the first
    and closed on leaving the `with` block, so a batch of thousands does not connect
    and log in for each; without MAIL_SERVER, writes them to the outbox. A failure
    (OSError, which smtplib's errors are) drops the connection: the next message
    opens a new one."""

    def __init__(self) -> None:
        self.config = current_app.config
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        if not self.config.get("MAIL_SERVER"):
            write_to_outbox(message)
            return
        try:
            self.session().send_message(message)
        except OSError:
            self.close()
            raise

    def send_composed(self, letter: Draft, data: bytes) -> None:
        """Send the bytes of compose(letter), as made by as_bytes() (maybe elsewhere)."""
        if not self.config.get("MAIL_SERVER"):
            write_bytes_to_outbox(data, letter.message_id)
            return
        addresses = [address for _name, address in getaddresses([letter.sender, letter.to])]
        if not all(address.isascii() for address in addresses):
            # SMTPUTF8 wants the message made again with UTF-8 headers: as send() does.
            self.send(message_from_bytes(data, _class=EmailMessage, policy=policy.default))
            return
        try:
            self.session().sendmail(addresses[0], addresses[1:], data)
        except OSError:
            self.close()
            raise

    def session(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = self.connect()
        return self.smtp

    def connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30)
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except OSError:
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except OSError:
            smtp.close()


def write_to_outbox(message: EmailMessage) -> Path:
    return write_bytes_to_outbox(as_bytes(message), message["Message-ID"])


def write_bytes_to_outbox(data: bytes, message_id: str) -> Path:
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    token = message_id.strip("<>").partition("@")[0][-12:]
    path = folder / f"{stamp}-{token}.eml"
    path.write_bytes(data)
    return path


def as_bytes(message: EmailMessage) -> bytes:
    """The same bytes as bytes(message), several times faster for an attachment."""
    buffer = io.BytesIO()
    generator = _WholeTextGenerator(buffer, mangle_from_=False, policy=message.policy)
    generator.flatten(message, unixfrom=False)
    return buffer.getvalue()


class _WholeTextGenerator(BytesGenerator):
    """The standard generator, except that it writes a text part whose lines already
    end as the policy wants in one piece instead of line by line: for a receipt's PDF in
    base64 (a thousand lines) that was most of the cost of the whole message."""

    def _write_lines(self, lines: str) -> None:  # the standard generator's own hook
        if self._NL == "\n" and "\r" not in lines:
            self.write(lines)
        else:
            super()._write_lines(lines)
