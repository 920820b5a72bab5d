"""Persistence (PERSISTENCE=1): state survives restarts, nothing acknowledged is lost on
SIGKILL, and two servers cannot share one volume directory."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import snowflake.connector

from conftest import CREDENTIALS, _free_port, _health, _snowglobe_binary, _stop


class Proc:
    def __init__(self, volume: Path, persistence: bool = True):
        self.port = _free_port()
        self.log = volume.parent / f"server-{self.port}.log"
        env = dict(os.environ, PERSISTENCE="1" if persistence else "0")
        env.pop("AUTO_LOAD_POD", None)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [str(_snowglobe_binary()), "start", "--listen", f"127.0.0.1:{self.port}",
                 "--volume-dir", str(volume)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            )

    def wait_ready(self) -> "Proc":
        deadline = time.monotonic() + 30
        while _health(f"http://127.0.0.1:{self.port}") is None:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        return self

    def connect(self, **kw):
        return snowflake.connector.connect(
            **CREDENTIALS, host="127.0.0.1", port=self.port, protocol="http", **kw
        )


def test_state_survives_a_clean_restart(tmp_path):
    volume = tmp_path / "volume"
    a = Proc(volume).wait_ready()
    try:
        conn = a.connect()
        cur = conn.cursor()
        cur.execute("create database keep")
        cur.execute("create table t (id int, name varchar(20), v variant)")
        cur.execute("insert into t select 1, 'one', parse_json('{\"a\": 1}')")
        cur.execute("create warehouse etl_wh warehouse_size = 'LARGE' comment = 'nightly'")
        cur.execute("alter warehouse etl_wh suspend")
        conn.close()
    finally:
        _stop(a.proc)
    b = Proc(volume).wait_ready()
    try:
        conn = b.connect(database="KEEP", schema="PUBLIC")
        cur = conn.cursor()
        cur.execute("select id, name, v from t")
        rows = cur.fetchall()
        assert [(r[0], r[1]) for r in rows] == [(1, "one")]
        assert '"a": 1' in rows[0][2]
        # The declared types come back too.
        assert cur.description[1].internal_size == 20
        # So do warehouses, with their properties and state.
        cur.execute("show warehouses like 'ETL_WH'")
        row = dict(zip([d.name for d in cur.description], cur.fetchone()))
        assert (row["state"], row["size"], row["comment"]) == ("SUSPENDED", "Large", "nightly"), row
        conn.close()
    finally:
        _stop(b.proc)


def test_no_acknowledged_row_is_lost_on_sigkill(tmp_path):
    volume = tmp_path / "volume"
    a = Proc(volume).wait_ready()
    acknowledged: list[int] = []
    # A bounded network timeout: after the kill, the connector would otherwise retry forever.
    conn = a.connect(network_timeout=10)
    cur = conn.cursor()
    cur.execute("create database crash")
    cur.execute("create table t (id int)")
    stop = threading.Event()

    def writer():
        i = 0
        try:
            while not stop.is_set() and i < 100_000:
                cur.execute(f"insert into t values ({i})")
                acknowledged.append(i)
                i += 1
        except Exception:
            pass  # the server died under us: expected

    # Daemon: a writer still retrying against the dead server must not keep pytest alive.
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait()
    stop.set()
    t.join(timeout=30)
    assert len(acknowledged) >= 200, "the writer did not get going"

    b = Proc(volume).wait_ready()
    try:
        conn = b.connect(database="CRASH", schema="PUBLIC")
        rows = {r[0] for r in conn.cursor().execute("select id from t").fetchall()}
        missing = [i for i in acknowledged if i not in rows]
        assert missing == [], f"{len(missing)} acknowledged rows lost, e.g. {missing[:5]}"
        conn.close()
    finally:
        _stop(b.proc)


def test_two_servers_cannot_share_a_volume(tmp_path):
    volume = tmp_path / "volume"
    a = Proc(volume).wait_ready()
    try:
        b = Proc(volume)
        assert b.proc.wait(timeout=30) != 0
        assert "in use by another Snowglobe server" in b.log.read_text(errors="replace")
    finally:
        _stop(a.proc)


def test_a_database_dropped_under_an_open_transaction_is_created_again(tmp_path):
    # The dropped database's file stays open inside the engine until the other session's
    # transaction ends: the database created again under its name must not collide with it,
    # and a restart must bring back the new one, not the old.
    volume = tmp_path / "volume"
    a = Proc(volume).wait_ready()
    try:
        holder = a.connect().cursor()
        holder.execute("create database churn")
        holder.execute("create table churn.public.t (i int)")
        holder.execute("insert into churn.public.t values (1)")
        holder.execute("begin")
        holder.execute("insert into churn.public.t values (2)")
        cur = a.connect().cursor()
        cur.execute("drop database churn")
        cur.execute("create database churn")
        cur.execute("create table churn.public.t (j varchar)")
        cur.execute("insert into churn.public.t values ('new')")
        # The holder's work was in the dropped database: its commit fails (it is rolled back),
        # and none of it reaches the new database of the same name.
        with pytest.raises(snowflake.connector.errors.ProgrammingError, match="dropped") as failed:
            holder.execute("commit")
        assert failed.value.errno == 90064
        holder.execute("commit")  # nothing open any more: a no-op
        assert cur.execute("select * from churn.public.t").fetchall() == [("new",)]
        # A failing statement in such a transaction does not replay its work into the new one.
        holder.execute("begin")
        holder.execute("insert into churn.public.t values ('held')")
        cur.execute("create or replace database churn")
        cur.execute("create table churn.public.t (j varchar)")
        errors = []
        for statement in ("select * from churn.public.t", "commit"):
            try:
                holder.execute(statement)
            except snowflake.connector.errors.ProgrammingError as e:
                errors.append(str(e))
        assert errors and "dropped" in errors[-1], errors
        assert cur.execute("select * from churn.public.t").fetchall() == []
        # Once more, now that nothing holds the old file.
        cur.execute("create or replace database churn")
        cur.execute("create table churn.public.t (k int)")
        cur.execute("insert into churn.public.t values (3)")
    finally:
        _stop(a.proc)
    files = sorted(p.name for p in volume.rglob("*.duckdb"))
    assert [f for f in files if f.startswith("CHURN")] != [], files
    b = Proc(volume).wait_ready()
    try:
        cur = b.connect().cursor()
        assert cur.execute("select * from churn.public.t").fetchall() == [(3,)]
        assert [d.name for d in cur.description] == ["K"]
    finally:
        _stop(b.proc)


def test_database_files_of_earlier_versions_still_load(tmp_path):
    # Versions before file generations named a database's file NAME.duckdb.
    volume = tmp_path / "volume"
    a = Proc(volume).wait_ready()
    try:
        cur = a.connect().cursor()
        cur.execute("create database legacy")
        cur.execute("create table legacy.public.t (i int)")
        cur.execute("insert into legacy.public.t values (7)")
    finally:
        _stop(a.proc)
    [file] = [p for p in volume.rglob("*.duckdb") if p.name.startswith("LEGACY")]
    file.rename(file.with_name("LEGACY.duckdb"))
    b = Proc(volume).wait_ready()
    try:
        cur = b.connect().cursor()
        assert cur.execute("select i from legacy.public.t").fetchall() == [(7,)]
        cur.execute("drop database legacy")
        cur.execute("create database legacy")
        assert cur.execute("show tables in database legacy").fetchall() == []
    finally:
        _stop(b.proc)
    c = Proc(volume).wait_ready()
    try:
        cur = c.connect().cursor()
        assert cur.execute("show tables in database legacy").fetchall() == []
        assert not (file.with_name("LEGACY.duckdb")).exists()
    finally:
        _stop(c.proc)
