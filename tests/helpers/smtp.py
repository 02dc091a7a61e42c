"""A real SMTP server on localhost (aiosmtpd) for the mail tests: it keeps every message it
accepts, can refuse chosen recipients, ask for a login, hold a message, and be stopped and
started again on the same port."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Collector:
    """The server's handler: what it accepted, and what it refuses."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()
        self.logins: list[tuple[str, str]] = []
        # Set: the server holds each message until released (a send the client never sees end).
        self.hold: threading.Event | None = None
        self.holding = threading.Event()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hold is not None:
            self.holding.set()
            while not self.hold.is_set():
                await asyncio.sleep(0.05)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted"


class SmtpServer:
    """An aiosmtpd server on a fixed port of localhost, stopped and started at will."""

    def __init__(self, *, login: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.login = login
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            given = (data.login.decode(), data.password.decode())
            self.handler.logins.append(given)
            return AuthResult(success=given == self.login, handled=False)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        extra: dict[str, Any] = {}
        if self.login is not None:
            extra = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **extra)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def running_server() -> Iterator[SmtpServer]:
    """A running SMTP server on localhost, stopped at the end: the body of a test's fixture."""
    server = SmtpServer()
    server.start()
    yield server
    if server.handler.hold is not None:
        server.handler.hold.set()
    server.stop()


def use_server(server: SmtpServer, monkeypatch: Any, *, sender: str, tmp_path: Path) -> None:
    """Point the ctdash commands' mail settings at `server`, sending from `sender` with no
    login and no secrets file (`monkeypatch` is pytest's)."""
    monkeypatch.setenv("CTDASH_SMTP_URL", server.url)
    monkeypatch.setenv("CTDASH_MAIL_FROM", sender)
    for name in ("CTDASH_SMTP_USER", "CTDASH_SMTP_PASSWORD", "CTDASH_TODAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(tmp_path / "none.toml"))
