"""Mail: CTDASH_SMTP_URL and the other settings read or refused in one line, the message that
carries a brief (escaped, with its figures, link, notices and how to stop it), and sending it
to a real SMTP server on localhost."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from ctdash import brief, mail, store
from ctdash.cli import app
from ctdash.config import ConfigError
from ctdash.ingest import ObservationRecord
from tests.helpers.smtp import SmtpServer, running_server

EXAMPLE = "for example CTDASH_SMTP_URL=smtp://mail.example.org:587?starttls=1"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on localhost, stopped after the test."""
    yield from running_server()


HOSTILE = "<script>alert('brief')</script> & <b>bold</b>"

# Every mail setting cleared: each test sets what it needs.
MAIL_VARIABLES = (
    "CTDASH_SMTP_URL",
    "CTDASH_MAIL_FROM",
    "CTDASH_SMTP_USER",
    "CTDASH_SMTP_PASSWORD",
    "STREAMLIT_SECRETS_FILES",
)


@pytest.fixture(autouse=True)
def no_mail_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # No secrets file of the machine running the tests is read.
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(tmp_path / "none.toml"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "none", None)),
        ("smtp://mail.example.org:2525", ("mail.example.org", 2525, "none", None)),
        ("smtp://mail.example.org:587?starttls=1", ("mail.example.org", 587, "starttls", None)),
        ("smtp://mail.example.org:587/?starttls=true", ("mail.example.org", 587, "starttls", None)),
        ("smtp://mail.example.org?starttls=0", ("mail.example.org", 25, "none", None)),
        ("smtps://mail.example.org", ("mail.example.org", 465, "ssl", None)),
        ("smtps://mail.example.org:2465", ("mail.example.org", 2465, "ssl", None)),
        ("SMTP://Mail.Example.ORG:25", ("mail.example.org", 25, "none", None)),
        ("smtp://relay@mail.example.org:25", ("mail.example.org", 25, "none", "relay")),
        ("smtp://[::1]:2525", ("::1", 2525, "none", None)),
    ],
)
def test_a_smtp_url_names_host_port_and_encryption(url: str, expected: tuple) -> None:
    assert mail.parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://mail.example.org", "is not an smtp:// or smtps:// URL"),
        ("mail.example.org:25", "is not an smtp:// or smtps:// URL"),
        ("smtp://", "names no host"),
        ("smtp://mail.example.org:99999", "names a port that is not a number from 1 to 65535"),
        ("smtp://mail.example.org:abc", "names a port that is not a number from 1 to 65535"),
        ("smtp://mail.example.org/inbox", "has a path, '/inbox'"),
        ("smtp://mail.example.org?tls=1", "has the parameter 'tls'; the only one is starttls=1"),
        ("smtp://mail.example.org?starttls=maybe", "says starttls=maybe"),
        ("smtps://mail.example.org?starttls=1", "which is encrypted from the start"),
    ],
)
def test_a_bad_smtp_url_is_one_line_naming_the_variable_and_a_good_value(
    url: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        mail.parse_smtp_url(url)
    message = str(raised.value)
    assert message.startswith(f"CTDASH_SMTP_URL={url}: ")
    assert says in message
    assert message.endswith(EXAMPLE)
    assert "\n" not in message


def test_a_password_in_the_url_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as raised:
        mail.parse_smtp_url("smtp://ana:s3cr3t-pw@mail.example.org:587?starttls=1")
    message = str(raised.value)
    assert "s3cr3t-pw" not in message
    assert message.startswith("CTDASH_SMTP_URL=smtp://ana:***@mail.example.org")
    assert "holds a password" in message
    assert "CTDASH_SMTP_PASSWORD" in message and "[smtp] section of the secrets file" in message


def env(**values: str) -> dict[str, str]:
    return {"CTDASH_SMTP_URL": "smtp://mail.example.org:587?starttls=1"} | {
        name.upper(): value for name, value in values.items()
    }


def test_the_settings_read_from_the_environment() -> None:
    settings = mail.settings_from_env(
        env(ctdash_mail_from="Briefs@UNOCT.Example.ORG", ctdash_smtp_user="relay")
        | {"CTDASH_SMTP_PASSWORD": "pw from env"}
    )
    assert (settings.host, settings.port, settings.security) == (
        "mail.example.org",
        587,
        "starttls",
    )
    assert settings.sender == "Briefs@unoct.example.org"
    assert (settings.user, settings.password) == ("relay", "pw from env")
    assert settings.timeout == 5  # CTDASH_DB_CONNECT_TIMEOUT's default
    assert "pw from env" not in repr(settings)
    assert settings.server == "smtp://mail.example.org:587?starttls=1"


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"CTDASH_MAIL_FROM": "ctdash@example.org"}, "CTDASH_SMTP_URL is not set"),
        (env(), "CTDASH_MAIL_FROM is not set"),
        (env(ctdash_mail_from="ctdash at example.org"), "CTDASH_MAIL_FROM: 'ctdash at example"),
        (
            env(ctdash_mail_from="ctdash@example.org", ctdash_smtp_password="pw"),
            "A mail password is set but no user",
        ),
        (
            env(ctdash_mail_from="ctdash@example.org", ctdash_smtp_user="relay"),
            "The mail user 'relay' has no password",
        ),
    ],
)
def test_missing_or_bad_mail_settings_say_which_in_one_line(
    variables: dict[str, str], says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        mail.settings_from_env(variables)
    assert says in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_login_comes_from_the_secrets_file_and_the_environment_wins(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\ncookie_secret = "x"\n\n[smtp]\nuser = "relay"\npassword = "from file"\n'
    )
    variables = env(ctdash_mail_from="ctdash@example.org") | {
        "STREAMLIT_SECRETS_FILES": str(secrets)
    }
    settings = mail.settings_from_env(variables)
    assert (settings.user, settings.password) == ("relay", "from file")
    settings = mail.settings_from_env(variables | {"CTDASH_SMTP_PASSWORD": "from env"})
    assert settings.password == "from env"


def test_the_login_comes_from_a_mounted_secrets_folder(tmp_path: Path) -> None:
    (tmp_path / "secrets" / "smtp").mkdir(parents=True)
    (tmp_path / "secrets" / "smtp" / "user").write_text("relay\n")
    (tmp_path / "secrets" / "smtp" / "password").write_text("mounted\n")
    variables = env(ctdash_mail_from="ctdash@example.org") | {
        "STREAMLIT_SECRETS_FILES": f"{tmp_path / 'none.toml'} {tmp_path / 'secrets'}"
    }
    settings = mail.settings_from_env(variables)
    assert (settings.user, settings.password) == ("relay", "mounted")


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("ana@example.org", None),
        ("ana.maria+briefs@un.example.org", None),
        ("  ana@example.org ", None),
        ("", "The e-mail address is empty"),
        ("ana.example.org", "it has no @"),
        ("ana@@example.org", "it has more than one @"),
        ("ana@example", "'example', is not a domain name"),
        ("ana@-example.org", "is not a domain name"),
        ("ana@example.1", "ends in no top-level domain"),
        ("@example.org", "the part before @ is not a mailbox"),
        ("ana..b@example.org", "the part before @ is not a mailbox"),
        ("Ana <ana@example.org>", "holds a space, a name or brackets"),
        ("ana@example.org, bob@example.org", "holds more than one address"),
        ("ana@example.org\r\nBcc: eve@example.org", "holds a space, a name or brackets"),
        ("a" * 250 + "@example.org", "is longer than 254 characters"),
    ],
)
def test_an_address_is_one_plain_mailbox(address: str, says: str | None) -> None:
    problem = mail.address_problem(address)
    if says is None:
        assert problem is None
    else:
        assert problem is not None and says in problem


