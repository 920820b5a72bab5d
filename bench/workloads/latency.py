"""2. Latency: `select 1` round trips with connector 4.x and 5.x, and a point lookup by key on
the mixed-type table. Figures are per call (median, p10–p90 over all calls)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

from .. import fixtures
from ..harness import time_calls, workload
from ..peers import BENCH_DIR

#: Connector lines and the interpreter that has each (4.x is the harness's own venv).
CONNECTORS = {"4.x": lambda: sys.executable,
              "5.x": lambda: os.environ.get("BENCH_PY5_PYTHON", "")}


def probe(python: str, port: int, sql: str, calls: int) -> dict:
    """Runs bench/probe.py under `python`: per-call latencies of `sql` through its connector."""
    if not python or not os.path.exists(python):
        raise FileNotFoundError(f"no interpreter for this connector line: {python!r}")
    out = subprocess.run(
        [python, str(BENCH_DIR / "probe.py"), "--port", str(port), "--sql", sql,
         "--calls", str(calls)], capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"probe exited with {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@workload("latency", "select 1")
def select_one(ctx):
    """`select 1` over `calls` round trips (after 20 warm-up calls), per connector line."""
    for line, python in CONNECTORS.items():
        name = f"select 1, connector {line}"
        for peer in ("snowglobe", "fakesnow", "canned"):
            with ctx.attempt("latency", name, peer):
                server = ctx.peers.shared(peer)
                result = probe(python(), server.port, "select 1", ctx.sizes.calls)
                ctx.record("latency", name, peer, "ms", [s * 1000 for s in result["samples"]],
                           note=f"connector {result['connector']}")
    with ctx.attempt("latency", "select 1, connector 4.x", "duckdb"):
        con = fixtures.mixed_duckdb(ctx)
        samples = time_calls(lambda: con.execute("select 1").fetchall(), ctx.sizes.calls, 20)
        ctx.record("latency", "select 1, connector 4.x", "duckdb", "ms",
                   [s * 1000 for s in samples])


def lookup_keys(ctx) -> list[int]:
    rng = random.Random(5)
    return [rng.randrange(ctx.sizes.table_rows) for _ in range(ctx.sizes.calls)]


@workload("latency", "point lookup")
def point_lookup(ctx):
    """`select * from MIXED where ID = <key>` for random keys (literal SQL, connector 4.x)."""
    name = f"point lookup on {ctx.sizes.table_rows:,} rows"
    sql = f"select * from {fixtures.MIXED} where ID = %s"
    for peer in ("snowglobe", "fakesnow"):
        with ctx.attempt("latency", name, peer):
            server = fixtures.mixed_server(ctx, peer)
            conn = server.connect(database=fixtures.DATABASE, schema="PUBLIC")
            try:
                cur = conn.cursor()
                keys = iter(lookup_keys(ctx) * 2)
                samples = time_calls(lambda: _one_row(cur.execute(sql, (next(keys),))),
                                     ctx.sizes.calls, warmup=ctx.sizes.calls // 10)
            finally:
                conn.close()
            ctx.record("latency", name, peer, "ms", [s * 1000 for s in samples])
    with ctx.attempt("latency", name, "duckdb"):
        con = fixtures.mixed_duckdb(ctx)
        keys = iter(lookup_keys(ctx) * 2)
        samples = time_calls(lambda: _one_row(con.execute(sql.replace("%s", "?"), [next(keys)])),
                             ctx.sizes.calls, warmup=ctx.sizes.calls // 10)
        ctx.record("latency", name, "duckdb", "ms", [s * 1000 for s in samples])


def _one_row(cursor) -> None:
    rows = cursor.fetchall()
    if len(rows) != 1:
        raise AssertionError(f"point lookup returned {len(rows)} rows, expected 1")
