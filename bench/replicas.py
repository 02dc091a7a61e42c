"""The `replicas` part: two replicas of the app behind HAProxy on a PostgreSQL database of the
part's own, started by `deploy/local.sh` as an operator starts them, and measured in one run.

Every page load is a fresh session of Streamlit's own protocol judged as the soak judges one
(bench/soak_loads.py), the Overview and the Map in turn. Measured: page loads per second by
concurrent clients against replica 1 direct and through the proxy, in alternating rounds; a
rolling restart (SIGHUP to local.sh) under a loop of page loads through the proxy; then one
replica killed (SIGKILL) under the same loop, and the time until page loads succeed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.local_deploy import (
    PROXY_LINE,
    READY_LINE,
    LocalSh,
    create_database,
    drop_database,
    start,
    stop,
)
from bench.measuring import BenchError
from bench.soak_loads import load_failure
from bench.soak_views import View
from tests.e2e.launch import free_port

# The PostgreSQL server the part makes its database on, as the tests name it.
POSTGRES_ENV = "CTDASH_TEST_POSTGRES_URL"
REPLICAS = 2
# The pages each client loads in turn: the one with the most figures and the heaviest one.
VIEWS = (View("overview", "/"), View("map", "/map"))
# Clients loading pages at once when page loads per second are counted.
CLIENTS = 8
# Rounds of the count, alternating so that a machine growing busier or quieter during the run
# weighs on both alike; each round lasts ROUND_SECONDS (QUICK_ROUND_SECONDS with --quick).
ROUNDS = ("direct", "proxy", "proxy", "direct")
ROUND_SECONDS = 10.0
QUICK_ROUND_SECONDS = 3.0
# Clients loading pages through the proxy while a replica restarts or dies.
LOOP_CLIENTS = 3
# A page load that takes longer than this fails.
LOAD_TIMEOUT = 30.0
# Page loads run this long before the kill or the restart, and on after the restart is done
# (the replica put back last serves too).
STEADY_SECONDS = 3.0
# After the kill, the loads go on for at least WATCH_SECONDS and until none has failed for
# QUIET_SECONDS, but no longer than WATCH_LIMIT_SECONDS; then the failures have stopped for good.
WATCH_SECONDS = 15.0
QUIET_SECONDS = 5.0
WATCH_LIMIT_SECONDS = 60.0
# local.sh migrates and seeds the new database, then starts every replica and the proxy.
START_TIMEOUT = 240.0
RESTART_TIMEOUT = 180.0

# The name under which the whole machine's busy processor time is given beside the processes'.
MACHINE = "the whole machine"

# What local.sh prints on a rolling restart (bench/local_deploy.py has the rest).
RESTART_DONE = re.compile(r"^restart: done$")
RESTART_GAVE_UP = re.compile(r"^restart: .*the others are left running as they are$")


# --- the figures, and what they are made of --------------------------------------------------


@dataclass(frozen=True)
class Load:
    """One page load: when it started and ended (time.monotonic()), and why it failed, if it did."""

    started: float
    ended: float
    failure: str | None = None


@dataclass
class Throughput:
    """Page loads by concurrent clients against one address, over one or more rounds."""

    clients: int
    loads: list[Load] = field(default_factory=list)
    seconds: float = 0.0
    # Processor seconds each process (and the whole machine) used during the rounds.
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        """Loads finished per second of the rounds (each round ends when its last load does)."""
        return len(self.loads) / self.seconds if self.seconds else 0.0

    def cores_busy(self, process: str) -> float | None:
        """How many cores a process kept busy on average during the rounds."""
        used = self.cpu_seconds.get(process)
        return used / self.seconds if used is not None and self.seconds else None

    @property
    def failures(self) -> list[Load]:
        return [load for load in self.loads if load.failure is not None]


@dataclass
class Roll:
    """A rolling restart of every replica under a loop of page loads through the proxy."""

    seconds: float
    loads: list[Load]

    @property
    def failures(self) -> list[Load]:
        return [load for load in self.loads if load.failure is not None]


@dataclass
class Failover:
    """One replica killed under a loop of page loads through the proxy: the loads, when the
    kill came, and when the proxy first said the replica was down (None if it never did)."""

    killed: float
    loads: list[Load]
    marked_down: float | None = None

    @property
    def failures(self) -> list[Load]:
        """The failed loads that ended after the kill."""
        return [load for load in self.loads if load.failure and load.ended > self.killed]

    @property
    def failures_before(self) -> list[Load]:
        """The failed loads that ended before the kill (there should be none)."""
        return [load for load in self.loads if load.failure and load.ended <= self.killed]

    @property
    def recovered_after(self) -> float | None:
        """Seconds from the kill until page loads succeed again for good: the end of the last
        failed load after the kill (0 if none failed). None when loads were still failing in
        the last QUIET_SECONDS watched, or no load succeeded after the last failure."""
        return recovery_seconds(self.loads, self.killed, quiet=QUIET_SECONDS)

    @property
    def down_after(self) -> float | None:
        """Seconds from the kill until the proxy said the replica was down."""
        return None if self.marked_down is None else self.marked_down - self.killed


def recovery_seconds(loads: Sequence[Load], since: float, *, quiet: float) -> float | None:
    """Seconds from `since` to the end of the last failed load that ended after it (0 if none
    did); None unless loads that started after that end succeeded for at least `quiet` seconds
    more (so that the failures have stopped for good, as far as the loads can tell)."""
    failed = [load.ended for load in loads if load.failure and load.ended > since]
    last_failure = max(failed, default=since)
    succeeded = [load.ended for load in loads if load.started >= last_failure and not load.failure]
    if not succeeded or max(succeeded) - last_failure < quiet:
        return None
    return last_failure - since


@dataclass
class ReplicasResult:
    """Everything the part measured, and on what."""

    replicas: int
    cores: int
    activities: int
    round_seconds: float
    direct: Throughput
    proxy: Throughput
    haproxy: str = ""
    postgres: str = ""
    roll: Roll | None = None
    failover: Failover | None = None

    @property
    def proxy_ratio(self) -> float | None:
        """Page loads per second through the proxy over those against one replica direct."""
        direct, proxy = self.direct.per_second, self.proxy.per_second
        return proxy / direct if direct else None


# --- the database, and local.sh --------------------------------------------------------------


def postgres_server() -> str:
    """The PostgreSQL server the part may make a database on; BenchError when none is given."""
    url = os.environ.get(POSTGRES_ENV, "").strip()
    if not url:
        raise BenchError(
            f"the replicas part needs a PostgreSQL server: set {POSTGRES_ENV}, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5433/postgres"
        )
    return url


@contextlib.contextmanager
def database(server: str) -> Iterator[str]:
    """A new, empty database on the server, dropped at exit whatever happened; its URL."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        url = create_database(server, prefix="ctdash_bench_")
    except SQLAlchemyError as error:
        first = str(error).strip().splitlines()[0]
        raise BenchError(f"could not make a database on the PostgreSQL server: {first}") from None
    try:
        yield url
    finally:
        drop_database(server, url)