# --- the message ----------------------------------------------------------------------------


def hostile_brief(engine: Engine) -> brief.Rendered:
    """The brief after a figure whose source's title is markup, imported through the store."""
    store.commit(
        engine,
        file_name="hostile.csv",
        data=b"date,indicator,value\n2023-09-30,member_states,140\n",
        user="ana",
        observations=[
            ObservationRecord(row=2, code="member_states", as_of=date(2023, 9, 30), value=140)
        ],
        title=HOSTILE,
    )
    return brief.render(
        engine,
        fmt="md",
        view="http://dash.example.org/?asof=2023-09-30&kind=<nope>",
        made_at=NOW,
    )


def test_the_message_states_the_figures_as_text_and_as_escaped_html(store: Engine) -> None:
    made = hostile_brief(store)
    message = mail.brief_message(
        made, sender="ctdash@example.org", recipient="ana@example.org", subscription_id=7, now=NOW
    )
    assert message["Subject"] == "Counter-Terrorism Compact in Numbers — as of 2023-09-30"
    assert message["From"] == "ctdash@example.org"
    assert message["To"] == "ana@example.org"
    assert message["List-Unsubscribe"] == "<mailto:ctdash@example.org?subject=unsubscribe%207>"
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert (
        "- Member States: 140 (+4 since 2023-04-30), as of 2023-09-30; source: " + HOSTILE in text
    )
    labels = [tile.label for tile in made.tiles]
    assert len(labels) == 8
    positions = [text.index(f"- {label}: ") for label in labels]
    assert positions == sorted(positions)
    # The markup of the data is shown, never run, in the HTML part.
    assert "<script>" not in page and "<b>bold</b>" not in page
    assert (
        "&lt;script&gt;alert(&#x27;brief&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        in page
    )
    assert "<th scope='row'>Member States</th><td>140</td><td>+4 since 2023-04-30</td>" in page
    # The link, escaped where it goes, and the notice about its bad parameter, in both parts.
    assert "The same view on the dashboard: http://dash.example.org/?asof=2023-09-30" in text
    assert "href='http://dash.example.org/?asof=2023-09-30'" in page
    assert made.notices == ("The link's parameter 'kind' is not used here.",)
    assert "- The link's parameter 'kind' is not used here." in text
    assert "<li>The link&#x27;s parameter &#x27;kind&#x27; is not used here.</li>" in page
    assert "<nope>" not in page
    stop = "To stop receiving it, write to ctdash@example.org naming subscription 7."
    assert stop in text and stop in page
    (attachment,) = message.iter_attachments()
    assert attachment.get_filename() == made.filename
    assert attachment.get_content_type() == "text/markdown"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_brief_is_sent_with_the_login_from_the_secrets_file(
    store: Engine, tmp_path: Path
) -> None:
    server = SmtpServer(login=("relay", "from file"))
    server.start()
    try:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text('[smtp]\nuser = "relay"\npassword = "from file"\n')
        settings = mail.settings_from_env(
            {
                "CTDASH_SMTP_URL": server.url,
                "CTDASH_MAIL_FROM": "ctdash@example.org",
                "STREAMLIT_SECRETS_FILES": str(secrets),
            }
        )
        made = brief.render(store, fmt="md", made_at=NOW)
        message = mail.brief_message(
            made, sender=settings.sender, recipient="ana@example.org", subscription_id=1
        )
        mail.send(message, settings)
        assert server.handler.logins == [("relay", "from file")]
        (received,) = server.messages
        assert received["Subject"] == "Counter-Terrorism Compact in Numbers — as of 2023-04-30"
        assert server.handler.envelopes == [("ctdash@example.org", ["ana@example.org"])]

        wrong = mail.MailSettings(**{**settings.__dict__, "password": "wrong"})
        with pytest.raises(mail.MailError) as raised:
            mail.send(message, wrong)
        assert str(raised.value).startswith(f"the mail server {server.url} refused the login (535")
        assert "wrong" not in str(raised.value)
    finally:
        server.stop()


