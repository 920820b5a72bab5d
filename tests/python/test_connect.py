"""Logging in with and without a context, and USE statements updating the connection's context."""

from helpers import run, scalar, status, unique_name

OK = "Statement executed successfully."


def test_connect_without_context_has_no_current_database(connect):
    conn = connect()

    assert conn.database is None
    assert conn.schema is None
    assert run(conn, "select current_database(), current_schema()") == [(None, None)]
    assert scalar(conn, "select 1") == 1


def test_connect_with_database_and_schema(connect, database):
    conn = connect(database=database, schema="PUBLIC")

    assert conn.database == database
    assert conn.schema == "PUBLIC"
    assert run(conn, "select current_database(), current_schema()") == [(database, "PUBLIC")]


def test_connect_resolves_unquoted_context_names_to_upper_case(connect, database):
    conn = connect(database=database.lower(), schema="public")

    assert run(conn, "select current_database(), current_schema()") == [(database, "PUBLIC")]
    assert conn.database == database
    assert conn.schema == "PUBLIC"


def test_connect_with_database_only_uses_public_schema(connect, database):
    conn = connect(database=database)

    assert run(conn, "select current_database(), current_schema()") == [(database, "PUBLIC")]


def test_connect_with_warehouse_and_role(connect, database):
    warehouse = unique_name("PYTEST_WH")
    admin = connect()
    assert status(admin, f"create warehouse {warehouse}") == (
        f"Warehouse {warehouse} successfully created."
    )

    conn = connect(database=database, schema="PUBLIC", warehouse=warehouse, role="SYSADMIN")

    assert run(conn, "select current_warehouse(), current_role()") == [(warehouse, "SYSADMIN")]
    assert conn.warehouse == warehouse
    assert conn.role == "SYSADMIN"


def test_connect_with_session_parameters(connect, database):
    conn = connect(database=database, session_parameters={"QUERY_TAG": "pytest-login-tag"})

    assert scalar(conn, "select 1") == 1


def test_use_database_sets_database_and_public_schema(connect, database):
    conn = connect()

    assert status(conn, f"use database {database}") == OK

    assert conn.database == database
    assert conn.schema == "PUBLIC"
    assert run(conn, "select current_database(), current_schema()") == [(database, "PUBLIC")]


def test_use_schema_switches_schema(connect, database):
    conn = connect(database=database, schema="PUBLIC")
    schema = unique_name("S")
    run(conn, f"create schema {schema}")

    assert status(conn, "use schema PUBLIC") == OK
    assert conn.schema == "PUBLIC"
    assert scalar(conn, "select current_schema()") == "PUBLIC"

    assert status(conn, f"use schema {schema}") == OK
    assert conn.schema == schema
    assert scalar(conn, "select current_schema()") == schema


def test_use_qualified_schema_sets_database_and_schema(connect, database):
    setup = connect(database=database, schema="PUBLIC")
    schema = unique_name("S")
    run(setup, f"create schema {schema}")
    conn = connect()

    assert status(conn, f"use schema {database}.{schema}") == OK

    assert conn.database == database
    assert conn.schema == schema
    assert run(conn, "select current_database(), current_schema()") == [(database, schema)]


def test_use_database_with_lower_case_name(connect, database):
    conn = connect()

    assert status(conn, f"use {database.lower()}") == OK

    assert conn.database == database
    assert scalar(conn, "select current_database()") == database
