"""Internal stages: CREATE/DROP STAGE and FILE FORMAT, PUT/GET/LIST/REMOVE through the real
client's file transfer, COPY INTO from CSV, JSON and Parquet files, write_pandas (with and
without auto_create_table), and executemany's bind-stage upload."""

from __future__ import annotations

import datetime
import decimal
import gzip
import json
import os
import time

import pandas as pd
import pytest
from snowflake.connector.pandas_tools import write_pandas

import snowflake.connector

from helpers import column_names, raises_snowflake, run, scalar, unique_name

# Connector 5.x moved file transfer into its Rust core, which knows only the cloud stage types
# (S3, Azure, GCS) and not the LOCAL_FS transfer Snowglobe's internal stages answer with: PUT,
# GET and write_pandas fail there with "Unknown location type: LOCAL_FS". Marked strict, so the
# day they pass the marker must go.
needs_local_fs = pytest.mark.xfail(
    snowflake.connector.__version__.startswith("5."),
    reason="connector 5.x has no LOCAL_FS file transfer",
    strict=True,
)


def write(path, text: str) -> str:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return str(path)


def put_text(conn, stage: str, path, text: str) -> None:
    """Write `text` to the file `path` and PUT it to the stage's root."""
    conn.cursor().execute(f"put file://{write(path, text)} @{stage}")


@pytest.fixture
def stage(conn) -> str:
    name = unique_name("ST")
    run(conn, f"create stage {name}")
    return name


def test_create_stage_answers_like_snowflake(conn):
    name = unique_name("S")
    assert run(conn, f"create stage {name}") == [(f"Stage area {name} successfully created.",)]
    assert run(conn, f"create stage if not exists {name}") == [
        (f"{name} already exists, statement succeeded.",)
    ]
    with raises_snowflake(2002, "42710", "already exists"):
        run(conn, f"create stage {name}")
    assert run(conn, f"drop stage {name}") == [(f"{name} successfully dropped.",)]
    with raises_snowflake(2003, "42S02", "does not exist"):
        run(conn, f"drop stage {name}")
    with raises_snowflake(2003, "42S02", "does not exist"):
        run(conn, f"list @{name}")
    # '@...' text outside a FROM is text, not a stage
    assert run(conn, "select 1, '@x', 'a@b' where '@y' = '@y'") == [(1, "@x", "a@b")]


@needs_local_fs
def test_put_list_get_remove(conn, stage, tmp_path):
    src = write(tmp_path / "data.csv", "1,a\n2,b\n")
    cur = conn.cursor()
    cur.execute(f"put file://{src} @{stage}/in")
    assert cur.fetchall() == [("data.csv", "data.csv.gz", 8, pytest.approx(30, abs=20),
                               "NONE", "GZIP", "UPLOADED", "")]
    listed = run(conn, f"list @{stage}")
    assert [r[0] for r in listed] == [f"{stage.lower()}/in/data.csv.gz"]
    name, size, md5, modified = listed[0]
    assert size > 0 and len(md5) == 32 and modified.endswith("GMT")

    out = tmp_path / "out"
    out.mkdir()
    cur.execute(f"get @{stage}/in file://{out}")
    assert [r[0] for r in cur.fetchall()] == ["data.csv.gz"]
    assert gzip.decompress((out / "data.csv.gz").read_bytes()) == b"1,a\n2,b\n"

    assert run(conn, f"list @{stage} pattern='.*nothing.*'") == []
    assert run(conn, f"remove @{stage}/in") == [(f"{stage.lower()}/in/data.csv.gz", "removed")]
    assert run(conn, f"list @{stage}") == []


@needs_local_fs
def test_unloaded_files_download_as_snowflake_writes_them(conn, stage, tmp_path):
    """COPY INTO @stage writes gzip CSV (escaped delimiters, \\N for NULL, VARIANT as JSON),
    NDJSON and Parquet files that GET downloads and pandas reads."""
    cur = conn.cursor()
    cur.execute("create or replace temporary table unl (id int, name varchar, v variant)")
    cur.execute("insert into unl select 1, 'a,b\\\\c', NULL "
                "union all select 2, NULL, parse_json('{\"k\": [1, 2]}')")
    cur.execute(f"copy into @{stage}/csv/ from (select * from unl order by id) header = true")
    assert cur.fetchall() == [(2, 41, pytest.approx(60, abs=25))]
    cur.execute(f"copy into @{stage}/json/ from (select object_construct(*) from unl order by id) "
                "file_format = (type = json compression = none)")
    cur.execute(f"copy into @{stage}/pq/data.parquet from unl "
                "file_format = (type = parquet) header = true single = true")
    for folder, name in [("csv", "data_0_0_0.csv.gz"), ("json", "data_0_0_0.json"),
                         ("pq", "data.parquet")]:
        (tmp_path / folder).mkdir()
        cur.execute(f"get @{stage}/{folder}/ file://{tmp_path / folder}")
        assert [r[0] for r in cur.fetchall()] == [name]
    assert gzip.decompress((tmp_path / "csv" / "data_0_0_0.csv.gz").read_bytes()) == (
        b'ID,NAME,V\n1,a\\,b\\\\c,\\N\n2,\\N,{"k":[1\\,2]}\n')
    assert (tmp_path / "json" / "data_0_0_0.json").read_text().splitlines() == [
        '{"ID":1,"NAME":"a,b\\\\c"}', '{"ID":2,"V":{"k":[1,2]}}']
    frame = pd.read_parquet(tmp_path / "pq" / "data.parquet")
    assert list(frame.columns) == ["ID", "NAME", "V"]
    assert frame["NAME"].tolist() == ["a,b\\c", None]


