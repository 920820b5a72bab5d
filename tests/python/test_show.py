"""SHOW commands beyond databases/schemas/tables: objects, columns, sequences, primary keys,
warehouses, parameters and functions, with Snowflake's output columns in Snowflake's order
(SHOW output carries creation times, so these are checked here rather than in SQL files)."""

import json

from helpers import column_names, raises_snowflake, run, unique_name


def show(conn, sql: str) -> tuple[list[str], list[dict]]:
    cur = conn.cursor()
    cur.execute(sql)
    names = column_names(cur)
    return names, [dict(zip(names, row)) for row in cur.fetchall()]


def setup_schema(conn, prefix: str) -> str:
    schema = unique_name(prefix)
    run(conn, f"create schema {schema}")
    run(conn, "create table t (id int primary key, name varchar(10) not null default 'n', v variant)")
    run(conn, "comment on table t is 'things'")
    run(conn, "create view v as select id from t")
    return schema


def test_show_objects_lists_tables_and_views(conn):
    schema = setup_schema(conn, "SHOW_OBJ")
    names, rows = show(conn, f"show objects in schema {schema}")
    assert names[:6] == ["created_on", "name", "database_name", "schema_name", "kind", "comment"]
    assert [(r["name"], r["kind"], r["comment"]) for r in rows] == [
        ("T", "TABLE", "things"),
        ("V", "VIEW", ""),
    ]
    names, rows = show(conn, "show terse objects like 'V%'")
    assert names == ["created_on", "name", "kind", "database_name", "schema_name"]
    assert [r["name"] for r in rows] == ["V"]


def test_show_without_in_lists_the_current_database_once_per_name(conn):
    # Snowflake: without IN, the scope is the current database, and objects of one name in
    # several schemas are listed once.
    first = setup_schema(conn, "SCOPE_A")
    second = unique_name("SCOPE_B")
    run(conn, f"create schema {second}")
    run(conn, f"create table {second}.t (x int)")
    run(conn, f"create table {second}.only_b (x int)")
    run(conn, f"use schema {first}")
    _, rows = show(conn, "show tables")
    mine = [(r["name"], r["schema_name"]) for r in rows if r["schema_name"] in (first, second)]
    assert mine == [("T", first), ("ONLY_B", second)]
    assert sum(r["name"] == "T" for r in rows) == 1
    _, rows = show(conn, "show tables in schema")
    assert [r["name"] for r in rows] == ["T"]
    _, rows = show(conn, "show tables in database")
    assert [(r["name"], r["schema_name"]) for r in rows if r["schema_name"] in (first, second)] == [
        ("T", first), ("ONLY_B", second), ("T", second),
    ]
    _, rows = show(conn, "show objects like 'ONLY%'")
    assert [(r["name"], r["schema_name"]) for r in rows] == [("ONLY_B", second)]


def test_show_terse_gives_the_five_columns(conn):
    schema = setup_schema(conn, "TERSE")
    database = run(conn, "select current_database()")[0][0]
    terse = ["created_on", "name", "kind", "database_name", "schema_name"]
    names, rows = show(conn, f"show terse schemas like '{schema}'")
    assert names == terse
    assert [(r["name"], r["kind"], r["database_name"], r["schema_name"]) for r in rows] == [
        (schema, None, database, None),
    ]
    names, rows = show(conn, f"show terse databases like '{database}'")
    assert names == terse
    assert [(r["name"], r["kind"], r["database_name"], r["schema_name"]) for r in rows] == [
        (database, None, None, None),
    ]
    names, rows = show(conn, "show terse tables in schema")
    assert names == terse
    assert [(r["name"], r["kind"], r["schema_name"]) for r in rows] == [("T", "TABLE", schema)]
    names, rows = show(conn, "show terse views in schema")
    assert names == terse
    assert [(r["name"], r["kind"], r["schema_name"]) for r in rows] == [("V", "VIEW", schema)]


def test_show_tables_gives_the_documented_columns(conn):
    setup_schema(conn, "SHOW_TAB_COLS")
    names, rows = show(conn, "show tables in schema")
    assert names == [
        "created_on", "name", "database_name", "schema_name", "kind", "comment", "cluster_by",
        "rows", "bytes", "owner", "retention_time", "automatic_clustering", "change_tracking",
        "search_optimization", "search_optimization_progress", "search_optimization_bytes",
        "is_external", "enable_schema_evolution", "owner_role_type", "is_event", "is_hybrid",
        "is_iceberg", "is_immutable",
    ]
    [row] = rows
    assert (row["name"], row["search_optimization"], row["is_iceberg"]) == ("T", "OFF", "N")


