"""Mail through SMTP: its settings (CTDASH_SMTP_URL, CTDASH_MAIL_FROM, the login from the
environment or the secrets file), the message that carries a brief, and sending it."""

from __future__ import annotations

import html
import os
import re
import smtplib
import socket
import ssl
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, quote, urlsplit

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from ctdash import brief, queries
from ctdash.config import ConfigError, get_settings
from ctdash.models import Delivery, Reminder, utcnow

URL_ENV = "CTDASH_SMTP_URL"
FROM_ENV = "CTDASH_MAIL_FROM"
USER_ENV = "CTDASH_SMTP_USER"
PASSWORD_ENV = "CTDASH_SMTP_PASSWORD"
# Streamlit's own list of secrets files (TOML files or Kubernetes-style folders), which the
# server reads too; without it, the user's and the project's .streamlit/secrets.toml.
SECRETS_ENV = "STREAMLIT_SECRETS_FILES"

URL_EXAMPLE = "smtp://mail.example.org:587?starttls=1"
FROM_EXAMPLE = "ctdash@example.org"
# The ports a scheme means when the URL names none.
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
MAX_ADDRESS = 254

Security = Literal["none", "starttls", "ssl"]


class MailError(Exception):
    """The mail server could not be reached, or refused the message; one line says why."""


class RecipientRefused(MailError):
    """The mail server took the connection but refused this one recipient."""


class PartlyRefused(RecipientRefused):
    """The mail server took the message for some of its recipients and refused the others."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how mail is sent, and from which address."""

    host: str
    port: int
    security: Security
    sender: str
    timeout: float
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def server(self) -> str:
        """The server as an operator names it: scheme, host and port, never the login."""
        scheme = "smtps" if self.security == "ssl" else "smtp"
        tls = "?starttls=1" if self.security == "starttls" else ""
        return f"{scheme}://{self.host}:{self.port}{tls}"


# --- addresses ----------------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def address_problem(text: str) -> str | None:
    """What is wrong with an e-mail address, in one sentence; None when it is a plain one
    (name@domain.tld: no display name, no second address, no spaces)."""
    address = text.strip()
    example = "for example ana@example.org"
    if not address:
        return f"The e-mail address is empty: give one, {example}."
    shown = repr(address[:80])
    if len(address) > MAX_ADDRESS:
        return f"The e-mail address {shown}… is longer than {MAX_ADDRESS} characters."
    if any(ch in address for ch in ",;"):
        return f"{shown} holds more than one address: give one, {example}."
    if any(ch.isspace() or ord(ch) < 32 for ch in address) or any(ch in address for ch in '<>"'):
        return f"{shown} holds a space, a name or brackets: give the address alone, {example}."
    if address.count("@") != 1:
        many = "no @" if "@" not in address else "more than one @"
        return f"{shown} is not an e-mail address: it has {many}; {example}."
    local, domain = address.split("@")
    if not local or not _LOCAL.match(local) or local.startswith(".") or ".." in local:
        return f"{shown} is not an e-mail address: the part before @ is not a mailbox; {example}."
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return (
            f"{shown} is not an e-mail address: the part after @, {domain!r}, is not a domain "
            f"name such as example.org."
        )
    if not labels[-1].isalpha() or len(labels[-1]) < 2:
        return f"{shown} is not an e-mail address: {domain!r} ends in no top-level domain."
    return None


def checked_address(text: str) -> str:
    """The address as stored (its domain in lower case); ValueError says what is wrong."""
    problem = address_problem(text)
    if problem is not None:
        raise ValueError(problem)
    local, domain = text.strip().split("@")
    return f"{local}@{domain.lower()}"


# --- settings -----------------------------------------------------------------------------------


