"""dbt-snowflake against Snowglobe: seeds, a view, a table, an incremental model (run twice: the
second run merges through dbt's temporary view) and schema tests, with the project in
tests/fixtures/dbt. dbt runs as its own process, as a user runs it."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "dbt"
DBT = Path(sys.executable).with_name("dbt")


@pytest.fixture
def project(server, connect, tmp_path) -> Path:
    conn = connect()
    conn.cursor().execute("create or replace database DBT_DB")
    conn.cursor().execute("create schema DBT_DB.ANALYTICS")
    shutil.copytree(PROJECT, tmp_path / "project")
    (tmp_path / "project" / "profiles.yml").write_text(
        "snowglobe:\n"
        "  target: dev\n"
        "  outputs:\n"
        "    dev:\n"
        "      type: snowflake\n"
        "      account: test\n"
        "      user: test\n"
        "      password: test\n"
        "      role: ACCOUNTADMIN\n"
        "      warehouse: COMPUTE_WH\n"
        "      database: DBT_DB\n"
        "      schema: ANALYTICS\n"
        f"      host: {server.host}\n"
        f"      port: {server.port}\n"
        "      protocol: http\n"
        "      threads: 2\n"
    )
    return tmp_path / "project"


def dbt(project: Path, *args: str) -> str:
    done = subprocess.run(
        [str(DBT), *args, "--profiles-dir", str(project), "--project-dir", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_seed_run_incremental_and_test(project, connect):
    assert "PASS=2" in dbt(project, "seed")
    # customer_totals, orders_incremental, stg_orders, orders_append, orders_di and
    # orders_uses_eph (which inlines the ephemeral orders_eph).
    assert "PASS=6" in dbt(project, "run")
    cur = connect(database="DBT_DB", schema="ANALYTICS").cursor()
    rows = cur.execute(
        "select customer_id, name, orders, total from customer_totals order by customer_id"
    ).fetchall()
    # dbt-snowflake seeds decimal text as FLOAT.
    assert rows == [(1, "Ada", 1, 25.5), (2, "Grace", 1, 99.99), (3, "Linus", 1, 5.25)]
    assert cur.execute("select count(*) from stg_orders").fetchall() == [(3,)]
    kinds = {r[1]: r[4] for r in cur.execute("show objects in schema DBT_DB.ANALYTICS").fetchall()}
    assert kinds["STG_ORDERS"] == "VIEW" and kinds["CUSTOMER_TOTALS"] == "TABLE"

    assert cur.execute("select order_id, dbl from orders_uses_eph order by 1").fetchall() == [
        (10, 51.0),
        (11, 20.0),
        (12, 199.98),
        (13, 10.5),
    ]

    # The second run is incremental: dbt merges the new rows through a temporary view.
    assert "PASS=6" in dbt(project, "run")
    assert cur.execute(
        "select count(*), count(distinct order_id) from orders_incremental"
    ).fetchall() == [(4, 4)]
    # append adds every row again; delete+insert replaces the rows with the same key.
    assert cur.execute("select count(*) from orders_append").fetchall() == [(8,)]
    assert cur.execute("select count(*), count(distinct order_id) from orders_di").fetchall() == [
        (4, 4)
    ]
    # Four data tests and the unit test of customer_totals (its inputs given as rows).
    assert "PASS=5" in dbt(project, "test")


def test_snapshots_track_changes_and_hard_deletes(project, connect):
    """Both snapshot strategies: `check` (on changed columns) and `timestamp` with
    invalidate_hard_deletes; dbt runs its MERGE with a staging table of inserts, updates and
    deletes, and the validity columns must come out as dbt documents them."""
    assert "PASS=2" in dbt(project, "seed")
    assert "PASS=2" in dbt(project, "snapshot")
    # Order 11 is deleted, 13 changes status, 14 is new.
    (project / "seeds" / "orders.csv").write_text(
        "order_id,customer_id,amount,status\n"
        "10,1,25.50,shipped\n"
        "12,2,99.99,shipped\n"
        "13,3,5.25,shipped\n"
        "14,3,7.00,pending\n"
    )
    assert "PASS=2" in dbt(project, "seed")
    assert "PASS=2" in dbt(project, "snapshot")
    cur = connect(database="DBT_DB", schema="ANALYTICS").cursor()
    check = cur.execute(
        "select order_id, status, dbt_valid_to is null from orders_snap order by 1, dbt_valid_from"
    ).fetchall()
    # The check strategy without invalidate_hard_deletes keeps the deleted order current.
    assert check == [
        (10, "shipped", True),
        (11, "returned", True),
        (12, "shipped", True),
        (13, "pending", False),
        (13, "shipped", True),
        (14, "pending", True),
    ]
    stamped = cur.execute(
        "select order_id, status, dbt_valid_to is null, dbt_valid_from::date"
        " from orders_snap_ts order by 1, dbt_valid_from"
    ).fetchall()
    day = datetime.date
    assert stamped == [
        (10, "shipped", True, day(2024, 4, 20)),
        (11, "returned", False, day(2024, 1, 12)),
        (12, "shipped", True, day(2024, 4, 22)),
        (13, "pending", False, day(2024, 1, 14)),
        (13, "shipped", True, day(2024, 4, 23)),
        (14, "pending", True, day(2024, 1, 15)),
    ]
    # The closed version of order 13 ends where the new one starts.
    assert cur.execute(
        "select dbt_valid_to::date from orders_snap_ts where order_id = 13 and dbt_valid_to is not null"
    ).fetchall() == [(day(2024, 4, 23),)]