@needs_local_fs
def test_copy_csv_with_file_format_and_load_history(conn, tmp_path):
    table = unique_name("T")
    stage = unique_name("ST")
    fmt = unique_name("FF")
    run(conn, f"create file format {fmt} type = csv field_delimiter = '|' skip_header = 1 "
              "field_optionally_enclosed_by = '\"' null_if = ('NULL')")
    run(conn, f"create stage {stage} file_format = (format_name = '{fmt}')")
    run(conn, f"create table {table} (id int, name varchar, amount number(10,2), d date)")
    src = write(tmp_path / "rows.csv",
                'id|name|amount|d\n1|"a|b"|1.50|2024-01-31\n2||NULL|NULL\n3|""|3|2024-02-29\n')
    conn.cursor().execute(f"put file://{src} @{stage}")

    cur = conn.cursor()
    cur.execute(f"copy into {table} from @{stage}")
    assert column_names(cur) == [
        "file", "status", "rows_parsed", "rows_loaded", "error_limit", "errors_seen",
        "first_error", "first_error_line", "first_error_character", "first_error_column_name",
    ]
    assert cur.fetchall() == [(f"{stage.lower()}/rows.csv.gz", "LOADED", 3, 3, 1, 0,
                               None, None, None, None)]
    assert run(conn, f"select * from {table} order by id") == [
        (1, "a|b", pytest.approx(1.5), datetime.date(2024, 1, 31)),
        (2, None, None, None),
        (3, "", 3, datetime.date(2024, 2, 29)),
    ]
    # Loaded files are skipped next time, unless FORCE
    assert run(conn, f"copy into {table} from @{stage}") == [
        ("Copy executed with 0 files processed.",)
    ]
    run(conn, f"copy into {table} from @{stage} force = true purge = true")
    assert scalar(conn, f"select count(*) from {table}") == 6
    assert run(conn, f"list @{stage}") == []


@needs_local_fs
def test_copy_several_files_answers_a_row_per_file(conn, stage, tmp_path):
    table = unique_name("T")
    run(conn, f"create table {table} (id int, name varchar)")
    for i, rows in enumerate(["1,a\n2,b\n", "3,c\n"]):
        conn.cursor().execute(f"put file://{write(tmp_path / f'p{i}.csv', rows)} @{stage}/part")
    answer = run(conn, f"copy into {table} from @{stage}/part file_format = (type = csv)")
    assert sorted((r[0], r[1], r[2], r[3]) for r in answer) == [
        (f"{stage.lower()}/part/p0.csv.gz", "LOADED", 2, 2),
        (f"{stage.lower()}/part/p1.csv.gz", "LOADED", 1, 1),
    ]
    assert run(conn, f"select * from {table} order by id") == [(1, "a"), (2, "b"), (3, "c")]


@needs_local_fs
def test_copy_csv_errors(conn, stage, tmp_path):
    table = unique_name("T")
    run(conn, f"create table {table} (id int, name varchar)")
    for name, text in [("three", "1,a,x\n"), ("bad", "one,a\n"), ("good", "7,g\n")]:
        src = write(tmp_path / f"{name}.csv", text)
        conn.cursor().execute(f"put file://{src} @{stage}/{name}")

    with raises_snowflake(100080, "22000", "Number of columns in file (3)"):
        run(conn, f"copy into {table} from @{stage}/three")
    with raises_snowflake(100038, "22018", "'one'"):
        run(conn, f"copy into {table} from @{stage}/bad")
    assert scalar(conn, f"select count(*) from {table}") == 0

    rows = run(conn, f"copy into {table} from @{stage} pattern = '(bad|good)/.*' on_error = skip_file")
    by_file = {r[0]: r[1:4] for r in rows}
    assert by_file[f"{stage.lower()}/good/good.csv.gz"] == ("LOADED", 1, 1)
    assert by_file[f"{stage.lower()}/bad/bad.csv.gz"][0] == "LOAD_FAILED"
    assert run(conn, f"select * from {table}") == [(7, "g")]

    with raises_snowflake(2003, "42S02", "does not exist"):
        run(conn, f"copy into {table} from @no_such_stage")
    with raises_snowflake(2003, "42S02", "does not exist"):
        run(conn, f"copy into no_such_table from @{stage}")


