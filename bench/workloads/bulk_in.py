"""3. Bulk in: `bulk_in_rows` mixed-type rows by `executemany` (qmark, numeric: one call with
all rows, as an application writes it) and by multi-row INSERT (`insert_batch_rows` rows per
statement). Each repeat loads into a freshly created table and checks the row count.

Stage routes (`write_pandas`, COPY INTO) join as one more entry in METHODS once Snowglobe has
stages."""

from __future__ import annotations

import time

from .. import data, fixtures
from ..harness import workload
from ..peers import duckdb_connect

TABLE = "BULK_IN"


def _executemany(paramstyle):
    def load(cursor, rows, sizes):
        data.load_executemany(cursor, TABLE, rows, paramstyle)
    return load


def _multirow(cursor, rows, sizes):
    data.load_multirow_insert(cursor, TABLE, rows, sizes.insert_batch_rows)


#: name -> (connector paramstyle, loader for the connector, paramstyle for DuckDB's executemany)
METHODS = {
    "executemany qmark": ("qmark", _executemany("qmark"), "qmark"),
    "executemany numeric": ("numeric", _executemany("numeric"), "duckdb_numeric"),
    "multi-row INSERT": ("pyformat", _multirow, None),
}


def _timed_loads(ctx, cursor, load, rows, dialect) -> list[float]:
    samples = []
    for _ in range(ctx.sizes.repeats):
        cursor.execute(data.mixed_ddl(TABLE, dialect))
        start = time.perf_counter()
        load(cursor, rows, ctx.sizes)
        samples.append(time.perf_counter() - start)
        count = cursor.execute(f"select count(*) from {TABLE}").fetchone()[0]
        if count != len(rows):
            raise AssertionError(f"{count} rows arrived, {len(rows)} sent")
    return samples


@workload("bulk_in", "bulk in")
def bulk_in(ctx):
    rows = data.mixed_rows(0, ctx.sizes.bulk_in_rows)
    for method, (paramstyle, load, duckdb_style) in METHODS.items():
        name = f"{method}, {len(rows):,} rows"
        for peer in ("snowglobe", "fakesnow"):
            with ctx.attempt("bulk_in", name, peer):
                server = ctx.peers.shared(peer)
                data.ensure_database(server, fixtures.DATABASE)
                conn = server.connect(database=fixtures.DATABASE, schema="PUBLIC",
                                      paramstyle=paramstyle)
                try:
                    samples = _timed_loads(ctx, conn.cursor(), load, rows, "snowflake")
                finally:
                    conn.close()
                ctx.record("bulk_in", name, peer, "s", samples)
        with ctx.attempt("bulk_in", name, "duckdb"):
            con = duckdb_connect()
            if duckdb_style:
                sql = (f"insert into {TABLE} values "
                       f"({data.placeholders(len(rows[0]), duckdb_style)})")
                duck_load = lambda cur, rows, sizes: cur.executemany(sql, rows)  # noqa: E731
            else:
                duck_load = _multirow
            ctx.record("bulk_in", name, "duckdb", "s",
                       _timed_loads(ctx, con, duck_load, rows, "duckdb"))
            con.close()
    ctx.note("bulk_in", "executemany sends all rows in one call; above "
             f"CLIENT_STAGE_ARRAY_BINDING_THRESHOLD ({data.ARRAY_BIND_THRESHOLD} binds) connector "
             "4.x first tries to upload the binds to a temporary stage and, when that fails, "
             "sends them inline as one array-bound statement. Multi-row INSERT uses "
             f"{ctx.sizes.insert_batch_rows:,} rows per statement with literal values. Raw DuckDB "
             "runs the same statements through its own executemany / execute.")
