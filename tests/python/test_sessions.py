"""Session state: TIMEZONE and QUERY_TAG parameters, isolation between connections, and
connections not blocking one another."""

from __future__ import annotations

import threading
import time as clock
from datetime import datetime, timedelta, timezone

from helpers import raises_snowflake, run, scalar, status, unique_name

OK = "Statement executed successfully."

# 2024-01-15 12:00:00 UTC, a winter date: no daylight saving in either hemisphere's zones below.
NOON_UTC_EPOCH = 1705320000
NOON_UTC = datetime(2024, 1, 15, 12, 0, 0, tzinfo=timezone.utc)
LTZ_NOON = f"select to_timestamp_ltz({NOON_UTC_EPOCH})"


def assert_ltz(value: datetime, offset_hours: int) -> None:
    """An LTZ value is the same instant, shown in the session time zone."""
    assert value.tzinfo is not None, value
    assert value == NOON_UTC, value
    assert value.utcoffset() == timedelta(hours=offset_hours), value
    assert value.hour == 12 + offset_hours, value


# --- TIMEZONE --------------------------------------------------------------------------------


def test_default_timezone_is_america_los_angeles(conn, fmt):
    assert_ltz(scalar(conn, LTZ_NOON), -8)


def test_alter_session_timezone_changes_ltz_values(conn, fmt):
    assert status(conn, "alter session set timezone = 'America/New_York'") == OK
    assert_ltz(scalar(conn, LTZ_NOON), -5)
    assert scalar(conn, f"select hour(to_timestamp_ltz({NOON_UTC_EPOCH}))") == 7

    assert status(conn, "alter session set timezone = 'Asia/Tokyo'") == OK
    assert_ltz(scalar(conn, LTZ_NOON), 9)
    assert scalar(conn, f"select hour(to_timestamp_ltz({NOON_UTC_EPOCH}))") == 21

    assert status(conn, "alter session unset timezone") == OK
    assert_ltz(scalar(conn, LTZ_NOON), -8)


def test_timezone_from_login_session_parameters(connect, database):
    conn = connect(
        database=database, schema="PUBLIC", session_parameters={"TIMEZONE": "Asia/Tokyo"}
    )

    assert_ltz(scalar(conn, LTZ_NOON), 9)


def test_timezone_is_per_session(connect, database):
    tokyo = connect(database=database, schema="PUBLIC")
    other = connect(database=database, schema="PUBLIC")

    status(tokyo, "alter session set timezone = 'Asia/Tokyo'")

    assert_ltz(scalar(tokyo, LTZ_NOON), 9)
    assert_ltz(scalar(other, LTZ_NOON), -8)


def test_ntz_values_ignore_session_timezone(conn):
    status(conn, "alter session set timezone = 'Asia/Tokyo'")

    value = scalar(conn, "select '2024-01-15 12:00:00'::timestamp_ntz")

    assert value == datetime(2024, 1, 15, 12, 0, 0)
    assert value.tzinfo is None


# --- QUERY_TAG -------------------------------------------------------------------------------


def test_query_tag_is_accepted(conn):
    assert status(conn, "alter session set query_tag = 'pytest-tag'") == OK
    assert scalar(conn, "select 1") == 1
    assert status(conn, "alter session unset query_tag") == OK


def test_alter_session_sets_several_parameters(conn):
    assert status(conn, "alter session set query_tag = 'several' timezone = 'UTC'") == OK
    assert_ltz(scalar(conn, LTZ_NOON), 0)


# --- isolation -------------------------------------------------------------------------------


def test_connections_have_their_own_current_database(connect, database):
    other_db = unique_name("PYTEST_SESSIONS_OTHER")
    first = connect()
    second = connect()
    run(first, f"create database {other_db}")
    try:
        run(first, f"use database {database}")
        run(second, f"use database {other_db}")

        assert scalar(first, "select current_database()") == database
        assert scalar(second, "select current_database()") == other_db
        assert (first.database, second.database) == (database, other_db)
    finally:
        run(first, f"drop database if exists {other_db}")


def test_temporary_table_is_invisible_to_other_sessions(connect, database):
    table = unique_name("TMP")
    owner = connect(database=database, schema="PUBLIC")
    other = connect(database=database, schema="PUBLIC")

    run(owner, f"create temporary table {table} (x INT)")
    run(owner, f"insert into {table} values (1)")

    assert run(owner, f"select x from {table}") == [(1,)]
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(other, f"select x from {table}")

    # The other session may have its own temporary table of the same name.
    run(other, f"create temporary table {table} (x INT)")
    run(other, f"insert into {table} values (2), (3)")
    assert run(owner, f"select x from {table}") == [(1,)]
    assert run(other, f"select x from {table} order by x") == [(2,), (3,)]


