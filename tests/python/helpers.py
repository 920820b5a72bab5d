"""Small helpers shared by the client test modules.

Everything here is plain functions over a DB-API connection/cursor, so the same code runs under
snowflake-connector-python 4.x and 5.x.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, Iterator, Sequence

import pytest
from snowflake.connector import errors
from snowflake.connector.constants import FIELD_ID_TO_NAME

# cursor.description type codes by Snowflake type name, read from the installed connector
# (4.x: snowflake.connector.constants.FIELD_NAME_TO_ID; 5.x only re-exports FIELD_ID_TO_NAME).
TYPE_CODE = {name: code for code, name in FIELD_ID_TO_NAME.items()}

# DuckDB's exception prefixes: none of them may ever reach a Snowflake client.
DUCKDB_WORDING = (
    "Catalog Error",
    "Binder Error",
    "Parser Error",
    "Conversion Error",
    "Invalid Input Error",
    "Out of Range Error",
    "Not implemented Error",
    "Constraint Error",
    "Dependency Error",
    "TransactionContext Error",
    "INTERNAL Error",
    "duckdb",
)

# Snowflake's default maximum lengths, reported as `length` in the result metadata.
VARCHAR_MAX_LENGTH = 16_777_216
BINARY_MAX_LENGTH = 8_388_608


def unique_name(prefix: str) -> str:
    """An upper-case identifier that no other test (or earlier run) uses."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}".upper()


def run(conn, sql: str, params: Any = None) -> list[tuple]:
    """Executes one statement and returns all its rows as tuples."""
    cur = conn.cursor()
    try:
        cur.execute(sql, params) if params is not None else cur.execute(sql)
        return [tuple(row) for row in cur.fetchall()]
    finally:
        cur.close()


def scalar(conn, sql: str, params: Any = None) -> Any:
    """Executes a statement that returns exactly one row with one column."""
    rows = run(conn, sql, params)
    assert len(rows) == 1, f"{sql!r} returned {len(rows)} rows: {rows!r}"
    assert len(rows[0]) == 1, f"{sql!r} returned {len(rows[0])} columns: {rows[0]!r}"
    return rows[0][0]


def status(conn, sql: str) -> str:
    """Executes a DDL/USE/ALTER statement and returns its one-row `status` text."""
    cur = conn.cursor()
    try:
        cur.execute(sql)
        assert column_names(cur) == ["status"], f"{sql!r}: columns {column_names(cur)!r}"
        rows = cur.fetchall()
        assert len(rows) == 1, f"{sql!r} returned {rows!r}"
        return rows[0][0]
    finally:
        cur.close()


def column_names(cur) -> list[str]:
    return [col[0] for col in cur.description]


def description_of(conn, sql: str) -> dict[str, tuple]:
    """cursor.description of a query, keyed by column name.

    Each entry is the PEP 249 7-tuple (name, type_code, display_size, internal_size, precision,
    scale, null_ok), normalised to a plain tuple so 4.x and 5.x compare alike.
    """
    cur = conn.cursor()
    try:
        cur.execute(sql)
        cur.fetchall()
        return {col[0]: tuple(col) for col in cur.description}
    finally:
        cur.close()


def result_format(cur) -> str | None:
    """The result format the server chose ('json' / 'arrow'), where the connector exposes it."""
    fmt = getattr(cur, "_query_result_format", None)
    return fmt.lower() if isinstance(fmt, str) else None


def assert_no_duckdb_wording(message: str) -> None:
    lowered = message.lower()
    for word in DUCKDB_WORDING:
        assert word.lower() not in lowered, f"DuckDB wording {word!r} leaked into: {message!r}"


@contextlib.contextmanager
def raises_snowflake(
    errno: int,
    sqlstate: str,
    contains: str | Sequence[str] = (),
    error_class: type[Exception] = errors.ProgrammingError,
) -> Iterator[pytest.ExceptionInfo]:
    """Expects the block to raise a Snowflake error with this errno/SQLSTATE.

    Also checks what every query error must carry: a query id (sfqid), a message in Snowflake's
    words (optionally containing the given fragments) and nothing from DuckDB.
    """
    with pytest.raises(error_class) as info:
        yield info
    err = info.value
    assert err.errno == errno, f"errno {err.errno}, expected {errno}: {err}"
    assert err.sqlstate == sqlstate, f"sqlstate {err.sqlstate!r}, expected {sqlstate!r}: {err}"
    assert isinstance(err.sfqid, str) and err.sfqid, f"error carries no query id: {err}"
    message = str(getattr(err, "raw_msg", None) or err.msg)
    for fragment in [contains] if isinstance(contains, str) else contains:
        assert fragment in message, f"{fragment!r} not in error message {message!r}"
    assert_no_duckdb_wording(message)
