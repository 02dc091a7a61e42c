"""How figures are written in the report: times, ratios, counts, megabytes and results."""

from __future__ import annotations

MB = 1_000_000


def seconds_text(seconds: float | None) -> str:
    """Seconds as a reader takes them in: "918 ms", "10.9 s", or "—" for none."""
    if seconds is None:
        return "—"
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def times_text(value: float | None) -> str:
    """A ratio, "1.12×", or "—" for none."""
    return "—" if value is None else f"{value:,.2f}×"


def count_text(size: int) -> str:
    """A count with thousands separated: "100,000"."""
    return f"{size:,}"


def megabytes_text(size: int | None) -> str:
    """Bytes in megabytes: "291 MB", or "—" for none."""
    return "—" if size is None else f"{size / MB:,.0f} MB"


def result_text(ok: bool | None, *, required: bool = True) -> str:
    """Whether a target holds: "pass", "**FAIL**", or "—" when it was not judged; for a
    target reported rather than required, "within (reported)" or "over (reported)"."""
    if ok is None:
        return "—"
    if not required:
        return "within (reported)" if ok else "over (reported)"
    return "pass" if ok else "**FAIL**"
