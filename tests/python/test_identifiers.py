"""Identifier resolution: unquoted names fold to upper case, quoted names keep their case and are
matched exactly."""

from helpers import column_names, raises_snowflake, run, scalar, status, unique_name


def test_quoted_lower_and_upper_case_tables_are_distinct(conn):
    base = unique_name("CASE")
    lower, upper = base.lower(), base

    assert status(conn, f'create table "{lower}" (x INT)') == f"Table {lower} successfully created."
    assert status(conn, f'create table "{upper}" (x INT)') == f"Table {upper} successfully created."
    run(conn, f'insert into "{lower}" values (1)')
    run(conn, f'insert into "{upper}" values (2)')

    assert scalar(conn, f'select x from "{lower}"') == 1
    assert scalar(conn, f'select x from "{upper}"') == 2
    # Unquoted names resolve to the upper-case table, whatever case they are written in.
    assert scalar(conn, f"select x from {lower}") == 2
    assert scalar(conn, f"select x from {upper}") == 2


def test_quoted_lower_case_table_is_not_found_unquoted(conn):
    table = unique_name("ONLY_LOWER").lower()
    run(conn, f'create table "{table}" (x INT)')

    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"select x from {table}")


def test_quoted_column_name_must_match_case(conn):
    table = unique_name("T")
    run(conn, f"create table {table} (id INT)")
    run(conn, f"insert into {table} values (7)")

    assert scalar(conn, f'select "ID" from {table}') == 7
    assert scalar(conn, f"select id from {table}") == 7
    assert scalar(conn, f"select Id from {table}") == 7
    with raises_snowflake(904, "42000", "invalid identifier '\"id\"'"):
        run(conn, f'select "id" from {table}')


def test_column_names_keep_quoted_case(conn):
    table = unique_name("T")
    run(conn, f'create table {table} ("MixedCase" INT, lower_unquoted INT, "with space" INT)')
    run(conn, f"insert into {table} values (1, 2, 3)")
    cur = conn.cursor()

    cur.execute(f"select * from {table}")

    assert column_names(cur) == ["MixedCase", "LOWER_UNQUOTED", "with space"]
    assert [tuple(r) for r in cur.fetchall()] == [(1, 2, 3)]
    assert scalar(conn, f'select "MixedCase" + "with space" from {table}') == 4
    with raises_snowflake(904, "42000", "invalid identifier"):
        run(conn, f"select mixedcase from {table}")


def test_quoted_lower_and_upper_case_columns_are_distinct(conn):
    table = unique_name("T")
    run(conn, f'create table {table} ("a" INT, "A" INT)')
    run(conn, f"insert into {table} values (1, 2)")

    assert run(conn, f'select "a", "A", a from {table}') == [(1, 2, 2)]


def test_quoted_schema_and_database_names(connect, database):
    conn = connect(database=database, schema="PUBLIC")
    schema = unique_name("S").lower()
    run(conn, f'create schema "{schema}"')
    run(conn, f'create table "{database}"."{schema}".T (x INT)')
    run(conn, f'insert into "{schema}".t values (5)')

    assert scalar(conn, f'select x from {database}."{schema}".t') == 5
    with raises_snowflake(2003, "42S02", "does not exist or not authorized"):
        run(conn, f"select x from {schema}.t")
