"""Errors reach the client as Snowflake errors: errno, SQLSTATE, query id and Snowflake's wording
(never DuckDB's), and the connection stays usable afterwards."""

import pytest
import snowflake.connector
from snowflake.connector import errors

from helpers import raises_snowflake, run, scalar, unique_name

NO_CURRENT_DATABASE = "This session does not have a current database"


@pytest.fixture(scope="module")
def table(module_conn) -> str:
    name = unique_name("T")
    run(module_conn, f"create table {name} (id INT, name VARCHAR)")
    return name


def test_missing_table(conn):
    with raises_snowflake(2003, "42S02", ["NO_SUCH_TABLE", "does not exist or not authorized"]):
        run(conn, "select * from no_such_table")

    assert scalar(conn, "select 1") == 1  # the session survives the error


def test_missing_table_in_qualified_name(conn, database):
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"select * from {database}.PUBLIC.NO_SUCH_TABLE")


def test_missing_database(conn):
    # Snowflake names the first part of the name that is missing.
    with raises_snowflake(2003, "42S02", "Database 'NO_SUCH_DB_PYTEST' does not exist or not authorized"):
        run(conn, "select * from NO_SUCH_DB_PYTEST.PUBLIC.T")


def test_missing_schema(conn, database):
    with raises_snowflake(2003, "42S02", f"Schema '{database}.NO_SUCH_SCHEMA' does not exist or not authorized"):
        run(conn, f"select * from {database}.NO_SUCH_SCHEMA.T")


def test_syntax_error(conn):
    with raises_snowflake(1003, "42000", "syntax error"):
        run(conn, "selec 1")

    with raises_snowflake(1003, "42000", "syntax error"):
        run(conn, "create tabel t (a INT)")

    assert scalar(conn, "select 2") == 2


def test_invalid_identifier(conn, table):
    with raises_snowflake(904, "42000", "invalid identifier 'NO_SUCH_COLUMN'"):
        run(conn, f"select no_such_column from {table}")


def test_invalid_identifier_in_where_clause(conn, table):
    with raises_snowflake(904, "42000", "invalid identifier 'NOPE'"):
        run(conn, f"select id from {table} where nope = 1")


def test_table_already_exists(conn, table):
    with raises_snowflake(2002, "42710", "already exists"):
        run(conn, f"create table {table} (a INT)")


def test_database_already_exists(conn, database):
    with raises_snowflake(2002, "42710", "already exists"):
        run(conn, f"create database {database}")


def test_create_table_without_current_database(connect):
    conn = connect()

    with raises_snowflake(90105, "22000", NO_CURRENT_DATABASE):
        run(conn, "create table t (a INT)")


def test_select_without_current_database(connect):
    conn = connect()

    with raises_snowflake(90105, "22000", NO_CURRENT_DATABASE):
        run(conn, "select * from t")


def test_table_functions_need_no_current_database(connect):
    conn = connect()

    assert run(conn, "select seq4() from table(generator(rowcount => 3)) order by 1") == [
        (0,), (1,), (2,)
    ]  # fmt: skip
    assert run(conn, "select value from table(flatten(input => parse_json('[1, 2]')))") == [
        ("1",), ("2",)
    ]  # fmt: skip


# Minutes of work in constant memory: long enough to be cancelled, harmless if it were not.
SLOW_QUERY = "select sum(length(md5(seq8()::varchar))) from table(generator(rowcount => 2000000000))"


def test_statement_timeout_cancels_with_000630(conn):
    run(conn, "alter session set statement_timeout_in_seconds = 1")
    try:
        with raises_snowflake(630, "57014", "reached its statement or warehouse timeout of 1"):
            run(conn, SLOW_QUERY)
        # The session runs statements normally afterwards.
        assert run(conn, "select 1") == [(1,)]
    finally:
        run(conn, "alter session unset statement_timeout_in_seconds")


@pytest.mark.skipif(
    snowflake.connector.__version__.startswith("5."),
    reason="connector 5.x ignores execute(timeout=...): it never asks the server to abort",
)
def test_client_timeout_cancels_with_000604(conn):
    # The connector aborts the query after `timeout` seconds; Snowflake reports a cancelled
    # statement as 000604 "SQL execution canceled", which the connector recognises.
    cur = conn.cursor()
    with pytest.raises(errors.ProgrammingError) as info:
        cur.execute(SLOW_QUERY, timeout=1)
    assert info.value.errno == 604, info.value
    assert "cancelled by the client due to a timeout" in str(info.value) or (
        "SQL execution canceled" in str(info.value)
    ), info.value


def test_division_by_zero(conn):
    with raises_snowflake(100051, "22012", "Division by zero"):
        run(conn, "select 1/0")

    assert scalar(conn, "select 1/2") is not None


def test_division_by_zero_on_table_rows(conn, table):
    run(conn, f"insert into {table} values (0, 'zero')")

    with raises_snowflake(100051, "22012", "Division by zero"):
        run(conn, f"select 10 / id from {table}")


def test_errors_have_distinct_query_ids(conn):
    ids = []
    for _ in range(2):
        with raises_snowflake(2003, "42S02") as info:
            run(conn, "select * from no_such_table")
        ids.append(info.value.sfqid)

    assert ids[0] != ids[1]


def test_cursor_sfqid_after_success(conn):
    cur = conn.cursor()
    cur.execute("select 1")

    assert isinstance(cur.sfqid, str) and cur.sfqid