def settings_from_env(environ: Mapping[str, str] | None = None) -> MailSettings:
    """The mail settings of this process; ConfigError names a missing or bad one in one line.

    The login comes from CTDASH_SMTP_USER / CTDASH_SMTP_PASSWORD, or else from the `[smtp]`
    section (`user`, `password`) of the secrets file, which is never in the repository.
    """
    env = os.environ if environ is None else environ
    url = env.get(URL_ENV, "").strip()
    if not url:
        raise ConfigError(
            f"{URL_ENV} is not set: name the mail server that sends the briefs; for example "
            f"{URL_ENV}={URL_EXAMPLE}"
        )
    host, port, security, url_user = parse_smtp_url(url)
    sender = env.get(FROM_ENV, "").strip()
    if not sender:
        raise ConfigError(
            f"{FROM_ENV} is not set: the address briefs are sent from, which readers write to to "
            f"stop receiving them; for example {FROM_ENV}={FROM_EXAMPLE}"
        )
    problem = address_problem(sender)
    if problem is not None:
        raise ConfigError(f"{FROM_ENV}: {problem} For example {FROM_ENV}={FROM_EXAMPLE}")
    secrets = smtp_secrets(env)
    user = env.get(USER_ENV) or secrets.get("user") or url_user or None
    password = env.get(PASSWORD_ENV) or secrets.get("password") or None
    if password and not user:
        raise ConfigError(
            f"A mail password is set but no user: set {USER_ENV} or `user` in the [smtp] "
            "section of the secrets file."
        )
    if user and not password:
        raise ConfigError(
            f"The mail user {user!r} has no password: set {PASSWORD_ENV} or `password` in the "
            "[smtp] section of the secrets file."
        )
    return MailSettings(
        host=host,
        port=port,
        security=security,
        sender=checked_address(sender),
        timeout=get_settings().db_connect_timeout,
        user=user,
        password=password,
    )


def parse_smtp_url(url: str) -> tuple[str, int, Security, str | None]:
    """The host, port, security and user a CTDASH_SMTP_URL names; ConfigError, naming the
    variable and a good value, for any other text. A password in the URL is refused."""

    def bad(reason: str, shown: str = url) -> ConfigError:
        return ConfigError(f"{URL_ENV}={shown}: {reason}; for example {URL_ENV}={URL_EXAMPLE}")

    parts = urlsplit(url)
    if parts.password is not None:
        masked = parts._replace(netloc=f"{parts.username}:***@{parts.hostname or ''}").geturl()
        raise bad(
            f"holds a password, which would be seen wherever settings are shown; put it in "
            f"{PASSWORD_ENV} or in the [smtp] section of the secrets file",
            masked,
        )
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise bad("is not an smtp:// or smtps:// URL")
    if not parts.hostname:
        raise bad("names no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise bad("names a port that is not a number from 1 to 65535") from None
    if parts.path not in ("", "/"):
        raise bad(f"has a path, {parts.path!r}, which a mail server has not")
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"starttls"})
    if unknown:
        raise bad(f"has the parameter {unknown[0]!r}; the only one is starttls=1")
    starttls = query.get("starttls", ["0"])[-1].strip().lower()
    if starttls not in ("0", "1", "true", "false", "yes", "no"):
        raise bad(f"says starttls={starttls}; give starttls=1 or leave it out")
    security: Security = "none"
    if starttls in ("1", "true", "yes"):
        if scheme == "smtps":
            raise bad("asks for STARTTLS on smtps://, which is encrypted from the start")
        security = "starttls"
    elif scheme == "smtps":
        security = "ssl"
    return parts.hostname, port, security, parts.username or None


def secrets_files(environ: Mapping[str, str]) -> list[Path]:
    """The secrets files (or folders) Streamlit reads, in the order it reads them."""
    named = environ.get(SECRETS_ENV, "").split()
    if named:
        return [Path(name) for name in named]
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def smtp_secrets(environ: Mapping[str, str]) -> dict[str, str]:
    """The `[smtp]` section of the secrets files, later files winning; a folder holds it as
    Kubernetes mounts it (smtp/user, smtp/password)."""
    found: dict[str, str] = {}
    for path in secrets_files(environ):
        if path.is_dir():
            section = path / "smtp"
            for name in ("user", "password"):
                if (section / name).is_file():
                    found[name] = (section / name).read_text(encoding="utf-8").strip()
        elif path.is_file():
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8")).get("smtp", {})
            except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                raise ConfigError(f"The secrets file {path} is not valid TOML.") from None
            if isinstance(table, dict):
                found |= {k: str(v) for k, v in table.items() if k in ("user", "password")}
    return found