@needs_local_fs
def test_copy_on_error_continue_loads_the_rows_that_convert(conn, stage, tmp_path):
    table = unique_name("T")
    run(conn, f"create table {table} (id int, code varchar(3))")
    lines = ["id,code", "1,a", "two,b", "3,c", "4,toolong", "5,e", "6,f"]
    src = write(tmp_path / "mixed.csv", "\n".join(lines) + "\n")
    conn.cursor().execute(f"put file://{src} @{stage}")
    clean = write(tmp_path / "clean.csv", "id,code\n7,g\n")
    conn.cursor().execute(f"put file://{clean} @{stage}")

    rows = run(
        conn,
        f"copy into {table} from @{stage} file_format = (type = csv skip_header = 1) "
        "on_error = continue",
    )
    by_file = {r[0].rsplit("/", 1)[-1]: r[1:8] for r in rows}
    assert by_file["mixed.csv.gz"] == (
        "PARTIALLY_LOADED", 6, 4, 6, 2, "Numeric value 'two' is not recognized", 3,
    )
    assert by_file["clean.csv.gz"] == ("LOADED", 1, 1, 1, 0, None, None)
    assert run(conn, f"select id, code from {table} order by id") == [
        (1, "a"), (3, "c"), (5, "e"), (6, "f"), (7, "g"),
    ]
    # A file loaded in part counts as loaded.
    assert run(conn, f"copy into {table} from @{stage} on_error = continue") == [
        ("Copy executed with 0 files processed.",)
    ]

    # INFORMATION_SCHEMA.LOAD_HISTORY: a row per file loaded, with the COPY answer's figures.
    history = f"""select file_name, status, row_count, row_parsed, first_error_message,
        first_error_line_number, error_count, error_limit, schema_name, table_name,
        last_load_time <= current_timestamp()
        from information_schema.load_history where table_name = '{table}' order by file_name"""
    assert run(conn, history) == [
        (f"{stage.lower()}/clean.csv.gz", "LOADED", 1, 1, None, None, 0, 1, "PUBLIC", table, True),
        (f"{stage.lower()}/mixed.csv.gz", "PARTIALLY LOADED", 4, 6,
         "Numeric value 'two' is not recognized", 3, 2, 6, "PUBLIC", table, True),
    ]
    # The COPY_HISTORY table function: the same loads, by table and time range.
    db = scalar(conn, "select current_database()")
    copy_history = """select file_name, status, row_count, row_parsed, error_count, table_name,
        stage_location, file_size > 0 from table(information_schema.copy_history(
        table_name => '{}', start_time => dateadd(hours, -1, current_timestamp()){}))
        order by file_name"""
    assert run(conn, copy_history.format(table.lower(), "")) == [
        ("clean.csv.gz", "Loaded", 1, 1, 0, table, f"@{db}.PUBLIC.{stage}/", True),
        ("mixed.csv.gz", "Partially loaded", 4, 6, 2, table, f"@{db}.PUBLIC.{stage}/", True),
    ]
    assert run(conn, copy_history.format(
        f"{db}.public.{table}", ", end_time => dateadd(hours, -1, current_timestamp())")) == []
    with raises_snowflake(1044, "42P13", "START_TIME"):
        run(conn, f"select * from table(information_schema.copy_history(table_name => '{table}'))")

    # A failed (aborted) load leaves no record; TRUNCATE and DROP clear the history.
    with raises_snowflake(100038, "22018", "'two'"):
        run(conn, f"copy into {table} from @{stage} files = ('mixed.csv.gz') force = true "
                  "file_format = (type = csv skip_header = 1)")
    assert len(run(conn, history)) == 2
    run(conn, f"truncate table {table}")
    assert run(conn, history) == []
    run(conn, f"copy into {table} from @{stage} files = ('clean.csv.gz') "
              "file_format = (type = csv skip_header = 1)")
    assert [r[:3] for r in run(conn, history)] == [(f"{stage.lower()}/clean.csv.gz", "LOADED", 1)]
    run(conn, f"drop table {table}")
    assert run(conn, history) == []


@needs_local_fs
def test_copy_csv_record_of_another_width_is_a_column_count_error(conn, stage, tmp_path):
    # Every record is checked, not only the widest: a short record is an error (it does not
    # load NULLs) unless the format says ERROR_ON_COLUMN_COUNT_MISMATCH = FALSE. A trailing
    # empty field is a field.
    table = unique_name("T")
    run(conn, f"create table {table} (id int, name varchar, n int)")
    put_text(conn, stage, tmp_path / "short.csv", "1,a,10\n2,b\n3,c,\n4,d,40\n")
    message = (
        "Number of columns in file (2) does not match that of the corresponding table (3), "
        "use file format option error_on_column_count_mismatch=false to ignore this error"
    )
    with raises_snowflake(100080, "22000", message):
        run(conn, f"copy into {table} from @{stage}")
    assert scalar(conn, f"select count(*) from {table}") == 0

    cur = conn.cursor()
    cur.execute(f"copy into {table} from @{stage} validation_mode = return_errors")
    assert [(r[0], r[2], r[6], r[7]) for r in cur.fetchall()] == [(message, 2, 100080, "22000")]

    rows = run(conn, f"copy into {table} from @{stage} on_error = continue")
    assert [r[1:8] for r in rows] == [("PARTIALLY_LOADED", 4, 3, 4, 1, message, 2)]
    assert run(conn, f"select id, name, n from {table} order by id") == [
        (1, "a", 10), (3, "c", None), (4, "d", 40),
    ]

    run(conn, f"truncate table {table}")
    rows = run(
        conn,
        f"copy into {table} from @{stage} force = true "
        "file_format = (type = csv error_on_column_count_mismatch = false)",
    )
    assert [r[1:4] for r in rows] == [("LOADED", 4, 4)]
    assert run(conn, f"select id, name, n from {table} order by id") == [
        (1, "a", 10), (2, "b", None), (3, "c", None), (4, "d", 40),
    ]


@needs_local_fs
def test_copy_csv_checks_records_past_the_readers_sample(conn, stage, tmp_path):
    # A good file loads in one reading; a record of another width 30,000 rows in (past the
    # sample DuckDB's reader sniffs) still fails the load, wider or narrower.
    table = unique_name("T")
    run(conn, f"create table {table} (id int, name varchar, n int)")
    good = "".join(f"{i},x{i},{i * 2}\n" for i in range(30000))
    for name, last, fields in [("wide", "30000,x,1,extra\n", 4), ("narrow", "30000,x\n", 2)]:
        run(conn, f"remove @{stage}")
        put_text(conn, stage, tmp_path / f"{name}.csv", good + last)
        with raises_snowflake(100080, "22000", f"Number of columns in file ({fields})"):
            run(conn, f"copy into {table} from @{stage}")
        assert scalar(conn, f"select count(*) from {table}") == 0
        rows = run(conn, f"copy into {table} from @{stage} on_error = continue")
        assert rows[0][1:6] == ("PARTIALLY_LOADED", 30001, 30000, 30001, 1)
        assert rows[0][6].startswith(f"Number of columns in file ({fields})")
        assert rows[0][7] == 30001
        run(conn, f"truncate table {table}")
    put_text(conn, stage, tmp_path / "good.csv", good)
    run(conn, f"remove @{stage}/narrow.csv.gz")
    assert run(conn, f"copy into {table} from @{stage} files = ('good.csv.gz')")[0][1:4] == (
        "LOADED", 30000, 30000)
    assert run(conn, f"select count(*), sum(n) from {table}") == [(30000, 30000 * 29999)]


