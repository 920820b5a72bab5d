"""4. Bulk out: the whole mixed-type table (`table_rows` rows, 8 types) fetched as Arrow
(`fetch_pandas_all`) and as JSON (`fetchall` after
`alter session set python_connector_query_result_format = 'json'`)."""

from __future__ import annotations

import time

from .. import fixtures
from ..harness import workload

SQL = f"select * from {fixtures.MIXED}"


def _arrow(cursor):
    return len(cursor.execute(SQL).fetch_pandas_all())


def _json(cursor):
    return len(cursor.execute(SQL).fetchall())


#: name -> (statement run first on the connection, fetch, the DuckDB equivalent)
FORMATS = {
    "Arrow (fetch_pandas_all)": (None, _arrow, lambda con: len(con.execute(SQL).df())),
    "JSON (fetchall)": ("alter session set python_connector_query_result_format = 'json'",
                        _json, lambda con: len(con.execute(SQL).fetchall())),
}


def _timed(ctx, fetch) -> list[float]:
    samples = []
    for _ in range(ctx.sizes.repeats):
        start = time.perf_counter()
        rows = fetch()
        samples.append(time.perf_counter() - start)
        if rows != ctx.sizes.table_rows:
            raise AssertionError(f"fetched {rows} rows, expected {ctx.sizes.table_rows}")
    return samples


@workload("bulk_out", "bulk out")
def bulk_out(ctx):
    for fmt, (setup, fetch, duckdb_fetch) in FORMATS.items():
        name = f"{fmt}, {ctx.sizes.table_rows:,} rows"
        for peer in ("snowglobe", "fakesnow"):
            with ctx.attempt("bulk_out", name, peer):
                server = fixtures.mixed_server(ctx, peer)
                conn = server.connect(database=fixtures.DATABASE, schema="PUBLIC")
                try:
                    cur = conn.cursor()
                    if setup:
                        cur.execute(setup)
                    ctx.record("bulk_out", name, peer, "s", _timed(ctx, lambda: fetch(cur)))
                finally:
                    conn.close()
        with ctx.attempt("bulk_out", name, "duckdb"):
            con = fixtures.mixed_duckdb(ctx)
            ctx.record("bulk_out", name, "duckdb", "s", _timed(ctx, lambda: duckdb_fetch(con)))
    ctx.note("bulk_out", "Raw DuckDB: `.df()` stands for fetch_pandas_all and `.fetchall()` "
             "for the JSON path (Python tuples either way).")