def test_a_stopped_server_and_a_refused_recipient_are_one_line_each(
    store: Engine, smtp_server: SmtpServer
) -> None:
    settings = mail.MailSettings(
        host="127.0.0.1", port=smtp_server.port, security="none", sender="c@example.org", timeout=5
    )
    made = brief.render(store, fmt="md", made_at=NOW)
    smtp_server.handler.refused.add("gone@example.org")
    message = mail.brief_message(
        made, sender="c@example.org", recipient="gone@example.org", subscription_id=1
    )
    with pytest.raises(mail.RecipientRefused) as refused:
        mail.send(message, settings)
    assert str(refused.value) == (
        f"the mail server {smtp_server.url} refused the recipient "
        "(gone@example.org: 550 5.1.1 No such mailbox here)"
    )
    smtp_server.stop()
    with pytest.raises(mail.MailError) as down:
        mail.send(message, settings)
    assert str(down.value) == (
        f"the mail server {smtp_server.url} refused the connection (is it running?)"
    )


def test_send_due_with_bad_mail_settings_exits_3_with_one_line(
    monkeypatch: pytest.MonkeyPatch, db_path: Path
) -> None:
    monkeypatch.setenv("CTDASH_SMTP_URL", "smtp://ana:hunter22@mail.example.org")
    monkeypatch.setenv("CTDASH_MAIL_FROM", "ctdash@example.org")
    done = CliRunner().invoke(app, ["brief", "send-due", "--database-url", f"sqlite:///{db_path}"])
    assert done.exit_code == 3
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: CTDASH_SMTP_URL=smtp://ana:***@mail.example.org: holds")
    assert "hunter22" not in done.stderr
    assert not db_path.exists()  # checked before the store is opened
