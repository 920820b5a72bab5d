"""CREATE / DROP / USE of databases, schemas, tables, views and warehouses, with Snowflake's
status messages."""

import pytest

from helpers import column_names, raises_snowflake, run, scalar, status, unique_name

OK = "Statement executed successfully."

ALL_TYPES_COLUMNS = """(
    c_number NUMBER(10, 2), c_int INT, c_float FLOAT,
    c_varchar VARCHAR(10), c_string STRING, c_text TEXT, c_boolean BOOLEAN,
    c_date DATE, c_time TIME,
    c_ntz TIMESTAMP_NTZ, c_ltz TIMESTAMP_LTZ, c_tz TIMESTAMP_TZ,
    c_variant VARIANT, c_object OBJECT, c_array ARRAY, c_binary BINARY
)"""


# --- databases and schemas -------------------------------------------------------------------


def test_create_and_drop_database(connect):
    conn = connect()
    name = unique_name("PYTEST_DDL_DB")

    assert status(conn, f"create database {name}") == f"Database {name} successfully created."
    # CREATE DATABASE makes the new database (and its PUBLIC schema) current.
    assert run(conn, "select current_database(), current_schema()") == [(name, "PUBLIC")]

    assert status(conn, f"drop database {name}") == f"{name} successfully dropped."
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"create table {name}.PUBLIC.T (a INT)")


def test_new_database_has_public_and_information_schema(connect):
    conn = connect()
    name = unique_name("PYTEST_DDL_DB")
    run(conn, f"create database {name}")
    try:
        assert status(conn, f"use schema {name}.PUBLIC") == OK
        assert status(conn, f"use schema {name}.INFORMATION_SCHEMA") == OK

        cur = conn.cursor()
        cur.execute(f"show schemas in database {name}")
        names_column = column_names(cur).index("name")
        assert sorted(row[names_column] for row in cur.fetchall()) == [
            "INFORMATION_SCHEMA",
            "PUBLIC",
        ]
    finally:
        run(conn, f"drop database if exists {name}")


def test_create_database_if_not_exists_keeps_existing(connect):
    conn = connect()
    name = unique_name("PYTEST_DDL_DB")
    run(conn, f"create database {name}")
    try:
        run(conn, f"create table {name}.PUBLIC.KEEP (a INT)")
        assert status(conn, f"create database if not exists {name}") == (
            f"{name} already exists, statement succeeded."
        )
        assert scalar(conn, f"select count(*) from {name}.PUBLIC.KEEP") == 0
    finally:
        run(conn, f"drop database if exists {name}")


def test_create_use_and_drop_schema(conn, database):
    schema = unique_name("S")

    assert status(conn, f"create schema {schema}") == f"Schema {schema} successfully created."
    assert status(conn, f"use schema {schema}") == OK
    assert scalar(conn, "select current_schema()") == schema

    assert status(conn, f"drop schema {schema}") == f"{schema} successfully dropped."
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"create table {database}.{schema}.T (a INT)")


def test_drop_schema_if_exists_missing(conn):
    schema = unique_name("NO_SUCH_SCHEMA")

    assert status(conn, f"drop schema if exists {schema}") == (
        f"Drop statement executed successfully ({schema} already dropped)."
    )


# --- tables ----------------------------------------------------------------------------------


def test_create_table_with_every_type(conn):
    table = unique_name("T")

    assert status(conn, f"create table {table} {ALL_TYPES_COLUMNS}") == (
        f"Table {table} successfully created."
    )
    assert scalar(conn, f"select count(*) from {table}") == 0


@pytest.mark.parametrize("kind", ["", "transient", "temporary", "temp"])
def test_create_table_kinds(conn, kind):
    table = unique_name("T")

    assert status(conn, f"create {kind} table {table} (a INT, b VARCHAR)") == (
        f"Table {table} successfully created."
    )
    run(conn, f"insert into {table} values (1, 'x')")
    assert run(conn, f"select a, b from {table}") == [(1, "x")]


def test_create_or_replace_table_replaces_contents_and_columns(conn):
    table = unique_name("T")
    run(conn, f"create table {table} (a INT)")
    run(conn, f"insert into {table} values (1), (2)")

    assert status(conn, f"create or replace table {table} (b STRING, c INT)") == (
        f"Table {table} successfully created."
    )

    cur = conn.cursor()
    cur.execute(f"select * from {table}")
    assert cur.fetchall() == []
    assert column_names(cur) == ["B", "C"]


def test_create_table_if_not_exists_keeps_existing_table(conn):
    table = unique_name("T")
    run(conn, f"create table {table} (a INT)")
    run(conn, f"insert into {table} values (7)")

    assert status(conn, f"create table if not exists {table} (z STRING)") == (
        f"{table} already exists, statement succeeded."
    )
    assert run(conn, f"select a from {table}") == [(7,)]


def test_create_existing_table_fails(conn):
    table = unique_name("T")
    run(conn, f"create table {table} (a INT)")

    with raises_snowflake(2002, "42710", "already exists"):
        run(conn, f"create table {table} (a INT)")


def test_drop_table(conn):
    table = unique_name("T")
    run(conn, f"create table {table} (a INT)")

    assert status(conn, f"drop table {table}") == f"{table} successfully dropped."
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"select * from {table}")


