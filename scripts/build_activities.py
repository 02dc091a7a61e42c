"""Build data/activities.csv from the seed newsletter through the parser, plus recorded hand
corrections (data/activities-corrections.csv).

Run from the repository root: `.venv/bin/python -m scripts.build_activities`. A test checks
that the committed file is exactly what this produces.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ctdash.ingest.newsletter import parse_newsletter

DATA = Path(__file__).resolve().parent.parent / "data"
NEWSLETTER = DATA / "sources" / "newsletter-2023-03-04.txt"
SOURCE_KEY = "newsletter-2023-03-04"
COLUMNS = [
    "id",
    "title",
    "kind",
    "start_date",
    "end_date",
    "entities",
    "country",
    "city",
    "region",
    "working_group",
    "online",
    "section",
    "source",
    "source_line",
    "place_basis",
    "hand_corrections",
]
HEADING = re.compile(r"^[A-Z][A-Z ,&/'-]{3,}$")


def sections(lines: list[str]) -> dict[int, str]:
    """The nearest all-capitals heading above each line (1-based)."""
    current, found = "", {}
    for number, line in enumerate(lines, start=1):
        if HEADING.match(line.strip()):
            current = line.strip()
        found[number] = current
    return found


def corrections() -> dict[tuple[int, str], list[dict[str, str]]]:
    """Hand corrections keyed by (source line, start date)."""
    found: dict[tuple[int, str], list[dict[str, str]]] = {}
    with (DATA / "activities-corrections.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            found.setdefault((int(row["source_line"]), row["start_date"]), []).append(row)
    return found


def build() -> str:
    """The text of data/activities.csv."""
    text = NEWSLETTER.read_text(encoding="utf-8")
    read = parse_newsletter(text)
    heading = sections(text.splitlines())
    fixes = corrections()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number, record in enumerate(read.activities, start=1):
        row = {
            "id": f"nl-2023-03-04-{number:02d}",
            "title": record.title,
            "kind": record.kind,
            "start_date": record.start_date.isoformat(),
            "end_date": record.end_date.isoformat(),
            "entities": ";".join(record.entities),
            "country": record.country_iso3 or "",
            "city": record.city or "",
            "region": record.region or "",
            "working_group": record.working_group or "",
            "online": "true" if record.online else "false",
            "section": heading.get(record.row, ""),
            "source": SOURCE_KEY,
            "source_line": str(record.row),
            "place_basis": record.place_basis or "",
            "hand_corrections": "",
        }
        applied = []
        for fix in fixes.get((record.row, row["start_date"]), []):
            row[fix["field"]] = fix["value"]
            applied.append(f"{fix['field']}: {fix['reason']}")
        row["hand_corrections"] = "; ".join(applied)
        writer.writerow(row)
    return out.getvalue()


def main() -> None:
    """Write data/activities.csv."""
    (DATA / "activities.csv").write_text(build(), encoding="utf-8")


if __name__ == "__main__":
    main()
