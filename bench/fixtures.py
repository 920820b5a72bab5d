"""Data every peer needs before several workloads: the mixed-type table, loaded once per run.

`mixed_server(ctx, "snowglobe")` returns the peer's long-lived server holding
`BENCH.PUBLIC.MIXED` with `ctx.sizes.table_rows` rows (loaded by the peer's setup route,
`data.SETUP_ROUTES`); `mixed_duckdb(ctx)` returns a DuckDB connection holding the same
rows (loaded through Arrow: setup cost is not measured).
"""

from __future__ import annotations

from . import data

DATABASE = "BENCH"
MIXED = "MIXED"
LOAD_CHUNK = 100_000  # rows generated in Python at a time


def _cache(ctx) -> dict:
    if not hasattr(ctx, "_fixtures"):
        ctx._fixtures = {}
    return ctx._fixtures


def mixed_server(ctx, peer: str):
    """The shared server of `peer`, with the mixed table loaded (once)."""
    cache = _cache(ctx)
    key = ("mixed", peer)
    if key not in cache:
        server = ctx.peers.shared(peer)
        load_mixed(ctx, server, peer)
        cache[key] = server
    return cache[key]


def load_mixed(ctx, server, peer: str) -> None:
    """Creates and fills the mixed table on `server` (an instance of `peer`)."""
    data.ensure_database(server, DATABASE)
    conn = server.connect(database=DATABASE, schema="PUBLIC", paramstyle="qmark")
    try:
        cur = conn.cursor()
        cur.execute(data.mixed_ddl(MIXED))
        total = ctx.sizes.table_rows
        for start in range(0, total, LOAD_CHUNK):
            rows = data.mixed_rows(start, min(LOAD_CHUNK, total - start))
            data.load_for_setup(cur, peer, MIXED, rows)
        count = cur.execute(f"select count(*) from {MIXED}").fetchone()[0]
        if count != total:
            raise RuntimeError(f"{peer}: loaded {count} rows into {MIXED}, expected {total}")
    finally:
        conn.close()


def mixed_duckdb(ctx):
    """An in-process DuckDB connection with the same mixed table."""
    cache = _cache(ctx)
    if "duckdb" not in cache:
        import pyarrow as pa

        from .peers import duckdb_connect

        con = duckdb_connect()
        con.execute(data.mixed_ddl(MIXED, dialect="duckdb"))
        names = [name for name, _ in data.MIXED_COLUMNS]
        total = ctx.sizes.table_rows
        for start in range(0, total, LOAD_CHUNK):
            rows = data.mixed_rows(start, min(LOAD_CHUNK, total - start))
            chunk = pa.Table.from_pylist([dict(zip(names, row)) for row in rows])
            con.register("chunk", chunk)
            con.execute(f"insert into {MIXED} select * from chunk")
            con.unregister("chunk")
        cache["duckdb"] = con
    return cache["duckdb"]
