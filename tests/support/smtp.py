"""A real SMTP server's handler that keeps every message it is given (aiosmtpd)."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage


class Sink:
    """Keeps each envelope; `messages` parses them as the recipient would read them."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return [
            (e.rcpt_tos, email.message_from_bytes(e.original_content, policy=policy.default))
            for e in self.envelopes
        ]