def test_drop_table_if_exists_missing(conn):
    table = unique_name("NO_SUCH_TABLE")

    assert status(conn, f"drop table if exists {table}") == (
        f"Drop statement executed successfully ({table} already dropped)."
    )


def test_drop_missing_table_fails(conn):
    table = unique_name("NO_SUCH_TABLE")

    with raises_snowflake(2003, "42S02", [table, "does not exist or not authorized"]):
        run(conn, f"drop table {table}")


def test_create_table_as_select(conn):
    source = unique_name("SRC")
    copy = unique_name("CTAS")
    run(conn, f"create table {source} (id INT, name VARCHAR(20), amount NUMBER(10, 2))")
    run(conn, f"insert into {source} values (1, 'a', 1.50), (2, 'b', 2.25), (3, 'c', NULL)")

    assert status(
        conn, f"create table {copy} as select id, name, amount from {source} where id < 3"
    ) == (f"Table {copy} successfully created.")

    assert [(r[0], r[1], str(r[2])) for r in run(conn, f"select * from {copy} order by id")] == [
        (1, "a", "1.50"),
        (2, "b", "2.25"),
    ]


def test_create_or_replace_table_as_select(conn):
    table = unique_name("CTAS")
    run(conn, f"create table {table} (a INT)")

    assert status(conn, f"create or replace table {table} as select 42 as answer") == (
        f"Table {table} successfully created."
    )
    assert run(conn, f"select answer from {table}") == [(42,)]


# --- views -----------------------------------------------------------------------------------


def test_create_select_and_drop_view(conn):
    table = unique_name("T")
    view = unique_name("V")
    run(conn, f"create table {table} (a INT)")
    run(conn, f"insert into {table} values (1), (2), (3)")

    assert status(conn, f"create view {view} as select a * 10 as ten_a from {table}") == (
        f"View {view} successfully created."
    )
    assert run(conn, f"select ten_a from {view} order by 1") == [(10,), (20,), (30,)]

    # A view is a stored query: rows inserted later show through it.
    run(conn, f"insert into {table} values (4)")
    assert scalar(conn, f"select max(ten_a) from {view}") == 40

    assert status(conn, f"create or replace view {view} as select 1 as one") == (
        f"View {view} successfully created."
    )
    assert run(conn, f"select * from {view}") == [(1,)]

    assert status(conn, f"drop view {view}") == f"{view} successfully dropped."
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"select * from {view}")


# --- fully-qualified names -------------------------------------------------------------------


def test_fully_qualified_names_without_current_database(connect, database):
    conn = connect()  # no current database: every name is qualified
    schema = unique_name("S")
    table = f"{database}.{schema}.FQ"

    assert status(conn, f"create schema {database}.{schema}") == (
        f"Schema {schema} successfully created."
    )
    assert status(conn, f"create table {table} (id INT, v STRING)") == (
        "Table FQ successfully created."
    )
    run(conn, f"insert into {table} values (1, 'one'), (2, 'two')")
    run(conn, f"update {table} set v = 'TWO' where id = 2")
    run(conn, f"delete from {table} where id = 1")

    assert run(conn, f"select id, v from {table}") == [(2, "TWO")]
    assert run(conn, f"select t.v from {table} as t where t.id = 2") == [("TWO",)]


def test_schema_qualified_name_uses_current_database(connect, database):
    conn = connect(database=database, schema="PUBLIC")
    schema = unique_name("S")
    run(conn, f"create schema {schema}")
    run(conn, "use schema PUBLIC")

    run(conn, f"create table {schema}.T2 (a INT)")
    run(conn, f"insert into {schema}.T2 values (5)")

    assert run(conn, f"select a from {database}.{schema}.T2") == [(5,)]
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, "select a from T2")  # not in the current schema PUBLIC


# --- warehouses and roles ----------------------------------------------------------------------


def test_create_and_use_warehouse(conn):
    warehouse = unique_name("PYTEST_WH")

    assert status(
        conn, f"create warehouse {warehouse} warehouse_size = 'XSMALL' auto_suspend = 60"
    ) == (f"Warehouse {warehouse} successfully created.")
    assert status(conn, f"create warehouse if not exists {warehouse}") == (
        f"{warehouse} already exists, statement succeeded."
    )
    assert status(conn, f"use warehouse {warehouse}") == OK
    assert scalar(conn, "select current_warehouse()") == warehouse


def test_use_role(conn):
    assert status(conn, "use role SYSADMIN") == OK
    assert scalar(conn, "select current_role()") == "SYSADMIN"


def test_alter_table_add_column_with_a_default_needs_no_current_database(connect, database):
    table = unique_name("NOCTX")
    run(connect(database=database, schema="PUBLIC"), f"create table {table} (i int)")
    bare = connect()  # no current database or schema
    assert scalar(bare, "select current_database()") is None
    status(bare, f"alter table {database}.public.{table} add column c varchar default 'd'")
    run(bare, f"insert into {database}.public.{table} (i) values (1)")
    assert run(bare, f"select i, c from {database}.public.{table}") == [(1, "d")]