@needs_local_fs
def test_copy_on_error_skip_file_with_a_limit(conn, stage, tmp_path):
    # SKIP_FILE_<n> skips a file with n or more failing rows and loads the rest of a file with
    # fewer; 'SKIP_FILE_<n>%' compares the share of failing rows.
    table = unique_name("T")
    run(conn, f"create table {table} (id int, code varchar)")
    files = {"one_bad": "1,a\nx,b\n3,c\n4,d\n", "two_bad": "5,e\ny,f\nz,g\n8,h\n"}
    for name, text in files.items():
        conn.cursor().execute(f"put file://{write(tmp_path / (name + '.csv'), text)} @{stage}")

    rows = run(conn, f"copy into {table} from @{stage} on_error = skip_file_2")
    by_file = {r[0].rsplit("/", 1)[-1]: r[1:8] for r in rows}
    assert by_file["one_bad.csv.gz"] == (
        "PARTIALLY_LOADED", 4, 3, 2, 1, "Numeric value 'x' is not recognized", 2,
    )
    assert by_file["two_bad.csv.gz"] == (
        "LOAD_FAILED", 4, 0, 2, 2, "Numeric value 'y' is not recognized", 2,
    )
    assert run(conn, f"select id from {table} order by id") == [(1,), (3,), (4,)]

    # The skipped file was not loaded, so it is tried again; a quarter of bad rows is not
    # over 30%, a half is.
    run(conn, f"truncate table {table}")
    rows = run(conn, f"copy into {table} from @{stage} force = true on_error = 'skip_file_30%'")
    by_file = {r[0].rsplit("/", 1)[-1]: r[1:3] for r in rows}
    assert by_file == {"one_bad.csv.gz": ("PARTIALLY_LOADED", 4), "two_bad.csv.gz": ("LOAD_FAILED", 4)}
    assert run(conn, f"select id from {table} order by id") == [(1,), (3,), (4,)]

    with raises_snowflake(1003, "42000", "for property 'ON_ERROR'"):
        run(conn, f"copy into {table} from @{stage} on_error = skip_file_x")


@needs_local_fs
def test_copy_validation_mode_loads_nothing(conn, stage, tmp_path):
    table = unique_name("T")
    run(conn, f"create table {table} (id int, code varchar(3))")
    fmt = "file_format = (type = csv skip_header = 1)"
    good = write(tmp_path / "good.csv", "id,code\n1,a\n2,b\n3,c\n")
    conn.cursor().execute(f"put file://{good} @{stage}")
    # RETURN_<n>_ROWS: the first rows as they would load, with the table's columns.
    cur = conn.cursor()
    cur.execute(f"copy into {table} from @{stage} {fmt} validation_mode = return_2_rows")
    assert [d.name for d in cur.description] == ["ID", "CODE"]
    assert cur.fetchall() == [(1, "a"), (2, "b")]
    assert run(conn, f"copy into {table} from @{stage} {fmt} validation_mode = return_errors") == []
    assert scalar(conn, f"select count(*) from {table}") == 0
    bad = write(tmp_path / "bad.csv", "id,code\n4,d\nfive,e\n6,toolong\n")
    conn.cursor().execute(f"put file://{bad} @{stage}")
    cur.execute(f"copy into {table} from @{stage} {fmt} validation_mode = return_errors")
    assert [d.name for d in cur.description][:3] == ["ERROR", "FILE", "LINE"]
    errors = [(r[0], r[1].rsplit("/", 1)[-1], r[2], r[9]) for r in cur.fetchall()]
    assert errors == [
        ("Numeric value 'five' is not recognized", "bad.csv.gz", 3, 2),
        (errors[1][0], "bad.csv.gz", 4, 3),
    ]
    assert "too long" in errors[1][0]
    with raises_snowflake(100038, "22018", "'five'"):
        run(conn, f"copy into {table} from @{stage} {fmt} validation_mode = return_10_rows")
    # Nothing was loaded, nor remembered as loaded: the load itself still reads both files.
    assert scalar(conn, f"select count(*) from {table}") == 0
    rows = run(conn, f"copy into {table} from @{stage} {fmt} on_error = continue")
    assert sorted(r[3] for r in rows) == [1, 3]


@needs_local_fs
def test_copy_validation_checks_not_null_and_only_the_rows_asked_for(conn, stage, tmp_path):
    table = unique_name("T")
    run(conn, f"create table {table} (id int, code varchar not null)")
    put_text(conn, stage, tmp_path / "gaps.csv", "1,a\n2,\n3,c\nfour,d\n")
    cur = conn.cursor()
    cur.execute(f"copy into {table} from @{stage} validation_mode = return_errors")
    errors = [(r[0], r[2], r[6], r[7]) for r in cur.fetchall()]
    assert errors == [
        ("NULL result in a non-nullable column", 2, 100072, "22000"),
        ("Numeric value 'four' is not recognized", 4, 100038, "22018"),
    ]
    # RETURN_<n>_ROWS validates the first n rows only.
    cur.execute(f"copy into {table} from @{stage} validation_mode = return_1_rows")
    assert cur.fetchall() == [(1, "a")]
    with raises_snowflake(100072, "22000", "NULL result in a non-nullable column",
                          snowflake.connector.errors.IntegrityError):
        run(conn, f"copy into {table} from @{stage} validation_mode = return_3_rows")
    assert scalar(conn, f"select count(*) from {table}") == 0