class Deployment(LocalSh):
    """deploy/local.sh running (bench/local_deploy.py), waited on as the part waits: a line
    not printed in time is a BenchError."""

    def wait_for(self, *patterns: re.Pattern[str], after: int = 0, timeout: float) -> re.Match[str]:
        """The first line from index `after` on that matches one of the patterns; BenchError,
        with what local.sh printed, after `timeout` or once local.sh has ended."""
        if found := self.output.wait_for(*patterns, after=after, timeout=timeout):
            return found
        wanted = " or ".join(f"/{p.pattern}/" for p in patterns)
        closed = self.output.closed
        why = "ended before it printed" if closed else "did not print"
        late = "" if closed else f" within {timeout:.0f} s"
        raise BenchError(f"local.sh {why} {wanted}{late}:\n{self.tail()}")

    def proxy_pid(self) -> int:
        return int(self.wait_for(PROXY_LINE, timeout=1).group(2))

    def proxy_url(self) -> str:
        """The proxy's address (HAProxy listens on 127.0.0.1 only, so no IPv6 try first)."""
        port = self.wait_for(PROXY_LINE, timeout=1).group(1)
        return f"http://127.0.0.1:{port}"

    def server_status(self, number: int) -> str:
        """What the proxy says of a replica now (UP, DOWN, MAINT...), from its admin socket."""
        return super().server_status(number) or "unknown"


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """Processor seconds used so far by each named process (user and system time, from
    /proc/PID/stat), and by the whole machine as MACHINE (every core's busy time, /proc/stat);
    a process that has gone is left out."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for name, pid in pids.items():
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            # utime and stime, fields 14 and 15 of the file; the state (field 3) is fields[0].
            used[name] = (int(fields[11]) + int(fields[12])) / tick
    with contextlib.suppress(OSError, IndexError, ValueError):
        ticks = [int(n) for n in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        # user nice system idle iowait irq softirq steal...: busy is user to softirq, but idle
        # and iowait (steal is time the host took from this machine).
        used[MACHINE] = (sum(ticks[:7]) - ticks[3] - ticks[4]) / tick
    return used


@contextlib.contextmanager
def deployed(database_url: str, run_dir: Path) -> Iterator[Deployment]:
    """`deploy/local.sh --replicas 2` on a free port until exit, once it says it is ready;
    every process it started is stopped at exit, whatever happened."""
    process = start(database_url, run_dir, port=free_port(), replicas=REPLICAS)
    deployment = Deployment(process, run_dir)
    deployment.follow()
    try:
        deployment.wait_for(READY_LINE, timeout=START_TIMEOUT)
        yield deployment
    finally:
        stop(deployment)


# --- page loads ------------------------------------------------------------------------------


async def _load(base_url: str, view: View) -> Load:
    started = time.monotonic()
    failure = await load_failure(base_url, view, timeout=LOAD_TIMEOUT)
    return Load(started, time.monotonic(), failure)


async def _client(base_url: str, first: int, loads: list[Load], go_on: Callable[[], bool]) -> None:
    """Page loads one after another, the views in turn from the `first`, while `go_on()`."""
    number = first
    while go_on():
        loads.append(await _load(base_url, VIEWS[number % len(VIEWS)]))
        number += 1


async def count_loads(base_url: str, *, clients: int, seconds: float) -> Throughput:
    """`clients` clients loading pages for `seconds`; the round ends when the last load does."""
    result = Throughput(clients)
    deadline = time.monotonic() + seconds
    began = time.monotonic()
    await asyncio.gather(
        *(
            _client(base_url, i, result.loads, lambda: time.monotonic() < deadline)
            for i in range(clients)
        )
    )
    result.seconds = time.monotonic() - began
    return result


@contextlib.asynccontextmanager
async def looping(base_url: str, clients: int = LOOP_CLIENTS) -> AsyncIterator[list[Load]]:
    """Page loads by `clients` clients for as long as the block runs; the loads so far."""
    loads: list[Load] = []
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(_client(base_url, i, loads, lambda: not stop.is_set()))
        for i in range(clients)
    ]
    try:
        yield loads
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def warm_up(urls: Sequence[str]) -> None:
    """Each view loaded twice at each address, untimed, so that every replica's caches are
    warm; BenchError if a load fails."""
    for url in urls:
        for view in VIEWS * 2:
            reason = await load_failure(url, view, timeout=LOAD_TIMEOUT)
            if reason is not None:
                raise BenchError(f"a page load of {url}{view.path} failed: {reason}")


# --- the three measurements -------------------------------------------------------------------


async def throughput(
    deployment: Deployment, *, round_seconds: float, progress: Callable[[str], None]
) -> tuple[Throughput, Throughput]:
    """Page loads per second against replica 1 direct and through the proxy, in alternating
    rounds of CLIENTS clients."""
    replicas = deployment.replicas()
    await warm_up([replica.url for replica in replicas.values()])
    urls = {"direct": replicas[1].url, "proxy": deployment.proxy_url()}
    totals = {target: Throughput(CLIENTS) for target in urls}
    pids = {f"replica {number}": replica.pid for number, replica in replicas.items()}
    pids |= {"the proxy": deployment.proxy_pid(), "the clients": os.getpid()}
    for target in ROUNDS:
        before = cpu_seconds(pids)
        counted = await count_loads(urls[target], clients=CLIENTS, seconds=round_seconds)
        after = cpu_seconds(pids)
        total = totals[target]
        total.loads += counted.loads
        total.seconds += counted.seconds
        for name in after.keys() & before.keys():
            total.cpu_seconds[name] = total.cpu_seconds.get(name, 0.0) + after[name] - before[name]
        progress(
            f"replicas: {target}, {CLIENTS} clients: {len(counted.loads)} loads in "
            f"{counted.seconds:.1f} s, {len(counted.failures)} failed"
        )
    return totals["direct"], totals["proxy"]


async def rolling_restart(deployment: Deployment, *, progress: Callable[[str], None]) -> Roll:
    """SIGHUP to local.sh, which restarts the replicas one at a time, under a loop of page
    loads through the proxy; BenchError if a replica does not come back."""
    async with looping(deployment.proxy_url()) as loads:
        await asyncio.sleep(STEADY_SECONDS)
        mark = deployment.mark()
        started = time.monotonic()
        os.kill(deployment.process.pid, signal.SIGHUP)
        found = await asyncio.to_thread(
            deployment.wait_for,
            RESTART_DONE,
            RESTART_GAVE_UP,
            after=mark,
            timeout=RESTART_TIMEOUT,
        )
        took = time.monotonic() - started
        if found.re is RESTART_GAVE_UP:
            raise BenchError(
                f"the rolling restart did not bring a replica back:\n{deployment.tail()}"
            )
        await asyncio.sleep(STEADY_SECONDS)
    roll = Roll(took, list(loads))
    progress(
        f"replicas: rolling restart in {took:.1f} s, "
        f"{len(roll.failures)} of {len(loads)} loads failed"
    )
    return roll


async def kill_one(
    deployment: Deployment, number: int, *, progress: Callable[[str], None]
) -> Failover:
    """SIGKILL to one replica under a loop of page loads through the proxy, watched until the
    loads have stopped failing for good (or WATCH_LIMIT_SECONDS), and the proxy's view of it."""
    victim = deployment.replicas()[number]
    down: list[float] = []

    async def watch_down() -> None:
        while True:
            with contextlib.suppress(OSError):
                status = await asyncio.to_thread(deployment.server_status, number)
                if status.startswith("DOWN"):
                    down.append(time.monotonic())
                    return
            await asyncio.sleep(0.1)

    async with looping(deployment.proxy_url()) as loads:
        await asyncio.sleep(STEADY_SECONDS)
        killed = time.monotonic()
        os.kill(victim.pid, signal.SIGKILL)
        watcher = asyncio.create_task(watch_down())
        while (watched := time.monotonic() - killed) < WATCH_LIMIT_SECONDS:
            settled = recovery_seconds(loads, killed, quiet=QUIET_SECONDS) is not None
            if watched >= WATCH_SECONDS and settled and down:
                break
            await asyncio.sleep(0.2)
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
    failover = Failover(killed, list(loads), down[0] if down else None)
    recovered = failover.recovered_after
    progress(
        f"replicas: replica {number} killed; loads succeed again after "
        + ("(still failing)" if recovered is None else f"{recovered * 1000:,.0f} ms")
        + f", {len(failover.failures)} of {len(loads)} loads failed"
    )
    return failover