def test_show_databases_gives_the_documented_columns(conn):
    database = run(conn, "select current_database()")[0][0]
    names, rows = show(conn, f"show databases like '{database}'")
    assert names == [
        "created_on", "name", "is_default", "is_current", "origin", "owner", "comment",
        "options", "retention_time", "kind", "owner_role_type", "object_visibility",
        "data_quality_monitoring_settings",
    ]
    assert [(r["name"], r["is_current"], r["kind"]) for r in rows] == [(database, "Y", "STANDARD")]


def test_show_columns_gives_types_as_json(conn):
    setup_schema(conn, "SHOW_COL")
    names, rows = show(conn, "show columns in table t")
    assert names == [
        "table_name", "schema_name", "column_name", "data_type", "null?", "default", "kind",
        "expression", "comment", "database_name", "autoincrement", "schema_evolution_record",
    ]
    by_name = {r["column_name"]: r for r in rows}
    assert list(by_name) == ["ID", "NAME", "V"]
    assert json.loads(by_name["ID"]["data_type"]) == {
        "type": "FIXED", "precision": 38, "scale": 0, "nullable": False,
    }
    assert json.loads(by_name["NAME"]["data_type"])["length"] == 10
    assert by_name["NAME"]["null?"] == "false"
    assert by_name["NAME"]["default"] == "'n'"
    assert json.loads(by_name["V"]["data_type"]) == {
        "type": "VARIANT", "nullable": True, "fixed": False,
    }
    _, rows = show(conn, "show columns like 'N%' in table t")
    assert [r["column_name"] for r in rows] == ["NAME"]
    with raises_snowflake(2003, "42S02", "does not exist"):
        run(conn, "show columns in table no_such_table")


def test_show_sequences_and_primary_keys(conn):
    schema = setup_schema(conn, "SHOW_SEQ")
    run(conn, "create sequence s1 start = 5 increment = 3 comment = 'ids'")
    run(conn, "create table auto (id int autoincrement)")
    run(conn, "select s1.nextval")
    names, rows = show(conn, f"show sequences in schema {schema}")
    assert names[:5] == ["name", "database_name", "schema_name", "next_value", "interval"]
    # Identity columns' own sequences are not listed.
    assert [(r["name"], r["next_value"], r["interval"], r["comment"]) for r in rows] == [
        ("S1", 8, 3, "ids")
    ]
    names, rows = show(conn, "show primary keys in table t")
    assert names[:6] == [
        "created_on", "database_name", "schema_name", "table_name", "column_name", "key_sequence",
    ]
    assert [(r["table_name"], r["column_name"], r["key_sequence"]) for r in rows] == [("T", "ID", 1)]


def test_show_warehouses_parameters_and_functions(conn):
    names, rows = show(conn, "show warehouses")
    assert names[:4] == ["name", "state", "type", "size"]
    assert "COMPUTE_WH" in [r["name"] for r in rows]

    run(conn, "alter session set timezone = 'UTC'")
    names, rows = show(conn, "show parameters like 'TIMEZ%'")
    assert names == ["key", "value", "default", "level", "description", "type"]
    assert [(r["key"], r["value"], r["default"], r["level"]) for r in rows] == [
        ("TIMEZONE", "UTC", "America/Los_Angeles", "SESSION")
    ]

    names, rows = show(conn, "show functions like 'DATEADD'")
    assert names[:4] == ["created_on", "name", "schema_name", "is_builtin"]
    assert [(r["name"], r["is_builtin"]) for r in rows] == [("DATEADD", "Y")]
    _, rows = show(conn, "show user functions")
    assert rows == []


def test_result_scan_reads_show_output(conn):
    setup_schema(conn, "SHOW_SCAN")
    run(conn, "show tables in schema")
    rows = run(conn, 'select "name", "comment" from table(result_scan(last_query_id()))')
    assert rows == [("T", "things")]


