"""The report's section on several replicas behind the proxy: what was run, on what, its targets,
page loads per second direct and through the proxy, and page loads across a restart and a kill.
"""

from __future__ import annotations

import statistics
import subprocess
from collections.abc import Mapping, Sequence

from bench.formatting import count_text, result_text, seconds_text, times_text
from bench.measuring import PROJECT_ROOT
from bench.replicas import (
    LOOP_CLIENTS,
    MACHINE,
    ROUNDS,
    WATCH_LIMIT_SECONDS,
    Load,
    ReplicasResult,
    Throughput,
)
from bench.results import Run
from bench.targets import replicas_verdicts

# How to rerun the part alone, on the PostgreSQL cluster the tests use here.
RERUN = (
    "CTDASH_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/postgres "
    ".venv/bin/python -m bench.run --parts replicas --out /tmp/replicas.md"
)


def commit_text() -> str:
    """The commit measured ("eeb7f0b"), and whether the work tree differed from it."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "an unknown commit"
    changed = " with changes not committed yet" if git("status", "--porcelain") else ""
    return f"commit `{commit}`{changed}"


def replicas_section(run: Run, machine: Mapping[str, str]) -> list[str]:
    """The part's section, first saying which run, commit and machine it is from."""
    result = run.replicas
    if result is None:
        return []
    which = "From a run of its own: measured" if run.parts == ["replicas"] else "Measured"
    software = ", ".join(
        part
        for part in (
            f"HAProxy {result.haproxy}" if result.haproxy else "",
            f"PostgreSQL {result.postgres}" if result.postgres else "",
            f"Streamlit {machine['Streamlit']}",
        )
        if part
    )
    lines = [
        "## Several replicas behind the proxy",
        "",
        f"{which} on {run.started:%Y-%m-%d} at {commit_text()} by `{run.command}`, on "
        f"{machine['cores']} cores of an {machine['CPU']}, {machine['system']}; {software}.",
        "",
        f"`deploy/local.sh --replicas {result.replicas}` on a PostgreSQL database of the run's "
        "own, which the `ctdash init` local.sh runs first seeds with the shipped data "
        f"({count_text(result.activities)} activities): {result.replicas} replicas of "
        "`streamlit run serve.py` behind HAProxy with `deploy/haproxy/haproxy.cfg`, all on "
        "this machine, beside the clients that load the pages. Each page load is a new "
        "session of Streamlit's own protocol that reads every message of the page's script "
        "run and fails as a soak load fails (`bench/soak_loads.py`); each client loads the "
        "Overview and the Map in turn. Without a cookie, every load is a new viewer to the "
        "proxy, which sends it to the replica with the fewest open connections.",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    lines += [
        f"| {v.target} | {v.measured} | {result_text(v.ok)} |" for v in replicas_verdicts(result)
    ]
    direct, proxy = result.direct, result.proxy
    rounds = " then ".join(ROUNDS)
    lines += [
        "",
        "### Page loads per second",
        "",
        f"{direct.clients} clients at once, each loading pages one after another, in rounds of "
        f"{result.round_seconds:g} s ({rounds}: a machine growing busier or quieter weighs on "
        "both alike); every replica first loads each page twice, untimed. A round ends when "
        "its last load does. Absolute figures are this machine's.",
        "",
        "| address | loads | seconds | loads per second | median load | failed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, counted in (
        ("replica 1 direct", direct),
        (f"the proxy, {result.replicas} replicas", proxy),
    ):
        lines.append(
            f"| {label} | {count_text(len(counted.loads))} | {counted.seconds:,.1f} | "
            f"{counted.per_second:,.1f} | {seconds_text(median_seconds(counted.loads))} | "
            f"{len(counted.failures)} |"
        )
    processes = [*(f"replica {n}" for n in range(1, result.replicas + 1)), "the proxy"]
    processes += ["the clients", MACHINE]
    lines += [
        "",
        "Cores kept busy on average during the rounds (processor seconds per second: user and "
        "system time of each process, and every core's busy time for the whole machine, which "
        "PostgreSQL and anything else running count in):",
        "",
        "| address | " + " | ".join(processes) + " |",
        "|---|" + "---:|" * len(processes),
    ]
    for label, counted in (("replica 1 direct", direct), ("the proxy", proxy)):
        cells = [busy_text(counted.cores_busy(process)) for process in processes]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    names = [f"replica {n}" for n in range(1, result.replicas + 1)]
    alone = direct.cores_busy("replica 1")
    both = sum(busy for name in names if (busy := proxy.cores_busy(name)) is not None)
    lines += [
        "",
        f"Through the proxy: {times_text(result.proxy_ratio)} the page loads per second of one "
        "replica direct. A replica is one Python process whose script runs take turns under "
        f"Python's interpreter lock: alone it kept {busy_text(alone)} cores busy, and the "
        f"{result.replicas} replicas behind the proxy {busy_text(both)} between them; the "
        "replicas' processor time per load was "
        f"{seconds_text(cpu_per_load(direct, names))} direct and "
        f"{seconds_text(cpu_per_load(proxy, names))} through the proxy. On {result.cores} "
        "cores they share the processors with the proxy, PostgreSQL and the clients (which "
        "read every message of each load), so this machine shows what a second replica adds "
        "when one replica leaves a core idle, not how far more replicas on more cores go.",
        "",
        "### A rolling restart and a kill",
        "",
        f"{LOOP_CLIENTS} clients load pages through the proxy throughout; each restart or kill "
        "comes after a few seconds of loads.",
        "",
        "| event | loads | failed | what was measured |",
        "|---|---:|---:|---|",
    ]
    if result.roll is not None:
        roll = result.roll
        lines.append(
            f"| rolling restart: SIGHUP to local.sh, which restarts the replicas one at a "
            f"time | {count_text(len(roll.loads))} | {len(roll.failures)} | from the signal "
            f"to `restart: done`: {seconds_text(roll.seconds)} |"
        )
    if result.failover is not None:
        failover = result.failover
        recovered = failover.recovered_after
        recovery = (
            f"failing still at the end of the watch ({WATCH_LIMIT_SECONDS:.0f} s)"
            if recovered is None
            else f"loads succeed again for good {seconds_text(recovered)} after the kill"
        )
        lines.append(
            f"| replica 1 killed (SIGKILL) | {count_text(len(failover.loads))} | "
            f"{len(failover.failures)} | {recovery} (the end of the last failed load); the "
            f"proxy marked it down after {seconds_text(failover.down_after)} |"
        )
    lines += failure_lines(result)
    lines += ["", "To rerun this part alone:", "", "```bash", RERUN, "```", ""]
    return lines


def busy_text(cores: float | None) -> str:
    """Cores kept busy: "0.97", or "—" for none."""
    return "—" if cores is None else f"{cores:.2f}"


def cpu_per_load(counted: Throughput, processes: Sequence[str]) -> float | None:
    """The processor seconds the processes used per load, over the rounds."""
    used = [counted.cpu_seconds[name] for name in processes if name in counted.cpu_seconds]
    return sum(used) / len(counted.loads) if used and counted.loads else None


def median_seconds(loads: Sequence[Load]) -> float | None:
    """The median time of a load, from connecting to the end of its script run."""
    return statistics.median(load.ended - load.started for load in loads) if loads else None


def failure_lines(result: ReplicasResult) -> list[str]:
    """The first few failed loads of each measurement, with why they failed."""
    groups: list[tuple[str, list[Load], float | None]] = [
        ("direct", result.direct.failures, None),
        ("through the proxy", result.proxy.failures, None),
    ]
    if result.roll is not None:
        groups.append(("during the rolling restart", result.roll.failures, None))
    if result.failover is not None:
        failover = result.failover
        failed = failover.failures_before + failover.failures
        groups.append(("around the kill", failed, failover.killed))
    lines: list[str] = []
    for label, failed, kill in groups:
        for load in failed[:5]:
            when = ""
            if kill is not None:
                when = f", ending {(load.ended - kill) * 1000:+,.0f} ms from the kill"
            lines.append(f"- {label}{when}: {load.failure}")
    return ["", "The failed loads (at most five of each kind):", "", *lines] if lines else []
