"""Every read of the store; each returns a DataFrame or a small dataclass."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, func, or_, tuple_
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from ctdash import geo
from ctdash.models import (
    Activity,
    ActivityEntity,
    Batch,
    DataVersion,
    Indicator,
    Note,
    Observation,
    Schedule,
    Source,
    SourceFile,
    Target,
)

# The kind of the one source of a store filled by `ctdash demo`.
SYNTHETIC = "synthetic"

ACTIVITY_COLUMNS = [
    "id",
    "key",
    "title",
    "kind",
    "start_date",
    "end_date",
    "entities",
    "country_iso3",
    "country",
    "city",
    "region",
    "lat",
    "lon",
    "location_precision",
    "place_basis",
    "working_group",
    "online",
    "internal",
    "section",
    "source",
    "source_url",
    "source_line",
    "url",
]


@dataclass(frozen=True)
class ActivityFilter:
    """What the Map and Activities pages narrow the activities to; empty means everything.

    `near` is a point of the map (activities at exactly those coordinates), `in_country` a
    country clicked on the map (unlike `countries`, never widened by `regions`), `ids` the
    first activities of the map's points (None: not narrowed by id).
    """

    date_from: date | None = None
    date_to: date | None = None
    kinds: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    text: str = ""
    # Narrowed further to what a point or country clicked on the map stands for.
    key: str = ""
    near: tuple[float, float] | None = None
    in_country: str = ""
    ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ActivityCount:
    """How many activities a filter matches, and how many of those are internal."""

    total: int
    internal: int


@dataclass(frozen=True)
class Tile:
    """One headline figure as of a date, with what it was the snapshot before."""

    code: str
    label: str
    unit: str
    definition: str
    value: int | None
    as_of: date | None
    as_of_inferred: bool
    source: str | None
    source_url: str | None
    previous_value: int | None
    previous_as_of: date | None
    history: list[int] = field(default_factory=list)

    @property
    def delta(self) -> int | None:
        """Change since the previous snapshot of this indicator, if there is one."""
        if self.value is None or self.previous_value is None:
            return None
        return self.value - self.previous_value


def _text(value: object) -> str | None:
    # pandas gives missing text as NaN, which would print as "nan".
    return None if value is None or pd.isna(value) else str(value)  # type: ignore[call-overload]


def data_version(engine: Engine) -> int:
    """A number every write to the store moves on as it commits (db.commit_write)."""
    with Session(engine) as session:
        return session.exec(select(DataVersion.version)).one()


def figures_version(engine: Engine) -> int:
    """The data version of the latest write of figures or activities."""
    with Session(engine) as session:
        return session.exec(select(DataVersion.figures_version)).one()


def is_synthetic(engine: Engine) -> bool:
    """Whether the store holds generated data (`ctdash demo`); such a store holds nothing else."""
    with Session(engine) as session:
        found = session.exec(select(Source.id).where(Source.kind == SYNTHETIC)).first()
    return found is not None


def indicators(engine: Engine) -> pd.DataFrame:
    """The indicators in the newsletter's order."""
    query = select(Indicator).order_by(col(Indicator.position))
    return pd.read_sql(query, engine)


def observations(engine: Engine) -> pd.DataFrame:
    """The current value of every indicator at every as-of date, with its source.

    The current value is the highest revision; earlier revisions stay in the store.
    """
    query: Select = (
        sa_select(
            col(Observation.indicator_code),
            col(Observation.as_of),
            col(Observation.as_of_inferred),
            col(Observation.value),
            col(Observation.revision),
            col(Observation.note),
            col(Source.title).label("source"),
            col(Source.url).label("source_url"),
            col(Indicator.label),
            col(Indicator.position),
        )
        .join(Source, col(Source.id) == col(Observation.source_id))
        .join(Indicator, col(Indicator.code) == col(Observation.indicator_code))
        .where(col(Observation.superseded_batch_id).is_(None))
    )
    frame = pd.read_sql(query, engine)
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    frame = frame.sort_values(["indicator_code", "as_of", "revision"])
    frame = frame.drop_duplicates(["indicator_code", "as_of"], keep="last")
    return frame.sort_values(["position", "as_of"]).reset_index(drop=True)


