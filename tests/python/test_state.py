"""State export and import (issue 4): `snowglobe state export|import|reset`, through a running
server's HTTP API and on a volume directory with no server, and LocalStack's state endpoints.

Each test starts its own servers (state_support.Server) with their own volume directories, so
nothing here depends on, or changes, the session server of conftest.py.
"""

from __future__ import annotations

import json
import random
import threading
import time
import zipfile
import datetime as _dt
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import snowflake.connector

from state_support import (
    Server,
    assert_valid_zip,
    canon,
    closed_port_url,
    cli,
    count,
    databases,
    fill_table,
    fingerprint,
    http,
    manifest_name,
    offline_cli,
    parquet_contents,
    query,
    read_manifest,
    rewrite_zip,
    sql,
    summary_counts,
    use_arrow,
    use_json,
)

# --------------------------------------------------------------------------------------------
# Random rows of every type

COLUMNS = """(
    id INT,
    n38 NUMBER(38, 0) COMMENT 'thirty-eight digits',
    n10_2 NUMBER(10, 2),
    f FLOAT,
    vc VARCHAR(10) COMMENT 'short text',
    tx TEXT,
    b BOOLEAN,
    d DATE,
    tm TIME,
    ntz TIMESTAMP_NTZ,
    ltz TIMESTAMP_LTZ,
    tz TIMESTAMP_TZ,
    v VARIANT,
    o OBJECT,
    a ARRAY,
    bin BINARY
)"""
N_VALUE_COLUMNS = 15
MAX_38 = 10**38 - 1

# No backslash (a string-literal escape in Snowflake) and no JSON-escaped characters, so the same
# text is valid inside a SQL literal and inside JSON; quotes are doubled below.
ALPHABET = "abcxyzABCXYZ019 -_.,;:!?'é ñ€日本🙂"
JSON_ALPHABET = ALPHABET.replace("'", "")


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def rand_text(rng: random.Random, max_len: int, alphabet: str = ALPHABET) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_len)))


