"""An aiosmtpd handler for the peer: a Maildir that refuses recipients of one domain for good
(550, as a mail server answers for a mailbox that does not exist), takes all others, and may
take its time over each message (a second argument, in seconds), as a loaded server does.

Started by ``running_smtp(folder, handler=REFUSING)``; aiosmtpd imports it by name."""

from __future__ import annotations

import asyncio
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from aiosmtpd.handlers import Mailbox

#: Recipients at this domain are refused.
REFUSED_DOMAIN = "gibt-es-nicht.example"


class RefusingMailbox(Mailbox):
    def __init__(self, mail_dir: str, delay: float = 0.0) -> None:
        super().__init__(Path(mail_dir))
        self.delay = delay

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> RefusingMailbox:
        if not 1 <= len(args) <= 2:
            parser.error("arguments: the maildir, and the delay per message in seconds")
        return cls(args[0], float(args[1]) if len(args) == 2 else 0.0)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower().endswith("@" + REFUSED_DOMAIN):
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # Before the message is kept: a server killed meanwhile has not taken it.
        await asyncio.sleep(self.delay)
        answer: str = await super().handle_DATA(server, session, envelope)
        return answer