def observation_revisions(engine: Engine) -> pd.DataFrame:
    """Every revision of every figure, current or not, with the write that recorded it (when
    and from which source; not who) and the write that superseded it, if any."""
    query: Select = (
        sa_select(
            col(Observation.indicator_code),
            col(Indicator.label),
            col(Observation.as_of),
            col(Observation.as_of_inferred),
            col(Observation.value),
            col(Observation.revision),
            col(Observation.batch_id).label("batch"),
            col(Batch.recorded_at),
            col(Observation.superseded_batch_id).label("superseded_by_batch"),
            col(Source.title).label("source"),
            col(Source.url).label("source_url"),
            col(Observation.note),
        )
        .join(Source, col(Source.id) == col(Observation.source_id))
        .join(Indicator, col(Indicator.code) == col(Observation.indicator_code))
        .join(Batch, col(Batch.id) == col(Observation.batch_id))
        .order_by(col(Indicator.position), col(Observation.as_of), col(Observation.revision))
    )
    frame = pd.read_sql(query, engine)
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame.astype({"superseded_by_batch": "Int64"})


def snapshot_dates(obs: pd.DataFrame) -> list[date]:
    """Every as-of date with at least one figure, latest first."""
    return sorted(set(obs["as_of"]), reverse=True)


def build_tiles(indicator_frame: pd.DataFrame, obs: pd.DataFrame, as_of: date) -> list[Tile]:
    """The headline tiles as of a date: each indicator's latest figure on or before it."""
    tiles = []
    for ind in indicator_frame.to_dict("records"):
        code, label, unit, definition = (
            str(ind["code"]),
            str(ind["label"]),
            str(ind["unit"]),
            str(ind["definition"]),
        )
        rows = obs[(obs["indicator_code"] == code) & (obs["as_of"] <= as_of)]
        rows = rows.sort_values("as_of")
        if rows.empty:
            tiles.append(
                Tile(code, label, unit, definition, None, None, False, None, None, None, None)
            )
            continue
        last = rows.iloc[-1]
        previous = rows.iloc[-2] if len(rows) > 1 else None
        tiles.append(
            Tile(
                code=code,
                label=label,
                unit=unit,
                definition=definition,
                value=int(last["value"]),
                as_of=last["as_of"],
                as_of_inferred=bool(last["as_of_inferred"]),
                source=_text(last["source"]),
                source_url=_text(last["source_url"]),
                previous_value=None if previous is None else int(previous["value"]),
                previous_as_of=None if previous is None else previous["as_of"],
                history=[int(v) for v in rows["value"]],
            )
        )
    return tiles


def trend_frame(
    obs: pd.DataFrame,
    codes: list[str],
    *,
    indexed: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
) -> pd.DataFrame:
    """The points to plot for the chosen indicators; indexed puts each first point at 100."""
    frame = obs[obs["indicator_code"].isin(codes)].copy()
    if date_from is not None:
        frame = frame[frame["as_of"] >= date_from]
    if date_to is not None:
        frame = frame[frame["as_of"] <= date_to]
    frame = frame.sort_values(["position", "as_of"])
    if indexed:
        first = frame.groupby("indicator_code")["value"].transform("first")
        frame["plotted"] = (frame["value"] / first * 100).round(1)
    else:
        frame["plotted"] = frame["value"].astype(float)
    return frame.reset_index(drop=True)


def _region_names(regions: tuple[str, ...]) -> set[str]:
    # An activity placed at a sub-region ("Caribbean") belongs to the region that holds it.
    names = set()
    for region in regions:
        members = set(geo.countries_in_region(region))
        names.add(region.lower())
        for other in geo.regions():
            inner = set(geo.countries_in_region(other))
            if inner and inner <= members:
                names.add(other.lower())
    return names


def _visible(query: Select, *, internal: bool) -> Select:
    """Only activities still in force, and internal ones only for those who may see them."""
    query = query.where(col(Activity.withdrawn_batch_id).is_(None))
    return query if internal else query.where(col(Activity.internal).is_(False))


def _longest_days(session: Session) -> int:
    """The most days any activity lasts: how far before a date one ending after it may start.

    Read once per store and figures version (moved by every write of activities)."""
    version = session.exec(select(DataVersion.figures_version)).one()
    return _longest_at(session.get_bind(), version)


