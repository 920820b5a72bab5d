"""dbt-snowflake against Snowglobe: seeds, a view, a table, an incremental model (run twice: the
second run merges through dbt's temporary view) and schema tests, with the project in
tests/fixtures/dbt. dbt runs as its own process, as a user runs it."""

from __future__ import annotations

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
    assert "PASS=3" in dbt(project, "run")
    cur = connect(database="DBT_DB", schema="ANALYTICS").cursor()
    rows = cur.execute(
        "select customer_id, name, orders, total from customer_totals order by customer_id"
    ).fetchall()
    # dbt-snowflake seeds decimal text as FLOAT.
    assert rows == [(1, "Ada", 1, 25.5), (2, "Grace", 1, 99.99), (3, "Linus", 1, 5.25)]
    assert cur.execute("select count(*) from stg_orders").fetchall() == [(3,)]
    kinds = {r[1]: r[4] for r in cur.execute("show objects in schema DBT_DB.ANALYTICS").fetchall()}
    assert kinds["STG_ORDERS"] == "VIEW" and kinds["CUSTOMER_TOTALS"] == "TABLE"

    # The second run is incremental: dbt merges the new rows through a temporary view.
    assert "PASS=3" in dbt(project, "run")
    assert cur.execute(
        "select count(*), count(distinct order_id) from orders_incremental"
    ).fetchall() == [(4, 4)]
    assert "PASS=4" in dbt(project, "test")
