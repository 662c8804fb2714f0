"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it is given, and
the setting that sends the product's email to it: for tests that read an email as its
reader would, links and all."""

from __future__ import annotations

import email
import email.policy
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Message:
    to: list[str]
    subject: str
    body: str

    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)


class Mailbox:
    """An aiosmtpd handler: every message accepted, parsed as a mail program would."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            Message(
                to=list(envelope.rcpt_tos),
                subject=str(parsed["Subject"]),
                body=parsed.get_body(preferencelist=("plain",)).get_content(),
            )
        )
        return "250 Message accepted"

    def to(self, address: str) -> list[Message]:
        return [message for message in self.messages if address in message.to]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(settings) -> Iterator[Mailbox]:
    """The SMTP server, and the product's email sent to it while it runs (``settings``
    is pytest-django's fixture, which puts the setting back after the test)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    try:
        yield mailbox
    finally:
        controller.stop(no_assert=True)