@lru_cache(maxsize=32)
def _longest_at(bind: Engine | Connection, figures_version: int) -> int:
    # Cached: it scans every activity (0.8 s at a million), and only a write of figures or
    # activities, which moves `figures_version`, can change it.
    start, end = col(Activity.start_date), col(Activity.end_date)
    if bind.dialect.name == "sqlite":
        length = func.julianday(end) - func.julianday(start)
    else:
        length = end - start  # PostgreSQL: date minus date is a number of days
    with Session(bind) as session:
        return int(session.execute(sa_select(func.max(length))).scalar() or 0)


def _filtered(
    query: Select, flt: ActivityFilter, *, internal: bool, longest_days: int = 0
) -> Select:
    query = _visible(query, internal=internal)
    if flt.date_from is not None:
        query = query.where(col(Activity.end_date) >= flt.date_from)
        # Also bounded from below, so the start-date index finds the window at once.
        if flt.date_from.toordinal() > longest_days:
            earliest = flt.date_from - timedelta(days=longest_days)
            query = query.where(col(Activity.start_date) >= earliest)
    if flt.date_to is not None:
        query = query.where(col(Activity.start_date) <= flt.date_to)
    if flt.kinds:
        query = query.where(col(Activity.kind).in_(flt.kinds))
    if flt.entities:
        named = select(ActivityEntity.activity_id).where(
            col(ActivityEntity.entity).in_(flt.entities)
        )
        query = query.where(col(Activity.id).in_(named))
    places = []
    if flt.countries:
        places.append(col(Activity.country_iso3).in_(flt.countries))
    if flt.regions:
        members = sorted({c for r in flt.regions for c in geo.countries_in_region(r)})
        places.append(col(Activity.country_iso3).in_(members))
        places.append(func.lower(col(Activity.region)).in_(sorted(_region_names(flt.regions))))
    if places:
        query = query.where(or_(*places))
    if flt.key:
        query = query.where(col(Activity.key) == flt.key)
    if flt.near is not None:
        lat, lon = flt.near
        query = query.where(col(Activity.lat) == lat, col(Activity.lon) == lon)
    if flt.in_country:
        query = query.where(col(Activity.country_iso3) == flt.in_country)
    if flt.ids is not None:
        query = query.where(col(Activity.id).in_(flt.ids))
    text = flt.text.strip().lower()
    if text:
        # % and _ in the search are the characters themselves, not LIKE wildcards.
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        by_entity = select(ActivityEntity.activity_id).where(
            func.lower(col(ActivityEntity.entity)).like(pattern, escape="\\")
        )
        query = query.where(
            or_(
                func.lower(col(Activity.title)).like(pattern, escape="\\"),
                func.lower(func.coalesce(col(Activity.city), "")).like(pattern, escape="\\"),
                func.lower(func.coalesce(col(Activity.working_group), "")).like(
                    pattern, escape="\\"
                ),
                col(Activity.id).in_(by_entity),
            )
        )
    return query


# The most activities whose entities are looked up by id, in one statement: well within the
# bound parameters SQLite (32,766) and PostgreSQL (65,535) take; a longer read looks its
# entities up by its filter again.
IDS_PER_LOOKUP = 5_000


