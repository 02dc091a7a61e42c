"""Migrations own the schema: every store, new or from before them, ends at the latest revision
with its rows intact, and that schema is the one the models describe."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index, MetaData, UniqueConstraint, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from ctdash import auth, queries
from ctdash.db import (
    INITIAL,
    SchemaError,
    alembic_config,
    create_schema,
    head_revision,
    make_engine,
    migration_transaction,
    schema_revision,
)
from ctdash.seed import SeedReport, seed

# The tables as c2d6e8b's models had them, before migrations existed.
INITIAL_TABLES = ("indicator", "source", "batch", "observation", "activity", "activityentity")

# What `SQLModel.metadata.create_all` left in SQLite at c2d6e8b, word for word: unnamed
# constraints, which the rebuilds of 0002 must carry over.
C2D6E8B_CREATE_ALL = """
CREATE TABLE indicator (code VARCHAR NOT NULL, position INTEGER NOT NULL, label VARCHAR NOT NULL,
    unit VARCHAR NOT NULL, cumulative BOOLEAN NOT NULL, definition VARCHAR NOT NULL,
    PRIMARY KEY (code));
CREATE TABLE source (id INTEGER NOT NULL, "key" VARCHAR NOT NULL, title VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, url VARCHAR, file_name VARCHAR, sha256 VARCHAR, published DATE,
    note VARCHAR, PRIMARY KEY (id));
CREATE UNIQUE INDEX ix_source_key ON source ("key");
CREATE TABLE batch (id INTEGER NOT NULL, kind VARCHAR NOT NULL, recorded_at DATETIME NOT NULL,
    recorded_by VARCHAR NOT NULL, source_id INTEGER, note VARCHAR, PRIMARY KEY (id),
    FOREIGN KEY(source_id) REFERENCES source (id));
CREATE TABLE observation (id INTEGER NOT NULL, indicator_code VARCHAR NOT NULL,
    as_of DATE NOT NULL, as_of_inferred BOOLEAN NOT NULL, value INTEGER NOT NULL,
    revision INTEGER NOT NULL, source_id INTEGER NOT NULL, batch_id INTEGER NOT NULL,
    note VARCHAR, PRIMARY KEY (id), UNIQUE (indicator_code, as_of, revision),
    FOREIGN KEY(indicator_code) REFERENCES indicator (code),
    FOREIGN KEY(source_id) REFERENCES source (id), FOREIGN KEY(batch_id) REFERENCES batch (id));
CREATE INDEX ix_observation_as_of ON observation (as_of);
CREATE INDEX ix_observation_indicator_code ON observation (indicator_code);
CREATE TABLE activity (id INTEGER NOT NULL, "key" VARCHAR NOT NULL, title VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, start_date DATE NOT NULL, end_date DATE NOT NULL,
    country_iso3 VARCHAR, city VARCHAR, region VARCHAR, lat FLOAT, lon FLOAT,
    location_precision VARCHAR NOT NULL, place_basis VARCHAR, working_group VARCHAR,
    online BOOLEAN NOT NULL, section VARCHAR, source_id INTEGER NOT NULL, source_line INTEGER,
    batch_id INTEGER NOT NULL, PRIMARY KEY (id), FOREIGN KEY(source_id) REFERENCES source (id),
    FOREIGN KEY(batch_id) REFERENCES batch (id));
CREATE INDEX ix_activity_end_date ON activity (end_date);
CREATE INDEX ix_activity_kind ON activity (kind);
CREATE INDEX ix_activity_start_date ON activity (start_date);
CREATE INDEX ix_activity_country_iso3 ON activity (country_iso3);
CREATE UNIQUE INDEX ix_activity_key ON activity ("key");
CREATE TABLE activityentity (activity_id INTEGER NOT NULL, entity VARCHAR NOT NULL,
    position INTEGER NOT NULL, PRIMARY KEY (activity_id, entity),
    FOREIGN KEY(activity_id) REFERENCES activity (id));
CREATE INDEX ix_activityentity_entity ON activityentity (entity);
"""


def upgrade_to(engine: Engine, revision: str) -> None:
    with migration_transaction(engine) as connection:
        command.upgrade(alembic_config(connection), revision)


def made_by_c2d6e8b_create_all(engine: Engine, path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(C2D6E8B_CREATE_ALL)


def made_by_the_initial_migration_without_history(engine: Engine, path: Path) -> None:
    upgrade_to(engine, INITIAL)
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("DROP TABLE alembic_version")
        connection.commit()


def copy_rows(target: Path, seeded: Path) -> None:
    """Copy a seeded store's rows into a store of the initial schema, with plain SQL."""
    with closing(sqlite3.connect(target)) as connection:
        connection.execute("ATTACH DATABASE ? AS seeded", (str(seeded),))
        for table in INITIAL_TABLES:
            names = ", ".join(f'"{c}"' for c in _columns(connection, table))
            connection.execute(
                f"INSERT INTO main.{table} ({names}) SELECT {names} FROM seeded.{table}"
            )
        connection.commit()


