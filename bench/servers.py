"""`streamlit run` of the app as deployed (serve.py) and of the one-line app, on a free port,
started as the browser tests start them; the browser, sessions, soak and api parts measure
these, and the cold part starts them again and again."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from bench.measuring import PROJECT_ROOT
from tests.e2e.launch import background_process, free_port, healthy, streamlit_command

SERVED_APP = PROJECT_ROOT / "serve.py"
# The floor: what Streamlit itself takes to show one metric.
ONE_LINE_APP = 'import streamlit as st\n\nst.metric("x", 1)\n'


@contextlib.contextmanager
def served(
    script: Path, log: Path, *, database_url: str | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run script` on a free port, as the browser tests start it, with its store at
    `database_url` if given; its base URL and its process (whose memory the parts read)."""
    port = free_port()
    with background_process(
        streamlit_command(script, port),
        name="streamlit",
        log_path=log,
        ready=lambda: healthy(port),
        waiting_for="/_stcore/health",
        env=server_env(database_url),
    ) as process:
        yield f"http://localhost:{port}", process


def server_env(database_url: str | None) -> dict[str, str]:
    """This process's environment, with the store at `database_url` if given."""
    env = dict(os.environ)
    if database_url is not None:
        env["CTDASH_DATABASE_URL"] = database_url
    return env
