"""The benchmark harness: sizes, the workload registry, and the recorder of measurements.

A workload is a function `fn(ctx: Context) -> None` registered with `@workload(group, name)`.
It measures through the context and records what it saw:

    @workload("latency", "point lookup")
    def point_lookup(ctx):
        for peer in ctx.server_peers("snowglobe", "fakesnow"):
            with ctx.attempt("latency", "point lookup", peer.name):
                conn = peer.connect(database="BENCH")
                ctx.record("latency", "point lookup", peer.name, "ms",
                           time_calls(lambda: ..., ctx.sizes.calls))

`ctx.attempt` turns an exception into a recorded failure for that (workload, peer) and lets the
run go on; raising `Skip("reason")` inside it records a skip with that reason. Every figure is a
list of samples; the report shows its median and spread (p10–p90, min–max).
"""

from __future__ import annotations

import contextlib
import statistics
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Callable, Iterator


# ---------------------------------------------------------------------------------------------
# Sizes


@dataclass(frozen=True)
class Sizes:
    """How big each workload is. `FULL` is issue 5's specification; `QUICK` is for development."""

    mode: str
    table_rows: int  # the mixed-type table: point lookups, bulk out, RSS after loading
    calls: int  # select 1 and point lookups, per peer
    bulk_in_rows: int
    insert_batch_rows: int  # rows per multi-row INSERT statement
    tpch_scale: float
    tpch_repeats: int
    clients: int
    concurrency_seconds: float
    repeats: int  # repeats of whole-run measurements (start-up, bulk in/out, concurrency)


FULL = Sizes(
    mode="full", table_rows=1_000_000, calls=1000, bulk_in_rows=100_000,
    insert_batch_rows=10_000, tpch_scale=1.0, tpch_repeats=3, clients=16,
    concurrency_seconds=30.0, repeats=5,
)
QUICK = Sizes(
    mode="quick", table_rows=10_000, calls=50, bulk_in_rows=10_000,
    insert_batch_rows=10_000, tpch_scale=0.01, tpch_repeats=3, clients=16,
    concurrency_seconds=5.0, repeats=3,
)


# ---------------------------------------------------------------------------------------------
# Measurements


class Skip(Exception):
    """Raised by a workload that cannot run here; the message is the reason printed and reported."""


@dataclass
class Measurement:
    """One figure: a workload's metric for one peer, as samples (or the error that prevented it)."""

    group: str
    workload: str
    peer: str
    unit: str = ""
    samples: list[float] = field(default_factory=list)
    higher_is_better: bool = False
    error: str | None = None
    skipped: str | None = None
    note: str = ""

    def stats(self) -> dict[str, float] | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return {
            "n": len(ordered),
            "median": statistics.median(ordered),
            "p10": percentile(ordered, 10),
            "p90": percentile(ordered, 90),
            "p99": percentile(ordered, 99),
            "min": ordered[0],
            "max": ordered[-1],
        }

    def to_json(self) -> dict:
        data = asdict(self)
        data["stats"] = self.stats()
        return data


def percentile(ordered: list[float], pct: float) -> float:
    """Linear-interpolated percentile of an already sorted list."""
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def time_calls(fn: Callable[[], object], calls: int, warmup: int = 0) -> list[float]:
    """Runs `fn` `warmup` times untimed, then `calls` times; returns each call's seconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def first_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".strip()
    return text.splitlines()[0][:400] if text else type(error).__name__


# ---------------------------------------------------------------------------------------------
# The registry


@dataclass
class Workload:
    group: str
    name: str
    fn: Callable[["Context"], None]
    doc: str


WORKLOADS: list[Workload] = []

#: Report order and titles of the workload groups (issue 5's numbering).
GROUPS = {
    "startup": "1. Start-up and memory",
    "latency": "2. Latency",
    "bulk_in": "3. Bulk in",
    "bulk_out": "4. Bulk out",
    "tpch": "5. Analytics (TPC-H)",
    "concurrency": "6. Concurrency",
    "state": "7. State export/import and pods",
}


def workload(group: str, name: str):
    """Registers a workload function under a group; workloads run in registration order."""
    assert group in GROUPS, f"unknown workload group {group!r}"

    def register(fn):
        WORKLOADS.append(Workload(group, name, fn, (fn.__doc__ or "").strip()))
        return fn

    return register


# ---------------------------------------------------------------------------------------------
# The run context


class Context:
    """What a workload gets: the sizes, the peers, a scratch directory, and the recorder."""

    def __init__(self, sizes: Sizes, peers, workdir, datadir, log=print):
        self.sizes = sizes
        self.peers = peers  # bench.peers.PeerSet
        self.workdir = workdir
        self.datadir = datadir
        self.log = log
        self.measurements: list[Measurement] = []
        self.notes: dict[str, list[str]] = {}  # group -> free-text notes for the report

    # -- recording --------------------------------------------------------------------------

    def record(self, group, workload_name, peer, unit, samples, *, higher_is_better=False,
               note="") -> Measurement:
        m = Measurement(group, workload_name, peer, unit, list(samples), higher_is_better,
                        note=note)
        self.measurements.append(m)
        stats = m.stats()
        if stats:
            self.log(f"    {workload_name:<42} {peer:<14} median {stats['median']:.4g} {unit}"
                     f"  (p10 {stats['p10']:.4g}, p90 {stats['p90']:.4g}, n={stats['n']})")
        return m

    def note(self, group: str, text: str) -> None:
        """Adds a sentence to the report under the group (routes used, caveats)."""
        if text not in self.notes.setdefault(group, []):
            self.notes[group].append(text)

    @contextlib.contextmanager
    def attempt(self, group: str, workload_name: str, peer: str) -> Iterator[None]:
        """Records an exception raised inside as this (workload, peer)'s failure, or a `Skip`
        as its skip, and carries on with the run."""
        try:
            yield
        except Skip as skip:
            self.log(f"    {workload_name:<42} {peer:<14} SKIPPED: {skip}")
            self.measurements.append(Measurement(group, workload_name, peer, skipped=str(skip)))
        except Exception as error:  # noqa: BLE001 - a failing peer must not end the run
            self.log(f"    {workload_name:<42} {peer:<14} FAILED: {first_line(error)}")
            self.log("      " + traceback.format_exc().strip().splitlines()[-1])
            self.measurements.append(
                Measurement(group, workload_name, peer, error=first_line(error)))

    def run(self, selected_groups: set[str] | None = None) -> None:
        for wl in WORKLOADS:
            if selected_groups and wl.group not in selected_groups:
                continue
            self.log(f"\n== {GROUPS[wl.group]}: {wl.name}")
            start = time.perf_counter()
            with self.attempt(wl.group, wl.name, "(all)"):
                wl.fn(self)
            self.log(f"   ({time.perf_counter() - start:.1f} s)")
