"""Each figure's context in the open data API: who provides it, when the next is due and its
state on the server's day, its target; the notes on the trends; the Data Package and the
OpenAPI document that describe them; and an ETag that a new day changes."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from frictionless import validate
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ctdash import api, context, freshness
from ctdash.config import get_settings

AFTER_DUE = date(2023, 7, 1)
JUST_AFTER = date(2023, 5, 1)
ADMIN = "admin@example.org"
# The notes shipped in data/notes.csv, oldest first.
SHIPPED_NOTES = [
    "2018-02-23",
    "2018-12-06",
    "2021-10-08",
    "2021-12-14",
    "2024-01-24",
    "2025-06-25",
]
CONTEXT_FIELDS = [
    "provider",
    "cadence_months",
    "last_as_of",
    "next_due",
    "state",
    "target_value",
    "target_date",
    "target_source",
    "target_source_url",
]


@pytest.fixture
def client(store: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The API's routes on the test's store, with nothing kept from another test."""
    monkeypatch.setenv("CTDASH_DATABASE_URL", store.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    api.store.cache_clear()
    api.ANSWERS.kept.clear()
    yield TestClient(Starlette(routes=api.ROUTES))
    api.store.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch):
    """Set the day the server takes as today (freshness.clock)."""

    def set_day(day: date) -> None:
        monkeypatch.setattr(freshness, "clock", lambda: day)

    return set_day


