"""The benchmark keeps working: its data-function part in --quick mode on a tiny store.

Nothing here is timed or compared with a target; bench/ is run by hand (docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path

from bench import run as bench
from tests.e2e.conftest import CHROMIUM_ARGS, VIEWPORT


def test_the_quick_data_run_writes_a_report_with_every_data_function(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    argv = ["--quick", "--sizes", "200", "--years", "1", "--parts", "data"]
    argv += ["--out", str(out), "--workdir", str(tmp_path / "stores")]

    assert bench.main(argv) == 0

    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Performance at scale")
    for name in ("observations", "build_tiles", "trend_frame", "activities, no filter"):
        assert f"| {name} | " in text
    for name in ("activities, the first 5,000", "activity_count", "activity_places"):
        assert f"| {name}" in text
    for name in ("entity_names", "activity_date_span", "map points", "deck JSON"):
        assert f"| {name}" in text
    assert "Map JSON (points) under 2 MB, at 200" in text
    assert "python -m bench.run" in text


def test_the_browser_is_started_as_the_browser_tests_start_it() -> None:
    assert bench.CHROMIUM_ARGS == CHROMIUM_ARGS
    assert bench.VIEWPORT == VIEWPORT
