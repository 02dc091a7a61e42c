"""Everything one run of the benchmark measured, as the targets and the report read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bench.api_calls import ApiResult
from bench.browser import BrowserResult
from bench.cold_start import ColdStarts
from bench.page_scripts import PageRuns
from bench.postgres_store import PostgresStore
from bench.reads import DataResult
from bench.replicas import ReplicasResult
from bench.soak import SoakResult
from bench.stores import FilterChoices
from bench.timeline import Timeline


@dataclass
class PostgresRun:
    """The largest size measured again on PostgreSQL: the store, and each part's results."""

    store: PostgresStore
    size: int
    pages: dict[str, PageRuns] | None = None
    browser: BrowserResult | None = None
    cold: ColdStarts | None = None


@dataclass
class Run:
    """Everything one run measured: how it was asked for, and each part's results by size."""

    sizes: list[int]
    years: int
    repeats: int
    loads: int
    parts: list[str]
    command: str
    started: datetime
    seconds: float = 0.0
    choices: FilterChoices | None = None
    data: dict[int, DataResult] = field(default_factory=dict)
    pages: dict[int, dict[str, PageRuns]] = field(default_factory=dict)
    browser: dict[int, BrowserResult] = field(default_factory=dict)
    cold: dict[int, ColdStarts] = field(default_factory=dict)
    soak: SoakResult | None = None
    api: ApiResult | None = None
    replicas: ReplicasResult | None = None
    postgres: PostgresRun | None = None
    timeline: dict[str, list[Timeline]] = field(default_factory=dict)