def test_get_ddl_recreates_tables_views_and_schemas(conn):
    schema = setup_schema(conn, "DDL")
    run(conn, "create table \"lower\" (\"id\" number(10,2) comment 'it''s', ts timestamp_ntz, "
              "flag boolean, seq_id int autoincrement)")
    run(conn, "create secure view sv comment = 'secret' as\n  select \"id\" from \"lower\" where flag")
    run(conn, "create sequence s start = 5 increment = 2")
    cur = conn.cursor()
    cur.execute("select get_ddl('table', 't')")
    assert column_names(cur) == ["GET_DDL('TABLE', 'T')"]
    table_t = (
        "create or replace TABLE T (\n"
        "\tID NUMBER(38,0) NOT NULL,\n"
        "\tNAME VARCHAR(10) NOT NULL DEFAULT 'n',\n"
        "\tV VARIANT,\n"
        "\tprimary key (ID)\n"
        ")COMMENT='things'\n;"
    )
    assert cur.fetchone() == (table_t,)
    lower = (
        "create or replace TABLE \"lower\" (\n"
        "\t\"id\" NUMBER(10,2) COMMENT 'it\\'s',\n"
        "\tTS TIMESTAMP_NTZ(9),\n"
        "\tFLAG BOOLEAN,\n"
        "\tSEQ_ID NUMBER(38,0) autoincrement start 1 increment 1 noorder\n"
        ");"
    )
    assert run(conn, "select get_ddl('TABLE', '\"lower\"')") == [(lower,)]
    view_v = "create or replace view V(\n\tID\n) as select id from t;"
    assert run(conn, f"select get_ddl('view', '{schema}.v')") == [(view_v,)]
    secure = (
        "create or replace secure view SV(\n\t\"id\"\n) COMMENT='secret'\n"
        " as select \"id\" from \"lower\" where flag;"
    )
    assert run(conn, "select get_ddl('view', 'sv')") == [(secure,)]
    # The third argument names recreated objects in full.
    db = run(conn, "select current_database()")[0][0]
    qualified = run(conn, "select get_ddl('view', 'v', true)")[0][0]
    assert qualified.startswith(f"create or replace view {db}.{schema}.V(\n")
    sequence = "create or replace sequence S start with 5 increment by 2 noorder;"
    assert run(conn, "select get_ddl('sequence', 's')") == [(sequence,)]
    # A schema: its own statement, then its objects (sequences, then tables and views by name).
    whole = run(conn, f"select get_ddl('schema', '{schema}')")[0][0]
    assert whole == "\n".join([
        f"create or replace schema {schema};",
        "",
        sequence,
        secure,
        table_t,
        view_v,
        lower,
        "",
    ])
    # SHOW VIEWS and INFORMATION_SCHEMA.VIEWS give the definition as written.
    _, rows = show(conn, "show views like 'SV'")
    assert rows[0]["text"].startswith("create secure view sv comment = 'secret' as")
    assert (rows[0]["comment"], rows[0]["is_secure"]) == ("secret", "true")
    run(conn, "comment on view sv is 'changed'")
    assert "COMMENT='changed'" in run(conn, "select get_ddl('view', 'sv')")[0][0]
    with raises_snowflake(2003, "42S02", "Table 'NOPE' does not exist or not authorized."):
        run(conn, "select get_ddl('table', 'nope')")
    with raises_snowflake(2003, "42S02", "View 'T' does not exist or not authorized."):
        run(conn, "select get_ddl('view', 't')")
    with raises_snowflake(1003, "42000", "Invalid object type: 'PIPEX'"):
        run(conn, "select get_ddl('pipex', 't')")


def test_show_of_objects_snowglobe_cannot_create_is_empty_in_the_documented_columns(conn):
    # Tasks, streams, pipes, materialized views, ...: none can exist, so each SHOW answers no
    # rows, in the columns Snowflake's page for the command lists.
    setup_schema(conn, "SHOW_UNMODELLED")
    names, rows = show(conn, "show tasks")
    assert names[:6] == ["created_on", "name", "id", "database_name", "schema_name", "owner"]
    assert len(names) == 25 and names[-1] == "execute_as_user" and rows == []
    names, rows = show(conn, "show streams like 'S%' in schema")
    assert names[6:10] == ["table_name", "source_type", "base_tables", "type"] and rows == []
    # A view exists, but no materialized view.
    names, rows = show(conn, "show materialized views in database")
    assert names[:3] == ["created_on", "name", "reserved"] and rows == []
    names, rows = show(conn, "show terse dynamic tables in account limit 5")
    assert names == ["created_on", "name", "kind", "database_name", "schema_name"] and rows == []
    names, rows = show(conn, "show storage integrations")
    assert names == ["name", "type", "category", "enabled", "comment", "created_on"]
    names, rows = show(conn, "show network policies")
    assert names[3] == "entries_in_allowed_ip_list" and rows == []
    for kind in ["pipes", "external tables", "iceberg tables", "event tables", "tags", "alerts",
                 "masking policies", "row access policies", "streamlits", "shares"]:
        names, rows = show(conn, f"show {kind}")
        assert names[0] == "created_on" and "name" in names and rows == [], kind
    with raises_snowflake(2043, "02000"):
        run(conn, "show tasks in schema no_such_schema_here")
