"""The benchmark's replicas part: how it reads page loads into a failover time and page loads per
second, what it reads from local.sh, how it refuses without a PostgreSQL server, its database
gone after it, and the report it writes.

Nothing here is timed or compared with a target; the part itself is run by hand
(docs/performance.md), and tests/deploy drives local.sh.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench import local_deploy, replicas
from bench import run as bench
from bench.replicas import MACHINE, Failover, Load, ReplicasResult, Roll, Throughput
from bench.report import report
from bench.results import Run

KILL = 100.0


def ok(started: float, ended: float) -> Load:
    return Load(KILL + started, KILL + ended)


def failed(started: float, ended: float) -> Load:
    return Load(KILL + started, KILL + ended, "could not reach the server or lost it")


@pytest.mark.parametrize(
    ("loads", "expected"),
    [
        # None failed, and loads went on succeeding: 0.
        ([ok(-1, 0.5), ok(0.5, 3), ok(3, 6)], 0.0),
        # The load cut by the kill, then a refused one: until the end of the last.
        ([failed(-0.5, 0.1), failed(0.2, 1.5), ok(1.5, 4), ok(4, 7)], 1.5),
        # A failure before the kill is not the kill's.
        ([failed(-3, -2), ok(-2, 1), ok(1, 6)], 0.0),
        # Loads succeeded for less than the quiet time after the last failure: not yet for good.
        ([failed(0, 2), ok(2, 4), ok(4, 6)], None),
        # A success that began before the last failure ended says nothing of after it.
        ([ok(-1, 9), failed(0, 2)], None),
        # Nothing after the kill: nothing says the loads succeed.
        ([ok(-2, -1)], None),
    ],
)
def test_the_failover_time_is_the_end_of_the_last_failed_load_after_the_kill(
    loads: list[Load], expected: float | None
) -> None:
    seconds = replicas.recovery_seconds(loads, KILL, quiet=5.0)
    assert seconds == (None if expected is None else pytest.approx(expected))


def test_a_failover_counts_the_failures_after_the_kill_apart_from_those_before() -> None:
    loads = [failed(-3, -2), ok(-2, 0), failed(-0.4, 0.2), ok(0.2, 8)]
    failover = Failover(KILL, loads, marked_down=KILL + 0.3)

    assert failover.failures == [loads[2]]
    assert failover.failures_before == [loads[0]]
    assert failover.recovered_after == pytest.approx(0.2)
    assert failover.down_after == pytest.approx(0.3)
    assert Failover(KILL, loads).down_after is None


def test_page_loads_per_second_and_the_proxys_ratio() -> None:
    direct = Throughput(8, [ok(0, 1)] * 30, seconds=20.0, cpu_seconds={"replica 1": 19.0})
    proxy = Throughput(8, [ok(0, 1)] * 45, seconds=20.0)
    result = ReplicasResult(2, 2, 56, 10.0, direct, proxy)

    assert direct.per_second == 1.5
    assert result.proxy_ratio == 1.5
    assert direct.cores_busy("replica 1") == pytest.approx(0.95)
    assert direct.cores_busy("replica 2") is None
    assert Throughput(8).per_second == 0.0
    assert ReplicasResult(2, 2, 56, 10.0, Throughput(8), proxy).proxy_ratio is None


def test_a_replica_restarted_is_known_by_its_latest_announcement() -> None:
    lines = [
        "local.sh: pid 41; logs in /tmp/ctdash-local.x",
        "replica 1: http://127.0.0.1:40001 pid 101",
        "replica 2: http://127.0.0.1:40002 pid 102",
        "proxy: http://localhost:8080 pid 103",
        "restart: replica 1: stopped (pid 101)",
        "replica 1: http://127.0.0.1:40001 pid 201",
        "replica 2: exited (pid 102, killed by signal 9); the proxy sends its pages elsewhere",
    ]
    found = local_deploy.announced_replicas(lines)
    assert found == {1: local_deploy.Replica(40001, 201), 2: local_deploy.Replica(40002, 102)}
    assert found[1].url == "http://127.0.0.1:40001"
    assert replicas.RESTART_GAVE_UP.search(
        "restart: replica 2 exited before it was ready; the others are left running as they are"
    )
    assert not replicas.RESTART_GAVE_UP.search("restart: done")


def test_processor_time_is_read_for_running_processes_and_the_machine() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    used = replicas.cpu_seconds({"this test": os.getpid(), "gone": gone.pid})

    assert set(used) == {"this test", MACHINE}
    assert used["this test"] > 0
    assert used[MACHINE] >= used["this test"]


# --- the part in the benchmark's command ---------------------------------------------------------


def test_without_a_postgresql_server_the_part_refuses_in_one_line_and_makes_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(replicas.POSTGRES_ENV, raising=False)
    workdir = tmp_path / "work"
    argv = ["--parts", "replicas", "--workdir", str(workdir), "--out", str(tmp_path / "x.md")]

    assert bench.main(argv) == 1

    said = capsys.readouterr()
    assert said.out == ""
    assert said.err.splitlines() == [
        "error: the replicas part needs a PostgreSQL server: set CTDASH_TEST_POSTGRES_URL, "
        "e.g. postgresql+psycopg://postgres@127.0.0.1:5433/postgres"
    ]
    assert list(workdir.iterdir()) == []
    assert not (tmp_path / "x.md").exists()


def test_by_default_the_part_runs_only_when_a_server_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(replicas.POSTGRES_ENV, raising=False)
    assert "replicas" not in bench.parse([]).parts
    assert bench.parse(["--parts", "replicas"]).parts == ["replicas"]
    monkeypatch.setenv(replicas.POSTGRES_ENV, "postgresql+psycopg://postgres@127.0.0.1:1/x")
    assert bench.parse([]).parts == list(bench.PARTS)


def test_the_partss_database_is_dropped_even_when_the_run_fails(postgres_server: str) -> None:
    with pytest.raises(RuntimeError), replicas.database(postgres_server) as url:
        name = url.rsplit("/", 1)[1]
        assert databases(postgres_server) >= {name}
        raise RuntimeError("the run failed")
    assert name not in databases(postgres_server)


def databases(server: str) -> set[str]:
    engine = create_engine(server)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())
    finally:
        engine.dispose()


# --- the report ----------------------------------------------------------------------------------


def replicas_run(failover: Failover) -> Run:
    direct = Throughput(8, [ok(0, 0.5)] * 300, seconds=20.0, cpu_seconds={"replica 1": 6.0})
    proxy = Throughput(
        8, [ok(0, 0.3)] * 500, seconds=20.0, cpu_seconds={"replica 1": 5.0, "replica 2": 5.0}
    )
    result = ReplicasResult(2, 2, 56, 10.0, direct, proxy, haproxy="2.6.12", postgres="15.18")
    result.roll = Roll(17.2, [ok(0, 1)] * 400)
    result.failover = failover
    run = Run(
        sizes=[1_000],
        years=20,
        repeats=5,
        loads=5,
        parts=["replicas"],
        command=".venv/bin/python -m bench.run --parts replicas",
        started=datetime(2026, 11, 29, 21, 0),
    )
    run.replicas = result
    return run


def test_the_report_gives_the_parts_targets_with_what_was_measured() -> None:
    recovered = Failover(KILL, [failed(-0.5, 0.4), ok(0.4, 9)], marked_down=KILL + 0.1)
    text = report(replicas_run(recovered))

    assert "## Several replicas behind the proxy" in text
    assert "From a run of its own: measured on 2026-11-29 at " in text
    assert "HAProxy 2.6.12, PostgreSQL 15.18" in text
    assert "(56 activities)" in text
    assert (
        "| Page loads per second through the proxy (2 replicas) at least 0.9× one replica "
        "direct, 8 clients at once, on 2 cores | 25.0/s vs 15.0/s (this machine): 1.67× | pass |"
    ) in text
    assert "| No failed page load, direct or through the proxy | 0 of 800 failed | pass |" in text
    assert "| 0 of 400 failed; the restart took 17.2 s | pass |" in text
    assert (
        "| 400 ms (1 of 2 loads failed; the proxy marked it down after 100 ms) | pass |"
    ) in text
    assert "around the kill, ending +400 ms from the kill: could not reach the server" in text
    assert "processor time per load was 20 ms direct and 20 ms through the proxy" in text
    # A run of the replicas part alone makes no synthetic store, and says none.
    assert "ctdash demo" not in text.split("## Targets")[0]


def test_loads_still_failing_at_the_end_of_the_watch_fail_the_failover_target() -> None:
    failing = Failover(KILL, [ok(-1, 0), failed(0, 30), failed(30, 60)])
    text = report(replicas_run(failing))

    assert (
        "| still failing at the end of the watch (2 of 3 loads failed; the proxy marked it "
        "down after —) | **FAIL** |"
    ) in text