def activities(
    engine: Engine,
    flt: ActivityFilter | None = None,
    *,
    internal: bool = False,
    limit: int | None = None,
    offset: int = 0,
    after: tuple[date, int] | None = None,
) -> pd.DataFrame:
    """The activities that pass the filter, earliest first, entities joined with '; '.

    Internal activities are left out unless `internal` is true (a signed-in reader); `limit`
    keeps the earliest that many, after skipping the earliest `offset` (a page of a table);
    `after` (a start date and id) starts after that activity, so that a long read can be
    taken in pages of `limit` (activity_pages).
    """
    stored = [name for name in ACTIVITY_COLUMNS if name in Activity.model_fields]
    query: Select = sa_select(
        *(getattr(Activity, name) for name in stored),
        col(Source.title).label("source"),
        col(Source.url).label("source_url"),
    ).join(Source, col(Source.id) == col(Activity.source_id))
    flt = flt or ActivityFilter()
    with Session(engine) as session:
        longest = _longest_days(session) if flt.date_from is not None else 0
        query = _filtered(query, flt, internal=internal, longest_days=longest)
        if after is not None:
            query = query.where(tuple_(col(Activity.start_date), col(Activity.id)) > tuple_(*after))
        query = query.order_by(col(Activity.start_date), col(Activity.id))
        query = query.limit(limit).offset(offset or None)
        # Through the connection: plain rows, without the ORM's handling of each one.
        connection = session.connection()
        rows = connection.execute(query).all()
        if len(rows) <= IDS_PER_LOOKUP:
            # The entities of the rows read, by their ids, rather than by the filter again.
            at = stored.index("id")
            read = col(ActivityEntity.activity_id).in_([row[at] for row in rows])
        else:
            chosen = query.with_only_columns(col(Activity.id)).subquery()
            read = col(ActivityEntity.activity_id).in_(sa_select(chosen.c.id))
        entities = _entities(connection, read)
    names_read = [*stored, "source", "source_url"]
    frame = rows_frame(rows, names_read)
    frame["entities"] = [entities.get(i, "") for i in frame["id"]]
    frame = _with_country_names(frame)[ACTIVITY_COLUMNS]
    return frame.astype({"id": "Int64", "source_line": "Int64"})


def _entities(connection: Connection, read: Any) -> dict[int, str]:
    """The entities of the activities the condition `read` picks, joined with '; ' in their
    order, by activity id."""
    names = connection.execute(
        sa_select(col(ActivityEntity.activity_id), col(ActivityEntity.entity))
        .where(read)
        .order_by(col(ActivityEntity.activity_id), col(ActivityEntity.position))
    )
    # Joined as they stream in, one activity at a time: a list kept per activity made the
    # garbage collector walk them all again and again in a large read.
    return {
        activity_id: "; ".join(name for _, name in named)
        for activity_id, named in groupby(names, key=itemgetter(0))
    }


# What a point of the map shows of the first activity it stands for (first_activities).
FIRST_COLUMNS = [
    "id",
    "key",
    "title",
    "kind",
    "city",
    "region",
    "country_iso3",
    "location_precision",
]


def first_activities(
    engine: Engine,
    ids: Collection[int],
    *,
    internal: bool = False,
    entities_of: Collection[int] = (),
) -> pd.DataFrame:
    """The activities with these ids, as few columns as a point of the map shows: its key,
    title, kind and place (FIRST_COLUMNS, with the country's name), and the entities of those
    in `entities_of` ("" for the others: a point of several shows none). Lighter than
    `activities` by ids: no source, no dates, no entities but those asked for."""
    query = _filtered(
        sa_select(*(getattr(Activity, name) for name in FIRST_COLUMNS)),
        ActivityFilter(ids=tuple(ids)),
        internal=internal,
        longest_days=0,
    )
    with Session(engine) as session:
        connection = session.connection()
        rows = connection.execute(query).all()
        wanted = sorted(set(entities_of))
        entities = (
            _entities(connection, col(ActivityEntity.activity_id).in_(wanted)) if wanted else {}
        )
    frame = rows_frame(rows, FIRST_COLUMNS)
    frame["entities"] = [entities.get(i, "") for i in frame["id"]]
    return _with_country_names(frame)


def activity_kinds_and_places(
    engine: Engine, flt: ActivityFilter | None = None, *, internal: bool = False
) -> pd.DataFrame:
    """The kind, coordinates and country (code and name) of each activity that passes the
    filter: what a period's summary counts (period.summarise), without the titles, sources
    and entities that `activities` reads too."""
    names_read = ["kind", "lat", "lon", "country_iso3"]
    query: Select = sa_select(*(getattr(Activity, name) for name in names_read))
    flt = flt or ActivityFilter()
    with Session(engine) as session:
        longest = _longest_days(session) if flt.date_from is not None else 0
        rows = session.execute(_filtered(query, flt, internal=internal, longest_days=longest))
        frame = rows_frame(rows.all(), names_read)
    return _with_country_names(frame)


