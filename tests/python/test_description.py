"""cursor.description: column names, type codes, precision, scale, lengths and nullability."""

import pytest

from helpers import (
    BINARY_MAX_LENGTH,
    TYPE_CODE,
    VARCHAR_MAX_LENGTH,
    description_of,
    run,
    unique_name,
)

# PEP 249 description tuple positions
NAME, TYPE, DISPLAY_SIZE, INTERNAL_SIZE, PRECISION, SCALE, NULL_OK = range(7)


def test_installed_connector_type_codes():
    """The type codes the assertions below rely on, as the installed connector defines them."""
    assert TYPE_CODE["FIXED"] == 0
    assert TYPE_CODE["REAL"] == 1
    assert TYPE_CODE["TEXT"] == 2
    assert TYPE_CODE["DATE"] == 3
    assert TYPE_CODE["TIMESTAMP"] == 4
    assert TYPE_CODE["VARIANT"] == 5
    assert TYPE_CODE["TIMESTAMP_LTZ"] == 6
    assert TYPE_CODE["TIMESTAMP_TZ"] == 7
    assert TYPE_CODE["TIMESTAMP_NTZ"] == 8
    assert TYPE_CODE["OBJECT"] == 9
    assert TYPE_CODE["ARRAY"] == 10
    assert TYPE_CODE["BINARY"] == 11
    assert TYPE_CODE["TIME"] == 12
    assert TYPE_CODE["BOOLEAN"] == 13


@pytest.fixture(scope="module")
def typed_table(module_conn):
    table = unique_name("DESCRIBED")
    run(
        module_conn,
        f"""create table {table} (
            id INT NOT NULL, c_number NUMBER(10, 2), c_int INT, c_float FLOAT,
            c_varchar VARCHAR(10), c_string STRING, c_text TEXT, c_boolean BOOLEAN,
            c_date DATE, c_time TIME,
            c_ntz TIMESTAMP_NTZ, c_ltz TIMESTAMP_LTZ, c_tz TIMESTAMP_TZ,
            c_variant VARIANT, c_object OBJECT, c_array ARRAY, c_binary BINARY
        )""",
    )
    run(module_conn, f"insert into {table} (id, c_int) values (1, 10), (2, 20)")
    return table


def test_select_one(conn):
    [(name, type_code, _, _, precision, scale, null_ok)] = description_of(conn, "select 1").values()

    assert name == "1"
    assert type_code == TYPE_CODE["FIXED"]
    assert (precision, scale) == (1, 0)
    assert null_ok is False


def test_counts_are_not_nullable_and_sums_are(conn, typed_table):
    sql = f"select count(*) n, count_if(c_int > 10), sum(c_int) s from {typed_table}"
    null_ok = {name: col[NULL_OK] for name, col in description_of(conn, sql).items()}
    assert null_ok == {"N": False, "COUNT_IF(C_INT > 10)": False, "S": True}


def test_decimal_literal(conn):
    [col] = description_of(conn, "select 1.5").values()

    assert col[TYPE] == TYPE_CODE["FIXED"]
    assert (col[PRECISION], col[SCALE]) == (2, 1)


def test_casts_give_text_and_binary_their_length(conn):
    cols = description_of(conn, "select 'abc'::varchar(5) as a, cast('ab' as char(3)) as b, to_binary('ab', 'hex')::binary(4) as c")

    assert [c[TYPE] for c in cols.values()] == [TYPE_CODE["TEXT"], TYPE_CODE["TEXT"], TYPE_CODE["BINARY"]]
    assert [c[INTERNAL_SIZE] for c in cols.values()] == [5, 3, 4]


def test_semi_structured_values_from_subqueries_and_flatten_are_variants(conn):
    # DuckDB's Arrow export forgets JSON: a VARIANT that went through a CTE, a subquery or
    # FLATTEN must still be described as one, and arrive pretty-printed with sorted keys.
    cur = conn.cursor()
    cur.execute(
        "with c as (select parse_json('{\"b\":[1],\"a\":2}') j) "
        "select j, j:b as b, f.value as item from c, lateral flatten(input => c.j:b) f"
    )
    row = cur.fetchone()
    types = [col[TYPE] for col in cur.description]
    assert types == [TYPE_CODE["VARIANT"]] * 3
    assert row == ('{\n  "a": 2,\n  "b": [\n    1\n  ]\n}', "[\n  1\n]", "1")


def test_semi_structured_casts_and_aggregates_describe_their_types(conn):
    # AS_ARRAY / AS_OBJECT give ARRAY and OBJECT (the AS_<object_type> page), OBJECTAGG is
    # OBJECT_AGG, AS_NUMBER(v, p, s) is NUMBER(p, s), and REGR_VALX / REGR_VALY are FLOAT.
    cols = description_of(
        conn,
        "select as_array(parse_json('[1]')) a, as_object(parse_json('{}')) o,"
        " objectagg(k, v) g, as_number(to_variant(2.34), 6, 3) n, regr_valx(1, 2) x"
        " from (select 'k' k, 1 v)",
    )
    types = {name: col[TYPE] for name, col in cols.items()}
    assert types == {
        "A": TYPE_CODE["ARRAY"],
        "O": TYPE_CODE["OBJECT"],
        "G": TYPE_CODE["OBJECT"],
        "N": TYPE_CODE["FIXED"],
        "X": TYPE_CODE["REAL"],
    }
    assert (cols["N"][PRECISION], cols["N"][SCALE]) == (6, 3)


def test_array_and_object_constants_describe_their_types(conn):
    # `[...]` is an ARRAY constant and `{...}` an OBJECT constant (the data types page).
    cols = description_of(conn, "select [1, 2] a, {'k': 1} o")
    assert {name: col[TYPE] for name, col in cols.items()} == {
        "A": TYPE_CODE["ARRAY"],
        "O": TYPE_CODE["OBJECT"],
    }