def initial_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the initial tables, their initial columns only, in a stable order."""
    with closing(sqlite3.connect(path)) as connection:
        out = {}
        for table in INITIAL_TABLES:
            names = ", ".join(f'"{c}"' for c in _initial_columns(table))
            out[table] = connection.execute(
                f"SELECT {names} FROM {table} ORDER BY {names}"
            ).fetchall()
        return out


def _columns(connection: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in connection.execute(f"PRAGMA main.table_info({table})")]


def _initial_columns(table: str) -> list[str]:
    with closing(sqlite3.connect(":memory:")) as connection:
        connection.executescript(C2D6E8B_CREATE_ALL)
        return _columns(connection, table)


def schema_of(path: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


@pytest.fixture
def old_path(tmp_path: Path) -> Path:
    return tmp_path / "old.db"


@pytest.fixture
def old_engine(old_path: Path):
    engine = make_engine(f"sqlite:///{old_path}")
    yield engine
    engine.dispose()


def test_upgrading_a_store_at_the_initial_revision_keeps_every_figure_and_activity(
    store: Engine, db_path: Path, old_engine: Engine, old_path: Path
) -> None:
    upgrade_to(old_engine, INITIAL)
    copy_rows(old_path, db_path)
    before = initial_rows(old_path)
    assert (len(before["observation"]), len(before["activity"])) == (11, 56)

    create_schema(old_engine)

    assert schema_revision(old_engine) == head_revision() == "0010_activity_kind_place_index"
    assert initial_rows(old_path) == before
    # The data version goes on from the latest write, as the version did before it had a row.
    assert queries.data_version(old_engine) == max(row[0] for row in before["batch"])
    pd.testing.assert_frame_equal(queries.observations(old_engine), queries.observations(store))
    pd.testing.assert_frame_equal(queries.activities(old_engine), queries.activities(store))
    # Activities stored before internal ones existed all came from public sources.
    assert len(queries.activities(old_engine)) == len(queries.activities(old_engine, internal=True))


@pytest.mark.parametrize(
    "make_old", [made_by_c2d6e8b_create_all, made_by_the_initial_migration_without_history]
)
def test_a_store_from_before_migrations_is_stamped_then_upgraded_with_its_rows(
    make_old, store: Engine, db_path: Path, old_engine: Engine, old_path: Path
) -> None:
    make_old(old_engine, old_path)
    copy_rows(old_path, db_path)
    before = initial_rows(old_path)

    # The app's first start: upgrade, then only the shipped schedules and notes are added (the
    # tables that hold them came later); no figure or activity.
    assert seed(old_engine) == SeedReport(schedules=8, notes=6)

    assert schema_revision(old_engine) == head_revision()
    after = initial_rows(old_path)
    kept, added = after["batch"][: len(before["batch"])], after["batch"][len(before["batch"]) :]
    assert kept == before["batch"]
    assert [row[1] for row in added] == ["seed"]
    assert {**after, "batch": kept} == before
    pd.testing.assert_frame_equal(queries.activities(old_engine), queries.activities(store))
    # The rebuilt tables still refuse a second revision 1 of a figure.
    with pytest.raises(IntegrityError), old_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO observation (indicator_code, as_of, as_of_inferred, value, revision,"
                " source_id, batch_id) SELECT indicator_code, as_of, 0, 1, revision, source_id,"
                " batch_id FROM observation LIMIT 1"
            )
        )


def test_an_empty_store_from_before_migrations_is_seeded_after_the_upgrade(
    old_engine: Engine, old_path: Path
) -> None:
    made_by_c2d6e8b_create_all(old_engine, old_path)
    assert seed(old_engine) == SeedReport(
        indicators=8, sources=4, observations=11, activities=56, schedules=8, notes=6
    )
    assert schema_revision(old_engine) == head_revision()


def test_a_store_made_by_create_all_of_the_current_models_is_stamped_at_head(
    old_engine: Engine,
) -> None:
    SQLModel.metadata.create_all(old_engine)
    create_schema(old_engine)
    assert schema_revision(old_engine) == head_revision()
    assert seed(old_engine).activities == 56


def test_a_store_made_before_one_undo_per_write_gains_that_constraint(
    old_engine: Engine,
) -> None:
    # create_all of the models from 6ddd914 until d45bc01: batch.undoes_batch_id not unique.
    metadata = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(metadata)
    batch = metadata.tables["batch"]
    batch.constraints -= {c for c in batch.constraints if isinstance(c, UniqueConstraint)}
    activity = metadata.tables["activity"]  # nor the map's place indexes; kind had its own
    later = {"ix_activity_place", "ix_activity_kind_dates", "ix_activity_kind_place"}
    activity.indexes -= {i for i in activity.indexes if i.name in later}
    Index("ix_activity_kind", activity.c.kind)
    metadata.create_all(old_engine)
    with old_engine.begin() as connection:  # nor had they internal activities
        connection.execute(text("ALTER TABLE activity DROP COLUMN internal"))
    assert inspect(old_engine).get_unique_constraints("batch") == []

    create_schema(old_engine)

    assert schema_revision(old_engine) == head_revision()
    with old_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []


def test_tables_a_later_create_all_added_to_an_initial_store_keep_their_rows(
    old_engine: Engine, old_path: Path
) -> None:
    # An initial store opened by a later version before migrations: create_all added the new
    # tables (accounts could be made) but no column, so the migration that adds them takes over.
    made_by_c2d6e8b_create_all(old_engine, old_path)
    SQLModel.metadata.create_all(old_engine)
    with Session(old_engine) as session:
        auth.add_user(session, name="ana", role="editor", password="correct horse battery")
        session.commit()

    create_schema(old_engine)

    assert schema_revision(old_engine) == head_revision()
    with Session(old_engine) as session:
        assert [(u.name, u.role) for u in auth.list_users(session)] == [("ana", "editor")]
        signed_in = auth.authenticate(session, name="ana", password="correct horse battery")
        assert signed_in.ok


def test_a_failed_upgrade_changes_nothing(
    store: Engine, db_path: Path, old_engine: Engine, old_path: Path
) -> None:
    made_by_c2d6e8b_create_all(old_engine, old_path)
    copy_rows(old_path, db_path)
    with closing(sqlite3.connect(old_path)) as connection:  # 0002 makes sha256 unique
        connection.execute("UPDATE source SET sha256 = 'same'")
        connection.commit()
    schema, before = schema_of(old_path), initial_rows(old_path)

    with pytest.raises(IntegrityError):
        create_schema(old_engine)

    assert schema_revision(old_engine) is None
    assert schema_of(old_path) == schema
    assert initial_rows(old_path) == before


def test_tables_that_match_no_revision_are_refused_with_what_is_missing(
    old_engine: Engine, old_path: Path
) -> None:
    made_by_c2d6e8b_create_all(old_engine, old_path)
    with closing(sqlite3.connect(old_path)) as connection:
        connection.execute("ALTER TABLE activity DROP COLUMN section")
    missing = "activity lacks internal, section, url, withdrawn_batch_id"
    with pytest.raises(SchemaError, match=missing):
        create_schema(old_engine)


def test_a_store_written_by_a_newer_version_is_refused(old_engine: Engine) -> None:
    create_schema(old_engine)
    with old_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(SchemaError, match=r"'0099_future'.*newer version"):
        create_schema(old_engine)


@pytest.mark.parametrize("make_old", [None, made_by_c2d6e8b_create_all])
def test_the_migrated_schema_is_the_one_the_models_describe(
    make_old, old_engine: Engine, old_path: Path
) -> None:
    if make_old:
        make_old(old_engine, old_path)
    create_schema(old_engine)
    with old_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    # Nothing is ignored: SQLite reflects every type, index and constraint the models use.
    assert differences == []


def test_every_migration_goes_down_and_up_again(old_engine: Engine) -> None:
    create_schema(old_engine)
    upgrade = inspect(old_engine).get_table_names()
    with migration_transaction(old_engine) as connection:
        command.downgrade(alembic_config(connection), "base")
    assert inspect(old_engine).get_table_names() == ["alembic_version"]
    create_schema(old_engine)
    assert inspect(old_engine).get_table_names() == upgrade
    assert seed(old_engine).activities == 56


def test_processes_starting_together_upgrade_the_store_once(old_path: Path) -> None:
    engines = [make_engine(f"sqlite:///{old_path}") for _ in range(4)]
    errors: list[BaseException] = []

    def start(engine: Engine) -> None:
        try:
            create_schema(engine)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert schema_revision(engines[0]) == head_revision()
    for engine in engines:
        engine.dispose()
