"""Files as the tests upload them."""

from __future__ import annotations

import csv
import io


def activities_csv(*rows: list[str]) -> bytes:
    """An activities upload with the columns title, kind, start, country, entities, internal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["title", "kind", "start", "country", "entities", "internal"])
    writer.writerows(rows)
    return buffer.getvalue().encode()