def test_values_in_from_name_their_columns_column1_column2(conn):
    assert list(description_of(conn, "select * from values (1, 'a'), (2, 'b')")) == [
        "COLUMN1",
        "COLUMN2",
    ]


def test_column_name_cases(conn, typed_table):
    described = description_of(
        conn,
        f'select c_int, c_int as x, c_int as "x", c_int as "Mixed Case", C_Int as "C_Int" '
        f"from {typed_table}",
    )

    assert list(described) == ["C_INT", "X", "x", "Mixed Case", "C_Int"]


def test_expression_columns_are_named_by_their_text(conn, typed_table):
    described = description_of(
        conn,
        f"select cast(max(c_int) as varchar) || 'x', position('b' in 'abc'), "
        f"percentile_cont(0.5) within group (order by c_int) from {typed_table}",
    )

    assert list(described) == [
        "CAST(MAX(C_INT) AS VARCHAR) || 'X'",
        "POSITION('B' IN 'ABC')",
        "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY C_INT)",
    ]


def test_prefix_operators_and_parentheses_are_in_the_name(conn, typed_table):
    described = description_of(
        conn,
        f"select -5, -c_int, not (true), (1+2)*3, floor(-975.975) from {typed_table}",
    )

    assert list(described) == ["-5", "-C_INT", "NOT (TRUE)", "(1+2)*3", "FLOOR(-975.975)"]


def test_count_star(conn, typed_table):
    [col] = description_of(conn, f"select count(*) from {typed_table}").values()

    assert col[NAME] == "COUNT(*)"
    assert col[TYPE] == TYPE_CODE["FIXED"]
    assert (col[PRECISION], col[SCALE]) == (18, 0)
    assert run(conn, f"select count(*) from {typed_table}") == [(2,)]


@pytest.mark.parametrize(
    "column, type_name, precision, scale",
    [
        ("C_NUMBER", "FIXED", 10, 2),
        ("C_INT", "FIXED", 38, 0),
        ("C_FLOAT", "REAL", None, None),
        ("C_VARCHAR", "TEXT", None, None),
        ("C_STRING", "TEXT", None, None),
        ("C_TEXT", "TEXT", None, None),
        ("C_BOOLEAN", "BOOLEAN", None, None),
        ("C_DATE", "DATE", None, None),
        ("C_TIME", "TIME", None, 9),
        ("C_NTZ", "TIMESTAMP_NTZ", None, 9),
        ("C_LTZ", "TIMESTAMP_LTZ", None, 9),
        ("C_TZ", "TIMESTAMP_TZ", None, 9),
        ("C_VARIANT", "VARIANT", None, None),
        ("C_OBJECT", "OBJECT", None, None),
        ("C_ARRAY", "ARRAY", None, None),
        ("C_BINARY", "BINARY", None, None),
    ],
)
def test_table_column_types(conn, typed_table, column, type_name, precision, scale):
    col = description_of(conn, f"select * from {typed_table}")[column]

    assert col[TYPE] == TYPE_CODE[type_name], f"{column}: {col}"
    if precision is not None:
        assert col[PRECISION] == precision, f"{column}: {col}"
    if scale is not None:
        assert col[SCALE] == scale, f"{column}: {col}"
    assert col[NULL_OK] is True, f"{column}: {col}"


@pytest.mark.parametrize(
    "column, length",
    [
        ("C_VARCHAR", 10),
        ("C_STRING", VARCHAR_MAX_LENGTH),
        ("C_TEXT", VARCHAR_MAX_LENGTH),
        ("C_BINARY", BINARY_MAX_LENGTH),
    ],
)
def test_declared_lengths(conn, typed_table, column, length):
    col = description_of(conn, f"select * from {typed_table}")[column]

    assert col[INTERNAL_SIZE] == length, f"{column}: {col}"


def test_not_null_column(conn, typed_table):
    col = description_of(conn, f"select id from {typed_table}")["ID"]

    assert col[TYPE] == TYPE_CODE["FIXED"]
    assert col[NULL_OK] is False


def test_status_column_of_ddl(conn):
    table = unique_name("T")
    [col] = description_of(conn, f"create table {table} (a INT)").values()

    assert col[NAME] == "status"
    assert col[TYPE] == TYPE_CODE["TEXT"]


def test_describe_of_dml_gives_the_count_columns_and_changes_nothing(conn, typed_table):
    """cursor.describe() of an INSERT, UPDATE or DELETE answers with the columns the statement
    would return (the connector's own describe test), and runs nothing."""
    cur = conn.cursor()
    for sql, names in [
        (f"insert into {typed_table} (id) values (3)", ["number of rows inserted"]),
        (
            f"update {typed_table} set c_int = 0",
            ["number of rows updated", "number of multi-joined rows updated"],
        ),
        (f"delete from {typed_table}", ["number of rows deleted"]),
    ]:
        description = cur.describe(sql)
        assert [d.name for d in description] == names, sql
        assert all(d.type_code == TYPE_CODE["FIXED"] for d in description), sql
    assert run(conn, f"select count(*), sum(c_int) from {typed_table}") == [(2, 30)]


def test_view_columns_keep_the_declared_types(conn, typed_table):
    view = unique_name("V")
    run(conn, f"create view {view} as select id, c_varchar, c_number from {typed_table}")
    cols = description_of(conn, f"select * from {view}")
    assert cols["C_VARCHAR"][INTERNAL_SIZE] == 10
    assert (cols["C_NUMBER"][PRECISION], cols["C_NUMBER"][SCALE]) == (10, 2)
    assert cols["ID"][NULL_OK] is False