@needs_local_fs
def test_copy_csv_rows_of_different_widths(conn, stage, tmp_path):
    # A row with a field more than the others (DuckDB's CSV sniffer gives up on such files).
    table = unique_name("T")
    run(conn, f"create table {table} (id int, name varchar, n int)")
    put_text(conn, stage, tmp_path / "ragged.csv", "id,name,n\n1,Ann,3\n2,Bob,4\n3,Cy,5,extra\n4,Di\n")
    with raises_snowflake(100080, "22000", "Number of columns in file (4) does not match"):
        run(conn, f"copy into {table} from @{stage} file_format = (type = csv skip_header = 1)")
    rows = run(
        conn,
        f"copy into {table} from @{stage} "
        "file_format = (type = csv skip_header = 1 error_on_column_count_mismatch = false)",
    )
    assert [r[1:4] for r in rows] == [("LOADED", 4, 4)]
    assert run(conn, f"select id, name, n from {table} order by id") == [
        (1, "Ann", 3), (2, "Bob", 4), (3, "Cy", 5), (4, "Di", None),
    ]
    assert run(conn, f"select $1, $4 from @{stage} (file_format => '{_csv_format(conn)}') order by 1") == [
        ("1", None), ("2", None), ("3", "extra"), ("4", None),
    ]


@needs_local_fs
def test_copy_reads_dates_times_timestamps_and_binary_in_the_formats_named(conn, stage, tmp_path):
    # DATE_FORMAT, TIME_FORMAT, TIMESTAMP_FORMAT and BINARY_FORMAT say how the file writes them.
    table = unique_name("T")
    run(conn, f"create table {table} (d date, t time, ts timestamp_ntz, ltz timestamp_ltz, b binary)")
    put_text(conn, stage, tmp_path / "eu.csv",
             "31/01/2024|13.45|31/01/2024 08:30:05|31/01/2024 23:59:00|aGk=\n")
    fmt = ("type = csv field_delimiter = '|' date_format = 'DD/MM/YYYY' time_format = 'HH24.MI' "
           "timestamp_format = 'DD/MM/YYYY HH24:MI:SS' binary_format = base64")
    rows = run(conn, f"copy into {table} from @{stage} file_format = ({fmt})")
    assert rows[0][1:4] == ("LOADED", 1, 1)
    d, t, ts, ltz, b = run(conn, f"select * from {table}")[0]
    assert (d, t, ts, bytes(b)) == (
        datetime.date(2024, 1, 31), datetime.time(13, 45), datetime.datetime(2024, 1, 31, 8, 30, 5),
        b"hi")
    # TIMESTAMP_LTZ reads the same format, as a wall clock of the session time zone.
    assert ltz.replace(tzinfo=None) == datetime.datetime(2024, 1, 31, 23, 59)

    # A value the format does not read is the load's conversion error, not a silent NULL.
    put_text(conn, stage, tmp_path / "us.csv", "01/31/2024|13.45|31/01/2024 08:30:05|31/01/2024 23:59:00|aGk=\n")
    with raises_snowflake(100096, "22007", "Can't parse '01/31/2024' as date with format 'DD/MM/YYYY'"):
        run(conn, f"copy into {table} from @{stage} files = ('us.csv.gz') file_format = ({fmt})")
    # Without the formats, the same day-first text is not a date.
    with raises_snowflake(100040, "22007", "31/01/2024"):
        run(conn, f"copy into {table} from @{stage} files = ('eu.csv.gz') force = true "
                  "file_format = (type = csv field_delimiter = '|')")
    assert scalar(conn, f"select count(*) from {table}") == 1


@needs_local_fs
def test_copy_csv_reads_escapes_in_unenclosed_fields_only(conn, stage, tmp_path):
    # ESCAPE_UNENCLOSED_FIELD (default backslash): an escaped delimiter, line break or
    # backslash belongs to the value; enclosed fields are read as written (ESCAPE is NONE).
    table = unique_name("T")
    run(conn, f"create table {table} (id int, a varchar, b varchar)")
    put_text(conn, stage, tmp_path / "esc.csv",
             '1,x\\,y,"q\\,r"\n2,\\N,line\\\nbreak\n3,"",tail\\\\\n')
    rows = run(conn, f"copy into {table} from @{stage} "
                     "file_format = (type = csv field_optionally_enclosed_by = '\"')")
    assert [r[:4] for r in rows] == [(f"{stage.lower()}/esc.csv.gz", "LOADED", 3, 3)]
    assert run(conn, f"select * from {table} order by id") == [
        (1, "x,y", "q\\,r"), (2, None, "line\nbreak"), (3, "", "tail\\")]
    # Without the escape character, the same file has records of other widths.
    with raises_snowflake(100080, "22000", "Number of columns in file"):
        run(conn, f"copy into {table} from @{stage} force = true file_format = "
                  "(type = csv field_optionally_enclosed_by = '\"' escape_unenclosed_field = none)")


def _csv_format(conn) -> str:
    name = unique_name("F")
    run(conn, f"create file format {name} type = csv skip_header = 1")
    return name