def rows_frame(rows: Sequence[Row[Any]], columns: list[str]) -> pd.DataFrame:
    """Rows read from the store as a frame, built column by column: given the rows, pandas
    asks every SQLAlchemy row for attributes it does not have, ten times slower than the
    frame itself (60 ms against 5 ms for 5,000 rows)."""
    values = zip(*rows, strict=True) if rows else ([] for _ in columns)
    return pd.DataFrame(dict(zip(columns, values, strict=True)))


def _with_country_names(frame: pd.DataFrame) -> pd.DataFrame:
    """The activities with a `country` column: the name of each one's country_iso3."""
    names_of = {code: geo.country_name(code) for code in frame["country_iso3"].dropna().unique()}
    frame["country"] = frame["country_iso3"].map(names_of)
    return frame


def activity_pages(
    engine: Engine,
    flt: ActivityFilter | None = None,
    *,
    internal: bool = False,
    size: int = 5_000,
) -> Iterator[pd.DataFrame]:
    """The activities of `activities`, read and given `size` at a time: a reader of every
    row holds one page in memory, not all of them."""
    after: tuple[date, int] | None = None
    while True:
        page = activities(engine, flt, internal=internal, limit=size, after=after)
        if len(page):
            yield page
        if len(page) < size:
            return
        last = page.iloc[-1]
        after = (last["start_date"], int(last["id"]))


def activity_count(
    engine: Engine, flt: ActivityFilter | None = None, *, internal: bool = False
) -> ActivityCount:
    """How many activities pass the filter, and how many of them are internal."""
    query: Select = sa_select(func.count(), func.sum(case((col(Activity.internal), 1), else_=0)))
    flt = flt or ActivityFilter()
    with Session(engine) as session:
        longest = _longest_days(session) if flt.date_from is not None else 0
        total, hidden = session.execute(
            _filtered(query, flt, internal=internal, longest_days=longest)
        ).one()
    return ActivityCount(int(total), int(hidden or 0))


PLACE_COLUMNS = [
    "lat",
    "lon",
    "kind",
    "country_iso3",
    "activities",
    "first_id",
    "start_date",
    "end_date",
    "internal",
]


def activity_places(
    engine: Engine, flt: ActivityFilter | None = None, *, internal: bool = False
) -> pd.DataFrame:
    """The activities that pass the filter, counted by place and kind.

    One row per coordinates and kind: how many activities, the first of them (lowest id),
    their first start and last end, how many are internal, and the country of the place
    (none for a region). Activities with no place make rows with no coordinates. The map
    draws from these rows: they grow with the places, not with the activities.
    """
    lat, lon, kind = col(Activity.lat), col(Activity.lon), col(Activity.kind)
    query: Select = sa_select(
        lat,
        lon,
        kind,
        func.min(col(Activity.country_iso3)),
        func.count(),
        func.min(col(Activity.id)),
        func.min(col(Activity.start_date)),
        func.max(col(Activity.end_date)),
        func.sum(case((col(Activity.internal), 1), else_=0)),
    ).group_by(lat, lon, kind)
    flt = flt or ActivityFilter()
    with Session(engine) as session:
        longest = _longest_days(session) if flt.date_from is not None else 0
        rows = session.execute(_filtered(query, flt, internal=internal, longest_days=longest)).all()
    frame = rows_frame(rows, PLACE_COLUMNS)
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame.astype({"activities": "int64", "first_id": "int64", "internal": "int64"})


def entity_names(engine: Engine, *, internal: bool = False) -> list[str]:
    """Every entity named by at least one activity the reader may see, sorted."""
    # The few distinct names are read by stepping through the entity index, one lookup per
    # name (a recursive CTE), rather than by a scan of every activity's entities.
    step = aliased(ActivityEntity)
    names = sa_select(func.min(col(ActivityEntity.entity)).label("name")).cte(
        "entity_names", recursive=True
    )
    following = (
        sa_select(func.min(col(step.entity)))
        .where(col(step.entity) > names.c.name)
        .scalar_subquery()
    )
    names = names.union_all(sa_select(following).where(names.c.name.is_not(None)))
    named = aliased(ActivityEntity)
    seen = _visible(
        sa_select(col(Activity.id)).where(col(Activity.id) == col(named.activity_id)),
        internal=internal,
    )
    query = sa_select(names.c.name).where(
        names.c.name.is_not(None),
        sa_select(col(named.activity_id))
        .where(col(named.entity) == names.c.name, seen.exists())
        .exists(),
    )
    with Session(engine) as session:
        found = session.execute(query).scalars().all()
    return sorted(found, key=str.lower)


