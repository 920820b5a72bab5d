"""3. Bulk in: `bulk_in_rows` mixed-type rows by `executemany` (qmark, numeric: one call with
all rows, as an application writes it), by multi-row INSERT (`insert_batch_rows` rows per
statement), by `write_pandas` (Parquet through a stage and COPY INTO) and by PUT of one CSV file
and COPY INTO. Each repeat loads into a freshly created table and checks the row count.

Each route is one entry in METHODS: a connector paramstyle, the load through the connector, and
the same load in raw DuckDB (its own executemany, INSERT, DataFrame scan or CSV COPY)."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

from .. import data, fixtures
from ..harness import workload
from ..peers import duckdb_connect

TABLE = "BULK_IN"
COLUMNS = [name for name, _ in data.MIXED_COLUMNS]


def _executemany(paramstyle):
    def load(cursor, rows, sizes):
        data.load_executemany(cursor, TABLE, rows, paramstyle)
    return load


def _duck_executemany(paramstyle):
    def load(con, rows, sizes):
        sql = f"insert into {TABLE} values ({data.placeholders(len(rows[0]), paramstyle)})"
        con.executemany(sql, rows)
    return load


def _multirow(cursor, rows, sizes):
    data.load_multirow_insert(cursor, TABLE, rows, sizes.insert_batch_rows)


def _frame(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=COLUMNS)


def _write_pandas(cursor, rows, sizes):
    from snowflake.connector.pandas_tools import write_pandas

    ok, _, count, _ = write_pandas(cursor.connection, _frame(rows), TABLE)
    if not ok or count != len(rows):
        raise AssertionError(f"write_pandas: success={ok}, {count} rows")


def _duck_frame(con, rows, sizes):
    frame = _frame(rows)  # noqa: F841 - read by DuckDB's replacement scan
    con.execute(f"insert into {TABLE} select * from frame")


def _csv_file(rows) -> Path:
    directory = Path(tempfile.mkdtemp(prefix="snowglobe-bench-"))
    path = directory / "bulk_in.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _put_copy(cursor, rows, sizes):
    path = _csv_file(rows)
    cursor.execute(f"put file://{path} @%{TABLE} auto_compress=false overwrite=true")
    cursor.execute(f"copy into {TABLE} from @%{TABLE} file_format = (type = csv) purge = true")


def _duck_copy(con, rows, sizes):
    path = _csv_file(rows)
    con.execute(f"copy {TABLE} from '{path}' (format csv, header false)")


#: name -> (connector paramstyle, load through the connector, the same load in raw DuckDB)
METHODS = {
    "executemany qmark": ("qmark", _executemany("qmark"), _duck_executemany("qmark")),
    "executemany numeric": ("numeric", _executemany("numeric"),
                            _duck_executemany("duckdb_numeric")),
    "multi-row INSERT": ("pyformat", _multirow, _multirow),
    "write_pandas": ("qmark", _write_pandas, _duck_frame),
    "PUT + COPY INTO (CSV)": ("qmark", _put_copy, _duck_copy),
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
    for method, (paramstyle, load, duck_load) in METHODS.items():
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
            ctx.record("bulk_in", name, "duckdb", "s",
                       _timed_loads(ctx, con, duck_load, rows, "duckdb"))
            con.close()
    ctx.note("bulk_in", "executemany sends all rows in one call; above "
             f"CLIENT_STAGE_ARRAY_BINDING_THRESHOLD ({data.ARRAY_BIND_THRESHOLD} binds) connector "
             "4.x uploads the binds as CSV to a temporary stage and the INSERT names that stage "
             "(Snowglobe reads it back into a temporary table); below it, the binds travel inline "
             "as one array-bound statement (Snowglobe appends them to a temporary table and runs "
             "one INSERT ... SELECT). Multi-row INSERT uses "
             f"{ctx.sizes.insert_batch_rows:,} rows per statement with literal values. "
             "write_pandas writes Parquet, PUTs it to a temporary stage and runs COPY INTO; "
             "PUT + COPY INTO uploads one CSV file to the table stage. Raw DuckDB runs its own "
             "executemany / INSERT / DataFrame scan / COPY FROM of the same CSV file.")
