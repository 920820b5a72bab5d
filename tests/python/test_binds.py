"""Parameter binding: server-side qmark/numeric binds (single and array/executemany) of every
type, and the connector's default client-side pyformat interpolation."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from helpers import raises_snowflake, run, scalar, unique_name

COLUMNS = """(
    id INT, c_number NUMBER(10, 2), c_int INT, c_float FLOAT, c_text VARCHAR, c_boolean BOOLEAN,
    c_date DATE, c_time TIME, c_ntz TIMESTAMP_NTZ, c_binary BINARY
)"""

ROWS = [
    (1, Decimal("1.25"), 10, 1.5, "a", True, date(2024, 1, 31), time(1, 2, 3),
     datetime(2024, 1, 2, 3, 4, 5, 678000), b"\x01\x02"),
    (2, Decimal("-9.99"), -5, -0.25, "it's \\ \"quoted\"", False, date(1960, 2, 29),
     time(23, 59, 59, 500000), datetime(1999, 12, 31, 23, 59, 59), b"\xff"),
    (3, None, None, None, None, None, None, None, None, None),
]  # fmt: skip
# executemany with a NULL in a column makes the connector send that column as TEXT (epoch
# milliseconds for dates), which Snowflake reads by magnitude: keep dates outside 1969-1970,
# where milliseconds would read as seconds.

PLACEHOLDERS = {
    "qmark": ", ".join("?" for _ in ROWS[0]),
    "numeric": ", ".join(f":{i}" for i in range(1, len(ROWS[0]) + 1)),
}


def create_table(conn) -> str:
    table = unique_name("BOUND")
    run(conn, f"create table {table} {COLUMNS}")
    return table


def select_all(conn, table: str) -> list[tuple]:
    return run(conn, f"select * from {table} order by id")


@pytest.mark.parametrize("paramstyle", ["qmark", "numeric"])
def test_execute_binds_every_type(connect, database, paramstyle):
    conn = connect(database=database, schema="PUBLIC", paramstyle=paramstyle)
    table = create_table(conn)
    cur = conn.cursor()

    for row in ROWS:
        cur.execute(f"insert into {table} values ({PLACEHOLDERS[paramstyle]})", row)
        assert cur.rowcount == 1

    assert select_all(conn, table) == ROWS


@pytest.mark.parametrize("paramstyle", ["qmark", "numeric"])
def test_executemany_binds_every_type(connect, database, paramstyle):
    conn = connect(database=database, schema="PUBLIC", paramstyle=paramstyle)
    table = create_table(conn)
    cur = conn.cursor()

    cur.executemany(f"insert into {table} values ({PLACEHOLDERS[paramstyle]})", ROWS)

    assert cur.rowcount == len(ROWS)
    assert select_all(conn, table) == ROWS


def test_qmark_binds_in_where_clause(connect, database):
    conn = connect(database=database, schema="PUBLIC", paramstyle="qmark")
    table = create_table(conn)
    conn.cursor().executemany(f"insert into {table} values ({PLACEHOLDERS['qmark']})", ROWS)

    rows = run(
        conn,
        f"select id from {table} where c_int > ? and c_date < ? and c_text = ? order by id",
        (0, date(2025, 1, 1), "a"),
    )

    assert rows == [(1,)]


def test_qmark_binds_in_select_list(connect):
    conn = connect(paramstyle="qmark")

    assert run(conn, "select ? + 1, ?, ? is null", (41, "x", None)) == [(42, "x", True)]


def test_bound_columns_are_named_from_the_statement_text(connect):
    # Unaliased columns take their text as written, placeholders included: what DictCursor
    # keys and pandas column names are made of.
    for paramstyle, sql in [("qmark", "select ? + 1, upper(?), ? as n"),
                            ("numeric", "select :1 + 1, upper(:2), :1 as n")]:  # fmt: skip
        conn = connect(paramstyle=paramstyle)
        cur = conn.cursor()
        cur.execute(sql, (5, "a", 5) if paramstyle == "qmark" else (5, "a"))
        marker = "?" if paramstyle == "qmark" else ":"
        names = [d.name for d in cur.description]
        first, second = ("? + 1", "UPPER(?)") if marker == "?" else (":1 + 1", "UPPER(:2)")
        assert names == [first, second, "N"], names
        assert cur.fetchall() == [(6, "A", 5)]


def test_numeric_binds_can_repeat(connect):
    conn = connect(paramstyle="numeric")

    assert run(conn, "select :1 + :1, :2, :1", (21, "x")) == [(42, "x", 21)]


def test_bind_json_text_into_variant(connect, database):
    conn = connect(database=database, schema="PUBLIC", paramstyle="qmark")
    table = unique_name("V")
    run(conn, f"create table {table} (id INT, v VARIANT)")

    run(conn, f"insert into {table} select ?, parse_json(?)", (1, '{"a": [1, 2], "b": null}'))

    assert json.loads(scalar(conn, f"select v from {table}")) == {"a": [1, 2], "b": None}


def test_executemany_ten_thousand_rows(connect, database):
    conn = connect(database=database, schema="PUBLIC", paramstyle="qmark")
    table = unique_name("BIG")
    run(conn, f"create table {table} (id INT, name VARCHAR, amount NUMBER(12, 2))")
    count = 10_000
    rows = [(i, f"row-{i}", Decimal(i) / 100) for i in range(count)]
    cur = conn.cursor()

    cur.executemany(f"insert into {table} values (?, ?, ?)", rows)

    assert cur.rowcount == count
    assert run(
        conn, f"select count(*), sum(id), count(distinct name), sum(amount) from {table}"
    ) == [(count, count * (count - 1) // 2, count, Decimal(count * (count - 1) // 2) / 100)]
    assert run(conn, f"select name, amount from {table} where id = 1234") == [
        ("row-1234", Decimal("12.34"))
    ]


@pytest.mark.parametrize("rows", [3, 12_000], ids=["array-binds", "bind-stage"])
def test_executemany_into_a_varchar_n_column_checks_every_row(connect, database, rows):
    conn = connect(database=database, schema="PUBLIC", paramstyle="qmark")
    table = unique_name("LIMITED")
    run(conn, f"create table {table} (id INT, code VARCHAR(4))")
    cur = conn.cursor()
    good = [(i, f"c{i % 100}") for i in range(rows)]
    cur.executemany(f"insert into {table} values (?, ?)", good)
    assert cur.rowcount == rows
    bad = good[:-1] + [(rows, "toolong")]
    with raises_snowflake(100074, "22001", "String 'toolong' is too long and would be truncated"):
        cur.executemany(f"insert into {table} values (?, ?)", bad)
    # The failed statement added nothing.
    assert run(conn, f"select count(*), max(length(code)) from {table}") == [
        (rows, max(len(code) for _, code in good))
    ]


def test_pyformat_positional_client_side_binding(conn):
    table = unique_name("PY")
    run(
        conn,
        f"create table {table} (id INT, t VARCHAR, d DATE, n NUMBER(6, 2), f FLOAT, b BOOLEAN)",
    )
    cur = conn.cursor()

    insert = f"insert into {table} values (%s, %s, %s, %s, %s, %s)"

    cur.execute(insert, (1, "it's a \\ backslash", date(2024, 3, 1), Decimal("12.50"), 0.5, True))
    cur.execute(insert, (2, None, None, None, None, None))

    assert run(conn, f"select * from {table} order by id") == [
        (1, "it's a \\ backslash", date(2024, 3, 1), Decimal("12.50"), 0.5, True),
        (2, None, None, None, None, None),
    ]


def test_pyformat_named_client_side_binding(conn):
    assert run(conn, "select %(a)s + %(b)s, %(name)s", {"a": 40, "b": 2, "name": "O'Hara"}) == [
        (42, "O'Hara")
    ]


def test_a_placeholder_without_a_value_is_a_compilation_error(connect, database):
    conn = connect(database=database, schema="PUBLIC", paramstyle="qmark")
    cur = conn.cursor()
    with raises_snowflake(2049, "42601", ["Bind variable", "not set"]):
        cur.execute("select ?, ? as b", [1])
    with raises_snowflake(2049, "42601", ["Bind variable ? not set"]):
        cur.execute("select ? as a")
    numeric = connect(database=database, schema="PUBLIC", paramstyle="numeric")
    with raises_snowflake(2049, "42601", ["Bind variable :2 not set"]):
        numeric.cursor().execute("select :2 as a", ["x"])
