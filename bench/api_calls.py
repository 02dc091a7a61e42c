"""The `api` part: the open data API, the figure card and a link preview, asked of the app as
deployed (`streamlit run serve.py`) over HTTP, and the server's peak memory while it streams
every activity as CSV."""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from bench.measuring import Timed, timed
from bench.servers import SERVED_APP, served

TIMEOUT = 300.0
WARM = {
    "observations.json": "/api/v1/observations.json",
    "activities.json, one kind and country": "/api/v1/activities.json?kind=training&country=NGA",
    "figure card, SVG": "/embed/tile/ct_platform_visits.svg",
    "figure card, PNG": "/embed/tile/ct_platform_visits.png",
}
COLD = {
    "preview of the Map, kind training": "/preview/map.png?kind=training",
    "preview of the Overview": "/preview/overview.png",
    "preview of Trends": "/preview/trends.png",
}
EVERY_ACTIVITY = "/api/v1/activities.csv"


@dataclass
class ApiResult:
    """Warm answers (median of repeats), cold ones (the first ask), and the streamed CSV."""

    warm: dict[str, Timed] = field(default_factory=dict)
    cold: dict[str, float] = field(default_factory=dict)
    csv_seconds: float = 0.0
    csv_bytes: int = 0
    csv_rows: int = 0
    peak_before: int = 0
    peak_after: int = 0

    @property
    def peak_growth(self) -> int:
        """How much the server's peak resident memory grew while it streamed the CSV."""
        return max(0, self.peak_after - self.peak_before)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
        return bytes(answer.read())


def _size(url: str) -> int:
    return len(_get(url))


def peak_resident(pid: int) -> int:
    """The process's peak resident memory (VmHWM) so far, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def measure_api(database_url: str, log: Path, *, repeats: int) -> ApiResult:
    """Start the app on the store and time what the API answers."""
    result = ApiResult()
    with served(SERVED_APP, log, database_url=database_url) as (base, process):
        for label, path in COLD.items():
            start = time.perf_counter()
            _get(base + path)
            result.cold[label] = time.perf_counter() - start
        for label, path in WARM.items():
            _get(base + path)  # the first ask fills the caches
            result.warm[label] = timed(partial(_size, base + path), repeats=repeats)
        result.peak_before = peak_resident(process.pid)
        start = time.perf_counter()
        with urllib.request.urlopen(base + EVERY_ACTIVITY, timeout=TIMEOUT) as answer:
            while chunk := answer.read(1 << 16):
                result.csv_bytes += len(chunk)
                result.csv_rows += chunk.count(b"\n")
        result.csv_seconds = time.perf_counter() - start
        result.peak_after = peak_resident(process.pid)
    result.csv_rows -= 1  # the header
    return result
