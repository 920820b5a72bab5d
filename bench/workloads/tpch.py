"""5. Analytics: the 22 TPC-H queries at `tpch_scale`, each timed through the connector (4.x,
`fetchall`) and, on the same data, in raw DuckDB.

Data comes from `tpchgen-cli` as Parquet (cached under ~/.cache/snowglobe-bench). DuckDB reads it
directly; Snowglobe gets the same Parquet files by PUT to a stage and COPY INTO ... MATCH_BY_COLUMN_NAME,
the fastest route it offers (compare the bulk-in figures); fakesnow by its setup route
(`data.SETUP_ROUTES`, rows through the connector). A query that fails is recorded with its
error, and the run goes on.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow.parquet as pq

from .. import data
from ..harness import Skip, time_calls, workload
from ..peers import duckdb_connect

DATABASE = "TPCH"
#: A server peer whose projected load time exceeds this is skipped (fakesnow at SF1).
LOAD_BUDGET_SECONDS = float(os.environ.get("BENCH_TPCH_LOAD_BUDGET", 45 * 60))


def load_duckdb(parquet: Path):
    con = duckdb_connect()
    for table in data.TPCH_TABLES:
        con.execute(f"create table {table} as select * from read_parquet('{parquet / table}.parquet')")
    return con


def load_server(server, peer: str, parquet: Path) -> float:
    """Creates the TPC-H tables on a server peer and loads them; returns seconds taken."""
    data.ensure_database(server, DATABASE)
    conn = server.connect(database=DATABASE, schema="PUBLIC", paramstyle="qmark")
    sizes = {t: pq.ParquetFile(parquet / f"{t}.parquet").metadata.num_rows
             for t in data.TPCH_TABLES}
    total_rows, loaded = sum(sizes.values()), 0
    try:
        cur = conn.cursor()
        for stmt in data.tpch_ddl():
            cur.execute(stmt)
        start = time.perf_counter()
        for table in data.TPCH_TABLES:
            path = parquet / f"{table}.parquet"
            if peer == "snowglobe":
                data.load_parquet_file(cur, table, path)
            else:
                for rows in data.parquet_rows(path, data.bind_batch_rows(len(pq.read_schema(path)))):
                    data.load_for_setup(cur, peer, table, rows)
            loaded += sizes[table]
            elapsed = time.perf_counter() - start
            projected = elapsed * total_rows / loaded
            # (The small tables come first: a projection from their fixed costs alone would
            # overshoot, so none is made in the first minute.)
            if elapsed > 60 and projected > LOAD_BUDGET_SECONDS:
                raise Skip(f"loading TPC-H would take about {projected / 60:.0f} min "
                           f"(> budget {LOAD_BUDGET_SECONDS / 60:.0f} min, "
                           "BENCH_TPCH_LOAD_BUDGET seconds)")
        return time.perf_counter() - start
    finally:
        conn.close()


@workload("tpch", "TPC-H")
def tpch(ctx):
    scale = ctx.sizes.tpch_scale
    parquet = data.tpch_parquet(scale, ctx.datadir)
    queries = data.tpch_queries()
    repeats = ctx.sizes.tpch_repeats
    ctx.note("tpch", f"Scale factor {scale:g}, data from tpchgen-cli (Parquet). Snowglobe "
             "loads the Parquet files by PUT to a stage and COPY INTO ... MATCH_BY_COLUMN_NAME "
             "(its fastest route), fakesnow by PUT + COPY INTO of CSV files written from the "
             "rows (its server fails on NUMBER(p,s) array binds); raw DuckDB reads the Parquet "
             f"files. Each query runs {repeats} times after one untimed warm-up run; result row "
             "counts are checked against raw DuckDB.")

    duck = load_duckdb(parquet)
    expected_rows = {}
    for q, sql in queries.items():
        with ctx.attempt("tpch", q, "duckdb"):
            expected_rows[q] = len(duck.execute(sql).fetchall())
            ctx.record("tpch", q, "duckdb", "s",
                       time_calls(lambda: duck.execute(sql).fetchall(), repeats))
    duck.close()

    for peer in ("snowglobe", "fakesnow"):
        loaded = False
        with ctx.attempt("tpch", "load", peer):
            server = ctx.peers.shared(peer)
            ctx.record("tpch", "load", peer, "s", [load_server(server, peer, parquet)])
            loaded = True
        if not loaded:
            continue
        conn = server.connect(database=DATABASE, schema="PUBLIC")
        try:
            cur = conn.cursor()
            for q, sql in queries.items():
                with ctx.attempt("tpch", q, peer):
                    rows = len(cur.execute(sql).fetchall())
                    if q in expected_rows and rows != expected_rows[q]:
                        raise AssertionError(f"{rows} rows, raw DuckDB returns {expected_rows[q]}")
                    ctx.record("tpch", q, peer, "s",
                               time_calls(lambda: cur.execute(sql).fetchall(), repeats))
        finally:
            conn.close()