@needs_local_fs
def test_copy_json_into_variant_and_with_transformation(conn, stage, tmp_path):
    put_text(conn, stage, tmp_path / "docs.json", '{"id": 1, "tags": ["a"], "who": {"n": "x"}}\n{"id": 2}\n')
    raw = unique_name("RAW")
    run(conn, f"create table {raw} (v variant)")
    rows = run(conn, f"copy into {raw} from @{stage} file_format = (type = json)")
    assert rows[0][1:4] == ("LOADED", 2, 2)
    assert run(conn, f"select v:id::int, v:who.n::string from {raw} order by 1") == [
        (1, "x"), (2, None)]

    shaped = unique_name("SHAPED")
    run(conn, f"create table {shaped} (id int, first_tag string, file string)")
    run(conn, f"copy into {shaped} from (select $1:id, $1:tags[0], metadata$filename from @{stage}) "
              "file_format = (type = json)")
    assert run(conn, f"select * from {shaped} order by id") == [
        (1, "a", "docs.json.gz"), (2, None, "docs.json.gz")]

    wrong = unique_name("WRONG")
    run(conn, f"create table {wrong} (a int, b int)")
    with raises_snowflake(2043, "02000", "only one column of type variant"):
        run(conn, f"copy into {wrong} from @{stage} file_format = (type = json) force = true")


@needs_local_fs
def test_copy_parquet_by_column_name(conn, stage, tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"ID": [1, 2], "name": ["a", "b"], "score": [0.5, None]}).to_parquet(path)
    conn.cursor().execute(f"put file://{path} @{stage}")
    table = unique_name("T")
    run(conn, f"create table {table} (id int, name string, score float, extra string)")
    rows = run(conn, f"copy into {table} from @{stage} file_format = (type = parquet) "
                     "match_by_column_name = case_insensitive")
    assert rows[0][1:4] == ("LOADED", 2, 2)
    assert run(conn, f"select * from {table} order by id") == [
        (1, "a", 0.5, None), (2, "b", None, None)]


@needs_local_fs
@pytest.mark.parametrize("auto_create", [False, True])
def test_write_pandas(conn, auto_create):
    table = unique_name("WP")
    df = pd.DataFrame({
        "ID": [1, 2, 3],
        "NAME": ["x", None, "z"],
        "SCORE": [1.5, None, -2.25],
        "OK": [True, False, True],
    })
    if not auto_create:
        run(conn, f"create table {table} (id int, name string, score float, ok boolean)")
    success, chunks, nrows, output = write_pandas(conn, df, table, auto_create_table=auto_create)
    assert (success, chunks, nrows) == (True, 1, 3)
    assert output[0][1] == "LOADED"
    back = conn.cursor().execute(f"select * from {table} order by id").fetch_pandas_all()
    assert back["ID"].tolist() == [1, 2, 3]
    assert back["NAME"].tolist() == ["x", None, "z"]
    assert back["SCORE"].tolist()[0] == 1.5 and pd.isna(back["SCORE"].tolist()[1])
    assert back["OK"].tolist() == [True, False, True]
    # overwrite replaces the rows
    write_pandas(conn, df.head(1), table, overwrite=True, auto_create_table=auto_create)
    assert scalar(conn, f"select count(*) from {table}") == 1


@needs_local_fs
@pytest.mark.parametrize("logical", [None, True])
def test_write_pandas_datetimes(conn, logical):
    # pandas writes tz-aware datetimes as Parquet instants in nanoseconds: they load as the
    # same instants, naive datetimes as the same wall clocks.
    table = unique_name("WPT")
    df = pd.DataFrame({
        "ID": [1, 2],
        "AWARE": pd.to_datetime(["2024-01-01 10:00:00.0", "2024-06-01 10:00:00.5"]).tz_localize(
            "America/New_York"),
        "NAIVE": pd.to_datetime(["2024-01-01 10:00:00.00", "2024-06-01 23:59:59.25"]),
    })
    write_pandas(conn, df, table, auto_create_table=True, use_logical_type=logical)
    types = {r[0]: r[1] for r in run(conn, f"describe table {table}")}
    assert types["AWARE"].startswith("TIMESTAMP_LTZ") and types["NAIVE"].startswith("TIMESTAMP_NTZ")
    rows = run(conn, f"select convert_timezone('UTC', aware)::timestamp_ntz, naive "
                     f"from {table} order by id")
    assert rows == [
        (datetime.datetime(2024, 1, 1, 15, 0), datetime.datetime(2024, 1, 1, 10, 0)),
        (datetime.datetime(2024, 6, 1, 14, 0, 0, 500000),
         datetime.datetime(2024, 6, 1, 23, 59, 59, 250000)),
    ]


@needs_local_fs
def test_infer_schema_of_parquet(conn, stage, tmp_path):
    path = tmp_path / "i.parquet"
    pd.DataFrame({"N": [1], "S": ["a"], "F": [1.5], "B": [True]}).to_parquet(path)
    conn.cursor().execute(f"put file://{path} @{stage}")
    fmt = unique_name("PQ")
    run(conn, f"create file format {fmt} type = parquet")
    rows = run(conn, f"select column_name, type, order_id from table(infer_schema("
                     f"location => '@{stage}', file_format => '{fmt}')) order by order_id")
    assert rows == [("N", "NUMBER(38, 0)", 0), ("S", "TEXT", 1), ("F", "REAL", 2),
                    ("B", "BOOLEAN", 3)]


