"""Data sets and the routes that load them.

* The **mixed-type table** (`MIXED`): NUMBER key, integer, float, NUMBER(12,2), varchar, date,
  timestamp, boolean; rows are deterministic, so every peer holds the same data.
* **TPC-H**: Parquet files from `tpchgen-cli`, cached per scale factor.

Setup load routes through the connector (the bulk-in group also measures write_pandas and
PUT + COPY INTO):
* `load_executemany` — `executemany` with qmark or numeric binds; the connector sends each call
  as one array-bound statement. Batches stay under CLIENT_STAGE_ARRAY_BINDING_THRESHOLD
  (rows × columns) so the connector does not try to upload the binds to a stage first.
* `load_multirow_insert` — `INSERT INTO t VALUES (...), (...), ...` with literal values.
* `load_put_copy` — the rows as one CSV file, PUT to the table's stage and COPY INTO the table.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
import subprocess
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path

#: Snowflake's default CLIENT_STAGE_ARRAY_BINDING_THRESHOLD (Snowglobe sends the same).
ARRAY_BIND_THRESHOLD = 65280

MIXED_COLUMNS = [
    ("ID", "NUMBER(38,0)"), ("QTY", "INTEGER"), ("RATIO", "FLOAT"), ("PRICE", "NUMBER(12,2)"),
    ("NAME", "VARCHAR"), ("DAY", "DATE"), ("TS", "TIMESTAMP_NTZ"), ("FLAG", "BOOLEAN"),
]

#: The same table in DuckDB's type names, for the in-process floor.
DUCKDB_TYPES = {"NUMBER(38,0)": "DECIMAL(38,0)", "INTEGER": "BIGINT", "FLOAT": "DOUBLE",
                "TIMESTAMP_NTZ": "TIMESTAMP", "NUMBER(12,2)": "DECIMAL(12,2)"}

_EPOCH_DAY = dt.date(2020, 1, 1)
_EPOCH_TS = dt.datetime(2020, 1, 1)


def mixed_ddl(table: str, dialect: str = "snowflake") -> str:
    cols = ", ".join(
        f"{name} {DUCKDB_TYPES.get(typ, typ) if dialect == 'duckdb' else typ}"
        for name, typ in MIXED_COLUMNS)
    return f"create or replace table {table} ({cols})"


def mixed_row(i: int) -> tuple:
    """Row `i` of the mixed-type table (deterministic)."""
    return (
        i,
        (i * 7919) % 100_000,
        ((i * 2654435761) % 1_000_003) / 1_000_003,
        Decimal((i * 37) % 10_000_000) / 100,
        f"name-{i:08d}-{'abcdefghij'[i % 10] * (i % 17)}",
        _EPOCH_DAY + dt.timedelta(days=i % 3650),
        _EPOCH_TS + dt.timedelta(seconds=i * 13, microseconds=(i * 7) % 1_000_000),
        i % 3 == 0,
    )


def mixed_rows(start: int, count: int) -> list[tuple]:
    return [mixed_row(i) for i in range(start, start + count)]


# ---------------------------------------------------------------------------------------------
# Load routes


def placeholders(ncols: int, paramstyle: str) -> str:
    if paramstyle == "qmark":
        return ", ".join("?" * ncols)
    if paramstyle == "numeric":
        return ", ".join(f":{i}" for i in range(1, ncols + 1))
    if paramstyle == "duckdb_numeric":
        return ", ".join(f"${i}" for i in range(1, ncols + 1))
    raise ValueError(paramstyle)


def bind_batch_rows(ncols: int) -> int:
    """Largest executemany batch the connector sends inline (below the bind-stage threshold)."""
    return max(1, (ARRAY_BIND_THRESHOLD - 1) // ncols)


def load_executemany(cursor, table: str, rows: list[tuple], paramstyle: str = "qmark",
                     batch_rows: int | None = None) -> None:
    """Inserts rows with `executemany` (the cursor's connection must use `paramstyle`).
    `batch_rows=None` sends everything in one call, as an application would."""
    if not rows:
        return
    sql = f"insert into {table} values ({placeholders(len(rows[0]), paramstyle)})"
    step = batch_rows or len(rows)
    for start in range(0, len(rows), step):
        cursor.executemany(sql, rows[start:start + step])


def sql_literal(value) -> str:
    """A SQL literal both Snowflake and DuckDB read as the value's type."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime):
        return f"'{value.isoformat(sep=' ')}'::TIMESTAMP"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'::DATE"
    return "'" + str(value).replace("'", "''") + "'"


def multirow_insert_sql(table: str, rows: list[tuple]) -> str:
    values = ",\n".join("(" + ", ".join(map(sql_literal, row)) + ")" for row in rows)
    return f"insert into {table} values\n{values}"


def load_multirow_insert(cursor, table: str, rows: list[tuple], batch_rows: int) -> None:
    """Inserts rows with multi-row INSERT ... VALUES statements of `batch_rows` rows."""
    for start in range(0, len(rows), batch_rows):
        cursor.execute(multirow_insert_sql(table, rows[start:start + batch_rows]))


def load_put_copy(cursor, table: str, rows: list[tuple]) -> None:
    """Writes rows to a CSV file, PUTs it to the table's stage and COPYs it into the table."""
    directory = tempfile.mkdtemp(prefix="snowglobe-bench-setup-")
    try:
        # A new name each time: a COPY skips files of a name it has loaded before.
        path = os.path.join(directory, f"rows_{uuid.uuid4().hex}.csv")
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows(rows)
        cursor.execute(f"put file://{path} @%{table} auto_compress=false overwrite=true")
        cursor.execute(f"copy into {table} from @%{table} file_format = (type = csv "
                       "field_optionally_enclosed_by = '\"') purge = true")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def load_parquet_file(cursor, table: str, path: Path) -> None:
    """PUTs a Parquet file to the table's stage and COPYs it in, columns matched by name."""
    cursor.execute(f"put file://{path} @%{table} auto_compress=false overwrite=true")
    cursor.execute(f"copy into {table} from @%{table} file_format = (type = parquet) "
                   "match_by_column_name = case_insensitive purge = true")


#: How each server peer gets setup data (not a measured figure): Snowglobe's fastest route, and
#: PUT + COPY INTO of CSV for fakesnow, whose server fails on NUMBER(p,s) array binds
#: (`int('0.37')` in fakesnow/converter.py) and takes about an hour for a million rows of
#: literal INSERTs (its SQL translation of each statement).
SETUP_ROUTES = {"snowglobe": "executemany", "fakesnow": "put_copy"}
MULTIROW_SETUP_BATCH = 5_000


def load_for_setup(cursor, peer: str, table: str, rows: list[tuple]) -> None:
    """Loads rows by the peer's setup route (the cursor's connection uses paramstyle qmark)."""
    if not rows:
        return
    route = SETUP_ROUTES.get(peer, "executemany")
    if route == "executemany":
        load_executemany(cursor, table, rows, "qmark", batch_rows=bind_batch_rows(len(rows[0])))
    elif route == "put_copy":
        load_put_copy(cursor, table, rows)
    else:
        load_multirow_insert(cursor, table, rows, MULTIROW_SETUP_BATCH)


def ensure_database(server, database: str) -> None:
    """Creates `database` on a server peer if missing (each has PUBLIC)."""
    conn = server.connect()
    try:
        conn.cursor().execute(f"create database if not exists {database}")
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# TPC-H

TPCH_DIR = Path(__file__).resolve().parent / "tpch"
TPCH_TABLES = ["region", "nation", "supplier", "customer", "part", "partsupp", "orders",
               "lineitem"]


def tpch_queries() -> dict[str, str]:
    """The 22 queries (standard validation parameters), `q01` … `q22`, in Snowflake SQL that
    DuckDB also reads (`date 'x' + interval '3 months'`, `extract`, `substring(s, 1, 2)`)."""
    return {path.stem: path.read_text() for path in sorted((TPCH_DIR / "queries").glob("q*.sql"))}


def tpch_ddl() -> list[str]:
    text = (TPCH_DIR / "schema.sql").read_text()
    return [stmt.strip() for stmt in text.split(";") if stmt.strip()]


def tpch_parquet(scale: float, cache_root: Path) -> Path:
    """Generates (once) the TPC-H tables as Parquet with `tpchgen-cli`; returns the directory."""
    out = cache_root / f"tpch-sf{scale:g}"
    if all((out / f"{t}.parquet").exists() for t in TPCH_TABLES):
        return out
    out.mkdir(parents=True, exist_ok=True)
    tpchgen = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "tpchgen-cli"
    command = [str(tpchgen) if tpchgen.exists() else "tpchgen-cli", "parquet",
               "-s", f"{scale:g}", "-o", str(out)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out


def parquet_rows(path: Path, batch_rows: int):
    """Yields lists of Python tuples (ints, Decimals, dates, strs) from a Parquet file."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
        columns = [col.to_pylist() for col in batch.columns]
        yield list(zip(*columns))