def store_activities(database_url: str) -> tuple[int, str]:
    """How many activities the store holds (internal ones too), and its server's version."""
    from sqlalchemy import text

    from ctdash import queries
    from ctdash.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            version = str(connection.execute(text("SHOW server_version")).scalar_one())
        return queries.activity_count(engine, internal=True).total, version.split()[0]
    finally:
        engine.dispose()


def haproxy_version() -> str:
    """HAProxy's version, as `haproxy -v` says it ("2.6.12-1+deb12u4"), or "" if none runs."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if found is None:
        return ""
    said = subprocess.run([found, "-v"], capture_output=True, text=True, check=False).stdout
    words = said.split()
    return words[2] if len(words) > 2 and words[:2] == ["HAProxy", "version"] else ""


@contextlib.contextmanager
def ended_by_sigterm(progress: Callable[[str], None]) -> Iterator[None]:
    """SIGTERM ends the run as Ctrl+C does, by an exception, so that the processes and the
    database are still cleaned up (by default it would end Python at once, leaving local.sh,
    which runs in a session of its own, and the database behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def end(signum: int, frame: object) -> None:
        progress("replicas: SIGTERM; stopping local.sh and dropping the database")
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            raise KeyboardInterrupt
        # As Ctrl+C: inside asyncio.run, its own handler cancels the loads first.
        signal.raise_signal(signal.SIGINT)

    previous = signal.signal(signal.SIGTERM, end)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def measure_replicas(
    server: str, workdir: Path, *, quick: bool = False, progress: Callable[[str], None]
) -> ReplicasResult:
    """Two replicas behind the proxy on a new database of `server`, measured; every process
    and the database are gone when this returns or raises."""
    round_seconds = QUICK_ROUND_SECONDS if quick else ROUND_SECONDS
    run_dir = workdir / f"replicas-{uuid.uuid4().hex[:8]}"
    with ended_by_sigterm(progress), database(server) as database_url:
        progress(f"replicas: deploy/local.sh --replicas {REPLICAS} on a new PostgreSQL database")
        with deployed(database_url, run_dir) as deployment:
            direct, proxy = asyncio.run(
                throughput(deployment, round_seconds=round_seconds, progress=progress)
            )
            activities, postgres = store_activities(database_url)
            result = ReplicasResult(
                replicas=REPLICAS,
                cores=os.cpu_count() or 1,
                activities=activities,
                round_seconds=round_seconds,
                direct=direct,
                proxy=proxy,
                haproxy=haproxy_version(),
                postgres=postgres,
            )
            result.roll = asyncio.run(rolling_restart(deployment, progress=progress))
            result.failover = asyncio.run(kill_one(deployment, 1, progress=progress))
    return result