# --- the message --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure as the e-mail states it."""

    label: str
    value: str
    change: str
    as_of: str
    source: str


def figures(tiles: Sequence[queries.Tile]) -> list[Figure]:
    """The brief's figures in the newsletter's order, in words."""
    return [
        Figure(
            label=tile.label,
            value="—" if tile.value is None else f"{tile.value:,}",
            change=(
                f"{tile.delta:+,} since {tile.previous_as_of}"
                if tile.delta is not None
                else "first snapshot"
            ),
            as_of=str(tile.as_of) if tile.as_of else "no figure",
            source=tile.source or "",
        )
        for tile in tiles
    ]


def subject(made: brief.Rendered) -> str:
    """The e-mail's subject: the brief's title and as-of date."""
    return f"{made.title} — as of {made.as_of}" if made.as_of else made.title


def brief_message(
    made: brief.Rendered,
    *,
    sender: str,
    recipient: str,
    subscription_id: int,
    now: datetime | None = None,
) -> EmailMessage:
    """The e-mail that carries a brief: the figures and their changes as text and as HTML
    (every value escaped), the link's notices, the link to the view, how to stop receiving it,
    and the brief attached."""
    stop = f"unsubscribe {subscription_id}"
    message = EmailMessage()
    message["Subject"] = subject(made)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message["List-Unsubscribe"] = f"<mailto:{sender}?subject={quote(stop)}>"
    rows = figures(made.tiles)
    message.set_content(_text(made, rows, sender=sender, subscription_id=subscription_id))
    message.add_alternative(
        _html(made, rows, sender=sender, subscription_id=subscription_id), subtype="html"
    )
    maintype, _, subtype = made.media_type.split(";")[0].strip().partition("/")
    message.add_attachment(made.content, maintype=maintype, subtype=subtype, filename=made.filename)
    return message


def _stop_line(sender: str, subscription_id: int) -> str:
    return (
        f"You receive this brief by subscription {subscription_id}. To stop receiving it, "
        f"write to {sender} naming subscription {subscription_id}."
    )


def _text(made: brief.Rendered, rows: list[Figure], *, sender: str, subscription_id: int) -> str:
    dated = f", as of {made.as_of}" if made.as_of else ""
    lines = [f"{made.title}{dated}.", "", "The figures:"]
    for row in rows:
        source = f"; source: {row.source}" if row.source else ""
        lines.append(f"- {row.label}: {row.value} ({row.change}), as of {row.as_of}{source}")
    if made.notices:
        lines += ["", "What the link could not give:", *(f"- {n}" for n in made.notices)]
    lines += [
        "",
        f"The brief is attached ({made.filename}), made from data version {made.data_version}.",
        f"The same view on the dashboard: {made.link}",
        "",
        _stop_line(sender, subscription_id),
    ]
    return "\n".join(lines) + "\n"