def rand_json(rng: random.Random, depth: int = 0):
    kinds = ["int", "float", "str", "bool", "null"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 2**53 + 1, rng.randint(-10**9, 10**9)])
    if kind == "float":
        return rng.choice([1.5, -2.25, 1e100, 0.125])
    if kind == "str":
        return rand_text(rng, 12, JSON_ALPHABET)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [rand_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rand_text(rng, 6, "abcdefKLM_") or "k": rand_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def rand_datetime(rng: random.Random) -> datetime:
    base = datetime(1900, 1, 1) + timedelta(seconds=rng.randint(0, 200 * 365 * 86400))
    return base.replace(microsecond=rng.choice([0, 123456, rng.randint(0, 999999)]))


def rand_offset(rng: random.Random) -> str:
    minutes = rng.choice([0, 330, -480, 345, -150, rng.randint(-14 * 60, 14 * 60)])
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def value_exprs(rng: random.Random) -> list[str]:
    """SQL expressions for one row's 15 value columns (NULL with probability 0.15 each)."""
    dt = rand_datetime(rng)
    exprs = [
        f"{rng.choice([MAX_38, -MAX_38, 0, rng.randint(-MAX_38, MAX_38)])}::NUMBER(38, 0)",
        f"{rng.choice(['', '-'])}{rng.randint(0, 99_999_999)}.{rng.randint(0, 99):02d}::NUMBER(10, 2)",
        lit(rng.choice(["NaN", "inf", "-inf", "0", "-0.0", "5e-324", "1.7976931348623157e308",
                        repr(rng.uniform(-1e6, 1e6)), repr(rng.random())])) + "::FLOAT",
        lit(rand_text(rng, 10)) + "::VARCHAR(10)",
        lit(rand_text(rng, 200)),
        rng.choice(["TRUE", "FALSE"]),
        lit((date(1700, 1, 1) + timedelta(days=rng.randint(0, 500 * 365))).isoformat()) + "::DATE",
        lit(dt.time().isoformat(timespec="microseconds")) + "::TIME",
        lit(dt.isoformat(sep=" ", timespec="microseconds")) + "::TIMESTAMP_NTZ",
        lit(dt.isoformat(sep=" ", timespec="microseconds") + " " + rand_offset(rng)) + "::TIMESTAMP_LTZ",
        lit(dt.isoformat(sep=" ", timespec="microseconds") + " " + rand_offset(rng)) + "::TIMESTAMP_TZ",
        f"PARSE_JSON({lit(json.dumps(rand_json(rng), ensure_ascii=False))})",
        f"PARSE_JSON({lit(json.dumps({'k': rand_json(rng), 'n': rng.randint(0, 9)}, ensure_ascii=False))})::OBJECT",
        f"PARSE_JSON({lit(json.dumps([rand_json(rng) for _ in range(rng.randint(0, 3))], ensure_ascii=False))})::ARRAY",
        f"TO_BINARY({lit(bytes(rng.randrange(256) for _ in range(rng.randint(0, 24))).hex().upper())}, 'HEX')",
    ]  # fmt: skip
    assert len(exprs) == N_VALUE_COLUMNS
    return [("NULL" if rng.random() < 0.15 else e) for e in exprs]


EDGE_ROWS = [
    ["NULL"] * N_VALUE_COLUMNS,  # NULL in every column
    [
        f"{MAX_38}::NUMBER(38, 0)", "99999999.99::NUMBER(10, 2)", "'NaN'::FLOAT", "'x''y🙂é'::VARCHAR(10)",
        "''", "TRUE", "'2024-02-29'::DATE", "'23:59:59.999999'::TIME",
        "'2024-02-29 23:59:59.999999'::TIMESTAMP_NTZ", "'2024-02-29 23:59:59.999999 +00:00'::TIMESTAMP_LTZ",
        "'2024-02-29 23:59:59.999999 +05:30'::TIMESTAMP_TZ", "PARSE_JSON('null')", "PARSE_JSON('{}')::OBJECT",
        "PARSE_JSON('[]')::ARRAY", "TO_BINARY('', 'HEX')",
    ],
    [
        f"{-MAX_38}::NUMBER(38, 0)", "-99999999.99::NUMBER(10, 2)", "'inf'::FLOAT", "'abcdefghij'::VARCHAR(10)",
        "'NULL'", "FALSE", "'1970-01-01'::DATE", "'00:00:00'::TIME",
        "'1970-01-01 00:00:00'::TIMESTAMP_NTZ", "'1969-12-31 23:59:59 -08:00'::TIMESTAMP_LTZ",
        "'1999-12-31 23:59:59 -08:00'::TIMESTAMP_TZ", "PARSE_JSON('\"just a string\"')",
        "PARSE_JSON('{\"a\": {\"b\": [1, 2.5, null, true]}}')::OBJECT",
        "PARSE_JSON('[[], {}, \"\", 0]')::ARRAY", "TO_BINARY('00FF7F80', 'HEX')",
    ],
    ["0::NUMBER(38, 0)", "0::NUMBER(10, 2)", "'-inf'::FLOAT"] + ["NULL"] * (N_VALUE_COLUMNS - 3),
]  # fmt: skip


def create_round_trip_db(conn, db: str, rng: random.Random, n_rows: int) -> int:
    """A database with two schemas, a table of every type (edge rows + random rows), a second
    table and a view across schemas. Returns the number of rows in its tables."""
    sql(conn, f"create database {db}")
    sql(conn, f"create schema {db}.S1")
    sql(conn, f"create schema {db}.S2")
    sql(conn, f"create table {db}.S1.ALLTYPES {COLUMNS}")
    rows = EDGE_ROWS + [value_exprs(rng) for _ in range(n_rows)]
    for start in range(0, len(rows), 25):
        chunk = rows[start : start + 25]
        selects = " union all ".join(
            f"select {start + i + 1}, " + ", ".join(exprs) for i, exprs in enumerate(chunk)
        )
        sql(conn, f"insert into {db}.S1.ALLTYPES {selects}")
    sql(conn, f"create table {db}.S2.OTHER (id int, note varchar(50), amount number(12, 4))")
    sql(conn, f"insert into {db}.S2.OTHER values (1, 'first', 1.0001), (2, NULL, -3), (3, 'it''s', NULL)")
    sql(
        conn,
        f"create view {db}.S2.EVENS as select id, n38, vc, v from {db}.S1.ALLTYPES where id % 2 = 0",
    )
    return len(rows) + 3


ROUND_TRIP_QUERIES = [
    "select * from {db}.S1.ALLTYPES order by id",
    "select * from {db}.S2.OTHER order by id",
    "select * from {db}.S2.EVENS order by id",
    # Values that JSON and Arrow render differently still must agree after the round trip.
    "select id, f::varchar, ntz::varchar, ltz::varchar, tz::varchar, v::varchar, bin::varchar "
    "from {db}.S1.ALLTYPES order by id",
]


def assert_same_results(src_conn, dst_conn, db: str) -> None:
    for fmt, switch in (("json", use_json), ("arrow", use_arrow)):
        switch(src_conn)
        switch(dst_conn)
        for template in ROUND_TRIP_QUERIES:
            q = template.format(db=db)
            src_rows, src_desc = query(src_conn, q)
            dst_rows, dst_desc = query(dst_conn, q)
            assert dst_desc == src_desc, f"[{fmt}] column metadata differs for {q}"
            assert len(dst_rows) == len(src_rows), f"[{fmt}] row count differs for {q}"
            for i, (s, d) in enumerate(zip(src_rows, dst_rows)):
                assert d == s, f"[{fmt}] row {i} of {q} differs:\n source {s}\n import {d}"


def db_fingerprint(conn, db: str) -> dict:
    return fingerprint(conn)[db]


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    with Server(tmp_path_factory.mktemp("source") / "volume") as srv:
        yield srv


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """A server that starts empty and into which the round-trip tests import."""
    with Server(tmp_path_factory.mktemp("target") / "volume") as srv:
        yield srv


def test_round_trip_is_exact_for_every_type(source, target, tmp_path):
    db = "ROUND_TRIP_EDGES"
    conn = source.connect()
    n_rows = create_round_trip_db(conn, db, random.Random(0), n_rows=40)

    # The source really holds what the test claims (so equality below means something).
    use_json(conn)
    edge = sql(conn, f"select n38, f, vc from {db}.S1.ALLTYPES where id in (2, 3) order by id")
    assert edge[0][0] == MAX_38 and edge[1][0] == -MAX_38
    assert canon(edge[0][1]) == ("float", "nan") and edge[1][1] == float("inf")
    assert sql(conn, f"select count(*) from {db}.S1.ALLTYPES where n38 is null and bin is null") != [(0,)]

    first = tmp_path / "first.zip"
    out = source.cli("state", "export", str(first)).ok().out
    assert first.is_file() and zipfile.is_zipfile(first)
    assert summary_counts(out) == (2, n_rows), out

    dst = target.connect()
    target.cli("state", "import", str(first)).ok()
    assert db in databases(dst)
    assert_same_results(conn, dst, db)
    assert db_fingerprint(dst, db) == db_fingerprint(conn, db)
    # The view is a view, still reading its base table: a row added after the import shows up.
    sql(dst, f"insert into {db}.S1.ALLTYPES (id, n38) values (1000, 7)")
    assert (1000, 7) in sql(dst, f"select id, n38 from {db}.S2.EVENS")

    sql(dst, f"delete from {db}.S1.ALLTYPES where id = 1000")
    second = tmp_path / "second.zip"
    target.cli("state", "export", str(second), "--databases", db).ok()
    assert parquet_contents(second) == parquet_contents(first)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_round_trip_property(source, target, tmp_path, seed):
    """export → import → export gives the same content, for random rows of every type."""
    db = f"ROUND_TRIP_SEED_{seed}"
    rng = random.Random(seed)
    conn = source.connect()
    n_rows = create_round_trip_db(conn, db, rng, n_rows=rng.randint(20, 60))

    first = tmp_path / "first.zip"
    out = source.cli("state", "export", str(first), "--databases", db).ok().out
    assert summary_counts(out) == (2, n_rows), out
    target.cli("state", "import", str(first), "--strategy", "merge").ok()

    dst = target.connect()
    assert_same_results(conn, dst, db)

    second = tmp_path / "second.zip"
    target.cli("state", "export", str(second), "--databases", db).ok()
    assert parquet_contents(second) == parquet_contents(first)
    # Importing the re-export over the first import changes nothing a client can see.
    before = db_fingerprint(dst, db)
    target.cli("state", "import", str(second)).ok()
    assert db_fingerprint(dst, db) == before


def test_manifest_describes_the_file(source, tmp_path):
    conn = source.connect()
    sql(conn, "create or replace database MANIFEST_DB")
    sql(conn, "create table MANIFEST_DB.PUBLIC.T (id int)")
    sql(conn, "insert into MANIFEST_DB.PUBLIC.T values (1), (2)")
    path = tmp_path / "m.zip"
    source.cli("state", "export", str(path), "--databases", "MANIFEST_DB").ok()
    manifest = read_manifest(path)
    assert isinstance(manifest.get("format_version"), int) and manifest["format_version"] >= 1
    assert "format" in manifest, manifest


# --------------------------------------------------------------------------------------------
# Selective export, merge and overwrite


def make_db(conn, db: str, table: str = "T", values: tuple = (1, 2, 3)) -> None:
    sql(conn, f"create or replace database {db}")
    sql(conn, f"create table {db}.PUBLIC.{table} (id int)")
    sql(conn, f"insert into {db}.PUBLIC.{table} values " + ", ".join(f"({v})" for v in values))


def test_export_only_the_named_databases(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        conn = src.connect()
        for db in ("ALPHA", "BETA", "GAMMA"):
            make_db(conn, db)
        only_alpha = tmp_path / "alpha.zip"
        out = src.cli("state", "export", str(only_alpha), "--databases", "ALPHA").ok().out
        assert summary_counts(out) == (1, 3)
        # An unquoted name, as in SQL: any case.
        lower = tmp_path / "lower.zip"
        out = src.cli("state", "export", str(lower), "--databases", "alpha").ok().out
        assert summary_counts(out) == (1, 3)
        two = tmp_path / "two.zip"
        out = src.cli("state", "export", str(two), "--databases", "ALPHA,GAMMA").ok().out
        assert summary_counts(out) == (2, 6)

        dconn = dst.connect()
        dst.cli("state", "import", str(only_alpha)).ok()
        assert databases(dconn) == ["ALPHA"]
        dst.cli("state", "reset").ok()
        assert databases(dconn) == []
        dst.cli("state", "import", str(two)).ok()
        assert databases(dconn) == ["ALPHA", "GAMMA"]


def test_export_of_a_missing_database_fails(tmp_path):
    with Server(tmp_path / "a") as src:
        make_db(src.connect(), "PRESENT")
        path = tmp_path / "x.zip"
        src.cli("state", "export", str(path), "--databases", "NOPE_NOT_HERE").failed("NOPE_NOT_HERE")


def test_import_merge_replaces_only_the_databases_in_the_file(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        make_db(src.connect(), "SHARED", values=(10, 20))
        path = tmp_path / "shared.zip"
        src.cli("state", "export", str(path), "--databases", "SHARED").ok()

        dconn = dst.connect()
        make_db(dconn, "KEEP", values=(7,))
        make_db(dconn, "SHARED", table="STALE", values=(99,))  # replaced as a whole database
        dst.cli("state", "import", str(path), "--strategy", "merge").ok()
        assert databases(dconn) == ["KEEP", "SHARED"]
        assert sql(dconn, "select id from KEEP.PUBLIC.T") == [(7,)]
        assert sql(dconn, "select id from SHARED.PUBLIC.T order by id") == [(10,), (20,)]
        assert sql(dconn, "show tables in database SHARED")[0][1] == "T"
        assert len(sql(dconn, "show tables in database SHARED")) == 1

        # merge is the default strategy
        make_db(dconn, "SHARED", table="STALE", values=(99,))
        dst.cli("state", "import", str(path)).ok()
        assert databases(dconn) == ["KEEP", "SHARED"]
        assert len(sql(dconn, "show tables in database SHARED")) == 1


def test_import_replaces_a_database_another_session_holds_a_transaction_on(tmp_path):
    # With persistence, the replaced database's file is still open in the other session's
    # transaction: the import must still bring its database in, now and after a restart.
    with Server(tmp_path / "a") as src, Server(tmp_path / "b", persistence=True) as dst:
        make_db(src.connect(), "SHARED", values=(10, 20))
        path = tmp_path / "shared.zip"
        src.cli("state", "export", str(path)).ok()
        holder = dst.connect()
        make_db(holder, "SHARED", table="STALE", values=(99,))
        sql(holder, "begin")
        sql(holder, "insert into SHARED.PUBLIC.STALE values (100)")
        dst.cli("state", "import", str(path)).ok()
        dconn = dst.connect()
        assert sql(dconn, "select id from SHARED.PUBLIC.T order by id") == [(10,), (20,)]
        # The holder's work was in the database the import replaced: its commit fails.
        with pytest.raises(snowflake.connector.errors.ProgrammingError, match="dropped"):
            sql(holder, "commit")
        dst.restart()
        dconn = dst.connect()
        assert sql(dconn, "select id from SHARED.PUBLIC.T order by id") == [(10,), (20,)]
        assert [r[1] for r in sql(dconn, "show tables in database SHARED")] == ["T"]


def exported_into(src, dst, path: Path, database: str):
    """Export `src`'s state to `path`, import it into `dst`; a connection to `dst` using `database`."""
    src.cli("state", "export", str(path)).ok()
    dconn = dst.connect()
    dst.cli("state", "import", str(path)).ok()
    sql(dconn, f"use database {database}")
    return dconn


def test_sequences_defaults_and_keys_travel_with_the_state(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        sql(sconn, "create database SEQS")
        sql(sconn, "create sequence s start = 10 increment = 5 comment = 'ids'")
        sql(sconn, "create table t (id int primary key default s.nextval, n int autoincrement, v varchar)")
        sql(sconn, "insert into t (v) values ('a'), ('b')")
        assert sql(sconn, "select id, n, v from t order by id") == [(10, 1, "a"), (15, 2, "b")]
        dconn = exported_into(src, dst, tmp_path / "seqs.zip", "SEQS")
        # The sequences go on where they stopped; the defaults still use them.
        sql(dconn, "insert into t (v) values ('c')")
        assert sql(dconn, "select id, n, v from t order by id") == [
            (10, 1, "a"), (15, 2, "b"), (20, 3, "c"),
        ]
        assert sql(dconn, "select s.nextval") == [(25,)]
        described = {r[0]: r for r in sql(dconn, "describe table t")}
        assert described["ID"][4] == "s.nextval" and described["ID"][5] == "Y"
        assert described["N"][4] == "IDENTITY START 1 INCREMENT 1 NOORDER"


def test_unique_and_foreign_keys_travel_with_the_state(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        sql(sconn, "create database KEYS")
        sql(sconn, "create table p (id int primary key, code varchar, constraint uq_code unique (code))")
        sql(sconn, "create table c (id int, pid int, constraint fk_p foreign key (pid) references p (id))")
        dconn = exported_into(src, dst, tmp_path / "keys.zip", "KEYS")
        unique = sql(dconn, "show unique keys in table p")
        assert [(r[4], r[5], r[6]) for r in unique] == [("CODE", 1, "UQ_CODE")]
        imported = sql(dconn, "show imported keys in table c")
        assert [(r[3], r[4], r[7], r[8], r[12]) for r in imported] == [("P", "ID", "C", "PID", "FK_P")]


def test_comments_and_view_definitions_travel_with_the_state(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        sql(sconn, "create database NOTES")
        sql(sconn, "create table t (id int) comment = 'the table'")
        sql(sconn, "create view v comment = 'the view' as select id from t where id > 1")
        expected = sql(sconn, "select get_ddl('schema', 'PUBLIC')")
        assert "COMMENT='the view'\n as select id from t where id > 1;" in expected[0][0]
        dconn = exported_into(src, dst, tmp_path / "notes.zip", "NOTES")
        assert sql(dconn, "select get_ddl('schema', 'PUBLIC')") == expected
        assert [(r[1], r[5]) for r in sql(dconn, "show tables")] == [("T", "the table")]


def test_views_reading_views_and_other_databases_travel_with_the_state(tmp_path):
    """Views are created once what they read exists, whatever their names' order and database."""
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        make_db(sconn, "ZDATA", values=(1, 2, 3))
        sql(sconn, "create database AVIEWS")
        sql(sconn, "create view AVIEWS.PUBLIC.Z_BASE as select id from ZDATA.PUBLIC.T where id > 1")
        sql(sconn, "create view AVIEWS.PUBLIC.A_TOP as select count(*) as n from AVIEWS.PUBLIC.Z_BASE")
        dconn = exported_into(src, dst, tmp_path / "views.zip", "AVIEWS")
        assert sql(dconn, "select n from A_TOP") == [(2,)]


def test_a_view_whose_table_was_dropped_does_not_block_the_import(tmp_path):
    """Snowflake keeps a view when the table it reads is dropped. Such a state exports, and
    imports with the view left out (named in a warning) instead of failing as a bad file."""
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        make_db(sconn, "DANGLE", values=(1, 2))
        sql(sconn, "create table DANGLE.PUBLIC.BASE (a int)")
        sql(sconn, "create view DANGLE.PUBLIC.DEP as select a from DANGLE.PUBLIC.BASE")
        sql(sconn, "create view DANGLE.PUBLIC.KEPT as select id from DANGLE.PUBLIC.T")
        sql(sconn, "drop table DANGLE.PUBLIC.BASE")
        path = tmp_path / "dangle.zip"
        src.cli("state", "export", str(path)).ok()
        result = dst.cli("state", "import", str(path)).ok()
        assert "DANGLE.PUBLIC.DEP" in result.err, result.err
        dconn = dst.connect()
        assert sql(dconn, "select id from DANGLE.PUBLIC.KEPT order by id") == [(1,), (2,)]
        views = [r[1] for r in sql(dconn, "show views in schema DANGLE.PUBLIC")]
        assert views == ["KEPT"], views


def test_procedures_travel_with_the_state(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        sql(sconn, "create database PROCS")
        sql(sconn, "create table log (n int)")
        sql(
            sconn,
            "create procedure add_rows(k int) returns int language sql as $$\n"
            "begin\n  for i in 1 to k do insert into log values (:i); end for;\n"
            "  return (select sum(n) from log);\nend\n$$",
        )
        assert sql(sconn, "call add_rows(3)") == [(6,)]
        dconn = exported_into(src, dst, tmp_path / "procs.zip", "PROCS")
        assert sql(dconn, "call add_rows(2)") == [(9,)]
        assert sql(dconn, "select count(*) from log") == [(5,)]
        # The source still has its own copy: the import did not move it.
        assert sql(sconn, "call add_rows(1)") == [(7,)]


def test_import_overwrite_replaces_everything(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        make_db(src.connect(), "SHARED", values=(10, 20))
        path = tmp_path / "shared.zip"
        src.cli("state", "export", str(path)).ok()

        dconn = dst.connect()
        make_db(dconn, "KEEP", values=(7,))
        make_db(dconn, "SHARED", table="STALE", values=(99,))
        dst.cli("state", "import", str(path), "--strategy", "overwrite").ok()
        assert databases(dconn) == ["SHARED"]
        assert sql(dconn, "select id from SHARED.PUBLIC.T order by id") == [(10,), (20,)]


def test_import_rejects_an_unknown_strategy(tmp_path):
    with Server(tmp_path / "a") as srv:
        make_db(srv.connect(), "X")
        path = tmp_path / "x.zip"
        srv.cli("state", "export", str(path)).ok()
        assert srv.cli("state", "import", str(path), "--strategy", "sideways").rc != 0


def test_state_reset_drops_all_databases(tmp_path):
    with Server(tmp_path / "a") as srv:
        conn = srv.connect()
        make_db(conn, "ONE")
        make_db(conn, "TWO")
        srv.cli("state", "reset").ok()
        assert databases(conn) == []
        # The server is still usable afterwards.
        make_db(conn, "THREE")
        assert databases(conn) == ["THREE"]


def test_export_default_file_name(tmp_path):
    with Server(tmp_path / "a") as srv:
        make_db(srv.connect(), "DEFAULT_NAME")
        work = tmp_path / "cwd"
        work.mkdir()
        srv.cli("state", "export", cwd=work).ok()
        assert zipfile.is_zipfile(work / "snowglobe-state.zip")


def test_import_of_a_missing_file_fails(tmp_path):
    with Server(tmp_path / "a") as srv:
        srv.cli("state", "import", str(tmp_path / "does-not-exist.zip")).failed("does-not-exist.zip")


# --------------------------------------------------------------------------------------------
# Bad files: a clear error and the running state exactly as it was


@pytest.fixture(scope="module")
def bad_file_setup(tmp_path_factory):
    """A server whose state differs from a good export of it: importing the good file (with any
    strategy) would change the state, so a bad file that got partly applied is visible."""
    base = tmp_path_factory.mktemp("badfiles")
    with Server(base / "volume") as srv:
        conn = srv.connect()
        make_db(conn, "VICTIM", values=(1, 2, 3))
        fill_table(conn, "VICTIM.PUBLIC.BULK", 5000, "bad")
        good = base / "good.zip"
        srv.cli("state", "export", str(good)).ok()
        # Now the live state moves on: the good file would undo all of this.
        sql(conn, "insert into VICTIM.PUBLIC.T values (4)")
        sql(conn, "create table VICTIM.PUBLIC.LATER (id int)")
        make_db(conn, "BYSTANDER", values=(42,))
        yield srv, good, base


def _truncated(good: Path, dst: Path) -> None:
    data = good.read_bytes()
    dst.write_bytes(data[: len(data) * 2 // 3])


def _corrupted(good: Path, dst: Path) -> None:
    data = bytearray(good.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    dst.write_bytes(bytes(data))


def _not_a_zip(good: Path, dst: Path) -> None:
    dst.write_text("this is not a snowglobe state file\n" * 100)


def _empty(good: Path, dst: Path) -> None:
    dst.write_bytes(b"")


def _no_manifest(good: Path, dst: Path) -> None:
    with zipfile.ZipFile(good) as zf:
        name = manifest_name(zf)
    rewrite_zip(good, dst, drop=[name])


def _future_version(good: Path, dst: Path) -> None:
    with zipfile.ZipFile(good) as zf:
        name = manifest_name(zf)
        manifest = json.loads(zf.read(name))
    manifest["format_version"] = 999
    rewrite_zip(good, dst, replace={name: json.dumps(manifest).encode()})


def _edited_manifest(good: Path, dst: Path, edit) -> None:
    with zipfile.ZipFile(good) as zf:
        name = manifest_name(zf)
        manifest = json.loads(zf.read(name))
    edit(manifest)
    rewrite_zip(good, dst, replace={name: json.dumps(manifest).encode()})


def _broken_view(good: Path, dst: Path) -> None:
    """A manifest that passes every check on opening, with a view that cannot be created (its
    SQL does not parse): the import fails part way, after databases were replaced. (A view that
    reads a missing table is not a bad file: see the dropped-table test.)"""

    def edit(manifest):
        schema = manifest["databases"][-1]["schemas"][0]
        schema.setdefault("views", []).append(
            {"name": "BROKEN", "sql": "CREATE VIEW BROKEN AS SELECT FROM WHERE ORDER"}
        )

    _edited_manifest(good, dst, edit)


def _database_twice(good: Path, dst: Path) -> None:
    _edited_manifest(good, dst, lambda m: m["databases"].append(m["databases"][0]))


def _stage_path_escapes(good: Path, dst: Path) -> None:
    def edit(manifest):
        manifest["databases"][0]["stage_files"] = [{"path": "../../escaped", "file": "tables/x"}]

    _edited_manifest(good, dst, edit)


def _view_runs_more(good: Path, dst: Path) -> None:
    """A view definition carrying more statements (a file written elsewhere, e.g. a pod from a
    shared remote): the import must run none of them."""
    marker = dst.with_suffix(".pwned")

    def edit(manifest):
        schema = manifest["databases"][-1]["schemas"][0]
        schema.setdefault("views", []).append({
            "name": "PWN",
            "sql": f"CREATE VIEW PWN AS SELECT 1; COPY (SELECT 'pwned' AS x) TO '{marker}';",
        })

    _edited_manifest(good, dst, edit)


def _default_runs_more(good: Path, dst: Path) -> None:
    marker = dst.with_suffix(".pwned")

    def edit(manifest):
        column = manifest["databases"][-1]["schemas"][0]["tables"][0]["columns"][0]
        column["default"] = f"1); COPY (SELECT 'pwned' AS x) TO '{marker}'; CREATE TABLE zz(a INT DEFAULT (1"

    _edited_manifest(good, dst, edit)


# case -> (file maker, words of which the error message must contain at least one)
BAD_FILES = {
    "view-runs-more": (_view_runs_more, ("not one create view",)),
    "default-runs-more": (_default_runs_more, ("not one expression",)),
    "view-fails-part-way": (_broken_view, ("syntax error",)),
    "database-twice": (_database_twice, ("twice",)),
    "stage-path-escapes": (_stage_path_escapes, ("unsafe", "path", "escape")),
    "truncated": (_truncated, ("zip", "truncated", "corrupt", "invalid", "damaged", "checksum")),
    "corrupted": (_corrupted, ("corrupt", "checksum", "crc", "invalid", "damaged", "zip", "mismatch")),
    "not-a-zip": (_not_a_zip, ("zip", "invalid", "not a", "format")),
    "empty": (_empty, ("zip", "invalid", "empty", "format")),
    "no-manifest": (_no_manifest, ("manifest",)),
    "format-version-999": (_future_version, ("999", "newer", "version")),
}


def assert_mentions_one_of(text: str, words: tuple[str, ...]) -> None:
    lowered = text.lower()
    assert any(w in lowered for w in words), f"none of {words} in the error message:\n{text}"


@pytest.mark.parametrize("strategy", ["merge", "overwrite"])
@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_import_fails_and_changes_nothing(bad_file_setup, case, strategy):
    srv, good, base = bad_file_setup
    make, words = BAD_FILES[case]
    bad = base / f"{case}-{strategy}.zip"
    make(good, bad)
    conn = srv.connect()
    before = fingerprint(conn)
    result = srv.cli("state", "import", str(bad), "--strategy", strategy).failed()
    assert_mentions_one_of(result.err, words)
    assert fingerprint(conn) == before, f"the failed import ({case}) changed the state"
    assert not bad.with_suffix(".pwned").exists(), "the import ran SQL the file carried"
    assert sql(conn, "select count(*) from VICTIM.PUBLIC.BULK") == [(5000,)]


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_posted_to_the_http_api_changes_nothing(bad_file_setup, case):
    srv, good, base = bad_file_setup
    make, words = BAD_FILES[case]
    bad = base / f"{case}-http.zip"
    make(good, bad)
    conn = srv.connect()
    before = fingerprint(conn)
    resp = srv.http("POST", "/_localstack/pods?merge=overwrite", bad.read_bytes(),
                    headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    assert 400 <= resp.status < 500, f"status {resp.status}: {resp.body[:500]!r}"
    assert resp.body.strip(), "an error response without a message"
    assert_mentions_one_of(resp.body.decode(errors="replace"), words)
    assert fingerprint(conn) == before, f"the failed import ({case}) changed the state"
    assert not bad.with_suffix(".pwned").exists(), "the import ran SQL the file carried"


def test_the_good_file_does_change_the_state(bad_file_setup):
    """Control for the bad-file tests: the unmodified file imports, and the change is visible.
    (Runs after them: it is defined last in the module.)"""
    srv, good, _ = bad_file_setup
    conn = srv.connect()
    before = fingerprint(conn)
    srv.cli("state", "import", str(good), "--strategy", "overwrite").ok()
    after = fingerprint(conn)
    assert after != before
    assert databases(conn) == ["VICTIM"]
    assert sql(conn, "select id from VICTIM.PUBLIC.T order by id") == [(1,), (2,), (3,)]


# --------------------------------------------------------------------------------------------
# Exports while writers commit


def test_export_is_one_consistent_snapshot_and_does_not_block_writers(tmp_path):
    """A writer commits, in one transaction each, a pair of rows (i, 0), (i, 1) into PAIRS (one
    multi-row INSERT) and the row (i) into MIRROR, with i = 0, 1, 2, ... Every export must hold
    the same prefix 0..k-1 in both tables, each id of PAIRS exactly twice, with k between the
    number of transactions acknowledged before the export began and after it answered. A slowly
    read HTTP export stays open for seconds; the writer must keep committing meanwhile."""
    with Server(tmp_path / "src") as src, Server(tmp_path / "check") as checker:
        setup = src.connect()
        sql(setup, "create database CONC")
        sql(setup, "use database CONC")
        fill_table(setup, "CONC.PUBLIC.BULK", 100_000, "conc")
        sql(setup, "create table CONC.PUBLIC.PAIRS (id int, half int)")
        sql(setup, "create table CONC.PUBLIC.MIRROR (id int)")

        writer_conn = src.connect(database="CONC", schema="PUBLIC")
        acks: list[tuple[float, float]] = []  # (start, end) of each acknowledged transaction
        errors: list[BaseException] = []
        stop = threading.Event()

        def writer() -> None:
            cur = writer_conn.cursor()
            i = 0
            try:
                while not stop.is_set():
                    t0 = time.monotonic()
                    cur.execute("begin")
                    cur.execute(f"insert into PAIRS values ({i}, 0), ({i}, 1)")
                    cur.execute(f"insert into MIRROR values ({i})")
                    cur.execute("commit")
                    acks.append((t0, time.monotonic()))
                    i += 1
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 30
            while len(acks) < 20 and time.monotonic() < deadline and not errors:
                time.sleep(0.01)
            assert not errors, errors
            assert len(acks) >= 20, "the writer did not get going"

            exports = []  # (path, acked before start, acked when answered, start, end)

            # 1. HTTP export read slowly: the response stays open for >= ~2 s.
            path = tmp_path / "slow.zip"
            before = len(acks)
            t_start = time.monotonic()
            import urllib.request

            with urllib.request.urlopen(src.url + "/_localstack/pods/state", timeout=120) as resp:
                answered = len(acks)
                assert resp.status == 200
                chunks = []
                while True:
                    chunk = resp.read(64 * 1024)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    time.sleep(0.02)
                while time.monotonic() - t_start < 2.0:  # keep the response open at least 2 s
                    time.sleep(0.05)
                    more = resp.read(1)
                    assert more == b""
            t_end = time.monotonic()
            path.write_bytes(b"".join(chunks))
            exports.append((path, before, answered, t_start, t_end))
            during = [a for a in acks if a[0] >= t_start and a[1] <= t_end]
            assert len(during) >= 5, (
                f"only {len(during)} writes committed during a {t_end - t_start:.1f}s export: "
                "the export blocks writers"
            )

            # 2. CLI exports, back to back, while the writer goes on.
            for n in range(3):
                path = tmp_path / f"cli-{n}.zip"
                before = len(acks)
                t_start = time.monotonic()
                src.cli("state", "export", str(path), "--databases", "CONC").ok()
                exports.append((path, before, len(acks), t_start, time.monotonic()))
        finally:
            stop.set()
            thread.join(timeout=60)
        assert not errors, f"a write failed during the exports: {errors[0]!r}"

        check = checker.connect()
        for path, before, answered, _, _ in exports:
            assert_valid_zip(path.read_bytes())
            checker.cli("state", "import", str(path), "--strategy", "overwrite").ok()
            n_pairs = count(check, "CONC.PUBLIC.PAIRS")
            assert n_pairs % 2 == 0, f"{path.name}: half a transaction exported ({n_pairs} rows)"
            (k, lo, hi) = sql(check, "select count(distinct id), min(id), max(id) from CONC.PUBLIC.PAIRS")[0]
            assert n_pairs == 2 * k
            assert sql(check, "select count(*) from (select id from CONC.PUBLIC.PAIRS "
                              "group by id having count(*) <> 2)") == [(0,)]  # fmt: skip
            assert (lo, hi) == (0, k - 1), f"{path.name}: ids are not the prefix 0..{k - 1}"
            mirror = sql(check, "select count(*), min(id), max(id) from CONC.PUBLIC.MIRROR")[0]
            assert mirror == (k, 0, k - 1), f"{path.name}: PAIRS and MIRROR from different snapshots"
            assert before <= k <= answered + 2, (
                f"{path.name}: holds {k} transactions; {before} were acknowledged before the "
                f"export began, {answered} when it answered"
            )
            assert count(check, "CONC.PUBLIC.BULK") == 100_000


# --------------------------------------------------------------------------------------------
# The CLI without a server, and volume-directory locking


def test_cli_works_on_the_volume_directory_when_no_server_runs(tmp_path):
    volume = tmp_path / "volume"
    with Server(volume, persistence=True) as srv:
        conn = srv.connect()
        make_db(conn, "OFFLINE", values=(1, 2))
        sql(conn, "create schema OFFLINE.OTHER")
        sql(conn, "create table OFFLINE.OTHER.U (s varchar(5), d date)")
        sql(conn, "insert into OFFLINE.OTHER.U values ('abc', '2024-01-02'), (NULL, NULL)")
        expected = fingerprint(conn)
    # stopped: the CLI works on the directory itself
    path = tmp_path / "offline.zip"
    out = offline_cli(volume, "state", "export", str(path)).ok().out
    assert summary_counts(out) == (2, 4)

    with Server(tmp_path / "fresh") as fresh:
        fresh.cli("state", "import", str(path)).ok()
        assert fingerprint(fresh.connect()) == expected

    # offline import into an empty volume, then a persistent server there sees it
    other = tmp_path / "other-volume"
    other.mkdir()
    offline_cli(other, "state", "import", str(path)).ok()
    with Server(other, persistence=True) as srv:
        assert fingerprint(srv.connect()) == expected
    # offline reset
    offline_cli(other, "state", "reset").ok()
    with Server(other, persistence=True) as srv:
        assert databases(srv.connect()) == []


def test_cli_refuses_a_volume_directory_held_by_a_server(tmp_path):
    volume = tmp_path / "volume"
    with Server(volume, persistence=True) as srv:
        conn = srv.connect()
        make_db(conn, "HELD")
        before = fingerprint(conn)
        good = tmp_path / "good.zip"
        srv.cli("state", "export", str(good)).ok()
        sql(conn, "insert into HELD.PUBLIC.T values (4)")
        before = fingerprint(conn)
        # The CLI is not told where the server is: it must not open the directory behind its back.
        offline_cli(volume, "state", "export", str(tmp_path / "x.zip")).failed("in use")
        offline_cli(volume, "state", "import", str(good), "--strategy", "overwrite").failed("in use")
        offline_cli(volume, "state", "reset").failed("in use")
        assert fingerprint(conn) == before
        # A second server on the same directory fails clearly.
        second = Server(volume, persistence=True).start(wait=False)
        try:
            assert second.proc.wait(timeout=30) != 0
            assert "in use" in second.log_text()
        finally:
            second.stop()
        assert fingerprint(conn) == before


def test_cli_reads_endpoint_and_volume_from_the_environment(tmp_path):
    with Server(tmp_path / "volume") as srv:
        make_db(srv.connect(), "ENVDB")
        path = tmp_path / "env.zip"
        cli("state", "export", str(path), endpoint=None, volume_dir=None,
            env={"SNOWGLOBE_ENDPOINT": srv.url}).ok()  # fmt: skip
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None
    # LOCALSTACK_VOLUME_DIR / SNOWGLOBE_VOLUME_DIR select the directory when no server runs.
    volume = tmp_path / "persisted"
    with Server(volume, persistence=True) as srv:
        make_db(srv.connect(), "ENVDB2", values=(5,))
    for var in ("SNOWGLOBE_VOLUME_DIR", "LOCALSTACK_VOLUME_DIR"):
        out_path = tmp_path / f"{var}.zip"
        out = cli("state", "export", str(out_path), endpoint=None, volume_dir=None,
                  env={"SNOWGLOBE_ENDPOINT": closed_port_url(), var: str(volume)}).ok().out  # fmt: skip
        assert summary_counts(out) == (1, 1), var


def test_cli_with_neither_server_nor_state_fails_clearly(tmp_path):
    """An unreachable endpoint and an empty, non-persistent volume: nothing to export. Either
    an empty export or a clear error is acceptable — but never a hang or a panic."""
    result = offline_cli(tmp_path / "nothing-here", "state", "export", str(tmp_path / "e.zip"), timeout=60)
    assert "panicked" not in result.err
    if result.rc == 0:
        assert summary_counts(result.out) == (0, 0)


def test_cli_without_server_or_named_volume_needs_a_saved_state(tmp_path):
    """With no server at the endpoint and no volume named, the default volume is used only if
    it holds a state: a mistyped endpoint fails instead of exporting an empty state."""
    home = tmp_path / "home"
    home.mkdir()
    result = cli("state", "export", str(tmp_path / "e.zip"), endpoint=closed_port_url(),
                 volume_dir=None, env={"HOME": str(home)}, timeout=60)  # fmt: skip
    result.failed("no Snowglobe server answers", "no saved state")
    assert not (tmp_path / "e.zip").exists()
    assert not (home / ".cache" / "snowglobe").exists()
    # An import may seed the default volume before any server used it.
    cli("state", "import", str(FIXTURES / "v1.zip"), endpoint=closed_port_url(),
        volume_dir=None, env={"HOME": str(home)}, timeout=120).ok()  # fmt: skip
    assert (home / ".cache" / "snowglobe" / "volume" / "state" / "snowflake").is_dir()


# --------------------------------------------------------------------------------------------
# LocalStack's HTTP API for state


def test_http_health_names_snowflake(tmp_path):
    with Server(tmp_path / "v") as srv:
        resp = srv.http("GET", "/_localstack/health")
        assert resp.status == 200
        doc = resp.json()
        assert doc["version"]
        assert doc["services"]["snowflake"] in ("running", "available")


def test_http_health_kill_stops_the_server_and_restart_is_refused(tmp_path):
    with Server(tmp_path / "v", persistence=True) as srv:
        make_db(srv.connect(), "KILLED", values=(1, 2))
        resp = srv.http("POST", "/_localstack/health", {"action": "restart"})
        assert resp.status == 400 and "not supported" in resp.json()["message"]
        resp = srv.http("POST", "/_localstack/health", {"action": "bogus"})
        assert resp.status == 400
        resp = srv.http("POST", "/_localstack/health", {"action": "kill"})
        assert resp.status == 200
        assert srv.proc is not None
        assert srv.proc.wait(timeout=30) == 0
        srv.start()
        assert sql(srv.connect(), "select count(*) from KILLED.PUBLIC.T") == [(2,)]


def test_http_metamodel_lists_databases_tables_and_rows(tmp_path):
    with Server(tmp_path / "v") as srv:
        conn = srv.connect()
        make_db(conn, "META", values=(1, 2, 3))
        sql(conn, "delete from META.PUBLIC.T where id = 2")
        sql(conn, "create view META.PUBLIC.V as select * from META.PUBLIC.T")
        resp = srv.http("GET", "/_localstack/pods/state/metamodel")
        assert resp.status == 200
        tree = resp.json()["000000000000"]["snowflake"]["us-east-1"]["databases"]
        assert tree["META"]["schemas"]["PUBLIC"] == {"tables": {"T": {"rows": 2}}, "views": ["V"]}


def test_http_export_is_a_zip_stream(tmp_path):
    with Server(tmp_path / "v") as srv:
        make_db(srv.connect(), "HTTPX", values=(1, 2, 3))
        for path in ("/_localstack/pods/state", "/_localstack/pods/state?services=snowflake",
                     "/_localstack/pods/state?services="):  # fmt: skip
            resp = srv.http("GET", path)
            assert resp.status == 200, (path, resp.body[:300])
            assert resp.headers["content-type"].startswith("application/zip"), resp.headers
            zf = assert_valid_zip(resp.body)
            assert any(n.lower().endswith(".parquet") for n in zf.namelist())
            assert resp.headers["x-localstack-pod-services"] == "snowflake", resp.headers
        # A service list without Snowflake (LocalStack's `--services s3`) exports nothing of it.
        other = srv.http("GET", "/_localstack/pods/state?services=s3,sqs")
        assert other.status == 200, other.body[:300]
        assert not any(n.endswith(".parquet") for n in assert_valid_zip(other.body).namelist())
        assert other.headers["x-localstack-pod-services"] == "", other.headers
        # LocalStack's CLI appends metadata.yaml to the exported ZIP: the file must allow it,
        # and the server must still import it.
        exported = tmp_path / "appended.zip"
        exported.write_bytes(resp.body)
        with zipfile.ZipFile(exported, "a") as zf:
            zf.writestr("metadata.yaml", "name: appended\nservices: [snowflake]\n")
        srv.cli("state", "reset").ok()
        srv.cli("state", "import", str(exported)).ok()
        assert sql(srv.connect(), "select count(*) from HTTPX.PUBLIC.T") == [(3,)]


def test_http_import_and_reset(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        make_db(src.connect(), "POSTED", values=(1, 2))
        body = src.http("GET", "/_localstack/pods/state").body

        dconn = dst.connect()
        make_db(dconn, "KEEP", values=(9,))
        resp = dst.http("POST", "/_localstack/pods", body,
                        headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        assert resp.status in (200, 201), resp.body[:500]
        lines = resp.ndjson()
        assert lines, "no NDJSON progress lines"
        assert {"service": "snowflake", "status": "ok"} in [
            {k: line.get(k) for k in ("service", "status")} for line in lines
        ], lines
        assert all(line.get("status") != "error" for line in lines), lines
        assert databases(dconn) == ["KEEP", "POSTED"]  # the default is a merge
        assert sql(dconn, "select id from POSTED.PUBLIC.T order by id") == [(1,), (2,)]

        # lstk's `--merge overwrite`
        resp = dst.http("POST", "/_localstack/pods?merge=overwrite", body,
                        headers={"Content-Type": "application/octet-stream"})  # fmt: skip
        assert resp.status in (200, 201), resp.body[:500]
        assert databases(dconn) == ["POSTED"]

        resp = dst.http("POST", "/_localstack/state/reset")
        assert resp.status == 200, resp.body[:500]
        assert databases(dconn) == []


# --------------------------------------------------------------------------------------------
# LocalStack's snapshot strategies


def test_manual_save_strategy_keeps_only_what_was_saved(tmp_path):
    """SNAPSHOT_SAVE_STRATEGY=MANUAL: the working state is written only by POST /state/save;
    a restart (even after SIGKILL) comes back to the last save, not to the last commit."""
    env = {"SNAPSHOT_SAVE_STRATEGY": "manual"}
    volume = tmp_path / "volume"
    with Server(volume, persistence=True, env=env) as srv:
        conn = srv.connect()
        sql(conn, "create database MANUALDB")
        sql(conn, "create table MANUALDB.PUBLIC.T (id int)")
        sql(conn, "insert into MANUALDB.PUBLIC.T values (1), (2)")
        resp = srv.http("POST", "/_localstack/state/save")
        assert resp.status == 200, resp.body[:500]
        event = resp.ndjson()[-1]
        assert event["status"] == "ok" and event["rows"] == 2, event
        sql(conn, "insert into MANUALDB.PUBLIC.T values (3)")
        sql(conn, "create database UNSAVED")
        conn.close()
        srv.proc.kill()
        srv.proc.wait()
    with Server(volume, persistence=True, env=env) as srv:
        conn = srv.connect()
        assert sql(conn, "select id from MANUALDB.PUBLIC.T order by id") == [(1,), (2,)]
        assert databases(conn) == ["MANUALDB"]
        # load throws away unsaved work
        sql(conn, "insert into MANUALDB.PUBLIC.T values (9)")
        resp = srv.http("POST", "/_localstack/state/snowflake/load")
        assert resp.status == 200, resp.body[:500]
        assert sql(conn, "select id from MANUALDB.PUBLIC.T order by id") == [(1,), (2,)]


def test_state_save_and_load_without_persistence_say_nothing_happened(tmp_path):
    """Without persistence there is no volume to save to: /state/save and /state/load answer,
    as LocalStack's clients expect, and say that nothing was saved or loaded."""
    with Server(tmp_path / "volume") as srv:
        conn = srv.connect()
        sql(conn, "create database MEMONLY")
        for op, done in (("save", "saved"), ("load", "loaded")):
            resp = srv.http("POST", f"/_localstack/state/{op}")
            assert resp.status == 200, resp.body[:500]
            event = resp.ndjson()[-1]
            assert event["status"] == "ok" and event["operation"] == op, event
            assert "persistence is off" in event["message"], event
            assert f"nothing was {done}" in event["message"], event
        # the load changed nothing
        assert "MEMONLY" in databases(conn)
    with Server(tmp_path / "volume") as srv:
        assert "MEMONLY" not in databases(srv.connect())


def test_save_strategies_share_one_store(tmp_path):
    """MANUAL saves into the store the other strategies keep live: switching strategies on a
    volume keeps its state both ways, and the CLI without a server reads it."""
    volume = tmp_path / "volume"
    with Server(volume, persistence=True) as srv:
        conn = srv.connect()
        sql(conn, "create database SHARED")
        sql(conn, "create table SHARED.PUBLIC.T (id int)")
        sql(conn, "insert into SHARED.PUBLIC.T values (1)")
    manual = {"SNAPSHOT_SAVE_STRATEGY": "MANUAL"}
    with Server(volume, persistence=True, env=manual) as srv:
        conn = srv.connect()
        assert sql(conn, "select id from SHARED.PUBLIC.T") == [(1,)]
        sql(conn, "insert into SHARED.PUBLIC.T values (2)")
        assert srv.http("POST", "/_localstack/state/save").status == 200
        sql(conn, "insert into SHARED.PUBLIC.T values (3)")  # never saved
    with Server(volume, persistence=True) as srv:
        assert sql(srv.connect(), "select id from SHARED.PUBLIC.T order by id") == [(1,), (2,)]
    exported = tmp_path / "out.zip"
    result = offline_cli(volume, "state", "export", str(exported)).ok()
    assert "2 rows" in result.out, result.out
    assert str(volume) in result.err, result.err


def test_manual_load_before_any_save_changes_nothing(tmp_path):
    with Server(tmp_path / "volume", persistence=True,
                env={"SNAPSHOT_SAVE_STRATEGY": "MANUAL"}) as srv:  # fmt: skip
        conn = srv.connect()
        sql(conn, "create database NOTSAVED")
        assert srv.http("POST", "/_localstack/state/load").status == 200
        assert databases(conn) == ["NOTSAVED"]


def test_localstack_persistence_alias(tmp_path):
    volume = tmp_path / "volume"
    with Server(volume, env={"LOCALSTACK_PERSISTENCE": "1"}) as srv:
        conn = srv.connect()
        sql(conn, "create database ALIASED")
    with Server(volume, env={"LOCALSTACK_PERSISTENCE": "1"}) as srv:
        assert databases(srv.connect()) == ["ALIASED"]


def test_manual_load_strategy_starts_empty_until_loaded(tmp_path):
    volume = tmp_path / "volume"
    with Server(volume, persistence=True, env={"SNAPSHOT_SAVE_STRATEGY": "MANUAL"}) as srv:
        conn = srv.connect()
        sql(conn, "create database LATER")
        sql(conn, "create table LATER.PUBLIC.T (id int)")
        sql(conn, "insert into LATER.PUBLIC.T values (7)")
        assert srv.http("POST", "/_localstack/state/save").status == 200
    env = {"SNAPSHOT_SAVE_STRATEGY": "MANUAL", "SNAPSHOT_LOAD_STRATEGY": "MANUAL"}
    with Server(volume, persistence=True, env=env) as srv:
        conn = srv.connect()
        assert databases(conn) == []
        resp = srv.http("POST", "/_localstack/state/load")
        assert resp.status == 200, resp.body[:500]
        assert sql(conn, "select id from LATER.PUBLIC.T") == [(7,)]


def test_unknown_snapshot_strategy_is_refused(tmp_path):
    srv = Server(tmp_path / "volume", persistence=True, env={"SNAPSHOT_SAVE_STRATEGY": "SOMETIMES"})
    srv.start(wait=False)
    try:
        assert srv.proc.wait(timeout=30) != 0
        assert "SOMETIMES" in srv.log_tail()
    finally:
        srv.stop()


# --------------------------------------------------------------------------------------------
# Init scripts


def test_init_scripts_run_at_startup_in_name_order(tmp_path):
    init = tmp_path / "init"
    init.mkdir()
    (init / "01_init.sql").write_text(
        "create database INITDB;\n"
        "create table INITDB.PUBLIC.T (id int, note varchar);\n"
        "-- a comment; with a semicolon\n"
        "insert into INITDB.PUBLIC.T values (1, 'from 01_init.sql');\n"
    )
    # LocalStack's Snowflake init scripts are *.sf.sql; it runs after 01 (name order).
    (init / "02_seed.sf.sql").write_text(
        "insert into INITDB.PUBLIC.T values (2, 'from 02_seed.sf.sql');\n"
    )
    (init / "README.txt").write_text("not sql; must not be run\n")
    # LocalStack's layout (/etc/localstack/init/<stage>.d): stage directories run after the
    # top level, boot.d before ready.d.
    (init / "ready.d").mkdir()
    (init / "ready.d" / "01_ready.sf.sql").write_text(
        "insert into INITDB.PUBLIC.T values (4, 'from ready.d');\n"
    )
    (init / "boot.d").mkdir()
    (init / "boot.d" / "99_boot.sf.sql").write_text(
        "insert into INITDB.PUBLIC.T values (3, 'from boot.d');\n"
    )
    with Server(tmp_path / "volume", env={"SNOWGLOBE_INIT_DIR": str(init)}) as srv:
        rows = sql(srv.connect(), "select id, note from INITDB.PUBLIC.T order by id")
        assert rows == [(1, "from 01_init.sql"), (2, "from 02_seed.sf.sql"),
                        (3, "from boot.d"), (4, "from ready.d")]


# --- format fixtures ------------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "state"


def test_format_v1_fixture_still_imports(tmp_path):
    """A state file of format version 1 (tests/fixtures/state/v1.zip, written by the first
    release of the format) imports into this release with every value intact."""
    with Server(tmp_path / "a") as srv:
        srv.cli("state", "import", str(FIXTURES / "v1.zip")).ok()
        conn = srv.connect()
        use_json(conn)
        rows = sql(conn, "select * from FIXTURE_V1.PUBLIC.T order by id")
        assert rows[0] == (2,) + (None,) * 12
        full = rows[1]
        assert full[:8] == (
            12345678901234567890123456789012345678,
            Decimal("12.34"),
            1.5,
            "héllo",
            True,
            _dt.date(2024, 2, 29),
            _dt.time(13, 14, 15),
            _dt.datetime(2024, 1, 2, 3, 4, 5, 123456),
        )
        assert full[8] == _dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=_dt.timezone.utc)
        assert [json.loads(v) for v in full[9:12]] == [{"k": [1, 2]}, {"a": 1}, [1, "x"]]
        assert bytes(full[12]) == b"\xca\xfe"
        assert sql(conn, 'select "q" from FIXTURE_V1."mixedCase"."lower"') == [("kept case",)]
        assert sql(conn, "select id, name from FIXTURE_V1.PUBLIC.V") == [(2, None)]
        cur = conn.cursor()
        cur.execute("select id, amount, name, ltz, v from FIXTURE_V1.PUBLIC.T")
        assert [(d.name, d.type_code, d.precision, d.scale) for d in cur.description][:2] == [
            ("ID", 0, 38, 0),
            ("AMOUNT", 0, 10, 2),
        ]
        assert [d.type_code for d in cur.description][2:] == [2, 6, 5]  # TEXT, TIMESTAMP_LTZ, VARIANT


def test_warehouses_roles_and_users_travel_with_the_state(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        conn = src.connect()
        sql(conn, "create warehouse etl_wh warehouse_size = 'LARGE' initially_suspended = true")
        sql(conn, "create role analyst comment = 'reads'")
        sql(conn, "create user bob default_role = analyst")
        sql(conn, "grant role analyst to user bob")
        path = tmp_path / "account.zip"
        src.cli("state", "export", str(path)).ok()

        dconn = dst.connect()
        sql(dconn, "create warehouse local_wh")
        dst.cli("state", "import", str(path), "--strategy", "merge").ok()
        warehouses = {r[0]: r for r in sql(dconn, "show warehouses")}
        assert {"ETL_WH", "LOCAL_WH", "COMPUTE_WH"} <= set(warehouses), warehouses
        assert warehouses["ETL_WH"][1] == "SUSPENDED"
        assert [r[1] for r in sql(dconn, "show roles like 'ANALYST'")] == ["ANALYST"]
        assert [r[0] for r in sql(dconn, "show users like 'BOB'")] == ["BOB"]
        assert [r[1] for r in sql(dconn, "show grants to user bob")] == ["USAGE"]

        dst.cli("state", "import", str(path), "--strategy", "overwrite").ok()
        assert "LOCAL_WH" not in {r[0] for r in sql(dconn, "show warehouses")}
        dst.cli("state", "reset").ok()
        assert [r[0] for r in sql(dconn, "show warehouses")] == ["COMPUTE_WH"]
        assert sql(dconn, "show roles like 'ANALYST'") == []


def test_import_service_merge_replaces_objects_and_keeps_the_others(tmp_path):
    # LocalStack's service-merge: per resource, the file wins on a name conflict.
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        sconn = src.connect()
        make_db(sconn, "SHARED", values=(10, 20))
        sql(sconn, "create table SHARED.PUBLIC.SEEDED (v varchar)")
        sql(sconn, "insert into SHARED.PUBLIC.SEEDED values ('from the file')")
        sql(sconn, "create view SHARED.PUBLIC.V as select count(*) n from SHARED.PUBLIC.T")
        sql(sconn, "create schema SHARED.EXTRA")
        sql(sconn, "create table SHARED.EXTRA.E (x int)")
        sql(sconn, "create stage SHARED.PUBLIC.ST comment = 'from the file'")
        path = tmp_path / "shared.zip"
        src.cli("state", "export", str(path), "--databases", "SHARED").ok()

        dconn = dst.connect()
        make_db(dconn, "SHARED", values=(99,))  # T: replaced by the file's
        sql(dconn, "create table SHARED.PUBLIC.MINE (k int)")  # kept
        sql(dconn, "insert into SHARED.PUBLIC.MINE values (7)")
        sql(dconn, "create table SHARED.PUBLIC.V (stale int)")  # a table the file's view replaces
        sql(dconn, "create stage SHARED.PUBLIC.ST comment = 'mine'")
        sql(dconn, "create stage SHARED.PUBLIC.MY_STAGE")  # kept
        before = fingerprint(dconn)

        out = dst.cli("state", "import", str(path), "--strategy", "service-merge").ok().out
        assert "Merged into databases SHARED" in out, out
        for name in ("SHARED.PUBLIC.SEEDED", "SHARED.EXTRA.E"):
            assert name in out.split("objects added:")[1].split("replaced:")[0], out
        for name in ("SHARED.PUBLIC.T", "SHARED.PUBLIC.V", "SHARED.PUBLIC.ST"):
            assert name in out.split("objects added:")[1].split("replaced:")[1], out
        assert before != fingerprint(dconn)
        assert databases(dconn) == ["SHARED"]
        assert sql(dconn, "select id from SHARED.PUBLIC.T order by id") == [(10,), (20,)]
        assert sql(dconn, "select k from SHARED.PUBLIC.MINE") == [(7,)]
        assert sql(dconn, "select v from SHARED.PUBLIC.SEEDED") == [("from the file",)]
        assert sql(dconn, "select n from SHARED.PUBLIC.V") == [(2,)]
        assert sql(dconn, "select count(*) from SHARED.EXTRA.E") == [(0,)]
        tables = sorted(r[1] for r in sql(dconn, "show tables in schema SHARED.PUBLIC"))
        assert tables == ["MINE", "SEEDED", "T"]
        stages = {r[1]: r for r in sql(dconn, "show stages in database SHARED")}
        assert set(stages) == {"MY_STAGE", "ST"}, stages
        assert "from the file" in stages["ST"], stages["ST"]


def test_service_merge_of_a_database_not_present_adds_it_and_failures_change_nothing(tmp_path):
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        make_db(src.connect(), "NEWDB", values=(1,))
        path = tmp_path / "new.zip"
        src.cli("state", "export", str(path)).ok()
        dconn = dst.connect()
        make_db(dconn, "OTHER", values=(5,))
        out = dst.cli("state", "import", str(path), "--strategy", "service-merge").ok().out
        assert "added: NEWDB" in out and "Merged into" not in out, out
        assert databases(dconn) == ["NEWDB", "OTHER"]

        # A file the import refuses part way (a view that does not compile) leaves the merged
        # database exactly as it was.
        sql(src.connect(), "create table NEWDB.PUBLIC.T2 (a int)")
        good = tmp_path / "good.zip"
        src.cli("state", "export", str(good)).ok()
        bad = tmp_path / "bad.zip"
        _broken_view(good, bad)
        sql(dconn, "create table NEWDB.PUBLIC.LOCAL_ONLY (z int)")
        sql(dconn, "insert into NEWDB.PUBLIC.T values (42)")
        before = fingerprint(dconn)
        dst.cli("state", "import", str(bad), "--strategy", "service-merge").failed("syntax error")
        assert fingerprint(dconn) == before
        assert sql(dconn, "select id from NEWDB.PUBLIC.T order by id") == [(1,), (42,)]

        # The file's sequence cannot replace one a table outside the file uses: a clear error,
        # and nothing changes.
        sql(src.connect(), "create sequence NEWDB.PUBLIC.SQ start 100")
        with_sequence = tmp_path / "sequence.zip"
        src.cli("state", "export", str(with_sequence)).ok()
        sql(dconn, "create sequence NEWDB.PUBLIC.SQ")
        sql(dconn, "create table NEWDB.PUBLIC.USES (id int default NEWDB.PUBLIC.SQ.nextval)")
        before = fingerprint(dconn)
        dst.cli("state", "import", str(with_sequence), "--strategy", "service-merge").failed(
            "cannot replace sequence NEWDB.PUBLIC.SQ"
        )
        assert fingerprint(dconn) == before
