"""/readyz through the served app: ready on the store at this version's schema or at a newer
version's (migrated during a rolling upgrade, while this replica still runs), not ready on an
older one or an unreachable one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from ctdash import server
from ctdash.config import get_settings
from ctdash.db import head_revision, make_engine
from ctdash.seed import seed


@pytest.fixture
def store_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "ctdash.db"
    monkeypatch.setenv("CTDASH_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    server._probe_engine.cache_clear()
    engine = make_engine(f"sqlite:///{path}")
    seed(engine)
    engine.dispose()
    yield path
    server._probe_engine.cache_clear()
    get_settings.cache_clear()


def at_revision(path: Path, revision: str) -> None:
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def ready(path: Path) -> tuple[int, dict[str, object]]:
    """What /readyz answers about the store at `path` (the one CTDASH_DATABASE_URL names)."""
    client = TestClient(Starlette(routes=[Route("/readyz", server.readyz)]))
    answer = client.get("/readyz")
    return answer.status_code, answer.json()


def test_ready_at_this_versions_schema(store_file: Path) -> None:
    assert ready(store_file) == (200, {"ready": True})


def test_ready_at_a_newer_versions_schema_during_a_rolling_upgrade(store_file: Path) -> None:
    at_revision(store_file, "0099_a_newer_version")
    assert ready(store_file) == (200, {"ready": True})


def test_not_ready_at_an_older_schema(store_file: Path) -> None:
    at_revision(store_file, "0007_subscriptions")
    status, body = ready(store_file)
    assert status == 503
    assert body == {
        "ready": False,
        "reason": f"the store's schema is at 0007_subscriptions, not {head_revision()}",
    }
