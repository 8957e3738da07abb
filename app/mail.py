"""Outgoing email. With MAIL_SERVER set, messages go out by SMTP; without it (development
and the demo), each is written as an .eml file under instance/outbox/ for a person to
open in a mail program."""

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


def build_message(
    to: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()
) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = formataddr((config["MAIL_FROM_NAME"], config["MAIL_FROM"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].partition("@")[2] or None)
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content(body)
    for attachment in attachments:
        maintype, subtype = attachment.mimetype.split("/", 1)
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


def outbox() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        write_to_outbox(message)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def write_to_outbox(message: EmailMessage) -> Path:
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    token = message["Message-ID"].strip("<>").partition("@")[0][-12:]
    path = folder / f"{stamp}-{token}.eml"
    path.write_bytes(bytes(message))
    return path