@needs_local_fs
def test_infer_schema_of_csv_and_create_table_using_template(conn, stage, tmp_path):
    # PARSE_HEADER names the columns; numbers get the precision and scale their digits need.
    src = write(
        tmp_path / "points.csv",
        'Name,Seq,Longitude,Flag,Day,Big\n'
        '"Ann, A",12,-1.234567,true,2024-01-31,1e10\n'
        'Bob,3400,0.5,false,2024-02-01,2.5\n',
    )
    conn.cursor().execute(f"put file://{src} @{stage}")
    fmt = unique_name("CSVH")
    run(conn, f"create file format {fmt} type = csv parse_header = true "
              "field_optionally_enclosed_by = '\"'")
    rows = run(conn, f"select * from table(infer_schema(location => '@{stage}', "
                     f"file_format => '{fmt}')) order by order_id")
    assert rows == [
        ("Name", "TEXT", True, "$1::TEXT", "points.csv.gz", 0),
        ("Seq", "NUMBER(4, 0)", True, "$2::NUMBER(4, 0)", "points.csv.gz", 1),
        ("Longitude", "NUMBER(7, 6)", True, "$3::NUMBER(7, 6)", "points.csv.gz", 2),
        ("Flag", "BOOLEAN", True, "$4::BOOLEAN", "points.csv.gz", 3),
        ("Day", "DATE", True, "$5::DATE", "points.csv.gz", 4),
        ("Big", "REAL", True, "$6::REAL", "points.csv.gz", 5),
    ]
    upper = run(conn, f"select column_name from table(infer_schema(location => '@{stage}', "
                      f"file_format => '{fmt}', ignore_case => true)) order by order_id")
    assert [r[0] for r in upper] == ["NAME", "SEQ", "LONGITUDE", "FLAG", "DAY", "BIG"]

    table = unique_name("POINTS")
    run(conn, f"create table {table} using template (select array_agg(object_construct(*)) "
              f"within group (order by order_id) from table(infer_schema(location => '@{stage}', "
              f"file_format => '{fmt}', ignore_case => true)))")
    rows = run(conn, f"copy into {table} from @{stage} file_format = (format_name = '{fmt}') "
                     "match_by_column_name = case_insensitive")
    assert rows[0][1:4] == ("LOADED", 2, 2)
    assert run(conn, f"select name, seq, longitude, flag, day from {table} order by seq") == [
        ("Ann, A", 12, decimal.Decimal("-1.234567"), True, datetime.date(2024, 1, 31)),
        ("Bob", 3400, decimal.Decimal("0.500000"), False, datetime.date(2024, 2, 1)),
    ]

    # Without PARSE_HEADER the columns are c1, c2, ...
    plain = unique_name("CSV")
    run(conn, f"create file format {plain} type = csv skip_header = 1 "
              "field_optionally_enclosed_by = '\"'")
    rows = run(conn, f"select column_name, type from table(infer_schema(location => '@{stage}', "
                     f"file_format => '{plain}')) order by order_id")
    assert [r[0] for r in rows][:2] == ["c1", "c2"] and rows[1][1] == "NUMBER(4, 0)"


def test_executemany_above_the_bind_stage_threshold(connect, database):
    # 6 columns x 12,000 rows = 72,000 values > CLIENT_STAGE_ARRAY_BINDING_THRESHOLD (65,280):
    # the connector uploads the binds to a temporary stage as CSV and sends `bindStage`.
    conn = connect(database=database, paramstyle="qmark")
    table = unique_name("BIG")
    run(conn, f"create table {table} (i int, s string, d date, ts timestamp_ntz, f float, b boolean)")
    texts = [None, "", 'a,"b"', "x\\y\nz"]
    rows = [
        (i, texts[i % 4], datetime.date(2024, 1, 1) + datetime.timedelta(days=i % 30),
         datetime.datetime(2024, 1, 1, 10, 0, 0, 123456) + datetime.timedelta(seconds=i),
         i / 4, i % 2 == 0)
        for i in range(12000)
    ]
    cur = conn.cursor()
    cur.executemany(f"insert into {table} values (?, ?, ?, ?, ?, ?)", rows)
    assert cur.rowcount == 12000
    assert run(conn, f"select * from {table} where i < 4 order by i") == rows[:4]
    assert run(conn, f"select count(*), count(s), sum(i), count_if(b) from {table}") == [
        (12000, 9000, sum(range(12000)), 6000)]


def test_show_stages_and_file_formats_and_temporary_stages(connect, database):
    conn = connect(database=database)
    permanent = unique_name("KEEP")
    temporary = unique_name("TMP")
    fmt = unique_name("FMT")
    run(conn, f"create stage {permanent} comment = 'kept'")
    run(conn, f"create temporary stage {temporary}")
    run(conn, f"create file format {fmt} type = json strip_outer_array = true")
    stages = {r[1]: r for r in run(conn, "show stages")}
    assert stages[permanent][8] == "kept" and stages[permanent][10] == "INTERNAL"
    assert stages[temporary][10] == "INTERNAL TEMPORARY"
    assert [r[1] for r in run(conn, f"show stages like '{permanent.lower()}'")] == [permanent]
    formats = {r[1]: r for r in run(conn, "show file formats")}
    assert formats[fmt][4] == "JSON"
    assert json.loads(formats[fmt][8])["STRIP_OUTER_ARRAY"] == "TRUE"
    conn.close()
    # A temporary stage ends with its session.
    other = connect(database=database)
    names = [r[1] for r in run(other, "show stages")]
    assert permanent in names and temporary not in names


