"""Round trip of every column type, NULLs included, decoded to the right Python types, in both the
Arrow result format (the default) and JSON; plus fetch_pandas_all()."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
import snowflake.connector

from helpers import column_names, result_format, run, scalar, unique_name

COLUMNS = [
    "ID", "C_NUMBER", "C_INT", "C_FLOAT", "C_VARCHAR", "C_STRING", "C_TEXT", "C_BOOLEAN",
    "C_DATE", "C_TIME", "C_NTZ", "C_LTZ", "C_TZ", "C_VARIANT", "C_OBJECT", "C_ARRAY", "C_BINARY",
]  # fmt: skip

CREATE_TABLE = """create table {table} (
    id INT, c_number NUMBER(10, 2), c_int INT, c_float FLOAT,
    c_varchar VARCHAR(10), c_string STRING, c_text TEXT, c_boolean BOOLEAN,
    c_date DATE, c_time TIME,
    c_ntz TIMESTAMP_NTZ, c_ltz TIMESTAMP_LTZ, c_tz TIMESTAMP_TZ,
    c_variant VARIANT, c_object OBJECT, c_array ARRAY, c_binary BINARY
)"""

# PARSE_JSON/OBJECT_CONSTRUCT/... are not allowed in a VALUES clause in Snowflake, so rows with
# semi-structured values go in through INSERT ... SELECT.
INSERT_ROWS = [
    """insert into {table} select
        1, 12345678.91, 9007199254740993, 1.5,
        'héllo', 'it''s 🙂', '', true,
        '2024-02-29'::date, '13:14:15.123456'::time,
        '2024-01-02 03:04:05.123456'::timestamp_ntz,
        '2024-01-02 03:04:05.123456 +00:00'::timestamp_ltz,
        '2024-01-02 03:04:05.123456 +05:30'::timestamp_tz,
        parse_json('{{"a": 1, "b": [true, null, "x"]}}'),
        object_construct('k', 'v', 'n', 2),
        array_construct(1, 'two', 3.5),
        to_binary('48656C6C6F', 'HEX')""",
    "insert into {table} (id) values (2)",
    """insert into {table} select
        3, -0.01, -42, -1e10,
        'x', 'y', 'z', false,
        '1969-12-31'::date, '00:00:00'::time,
        '1900-01-01 00:00:00'::timestamp_ntz,
        '1970-01-01 00:00:00 +00:00'::timestamp_ltz,
        '1999-12-31 23:59:59 -08:00'::timestamp_tz,
        parse_json('"just a string"'),
        object_construct(),
        array_construct(),
        to_binary('00FF', 'HEX')""",
]

UTC = timezone.utc
IST = timezone(timedelta(hours=5, minutes=30))
EXPECTED = {
    1: {
        "C_NUMBER": Decimal("12345678.91"),
        "C_INT": 9007199254740993,  # 2**53 + 1: must not go through a float
        "C_FLOAT": 1.5,
        "C_VARCHAR": "héllo",
        "C_STRING": "it's 🙂",
        "C_TEXT": "",  # empty string is not NULL
        "C_BOOLEAN": True,
        "C_DATE": date(2024, 2, 29),
        "C_TIME": time(13, 14, 15, 123456),
        "C_NTZ": datetime(2024, 1, 2, 3, 4, 5, 123456),
        "C_LTZ": datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC),
        "C_TZ": datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=IST),
        "C_VARIANT": {"a": 1, "b": [True, None, "x"]},
        "C_OBJECT": {"k": "v", "n": 2},
        "C_ARRAY": [1, "two", 3.5],
        "C_BINARY": b"Hello",
    },
    2: {column: None for column in COLUMNS[1:]},
    3: {
        "C_NUMBER": Decimal("-0.01"),
        "C_INT": -42,
        "C_FLOAT": -1e10,
        "C_VARCHAR": "x",
        "C_STRING": "y",
        "C_TEXT": "z",
        "C_BOOLEAN": False,
        "C_DATE": date(1969, 12, 31),
        "C_TIME": time(0, 0, 0),
        "C_NTZ": datetime(1900, 1, 1, 0, 0, 0),
        "C_LTZ": datetime(1970, 1, 1, tzinfo=UTC),
        "C_TZ": datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-8))),
        "C_VARIANT": "just a string",
        "C_OBJECT": {},
        "C_ARRAY": [],
        "C_BINARY": b"\x00\xff",
    },
}

JSON_COLUMNS = {"C_VARIANT", "C_OBJECT", "C_ARRAY"}
PYTHON_TYPES = {
    "C_NUMBER": Decimal, "C_INT": int, "C_FLOAT": float, "C_VARCHAR": str, "C_STRING": str,
    "C_TEXT": str, "C_BOOLEAN": bool, "C_DATE": date, "C_TIME": time, "C_NTZ": datetime,
    "C_LTZ": datetime, "C_TZ": datetime, "C_BINARY": (bytes, bytearray),
}  # fmt: skip


@pytest.fixture(scope="module")
def all_types_table(module_conn) -> str:
    table = unique_name("ALL_TYPES")
    run(module_conn, CREATE_TABLE.format(table=table))
    for insert in INSERT_ROWS:
        run(module_conn, insert.format(table=table))
    return table


def assert_value(column: str, actual, expected) -> None:
    where = f"{column}: got {actual!r}, expected {expected!r}"
    if expected is None:
        assert actual is None, where
        return
    if column in JSON_COLUMNS:
        # VARIANT/OBJECT/ARRAY come back as JSON text; Snowflake's whitespace is not part of it.
        assert isinstance(actual, str), where
        assert json.loads(actual) == expected, where
        return
    wanted_type = PYTHON_TYPES[column]
    if wanted_type is date:
        assert type(actual) is date, where  # a datetime is a date too: be exact
    else:
        assert isinstance(actual, wanted_type), where
    if column == "C_NTZ":
        assert actual.tzinfo is None, where
    if column in ("C_LTZ", "C_TZ"):
        assert actual.tzinfo is not None, where
    assert actual == expected, where  # aware datetimes compare as instants


def test_timestamp_tz_keeps_its_offset(conn, fmt):
    value = scalar(conn, "select '2024-01-02 03:04:05 +05:30'::timestamp_tz")

    assert value.utcoffset() == timedelta(hours=5, minutes=30)
    assert value.replace(tzinfo=None) == datetime(2024, 1, 2, 3, 4, 5)


def test_timestamp_tz_column_keeps_each_rows_offset(conn, fmt, connect, database):
    table = unique_name("TZ")
    kolkata = timezone(timedelta(hours=5, minutes=30))
    new_york = timezone(timedelta(hours=-5))
    run(conn, "alter session set timezone = 'America/Los_Angeles'")
    run(conn, f"create table {table} (id int, ts timestamp_tz)")
    run(conn, f"insert into {table} values (1, '2024-01-02 03:04:05 +05:30'), (2, '2024-07-01 12:00:00')")
    binding = connect(database=database, schema="PUBLIC", paramstyle="qmark")
    binding.cursor().executemany(
        f"insert into {table} values (?, ?)",
        # bound as TIMESTAMP_TZ (a bare aware datetime binds as TIMESTAMP_NTZ, as in Snowflake)
        [
            (3, ("TIMESTAMP_TZ", datetime(2024, 3, 4, 5, 6, 7, tzinfo=new_york))),
            (5, ("TIMESTAMP_TZ", datetime(2024, 3, 4, 5, 6, 7, tzinfo=kolkata))),
        ],
    )
    run(conn, f"insert into {table} values (4, null)")
    # a second table filled from the first keeps the offsets too
    run(conn, f"create table {table}_COPY as select * from {table}")

    rows = run(conn, f"select id, ts, dateadd(day, 1, ts) from {table}_COPY order by id")

    offsets = {row[0]: row[1].utcoffset() if row[1] else None for row in rows}
    expected = {
        1: timedelta(hours=5, minutes=30),
        2: timedelta(hours=-7),  # no offset in the text: the session zone's (PDT)
        3: timedelta(hours=-5),
        4: None,
        5: timedelta(hours=5, minutes=30),
    }
    if not snowflake.connector.__version__.startswith("4."):
        # connector 5.x binds a TIMESTAMP_TZ as its UTC epoch only, without the offset
        expected[3] = expected[5] = timedelta(0)
    assert offsets == expected
    assert rows[0][1] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=kolkata)
    assert rows[2][1] == datetime(2024, 3, 4, 5, 6, 7, tzinfo=new_york)  # the same instant
    assert rows[4][1] == datetime(2024, 3, 4, 5, 6, 7, tzinfo=kolkata)
    assert rows[0][2].replace(tzinfo=None) == datetime(2024, 1, 3, 3, 4, 5)
    assert rows[0][2].utcoffset() == timedelta(hours=5, minutes=30)
    # compared by instant: 03:04:05 +05:30 is 21:34:05 UTC the day before
    assert scalar(conn, f"select id from {table} where ts = '2024-01-01 21:34:05 +00:00'") == 1


def test_round_trip_every_type(conn, fmt, all_types_table):
    cur = conn.cursor()
    cur.execute(f"select * from {all_types_table} order by id")
    rows = cur.fetchall()

    assert result_format(cur) in (fmt, None)
    assert column_names(cur) == COLUMNS
    assert [row[0] for row in rows] == [1, 2, 3]
    for row in rows:
        values = dict(zip(COLUMNS, row))
        for column, expected in EXPECTED[values["ID"]].items():
            assert_value(column, values[column], expected)


def test_empty_result_keeps_columns(conn, fmt, all_types_table):
    cur = conn.cursor()
    cur.execute(f"select * from {all_types_table} where id < 0")

    assert cur.fetchall() == []
    assert column_names(cur) == COLUMNS


def test_literals(conn, fmt):
    row = run(
        conn,
        "select 1, 1.5, 'abc', true, null, '2024-01-01'::date, 2.5::float, "
        "to_binary('ABCD', 'HEX'), parse_json('[1,2]')",
    )[0]

    assert row[:5] == (1, Decimal("1.5"), "abc", True, None)
    assert type(row[1]) is Decimal
    assert row[5] == date(2024, 1, 1)
    assert row[6] == 2.5 and type(row[6]) is float
    assert bytes(row[7]) == b"\xab\xcd"
    assert json.loads(row[8]) == [1, 2]


def test_floats_in_variants_are_written_with_an_exponent(conn, fmt):
    # Snowflake's TO_VARIANT and TYPEOF pages show a FLOAT in a VARIANT as
    # 1.230000000000000e+00, typed DOUBLE; NUMBERs stay exact.
    [(variant, cast, kind, number)] = run(
        conn,
        "select to_variant(1.23::float), 3::double::variant, typeof(to_variant(1.23::float)), "
        "to_variant(1.50)",
    )

    assert variant == "1.230000000000000e+00"
    assert cast == "3.000000000000000e+00"
    assert kind == "DOUBLE"
    assert number == "1.5"


def test_ten_thousand_row_result(conn, fmt):
    digits = unique_name("DIGITS")
    run(conn, f"create temporary table {digits} (d INT)")
    run(conn, f"insert into {digits} values (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")

    cur = conn.cursor()
    cur.execute(
        f"select a.d * 1000 + b.d * 100 + c.d * 10 + e.d as n, 'row' as label "
        f"from {digits} a, {digits} b, {digits} c, {digits} e order by n"
    )
    rows = cur.fetchall()

    assert cur.rowcount == 10_000
    assert [row[0] for row in rows] == list(range(10_000))
    assert {row[1] for row in rows} == {"row"}


# --- pandas ----------------------------------------------------------------------------------


def test_fetch_pandas_all(conn, all_types_table):
    cur = conn.cursor()
    cur.execute(
        f"select id, c_int, c_float, c_number, c_varchar, c_boolean, c_date, c_ntz "
        f"from {all_types_table} where id in (1, 3) order by id"
    )
    df = cur.fetch_pandas_all()

    assert list(df.columns) == [
        "ID", "C_INT", "C_FLOAT", "C_NUMBER", "C_VARCHAR", "C_BOOLEAN", "C_DATE", "C_NTZ",
    ]  # fmt: skip
    assert len(df) == 2
    assert pd.api.types.is_integer_dtype(df["ID"])
    assert pd.api.types.is_integer_dtype(df["C_INT"])
    assert pd.api.types.is_float_dtype(df["C_FLOAT"])
    assert pd.api.types.is_bool_dtype(df["C_BOOLEAN"])
    assert pd.api.types.is_string_dtype(df["C_VARCHAR"])
    assert pd.api.types.is_datetime64_any_dtype(df["C_NTZ"])

    assert df["ID"].tolist() == [1, 3]
    assert df["C_INT"].tolist() == [9007199254740993, -42]
    # NUMBER columns come in the narrowest integer their values fit, as Snowflake sends them
    assert str(df["ID"].dtype) == "int8" and str(df["C_INT"].dtype) == "int64"
    assert df["C_FLOAT"].tolist() == [1.5, -1e10]
    assert [float(v) for v in df["C_NUMBER"]] == [12345678.91, -0.01]
    assert df["C_VARCHAR"].tolist() == ["héllo", "x"]
    assert df["C_BOOLEAN"].tolist() == [True, False]
    assert [pd.Timestamp(v).date() for v in df["C_DATE"]] == [date(2024, 2, 29), date(1969, 12, 31)]
    assert df["C_NTZ"].tolist() == [
        pd.Timestamp("2024-01-02 03:04:05.123456"),
        pd.Timestamp("1900-01-01 00:00:00"),
    ]


def test_fetch_pandas_all_integer_widths(conn):
    df = conn.cursor().execute(
        "select 1::number(38, 0) a, 300 b, 70000 c, -3000000000 d, 1.5::number(10, 1) e"
    ).fetch_pandas_all()
    assert [str(t) for t in df.dtypes] == ["int8", "int16", "int32", "int64", "float64"]
    assert df.iloc[0].tolist() == [1, 300, 70000, -3000000000, 1.5]


def test_fetch_pandas_all_with_nulls(conn, all_types_table):
    cur = conn.cursor()
    cur.execute(f"select * from {all_types_table} order by id")
    df = cur.fetch_pandas_all()

    assert list(df.columns) == COLUMNS
    assert df["ID"].tolist() == [1, 2, 3]
    null_row = df[df["ID"] == 2].drop(columns="ID")
    assert [column for column in null_row if not null_row[column].isna().all()] == []
    assert df.loc[df["ID"] == 1, "C_VARCHAR"].tolist() == ["héllo"]
    assert df.loc[df["ID"] == 1, "C_TEXT"].tolist() == [""]


def test_fetch_pandas_all_empty_result(conn, all_types_table):
    cur = conn.cursor()
    cur.execute(f"select id, c_varchar from {all_types_table} where id < 0")
    df = cur.fetch_pandas_all()

    assert len(df) == 0
    assert list(df.columns) == ["ID", "C_VARCHAR"]


def test_timestamps_keep_only_the_digits_of_their_precision(conn, fmt):
    # A TIMESTAMP(p) / TIME(p) value has p fraction digits, in casts and in columns alike.
    cur = conn.cursor()
    cur.execute(
        "select '2024-01-01 12:00:00.987654'::timestamp_ntz(0) as s, "
        "'2024-01-01 12:00:00.987654'::timestamp_ntz(3) as ms, "
        "'2024-01-01 12:00:00.987654'::timestamp_ntz as full, "
        "'12:00:00.987654'::time(2) as t"
    )
    row = cur.fetchone()
    assert [(d.name, d.scale) for d in cur.description] == [("S", 0), ("MS", 3), ("FULL", 9), ("T", 2)]
    assert row == (
        datetime(2024, 1, 1, 12, 0, 0),
        datetime(2024, 1, 1, 12, 0, 0, 987000),
        datetime(2024, 1, 1, 12, 0, 0, 987654),
        time(12, 0, 0, 980000),
    )
    cur.execute("create or replace temporary table precise (s timestamp_ntz(0), ms timestamp_ltz(3))")
    cur.execute("insert into precise values ('1969-12-31 23:59:59.5', '2024-01-01 12:00:00.987654')")
    s, ms = cur.execute("select s, ms from precise").fetchone()
    # toward the past, before the epoch too
    assert s == datetime(1969, 12, 31, 23, 59, 59)
    assert ms.microsecond == 987000