def test_temporary_tables_are_listed_for_their_session(connect, database):
    table = unique_name("TMPLIST")
    owner = connect(database=database, schema="PUBLIC")
    other = connect(database=database, schema="PUBLIC")
    run(owner, f"create temporary table {table} (x INT)")
    run(owner, f"insert into {table} values (1), (2)")

    cur = owner.cursor().execute(f"show tables like '{table}'")
    names = [d.name for d in cur.description]
    rows = [dict(zip(names, row)) for row in cur.fetchall()]
    assert [(r["name"], r["kind"], r["rows"]) for r in rows] == [(table, "TEMPORARY", 2)]
    info = (
        "select table_type, is_temporary, row_count from information_schema.tables "
        f"where table_name = '{table}'"
    )
    assert run(owner, info) == [("LOCAL TEMPORARY", "YES", 2)]

    assert run(other, f"show tables like '{table}'") == []
    assert run(other, info) == []

    # A temporary view is no table.
    run(owner, f"create temporary view {table}_V as select 1 as a")
    assert run(owner, f"show tables like '{table}_V'") == []


def test_temporary_table_ends_with_its_session(connect, database):
    table = unique_name("TMP")
    owner = connect(database=database, schema="PUBLIC")
    run(owner, f"create temporary table {table} (x INT)")
    owner.close()

    later = connect(database=database, schema="PUBLIC")
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(later, f"select x from {table}")


def test_table_changes_by_another_session_are_seen(connect, database):
    """Sessions keep what they looked up about tables only until the catalog changes."""
    table = unique_name("SHAPE")
    reader = connect(database=database, schema="PUBLIC")
    writer = connect(database=database, schema="PUBLIC")
    run(writer, f"create table {table} (v number(10,2))")
    run(writer, f"insert into {table} values (1.5)")
    cur = reader.cursor()
    cur.execute(f"select * from {table}")
    assert [(d.name, d.type_code, d.scale) for d in cur.description] == [("V", 0, 2)]
    assert [str(v) for (v,) in cur.fetchall()] == ["1.50"]

    run(writer, f"create or replace table {table} (v varchar, w variant)")
    run(writer, f"insert into {table} select 'x', parse_json('{{\"a\": 1}}')")
    cur.execute(f"select * from {table}")
    assert [(d.name, d.type_code) for d in cur.description] == [("V", 2), ("W", 5)]
    assert cur.fetchall() == [("x", '{\n  "a": 1\n}')]

    # DDL in a transaction commits it and itself (Snowflake's Transactions page): after the
    # ROLLBACK both sessions see the added column, and the row inserted before it.
    run(writer, "begin")
    run(writer, f"insert into {table} select 'y', null")
    run(writer, f"alter table {table} add column z int")
    run(writer, "rollback")
    for conn in (writer, reader):
        cur = conn.cursor().execute(f"select * from {table} order by v")
        assert [d.name for d in cur.description] == ["V", "W", "Z"]
        assert [r[0] for r in cur.fetchall()] == ["x", "y"]


# --- concurrency -----------------------------------------------------------------------------

# SUM over a three-way cross join of this many rows touches 3.4e9 combinations: seconds of work
# that no optimiser can skip, so a server that runs sessions one at a time cannot answer another
# connection meanwhile.
SLOW_TABLE_ROWS = 1200


def test_slow_query_does_not_block_other_connections(connect, database):
    table = unique_name("SLOW")
    setup = connect(database=database, schema="PUBLIC")
    run(setup, f"create table {table} (x INT)")
    run(setup, f"insert into {table} values " + ", ".join(f"({i})" for i in range(SLOW_TABLE_ROWS)))
    n, total = SLOW_TABLE_ROWS, SLOW_TABLE_ROWS * (SLOW_TABLE_ROWS - 1) // 2
    expected_sum = n * total * total + n * n * total  # sum over a, b, c of a*b + c

    slow_conn = connect(database=database, schema="PUBLIC")
    fast_conn = connect(database=database, schema="PUBLIC")
    slow_result: dict[str, object] = {}
    slow_done = threading.Event()

    def run_slow() -> None:
        try:
            slow_result["rows"] = run(
                slow_conn, f"select sum(a.x * b.x + c.x) from {table} a, {table} b, {table} c"
            )
        except Exception as exc:  # reported by the main thread
            slow_result["error"] = exc
        finally:
            slow_done.set()

    slow_thread = threading.Thread(target=run_slow, daemon=True)
    slow_thread.start()
    clock.sleep(0.3)  # let the slow query reach the server first
    assert not slow_done.is_set(), f"slow query done too soon, raise SLOW_TABLE_ROWS: {slow_result}"

    assert scalar(fast_conn, "select 42") == 42
    assert run(fast_conn, f"select count(*) from {table}") == [(SLOW_TABLE_ROWS,)]
    fast_finished_while_slow_running = not slow_done.is_set()

    slow_thread.join(timeout=600)
    assert slow_done.is_set(), "slow query never finished"
    assert "error" not in slow_result, f"slow query failed: {slow_result['error']}"
    assert slow_result["rows"] == [(expected_sum,)]
    assert fast_finished_while_slow_running, "the fast query waited for the slow one"