def activity_date_span(
    engine: Engine, *, internal: bool = False
) -> tuple[date | None, date | None]:
    """The first start and last end date of the activities the reader may see."""
    # Ordered reads that stop at the first row walk the date indexes; min() and max() under
    # a WHERE clause read every row.
    first = _visible(sa_select(col(Activity.start_date)), internal=internal)
    last = _visible(sa_select(col(Activity.end_date)), internal=internal)
    with Session(engine) as session:
        start = session.execute(first.order_by(col(Activity.start_date)).limit(1)).scalar()
        end = session.execute(last.order_by(col(Activity.end_date).desc()).limit(1)).scalar()
    return start, end


def history(engine: Engine, *, code: str | None = None) -> pd.DataFrame:
    """Every revision of every figure (or of one indicator): value, who, when, which file."""
    query = (
        sa_select(
            col(Observation.indicator_code),
            col(Observation.as_of),
            col(Observation.revision),
            col(Observation.value),
            col(Observation.superseded_batch_id),
            col(Batch.id),
            col(Batch.recorded_by),
            col(Batch.recorded_at),
            col(Source.title),
        )
        .join(Batch, col(Batch.id) == col(Observation.batch_id))
        .join(Source, col(Source.id) == col(Observation.source_id))
        .order_by(
            col(Observation.indicator_code), col(Observation.as_of), col(Observation.revision)
        )
    )
    if code is not None:
        query = query.where(col(Observation.indicator_code) == code)
    with Session(engine) as session:
        rows = session.execute(query).all()
    return rows_frame(
        rows,
        [
            "indicator",
            "as_of",
            "revision",
            "value",
            "superseded_by",
            "write",
            "recorded_by",
            "recorded_at",
            "source",
        ],
    )


def audit_log(engine: Engine) -> pd.DataFrame:
    """Every write, latest first: who, when, what kind, which file, how many rows."""
    with Session(engine) as session:
        figures = dict(
            session.exec(
                select(Observation.batch_id, func.count()).group_by(col(Observation.batch_id))
            ).all()
        )
        acts = dict(
            session.exec(
                select(Activity.batch_id, func.count()).group_by(col(Activity.batch_id))
            ).all()
        )
        context = {
            table: dict(
                session.exec(
                    select(model.batch_id, func.count()).group_by(col(model.batch_id))
                ).all()
            )
            for table, model in (("notes", Note), ("settings", Schedule), ("targets", Target))
        }
        undone = dict(
            session.exec(
                select(Batch.undoes_batch_id, Batch.id).where(
                    col(Batch.undoes_batch_id).is_not(None)
                )
            ).all()
        )
        rows = session.exec(
            select(Batch, Source.title, Source.file_name, Source.sha256)
            .join(Source, col(Source.id) == col(Batch.source_id), isouter=True)
            .order_by(col(Batch.id).desc())
        ).all()
    records = [
        {
            "write": batch.id,
            "recorded_at": batch.recorded_at,
            "recorded_by": batch.recorded_by,
            "kind": batch.kind,
            "file": file_name or title or "",
            "sha256": sha or "",
            "figures": figures.get(batch.id or 0, 0),
            "activities": acts.get(batch.id or 0, 0),
            "notes": context["notes"].get(batch.id or 0, 0),
            "settings": context["settings"].get(batch.id or 0, 0)
            + context["targets"].get(batch.id or 0, 0),
            "undone_by": undone.get(batch.id),
            "note": batch.note or "",
        }
        for batch, title, file_name, sha in rows
    ]
    return pd.DataFrame.from_records(
        records,
        columns=[
            "write",
            "recorded_at",
            "recorded_by",
            "kind",
            "file",
            "sha256",
            "figures",
            "activities",
            "notes",
            "settings",
            "undone_by",
            "note",
        ],
    )


def source_file(engine: Engine, *, source_id: int) -> bytes | None:
    """The kept bytes of an uploaded file."""
    with Session(engine) as session:
        kept = session.get(SourceFile, source_id)
        return None if kept is None else kept.content