def _html(made: brief.Rendered, rows: list[Figure], *, sender: str, subscription_id: int) -> str:
    e = html.escape
    dated = f", as of {e(str(made.as_of))}" if made.as_of else ""
    body = [
        f"<h1>{e(made.title)}{dated}</h1>",
        "<table>",
        "<caption>The figures</caption>",
        "<thead><tr><th scope='col'>Indicator</th><th scope='col'>Figure</th>"
        "<th scope='col'>Change</th><th scope='col'>As of</th><th scope='col'>Source</th>"
        "</tr></thead>",
        "<tbody>",
    ]
    body += [
        f"<tr><th scope='row'>{e(r.label)}</th><td>{e(r.value)}</td><td>{e(r.change)}</td>"
        f"<td>{e(r.as_of)}</td><td>{e(r.source)}</td></tr>"
        for r in rows
    ]
    body += ["</tbody>", "</table>"]
    if made.notices:
        body += ["<p>What the link could not give:</p>", "<ul>"]
        body += [f"<li>{e(notice)}</li>" for notice in made.notices]
        body.append("</ul>")
    link = e(made.link)
    # Only a web address becomes a link; anything else is shown as text.
    shown = (
        f"<a href='{link}'>{link}</a>" if urlsplit(made.link).scheme in ("http", "https") else link
    )
    body += [
        f"<p>The brief is attached ({e(made.filename)}), made from data version "
        f"{made.data_version}.</p>",
        f"<p>The same view on the dashboard: {shown}</p>",
        f"<p>{e(_stop_line(sender, subscription_id))}</p>",
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{e(subject(made))}</title></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


# --- sending ------------------------------------------------------------------------------------


class Mailer:
    """One connection to the mail server, opened at the first message a run sends."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Hand one message to the server; MailError (RecipientRefused for a refused address)
        when it cannot be reached or does not accept it."""
        try:
            client = self._client or self._connect()
            refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise RecipientRefused(describe(error, self.settings)) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise MailError(describe(error, self.settings)) from None
        if refused:
            raise PartlyRefused(f"the mail server refused {', '.join(refused)}")

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        client: smtplib.SMTP
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=settings.timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user and settings.password:
                client.login(settings.user, settings.password)
        except BaseException:
            client.close()
            raise
        self._client = client
        return client

    def close(self) -> None:
        """Say goodbye to the server, if connected; a server already gone is let go."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


@contextmanager
def mailer(settings: MailSettings) -> Iterator[Mailer]:
    """A Mailer closed at the end, whatever happened."""
    sender = Mailer(settings)
    try:
        yield sender
    finally:
        sender.close()


def send(message: EmailMessage, settings: MailSettings) -> None:
    """Send one message on a connection of its own; MailError says why it was not accepted."""
    with mailer(settings) as one:
        one.send(message)


def describe(error: BaseException, settings: MailSettings) -> str:
    """One line on why the mail server did not take a message, naming the server, not the
    login."""
    where = f"the mail server {settings.server}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {_reply(code, reply)}"
            for address, (code, reply) in error.recipients.items()
        )
        return f"{where} refused the recipient ({refused})"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"{where} refused the login ({_reply(error.smtp_code, error.smtp_error)})"
    if isinstance(error, smtplib.SMTPSenderRefused):
        reply = _reply(error.smtp_code, error.smtp_error)
        return f"{where} refused the sender {error.sender} ({reply})"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"{where} does not offer {_one_line(str(error)) or 'what was asked'}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{where} answered {_reply(error.smtp_code, error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection"
    if isinstance(error, ConnectionRefusedError):
        return f"{where} refused the connection (is it running?)"
    if isinstance(error, socket.gaierror):
        return f"{where} cannot be found (unknown host)"
    if isinstance(error, TimeoutError | socket.timeout):
        return f"{where} did not answer within {settings.timeout:g} s"
    if isinstance(error, ssl.SSLError):
        return f"{where}: TLS failed ({_one_line(error.reason or str(error))})"
    detail = _one_line(str(error))
    return f"{where} failed ({type(error).__name__}{': ' + detail if detail else ''})"


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {_one_line(text)}".strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- the record of each sending -----------------------------------------------------------------


def claim(session: Session, record: Delivery | Reminder) -> int | None:
    """Commit the record of a sending (status "sending", its once key set) before the mail
    server is spoken to; None when another run holds that key (sent, or being sent). Not
    `commit_write`: a sending is not data, and moves no data version."""
    session.add(record)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return record.id


def finish(
    engine: Engine,
    model: type[Delivery] | type[Reminder],
    record_id: int,
    *,
    status: str,
    detail: str,
) -> None:
    """Mark a sending sent, or failed (then its key is freed, so that the next run sends it)."""
    with Session(engine) as session:
        record = session.get(model, record_id)
        assert record is not None
        record.status = status
        record.detail = detail
        record.recorded_at = utcnow()  # when the server answered
        if status == "failed":
            record.once_key = None
        session.add(record)
        session.commit()
