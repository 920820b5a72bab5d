"""INSERT / UPDATE / DELETE / TRUNCATE: effects, cursor.rowcount and the count columns Snowflake
returns."""

import pytest

from helpers import TYPE_CODE, column_names, run, scalar, status, unique_name


@pytest.fixture
def table(conn) -> str:
    name = unique_name("T")
    run(conn, f"create table {name} (id INT, name VARCHAR, amount NUMBER(10, 2))")
    return name


def execute(conn, sql: str):
    """Runs a DML statement; returns (rowcount, column names, rows, description) of its result."""
    cur = conn.cursor()
    cur.execute(sql)
    return cur.rowcount, column_names(cur), [tuple(r) for r in cur.fetchall()], cur.description


def test_insert_values(conn, table):
    rowcount, names, rows, description = execute(
        conn, f"insert into {table} values (1, 'a', 1.10), (2, 'b', 2.20), (3, 'c', NULL)"
    )

    assert rowcount == 3
    assert names == ["number of rows inserted"]
    assert rows == [(3,)]
    assert description[0][1] == TYPE_CODE["FIXED"]
    assert scalar(conn, f"select count(*) from {table}") == 3


def test_insert_with_column_list(conn, table):
    rowcount, _, rows, _ = execute(conn, f"insert into {table} (name, id) values ('z', 26)")

    assert (rowcount, rows) == (1, [(1,)])
    assert run(conn, f"select id, name, amount from {table}") == [(26, "z", None)]


def test_insert_select(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2)")

    rowcount, names, rows, _ = execute(
        conn, f"insert into {table} select id + 10, upper(name), amount * 2 from {table}"
    )

    assert rowcount == 2
    assert names == ["number of rows inserted"]
    assert rows == [(2,)]
    assert [(r[0], r[1], float(r[2])) for r in run(conn, f"select * from {table} order by id")] == [
        (1, "a", 1.0),
        (2, "b", 2.0),
        (11, "A", 2.0),
        (12, "B", 4.0),
    ]


def test_insert_select_nothing(conn, table):
    rowcount, _, rows, _ = execute(conn, f"insert into {table} select * from {table}")

    assert rowcount == 0
    assert rows == [(0,)]


def test_update(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")

    rowcount, names, rows, _ = execute(
        conn, f"update {table} set name = 'big', amount = amount + 0.5 where id >= 2"
    )

    assert rowcount == 2
    assert names == ["number of rows updated", "number of multi-joined rows updated"]
    assert rows == [(2, 0)]
    assert [(r[0], r[1], str(r[2])) for r in run(conn, f"select * from {table} order by id")] == [
        (1, "a", "1.00"),
        (2, "big", "2.50"),
        (3, "big", "3.50"),
    ]


def test_update_no_rows(conn, table):
    rowcount, _, rows, _ = execute(conn, f"update {table} set name = 'x' where id = 99")

    assert rowcount == 0
    assert rows == [(0, 0)]


def test_update_from_other_table(conn, table):
    other = unique_name("OTHER")
    run(conn, f"create table {other} (id INT, new_name VARCHAR)")
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2)")
    run(conn, f"insert into {other} values (2, 'bee')")

    rowcount, _, _, _ = execute(
        conn, f"update {table} t set name = o.new_name from {other} o where t.id = o.id"
    )

    assert rowcount == 1
    assert run(conn, f"select id, name from {table} order by id") == [(1, "a"), (2, "bee")]


def test_delete(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")

    rowcount, names, rows, _ = execute(conn, f"delete from {table} where id <> 2")

    assert rowcount == 2
    assert names == ["number of rows deleted"]
    assert rows == [(2,)]
    assert run(conn, f"select id from {table}") == [(2,)]


def test_delete_all(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2)")

    rowcount, _, rows, _ = execute(conn, f"delete from {table}")

    assert (rowcount, rows) == (2, [(2,)])
    assert scalar(conn, f"select count(*) from {table}") == 0


def test_truncate(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2)")

    assert status(conn, f"truncate table {table}") == "Statement executed successfully."
    assert scalar(conn, f"select count(*) from {table}") == 0
    # The table itself is still there and usable.
    run(conn, f"insert into {table} values (3, 'c', 3)")
    assert run(conn, f"select id from {table}") == [(3,)]


def test_select_rowcount(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")
    cur = conn.cursor()

    cur.execute(f"select * from {table} where id > 1")

    assert cur.rowcount == 2
    assert len(cur.fetchall()) == 2


def test_fetchone_and_fetchmany(conn, table):
    run(conn, f"insert into {table} values (1, 'a', 1), (2, 'b', 2), (3, 'c', 3)")
    cur = conn.cursor()

    cur.execute(f"select id from {table} order by id")

    assert tuple(cur.fetchone()) == (1,)
    assert [tuple(r) for r in cur.fetchmany(5)] == [(2,), (3,)]
    assert cur.fetchone() is None


def test_pivot_and_unpivot_name_columns_as_snowflake(conn):
    cur = conn.cursor()
    cur.execute(
        "select * from (select 'a' k, 1 v union all select 'b', 2) pivot (sum(v) for k in ('a', 'b'))"
    )
    # Text values keep their quotes in the column names.
    assert [d[0] for d in cur.description] == ["'a'", "'b'"]
    assert cur.fetchall() == [(1, 2)]
    cur.execute("select * from (select 1 id, 10 a, 20 b) unpivot (val for col in (a, b)) order by col")
    assert [d[0] for d in cur.description] == ["ID", "COL", "VAL"]
    assert cur.fetchall() == [(1, "A", 10), (1, "B", 20)]
    # A quoted column keeps its case in the name column; an alias is an identifier too.
    cur.execute(
        'select * from (select 1 id, 10 "b", 20 c) unpivot (val for col in ("b", c as later)) order by val'
    )
    assert cur.fetchall() == [(1, "b", 10), (1, "LATER", 20)]


def test_default_null_ordering_is_a_session_setting(connect, database):
    query = "select column1 from values (2), (null), (1) order by column1"
    first = connect(database=database, schema="PUBLIC")
    other = connect(database=database, schema="PUBLIC")
    run(first, "alter session set default_null_ordering = 'FIRST'")
    assert run(first, query) == [(None,), (1,), (2,)]
    assert run(other, query) == [(1,), (2,), (None,)]
    # a session opened later neither takes it nor resets it
    later = connect(database=database, schema="PUBLIC")
    assert run(later, query) == [(1,), (2,), (None,)]
    assert run(first, query) == [(None,), (1,), (2,)]