def csv_rows(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_indicators_say_who_provides_each_when_the_next_is_due_and_its_state_today(
    client: TestClient, today
) -> None:
    today(AFTER_DUE)
    answer = client.get("/api/v1/indicators.json").json()
    assert answer["today"] == "2023-07-01"
    first = answer["indicators"][0]
    assert {name: first[name] for name in CONTEXT_FIELDS} == {
        "provider": "UNOCT (Compact Secretariat, PKMCB)",
        "cadence_months": 2,
        "last_as_of": "2023-04-30",
        "next_due": "2023-06-30",
        "state": "overdue",
        "target_value": None,
        "target_date": None,
        "target_source": None,
        "target_source_url": None,
    }
    assert {row["state"] for row in answer["indicators"]} == {"overdue"}
    rows = csv_rows(client.get("/api/v1/indicators.csv").content)
    assert list(rows[0])[-len(CONTEXT_FIELDS) :] == CONTEXT_FIELDS
    assert (rows[0]["cadence_months"], rows[0]["state"], rows[0]["target_value"]) == (
        "2",
        "overdue",
        "",
    )


def test_a_new_day_changes_the_etag_and_is_never_served_the_days_before(
    client: TestClient, today
) -> None:
    today(JUST_AFTER)
    first = client.get("/api/v1/indicators.json")
    etag = first.headers["etag"]
    assert {row["state"] for row in first.json()["indicators"]} == {"fresh"}
    assert client.get("/api/v1/indicators.json", headers={"If-None-Match": etag}).status_code == 304

    today(AFTER_DUE)
    later = client.get("/api/v1/indicators.json", headers={"If-None-Match": etag})
    assert later.status_code == 200 and later.headers["etag"] != etag
    assert {row["state"] for row in later.json()["indicators"]} == {"overdue"}
    csv_later = client.get("/api/v1/indicators.csv")
    assert {row["state"] for row in csv_rows(csv_later.content)} == {"overdue"}


def test_a_target_is_in_the_api_until_it_is_removed(
    store: Engine, client: TestClient, today
) -> None:
    today(AFTER_DUE)
    context.set_target(
        store,
        code="compact_entities",
        value=60,
        due=date(2025, 12, 31),
        source='=HYPERLINK("https://evil.example")',
        source_url="https://un.example/decision",
        user=ADMIN,
    )
    first = client.get("/api/v1/indicators.json").json()["indicators"][0]
    assert (first["target_value"], first["target_date"], first["target_source_url"]) == (
        60,
        "2025-12-31",
        "https://un.example/decision",
    )
    assert first["target_source"] == '=HYPERLINK("https://evil.example")'
    row = csv_rows(client.get("/api/v1/indicators.csv").content)[0]
    assert (row["target_value"], row["target_date"]) == ("60", "2025-12-31")
    assert row["target_source"] == '\'=HYPERLINK("https://evil.example")'  # never a formula

    context.remove_target(store, code="compact_entities", user=ADMIN)
    first = client.get("/api/v1/indicators.json").json()["indicators"][0]
    assert first["target_value"] is None and first["target_source"] is None
    assert csv_rows(client.get("/api/v1/indicators.csv").content)[0]["target_value"] == ""


def test_the_notes_list_the_six_shipped_ones_with_their_sources(
    store: Engine, client: TestClient
) -> None:
    notes = client.get("/api/v1/notes.json").json()["notes"]
    assert [note["date"] for note in notes] == SHIPPED_NOTES
    assert notes[0]["text"].startswith("The Secretary-General signs the Global Counter-Terrorism")
    assert notes[0]["source_url"].startswith("https://reliefweb.int/")
    assert all(note["source"] and note["indicator"] is None for note in notes)
    rows = csv_rows(client.get("/api/v1/notes.csv").content)
    assert list(rows[0]) == ["key", "date", "text", "source", "source_url", "indicator"]
    assert [row["date"] for row in rows] == SHIPPED_NOTES

    key = context.add_note(
        store,
        context.NoteInput(date(2023, 3, 1), "=1+1 typed as a note", "Desk", None),
        user=ADMIN,
        today=date(2026, 11, 29),
    ).key
    rows = csv_rows(client.get("/api/v1/notes.csv").content)
    added = next(row for row in rows if row["key"] == key)
    assert added["text"] == "'=1+1 typed as a note"
    context.remove_note(store, key, user=ADMIN)
    notes = client.get("/api/v1/notes.json").json()["notes"]
    assert [note["date"] for note in notes] == SHIPPED_NOTES


def test_the_data_package_describes_the_new_fields_and_validates_with_its_files(
    client: TestClient, store: Engine, today, tmp_path: Path
) -> None:
    today(AFTER_DUE)
    context.set_target(
        store,
        code="member_states",
        value=193,
        due=date(2030, 12, 31),
        source="A decision",
        user=ADMIN,
    )
    answer = client.get("/api/v1/data.zip")
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == [
            "README.txt",
            "activities.csv",
            "datapackage.json",
            "indicators.csv",
            "notes.csv",
            "observations.csv",
        ]
        archive.extractall(tmp_path)
    report = validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = client.get("/api/v1/datapackage.json").json()
    resources = {resource["name"]: resource for resource in package["resources"]}
    fields = [f["name"] for f in resources["indicators"]["schema"]["fields"]]
    assert fields[-len(CONTEXT_FIELDS) :] == CONTEXT_FIELDS
    state = next(f for f in resources["indicators"]["schema"]["fields"] if f["name"] == "state")
    assert state["constraints"]["enum"] == ["fresh", "due", "overdue", "unscheduled", "missing"]
    assert resources["notes"]["path"] == "notes.csv"
    assert "state on 2023-07-01" in (tmp_path / "README.txt").read_text()


def test_the_openapi_document_and_the_index_describe_the_new_fields_and_the_notes(
    client: TestClient,
) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    schema = paths["/api/v1/indicators.json"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["schema"]
    fields = schema["properties"]["indicators"]["items"]["properties"]
    assert set(CONTEXT_FIELDS) <= set(fields)
    assert fields["state"]["enum"] == ["fresh", "due", "overdue", "unscheduled", "missing", None]
    assert fields["next_due"]["format"] == "date"
    assert schema["properties"]["today"]["format"] == "date"
    assert {"/api/v1/notes.json", "/api/v1/notes.csv"} <= set(paths)
    notes = paths["/api/v1/notes.json"]["get"]["responses"]["200"]["content"]["application/json"]
    assert set(notes["schema"]["properties"]["notes"]["items"]["properties"]) == {
        "key",
        "date",
        "text",
        "source",
        "source_url",
        "indicator",
    }
    index = client.get("/api/v1/").text
    assert '<a href="/api/v1/notes.json">notes.json</a>' in index