@needs_local_fs
def test_stages_travel_with_state_export_and_persist_across_restarts(tmp_path):
    from state_support import Server, sql

    src_file = write(tmp_path / "in.csv", "1,one\n2,two\n")
    with Server(tmp_path / "a", persistence=True) as src, Server(tmp_path / "b") as dst:
        conn = src.connect()
        sql(conn, "create database STAGED")
        sql(conn, "create file format csvf type = csv field_delimiter = ','")
        sql(conn, "create stage land file_format = (format_name = 'csvf') comment = 'landing'")
        conn.cursor().execute(f"put file://{src_file} @land/2024")
        conn.close()
        # A restart keeps the stage, its format and its files.
        src.restart()
        conn = src.connect(database="STAGED")
        listed = sql(conn, "list @land")
        assert [r[0] for r in listed] == ["land/2024/in.csv.gz"]
        path = tmp_path / "staged.zip"
        src.cli("state", "export", str(path)).ok()

        time.sleep(1.1)  # LIST shows seconds: an import that reset the time would show
        dst.cli("state", "import", str(path)).ok()
        dconn = dst.connect(database="STAGED")
        # name, size, md5 and last_modified as they were
        assert sql(dconn, "list @land") == listed
        assert [(r[1], r[8]) for r in sql(dconn, "show stages")] == [("LAND", "landing")]
        assert [r[1] for r in sql(dconn, "show file formats")] == ["CSVF"]
        sql(dconn, "create table t (id int, name string)")
        assert sql(dconn, "copy into t from @land")[0][1:4] == ("LOADED", 2, 2)
        assert sql(dconn, "select * from t order by id") == [(1, "one"), (2, "two")]
        # Dropping the database drops its stages.
        sql(dconn, "drop database STAGED")
        sql(dconn, "create database STAGED")
        assert sql(dconn, "show stages in database STAGED") == []


@needs_local_fs
def test_load_history_belongs_to_the_table_and_survives_a_restart(tmp_path):
    from state_support import Server, sql

    src_file = write(tmp_path / "h.csv", "1,one\n2,two\n")
    with Server(tmp_path / "p", persistence=True) as server:
        conn = server.connect()
        sql(conn, "create database HIST")
        sql(conn, "create stage land")
        conn.cursor().execute(f"put file://{src_file} @land")
        sql(conn, "create table t (id int, name string)")
        assert sql(conn, "copy into t from @land")[0][1:4] == ("LOADED", 2, 2)
        assert sql(conn, "copy into t from @land") == [("Copy executed with 0 files processed.",)]
        conn.close()
        # The history is kept across a restart: the file is still loaded.
        server.restart()
        conn = server.connect(database="HIST")
        assert sql(conn, "copy into t from @land") == [("Copy executed with 0 files processed.",)]
        assert sql(conn, "select count(*) from t") == [(2,)]
        # TRUNCATE forgets it, as does a new table of the same name.
        sql(conn, "truncate table t")
        assert sql(conn, "copy into t from @land")[0][1:4] == ("LOADED", 2, 2)
        sql(conn, "create or replace table t (id int, name string)")
        assert sql(conn, "copy into t from @land")[0][1:4] == ("LOADED", 2, 2)
        assert sql(conn, "copy into t from @land force = true")[0][1:4] == ("LOADED", 2, 2)
        assert sql(conn, "select count(*) from t") == [(4,)]
        assert sql(conn, "truncate table if exists no_such_table") == [
            ("Statement executed successfully.",)
        ]


@needs_local_fs
def test_query_staged_files(conn, stage, tmp_path):
    src = write(tmp_path / "q.csv", "1,alpha,2024-01-02\n2,beta,\n")
    conn.cursor().execute(f"put file://{src} @{stage}/csv")
    assert run(conn, f"select $1::int, upper($2), $3::date, metadata$filename from @{stage}/csv order by 1") == [
        (1, "ALPHA", datetime.date(2024, 1, 2), "csv/q.csv.gz"),
        (2, "BETA", None, "csv/q.csv.gz"),
    ]
    assert run(conn, f"select metadata$file_row_number, $2 from @{stage}/csv order by 1") == [
        (1, "alpha"), (2, "beta"),
    ]
    fmt = unique_name("PQ")
    run(conn, f"create file format {fmt} type = parquet")
    path = tmp_path / "q.parquet"
    pd.DataFrame({"id": [5, 6], "name": ["e", "f"]}).to_parquet(path)
    conn.cursor().execute(f"put file://{path} @{stage}/pq")
    assert run(conn, f"select t.$1:id::int, $1:name::string from @{stage}/pq (file_format => '{fmt}') t "
                     "where $1:id::int > 5") == [(6, "f")]
    assert scalar(conn, f"select count(*) from @{stage} (pattern => '.*q[.]csv.*')") == 2


@needs_local_fs
def test_user_stage_and_container_comments_travel_with_the_state(tmp_path):
    from state_support import Server, sql

    src_file = write(tmp_path / "u.csv", "1\n")
    with Server(tmp_path / "a") as src, Server(tmp_path / "b") as dst:
        conn = src.connect()
        sql(conn, "create database USTAGE comment = 'the db'")
        sql(conn, "create schema RAW comment = 'raw data'")
        conn.cursor().execute(f"put file://{src_file} @~/mine")
        assert any("u.csv.gz" in r[0] for r in sql(conn, "list @~"))
        path = tmp_path / "u.zip"
        src.cli("state", "export", str(path)).ok()

        dst.cli("state", "import", str(path)).ok()
        dconn = dst.connect(database="USTAGE")
        assert any("u.csv.gz" in r[0] for r in sql(dconn, "list @~"))
        assert [(r[1], r[6]) for r in sql(dconn, "show schemas like 'RAW'")] == [("RAW", "raw data")]
        assert [r[6] for r in sql(dconn, "show databases like 'USTAGE'")] == ["the db"]
        # A reset empties the users' stages too.
        dst.cli("state", "reset").ok()
        assert sql(dst.connect(), "list @~") == []
