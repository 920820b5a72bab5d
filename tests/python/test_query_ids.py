"""Query ids as the client sees them, asynchronous queries, and requests of several statements
the parser alone does not read, through the real connector."""

from __future__ import annotations

import time as clock

from helpers import run, scalar


def test_sfqid_names_the_result_for_result_scan(conn):
    cur = conn.cursor()
    cur.execute("select 42 as x")
    qid = cur.sfqid
    assert qid
    assert scalar(conn, "select last_query_id()") != ""
    cur.execute(f"select x from table(result_scan('{qid}'))")
    assert cur.fetchall() == [(42,)]


def test_last_query_id_is_the_clients_sfqid(conn):
    cur = conn.cursor()
    cur.execute("select 7 as y")
    qid = cur.sfqid
    cur.execute("select last_query_id()")
    assert cur.fetchone()[0] == qid


def test_async_query_results_by_sfqid(conn):
    cur = conn.cursor()
    cur.execute_async("select 5 as z union all select 6 order by 1")
    qid = cur.sfqid
    deadline = clock.monotonic() + 30
    while conn.is_still_running(conn.get_query_status(qid)):
        assert clock.monotonic() < deadline, "query still running"
        clock.sleep(0.05)
    other = conn.cursor()
    other.get_results_from_sfqid(qid)
    assert other.fetchall() == [(5,), (6,)]


def test_procedure_and_function_in_a_multi_statement_request(conn):
    cur = conn.cursor()
    cur.execute(
        "create or replace function twice(x number) returns number as 'x * 2';"
        "create or replace procedure five() returns number language sql as $$ begin return 5; end $$;"
        "select twice(21);"
        "call five();",
        num_statements=4,
    )
    results = []
    while True:
        results.append(cur.fetchall())
        if not cur.nextset():
            break
    assert results[2:] == [[(42,)], [(5,)]]


def test_large_bind_value(conn):
    big = "x" * 3_000_000
    assert scalar(conn, "select length(%s)", (big,)) == 3_000_000
    run(conn, "create or replace table big_binds (s varchar)")
    conn.cursor().executemany(
        "insert into big_binds values (%s)", [("y" * 1000,) for _ in range(3000)]
    )
    assert scalar(conn, "select count(*) from big_binds") == 3000
