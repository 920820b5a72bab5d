"""Pods (issue 4): `snowglobe pod save|load|list|versions|inspect|delete|remote`, on the default
local remote, on a local-directory remote and on S3 (moto's server), incremental versions,
LocalStack's pod HTTP API, and AUTO_LOAD_POD."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from state_support import (  # noqa: F401 - moto_s3 is a fixture
    Server,
    bytes_uploaded,
    cli,
    closed_port_url,
    databases,
    fill_table,
    fingerprint,
    moto_s3,
    offline_cli,
    saved_version,
    sql,
)


def make_db(conn, db: str, table: str = "T", values: tuple = (1, 2, 3)) -> None:
    sql(conn, f"create or replace database {db}")
    sql(conn, f"create table {db}.PUBLIC.{table} (id int)")
    sql(conn, f"insert into {db}.PUBLIC.{table} values " + ", ".join(f"({v})" for v in values))


def ids(conn, table: str) -> list[int]:
    return [r[0] for r in sql(conn, f"select id from {table} order by id")]


@pytest.fixture
def srv(tmp_path):
    with Server(tmp_path / "volume") as server:
        yield server


# --------------------------------------------------------------------------------------------
# Local pods (the default remote)


def test_save_load_versions_and_inspect(srv):
    conn = srv.connect()
    make_db(conn, "PODDB", values=(1,))
    sql(conn, "create schema PODDB.EXTRA")
    sql(conn, "create table PODDB.EXTRA.U (s varchar)")
    sql(conn, "insert into PODDB.EXTRA.U values ('a'), ('b')")
    out1 = srv.cli("pod", "save", "mypod", "-m", "first version").ok().out
    assert saved_version(out1) == 1, out1

    sql(conn, "insert into PODDB.PUBLIC.T values (2)")
    sql(conn, "create table PODDB.PUBLIC.NEWER (id int)")
    out2 = srv.cli("pod", "save", "mypod", "-m", "second version").ok().out
    assert saved_version(out2) == 2, out2

    listing = srv.cli("pod", "list").ok().out
    assert "mypod" in listing and "2" in listing, listing

    versions = srv.cli("pod", "versions", "mypod").ok().out
    assert "first version" in versions and "second version" in versions, versions

    # inspect, as text and as JSON
    text = srv.cli("pod", "inspect", "mypod:1").ok().out
    for fragment in ("PODDB", "EXTRA", "T", "U", "first version"):
        assert fragment in text, (fragment, text)
    doc = json.loads(srv.cli("pod", "inspect", "mypod:1", "--format", "json").ok().out)
    assert {"name", "version", "created_at", "message", "snowglobe_version", "size", "databases"} <= set(doc)
    assert doc["name"] == "mypod" and doc["version"] == 1 and doc["message"] == "first version"
    assert isinstance(doc["size"], int) and doc["size"] > 0
    assert doc["snowglobe_version"]
    tables = {
        (d["name"], s["name"], t["name"]): t["rows"]
        for d in doc["databases"] for s in d["schemas"] for t in s["tables"]
    }  # fmt: skip
    assert tables == {("PODDB", "PUBLIC", "T"): 1, ("PODDB", "EXTRA", "U"): 2}
    latest = json.loads(srv.cli("pod", "inspect", "mypod", "--format", "json").ok().out)
    assert latest["version"] == 2 and latest["message"] == "second version"
    assert {t["name"] for d in latest["databases"] for s in d["schemas"] for t in s["tables"]} == {"T", "U", "NEWER"}

    # load version 1: the older data, the newer table gone (the pod's databases are replaced)
    before_dry = fingerprint(conn)
    srv.cli("pod", "load", "mypod:1", "--dry-run").ok()
    assert fingerprint(conn) == before_dry, "--dry-run changed the state"
    srv.cli("pod", "load", "mypod:1").ok()
    assert ids(conn, "PODDB.PUBLIC.T") == [1]
    assert [r[1] for r in sql(conn, "show tables in schema PODDB.PUBLIC")] == ["T"]
    # and back to the latest
    srv.cli("pod", "load", "mypod").ok()
    assert ids(conn, "PODDB.PUBLIC.T") == [1, 2]
    assert sorted(r[1] for r in sql(conn, "show tables in schema PODDB.PUBLIC")) == ["NEWER", "T"]


def test_load_strategies(srv):
    conn = srv.connect()
    make_db(conn, "INPOD", values=(1,))
    srv.cli("pod", "save", "strat").ok()
    make_db(conn, "INPOD", values=(5, 6))
    make_db(conn, "OUTSIDE", values=(9,))
    srv.cli("pod", "load", "strat", "--strategy", "merge").ok()
    assert databases(conn) == ["INPOD", "OUTSIDE"]
    assert ids(conn, "INPOD.PUBLIC.T") == [1]
    srv.cli("pod", "load", "strat", "--strategy", "overwrite").ok()
    assert databases(conn) == ["INPOD"]


def test_save_only_some_databases(srv):
    conn = srv.connect()
    make_db(conn, "WANTED")
    make_db(conn, "UNWANTED")
    srv.cli("pod", "save", "partial", "--databases", "WANTED").ok()
    doc = json.loads(srv.cli("pod", "inspect", "partial", "--format", "json").ok().out)
    assert [d["name"] for d in doc["databases"]] == ["WANTED"]
    srv.cli("state", "reset").ok()
    srv.cli("pod", "load", "partial").ok()
    assert databases(conn) == ["WANTED"]


def test_delete(srv):
    make_db(srv.connect(), "DEL")
    srv.cli("pod", "save", "doomed").ok()
    srv.cli("pod", "save", "doomed").ok()
    srv.cli("pod", "save", "survivor").ok()
    pod_dir = srv.volume_dir / "pods" / "local" / "pods" / "doomed"
    assert pod_dir.is_dir()
    srv.cli("pod", "delete", "doomed").ok()
    assert not pod_dir.exists(), "the deleted pod's folder is left behind"
    listing = srv.cli("pod", "list").ok().out
    assert "doomed" not in listing and "survivor" in listing
    srv.cli("pod", "load", "doomed").failed("doomed")
    srv.cli("pod", "versions", "doomed").failed("doomed")
    srv.cli("pod", "delete", "doomed").failed("doomed")
    # a new save under the deleted name starts again at version 1
    assert saved_version(srv.cli("pod", "save", "doomed").ok().out) == 1


def test_missing_pod_and_missing_version(srv):
    make_db(srv.connect(), "M")
    before = fingerprint(srv.connect())
    srv.cli("pod", "load", "never-saved").failed("never-saved")
    srv.cli("pod", "inspect", "never-saved").failed("never-saved")
    srv.cli("pod", "save", "one-version").ok()
    srv.cli("pod", "load", "one-version:7").failed("7")
    srv.cli("pod", "inspect", "one-version:7").failed("7")
    srv.cli("pod", "load", "one-version:zero").failed()
    assert fingerprint(srv.connect()) == before


@pytest.mark.parametrize("name", ["../x", "a/b", "", "..", "a\\b", "/abs"])
def test_invalid_pod_names_are_rejected(srv, tmp_path, name):
    make_db(srv.connect(), "N")
    for args in (("pod", "save", name), ("pod", "load", name), ("pod", "versions", name),
                 ("pod", "inspect", name), ("pod", "delete", name)):  # fmt: skip
        result = srv.cli(*args)
        result.failed()
        assert "name" in result.err.lower(), (args, result.err)
    assert not (tmp_path / "x").exists()
    assert not (srv.volume_dir / "x").exists()


@pytest.mark.parametrize("name", ["../x", "a/b", ""])
def test_invalid_remote_names_are_rejected(srv, tmp_path, name):
    result = srv.cli("pod", "remote", "add", name, str(tmp_path / "remote-dir"))
    result.failed()
    assert "name" in result.err.lower(), result.err
    if name:
        assert name not in srv.cli("pod", "remote", "list").ok().out


def check_incremental_saves(srv, *remote: str) -> None:
    """Five tables; change one; each save uploads only what the remote lacks."""
    conn = srv.connect()
    sql(conn, "create database INC")
    sql(conn, "use database INC")
    tables = [f"INC.PUBLIC.T{i}" for i in range(5)]
    for i, table in enumerate(tables):
        fill_table(conn, table, 20_000, f"inc{i}")
    first = bytes_uploaded(srv.cli("pod", "save", "inc", *remote).ok().out)
    assert first > 5 * 20_000 * 16, f"first save uploaded only {first} bytes for 100k rows of hashes"

    sql(conn, "insert into INC.PUBLIC.T4 values (20001, 'x', 'y')")
    second = bytes_uploaded(srv.cli("pod", "save", "inc", *remote).ok().out)
    unchanged = first * 4 // 5  # four of the five equally sized tables did not change
    assert 0 < second < unchanged / 2, (
        f"second save uploaded {second} bytes; the first uploaded {first}, of which ~{unchanged} "
        "are tables that did not change"
    )
    third = bytes_uploaded(srv.cli("pod", "save", "inc", *remote).ok().out)
    assert third < first / 10, f"a save with no change uploaded {third} bytes (first: {first})"

    # Every version still loads completely.
    for version, extra in ((1, 0), (2, 1), (3, 1)):
        srv.cli("pod", "load", f"inc:{version}", "--strategy", "overwrite", *remote).ok()
        assert sql(conn, "select count(*) from INC.PUBLIC.T4") == [(20_000 + extra,)]
        assert sql(conn, "select count(*) from INC.PUBLIC.T0") == [(20_000,)]


def test_incremental_save_uploads_only_what_changed(srv):
    check_incremental_saves(srv)


def test_incremental_save_on_s3_uploads_only_what_changed(srv, moto_s3):
    check_incremental_saves(srv, "--remote", moto_s3.remote_url("incremental"))
    blobs = [k for k in moto_s3.keys("incremental/") if "/blobs/" in k]
    versions = [k for k in moto_s3.keys("incremental/") if k.endswith(".json")]
    assert len(versions) == 3, versions
    # 5 tables + the one changed table: versions share every unchanged blob
    assert len(blobs) <= 5 + 1 + 2, blobs


def test_local_directory_remote(tmp_path):
    remote_dir = tmp_path / "shared-remote"
    remote_dir.mkdir()
    with Server(tmp_path / "a") as a, Server(tmp_path / "b") as b:
        make_db(a.connect(), "SHAREDPOD", values=(4, 5))
        a.cli("pod", "remote", "add", "team", f"file://{remote_dir}").ok()
        b.cli("pod", "remote", "add", "team", str(remote_dir)).ok()
        remotes = a.cli("pod", "remote", "list").ok().out
        assert "team" in remotes and str(remote_dir) in remotes
        a.cli("pod", "save", "handoff", "-m", "for b", "--remote", "team").ok()
        assert any(remote_dir.rglob("*")), "nothing written to the remote directory"
        assert "handoff" in b.cli("pod", "list", "--remote", "team").ok().out
        assert "handoff" not in b.cli("pod", "list").ok().out  # not in b's default remote
        b.cli("pod", "load", "handoff", "--remote", "team").ok()
        assert ids(b.connect(), "SHAREDPOD.PUBLIC.T") == [4, 5]
        a.cli("pod", "remote", "delete", "team").ok()
        assert "team" not in a.cli("pod", "remote", "list").ok().out
        a.cli("pod", "list", "--remote", "team").failed("team")


def test_pod_commands_without_a_server(tmp_path):
    volume = tmp_path / "volume"
    with Server(volume, persistence=True) as srv:
        make_db(srv.connect(), "OFFPOD", values=(1, 2))
    assert saved_version(offline_cli(volume, "pod", "save", "off", "-m", "offline").ok().out) == 1
    assert "off" in offline_cli(volume, "pod", "list").ok().out
    assert "offline" in offline_cli(volume, "pod", "versions", "off").ok().out
    offline_cli(volume, "state", "reset").ok()
    offline_cli(volume, "pod", "load", "off").ok()
    with Server(volume, persistence=True) as srv:
        assert ids(srv.connect(), "OFFPOD.PUBLIC.T") == [1, 2]
        # the server sees the pods saved offline
        assert "off" in srv.cli("pod", "list").ok().out


# --------------------------------------------------------------------------------------------
# S3 remotes (moto)


def test_moto_fixture_works(moto_s3):
    moto_s3.client.put_object(Bucket=moto_s3.bucket, Key="probe/x", Body=b"1")
    assert moto_s3.keys("probe/") == ["probe/x"]


def test_s3_remote_with_parameters_in_the_url(srv, moto_s3):
    conn = srv.connect()
    make_db(conn, "S3DB", values=(1,))
    srv.cli("pod", "remote", "add", "s3r", moto_s3.remote_url("url-params")).ok()
    assert saved_version(srv.cli("pod", "save", "s3pod", "-m", "on s3", "--remote", "s3r").ok().out) == 1
    assert moto_s3.keys("url-params/"), "nothing was written to the bucket"
    sql(conn, "insert into S3DB.PUBLIC.T values (2)")
    assert saved_version(srv.cli("pod", "save", "s3pod", "--remote", "s3r").ok().out) == 2

    assert "s3pod" in srv.cli("pod", "list", "--remote", "s3r").ok().out
    versions = srv.cli("pod", "versions", "s3pod", "--remote", "s3r").ok().out
    assert "on s3" in versions
    doc = json.loads(srv.cli("pod", "inspect", "s3pod:1", "--remote", "s3r", "--format", "json").ok().out)
    assert doc["version"] == 1 and doc["message"] == "on s3"

    srv.cli("pod", "load", "s3pod:1", "--remote", "s3r").ok()
    assert ids(conn, "S3DB.PUBLIC.T") == [1]
    srv.cli("pod", "load", "s3pod", "--remote", "s3r").ok()
    assert ids(conn, "S3DB.PUBLIC.T") == [1, 2]

    srv.cli("pod", "delete", "s3pod", "--remote", "s3r").ok()
    assert "s3pod" not in srv.cli("pod", "list", "--remote", "s3r").ok().out
    srv.cli("pod", "load", "s3pod", "--remote", "s3r").failed("s3pod")


def test_s3_remote_with_aws_environment_variables(tmp_path, moto_s3):
    """Endpoint, region and credentials from AWS_* (set for the server and the CLI alike, as
    in a container or CI job), and the same from the CLI alone when no server runs."""
    volume = tmp_path / "volume"
    with Server(volume, persistence=True, env=moto_s3.aws_env()) as srv:
        make_db(srv.connect(), "ENVS3", values=(3,))
        srv.cli("pod", "remote", "add", "envr", moto_s3.remote_url("env-vars", credentials_in_url=False),
                env=moto_s3.aws_env()).ok()  # fmt: skip
        srv.cli("pod", "save", "envpod", "--remote", "envr", env=moto_s3.aws_env()).ok()
        assert moto_s3.keys("env-vars/")
    # no server: the CLI itself talks to S3
    env = moto_s3.aws_env()
    assert "envpod" in offline_cli(volume, "pod", "list", "--remote", "envr", env=env).ok().out
    assert saved_version(offline_cli(volume, "pod", "save", "envpod", "--remote", "envr", env=env).ok().out) == 2
    offline_cli(volume, "state", "reset").ok()
    offline_cli(volume, "pod", "load", "envpod:1", "--remote", "envr", env=env).ok()
    with Server(volume, persistence=True) as srv:
        assert ids(srv.connect(), "ENVS3.PUBLIC.T") == [3]


def test_s3_credentials_of_the_cli_reach_a_server_without_them(tmp_path, moto_s3):
    """The server runs without AWS settings (a container, a shared CI service); the CLI's
    AWS_* travel with each pod command (LocalStack's remote_params), for a plain s3:// remote
    and for a LocalStack URL template alike."""
    volume = tmp_path / "volume"
    env = moto_s3.aws_env()
    template = (f"s3://{moto_s3.bucket}/tpl?access_key_id={{access_key_id}}"
                "&secret_access_key={secret_access_key}")
    with Server(volume) as srv:
        make_db(srv.connect(), "CLIENTS3", values=(5,))
        srv.cli("pod", "remote", "add", "tpl", template, env=env).ok()
        srv.cli("pod", "save", "viatpl", "--remote", "tpl", env=env).ok()
        assert moto_s3.keys("tpl/pods/viatpl/")
        plain = moto_s3.remote_url("plain", credentials_in_url=False)
        srv.cli("pod", "save", "viaenv", "--remote", plain, env=env).ok()
        assert "viaenv" in srv.cli("pod", "list", "--remote", plain, env=env).ok().out
        assert "1" in srv.cli("pod", "versions", "viaenv", "--remote", plain, env=env).ok().out
        srv.cli("state", "reset").ok()
        srv.cli("pod", "load", "viatpl", "--remote", "tpl", env=env).ok()
        assert ids(srv.connect(), "CLIENTS3.PUBLIC.T") == [5]
        # without the CLI's settings the server has none: a clear error, not a hang
        srv.cli("pod", "list", "--remote", "tpl").failed("access_key_id")
        srv.cli("pod", "delete", "viaenv", "--remote", plain, env=env).ok()


def test_s3_remote_unreachable_fails_quickly(srv, moto_s3):
    make_db(srv.connect(), "DEAD")
    dead = closed_port_url()
    url = (f"s3://{moto_s3.bucket}/dead?endpoint={dead}&region=us-east-1"
           "&access_key_id=testing&secret_access_key=testing")  # fmt: skip
    srv.cli("pod", "remote", "add", "dead", url).ok()
    for args in (("pod", "save", "x", "--remote", "dead"), ("pod", "list", "--remote", "dead"),
                 ("pod", "load", "x", "--remote", "dead")):  # fmt: skip
        t0 = time.monotonic()
        result = srv.cli(*args, timeout=60).failed()
        elapsed = time.monotonic() - t0
        assert elapsed < 30, f"{args}: took {elapsed:.0f}s to give up on an unreachable endpoint"
        port = dead.rsplit(":", 1)[1]
        assert any(w in result.err.lower() for w in ("connect", "unreachable", "refused", port)), result.err


def test_s3_bucket_missing_fails_clearly(srv, moto_s3):
    make_db(srv.connect(), "NOBUCKET")
    url = (f"s3://no-such-bucket-here/p?endpoint={moto_s3.endpoint}&region=us-east-1"
           "&access_key_id=testing&secret_access_key=testing")  # fmt: skip
    srv.cli("pod", "remote", "add", "nob", url).ok()
    srv.cli("pod", "save", "x", "--remote", "nob", timeout=60).failed("no-such-bucket-here")


# --------------------------------------------------------------------------------------------
# LocalStack's pod HTTP API


def test_http_pod_api(srv):
    conn = srv.connect()
    make_db(conn, "HTTPPOD", values=(1,))

    resp = srv.http("POST", "/_localstack/pods/webpod", {"attributes": {"description": "via http"}})
    assert resp.status == 200, resp.body[:500]
    events = resp.ndjson()
    final = events[-1]
    assert final["event"] == "completion" and final["status"] == "ok", events
    assert final["info"]["name"] == "webpod" and final["info"]["version"] == 1, final

    sql(conn, "insert into HTTPPOD.PUBLIC.T values (2)")
    # `?version=N` names the version to create: only the next one is accepted.
    for taken in (1, 3):
        resp = srv.http("POST", f"/_localstack/pods/webpod?version={taken}", {"attributes": {}})
        assert resp.status == 400, (taken, resp.status, resp.body[:300])
        assert b"the next version is 2" in resp.body, resp.body[:300]
    resp = srv.http("POST", "/_localstack/pods/webpod?version=2", {"attributes": {"description": "second"}})
    assert resp.ndjson()[-1]["info"]["version"] == 2

    resp = srv.http("GET", "/_localstack/pods")
    assert resp.status == 200
    pods = {p["pod_name"]: p for p in resp.json()["cloudpods"]}
    assert pods["webpod"]["max_version"] == 2

    resp = srv.http("GET", "/_localstack/pods/webpod/versions")
    assert resp.status == 200
    versions = resp.json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    assert [v["description"] for v in versions] == ["via http", "second"]
    assert all(v["created_at"] for v in versions)

    resp = srv.http("PUT", "/_localstack/pods/webpod?version=1", {})
    assert resp.status == 200, resp.body[:500]
    final = resp.ndjson()[-1]
    assert final["event"] == "completion" and final["status"] == "ok", final
    assert ids(conn, "HTTPPOD.PUBLIC.T") == [1]

    # diff: what loading a version would change, LocalStack's shape; nothing changes
    sql(conn, "create database HTTPPOD_EXTRA")
    diff = srv.http("GET", "/_localstack/pods/webpod/diff?version=2&merge=overwrite")
    assert diff.status == 200, diff.body[:300]
    changes = {(c["operation_type"], c["name"]) for c in diff.json()["snowflake"]}
    assert changes == {("MODIFICATION", "HTTPPOD"), ("DELETION", "HTTPPOD_EXTRA")}, changes
    assert ids(conn, "HTTPPOD.PUBLIC.T") == [1] and "HTTPPOD_EXTRA" in databases(conn)
    env = srv.http("GET", "/_localstack/pods/environment")
    assert env.status == 200 and env.json()["localstack_version"] and env.json()["pro"] is False
    named = srv.http("GET", "/_localstack/pods/state?pod_name=mine")
    assert "filename=mine.zip" in named.headers.get("content-disposition", ""), named.headers

    resp = srv.http("PUT", "/_localstack/pods/webpod?version=9", {})
    failed = resp.status >= 400 or resp.ndjson()[-1].get("status") == "error"
    assert failed, f"loading a missing version succeeded: {resp.status} {resp.body[:300]!r}"
    assert ids(conn, "HTTPPOD.PUBLIC.T") == [1]

    assert srv.http("GET", "/_localstack/pods/nothere/versions").status == 404
    resp = srv.http("DELETE", "/_localstack/pods/webpod")
    assert resp.status == 200, resp.body[:300]
    assert srv.http("GET", "/_localstack/pods/webpod/versions").status == 404
    assert "webpod" not in {p["pod_name"] for p in srv.http("GET", "/_localstack/pods").json()["cloudpods"]}

    bad = srv.http("POST", "/_localstack/pods/..%2Fescape", {"attributes": {}})
    assert 400 <= bad.status < 500 or bad.ndjson()[-1].get("status") == "error"
    assert not (srv.volume_dir.parent / "escape").exists()


def test_http_remotes_api(srv, tmp_path):
    remote_dir = tmp_path / "http-remote"
    remote_dir.mkdir()
    resp = srv.http("POST", "/_localstack/pods/remotes/web",
                    {"name": "web", "protocols": ["file"], "remote_url": str(remote_dir)})  # fmt: skip
    assert resp.status == 200, resp.body[:300]
    remotes = srv.http("GET", "/_localstack/pods/remotes").json()["remotes"]
    assert {"name": "web", "url": str(remote_dir)} in [{"name": r["name"], "url": r["url"]} for r in remotes]
    one = srv.http("GET", "/_localstack/pods/remotes/web")
    assert one.status == 200 and one.json()["remote_url"] == str(remote_dir)
    # the CLI sees it
    assert "web" in srv.cli("pod", "remote", "list").ok().out
    assert srv.http("DELETE", "/_localstack/pods/remotes/web").status == 200
    assert srv.http("GET", "/_localstack/pods/remotes/web").status == 404
    assert "web" not in srv.cli("pod", "remote", "list").ok().out


def test_http_list_versions_and_delete_take_the_remote_from_the_body(srv, tmp_path):
    """LocalStack's clients name the remote in the JSON body of list, versions and delete."""
    remote_dir = tmp_path / "body-remote"
    remote_dir.mkdir()
    srv.cli("pod", "remote", "add", "bodyr", str(remote_dir)).ok()
    make_db(srv.connect(), "BODYPOD", values=(1,))
    srv.cli("pod", "save", "bp", "--remote", "bodyr").ok()
    body = {"remote": {"remote_name": "bodyr"}}

    def listed():
        resp = srv.http("GET", "/_localstack/pods", body)
        assert resp.status == 200, resp.body[:300]
        return [p["pod_name"] for p in resp.json()["cloudpods"]]

    assert "bp" in listed()
    versions = srv.http("GET", "/_localstack/pods/bp/versions", body)
    assert versions.status == 200 and len(versions.json()["versions"]) == 1
    assert srv.http("DELETE", "/_localstack/pods/bp", body).status == 200
    assert "bp" not in listed()


# --------------------------------------------------------------------------------------------
# AUTO_LOAD_POD


def test_auto_load_pod_at_startup(tmp_path):
    volume = tmp_path / "volume"
    with Server(volume) as srv:
        conn = srv.connect()
        make_db(conn, "AUTO", values=(1,))
        make_db(conn, "ONLY_IN_A", values=(8,))
        srv.cli("pod", "save", "pod-a").ok()
        srv.cli("state", "reset").ok()
        make_db(conn, "AUTO", values=(2,))
        srv.cli("pod", "save", "pod-b").ok()

    with Server(volume, env={"AUTO_LOAD_POD": "pod-a"}) as srv:
        conn = srv.connect()
        assert databases(conn) == ["AUTO", "ONLY_IN_A"]
        assert ids(conn, "AUTO.PUBLIC.T") == [1]

    # Several pods load in order; a later pod wins for the databases it holds.
    with Server(volume, env={"AUTO_LOAD_POD": "pod-a,pod-b"}) as srv:
        conn = srv.connect()
        assert databases(conn) == ["AUTO", "ONLY_IN_A"]
        assert ids(conn, "AUTO.PUBLIC.T") == [2]


def test_auto_load_of_a_missing_pod_is_reported(tmp_path):
    """A missing pod named in AUTO_LOAD_POD must not pass silently: either the server refuses
    to start, or it starts and says so in its log."""
    server = Server(tmp_path / "volume", env={"AUTO_LOAD_POD": "no-such-pod"}).start(wait=False)
    try:
        deadline = time.monotonic() + 30
        from conftest import _health

        while server.proc.poll() is None and _health(server.url) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert "no-such-pod" in server.log_text(), server.log_tail()
    finally:
        server.stop()


def blob_files(srv) -> set[str]:
    return {p.name for p in (srv.volume_dir / "pods" / "local" / "blobs").glob("*")}


def test_delete_removes_the_blobs_no_other_version_uses(tmp_path):
    # Grace 0: blobs are collected as soon as nothing refers to them (the default keeps
    # young blobs an hour, for saves running at the same time).
    with Server(tmp_path / "volume", env={"SNOWGLOBE_POD_GC_GRACE_SECONDS": "0"}) as srv:
        conn = srv.connect()
        make_db(conn, "SHAREDDB", values=(1, 2))
        make_db(conn, "ONLYA", values=(3,))
        srv.cli("pod", "save", "a").ok()
        with_a = blob_files(srv)
        sql(conn, "drop database ONLYA")
        sql(conn, "insert into SHAREDDB.PUBLIC.T values (4)")
        srv.cli("pod", "save", "b").ok()
        make_db(conn, "SHAREDDB", values=(1, 2))
        srv.cli("pod", "save", "c").ok()  # the same content as a's SHAREDDB
        everything = blob_files(srv)
        assert len(everything) > len(with_a), (with_a, everything)

        out = srv.cli("pod", "delete", "a").ok().out
        assert "bytes freed" in out, out
        after = blob_files(srv)
        # a's ONLYA is gone; its SHAREDDB table lives on in c
        assert after < everything and len(everything - after) == 1, (everything, after)
        srv.cli("pod", "load", "c", "--strategy", "overwrite").ok()
        assert ids(conn, "SHAREDDB.PUBLIC.T") == [1, 2]
        srv.cli("pod", "load", "b", "--strategy", "overwrite").ok()
        assert ids(conn, "SHAREDDB.PUBLIC.T") == [1, 2, 4]

        srv.cli("pod", "delete", "b").ok()
        srv.cli("pod", "delete", "c").ok()
        assert blob_files(srv) == set()


def test_delete_keeps_young_blobs_by_default(srv):
    make_db(srv.connect(), "YOUNG")
    srv.cli("pod", "save", "short-lived").ok()
    before = blob_files(srv)
    resp = srv.http("DELETE", "/_localstack/pods/short-lived")
    assert resp.status == 200 and resp.json()["deleted_versions"] == 1, resp.body[:300]
    assert resp.json()["blobs_removed"] == 0
    assert blob_files(srv) == before


def test_dry_run_tells_unchanged_databases_from_modified_ones(srv):
    conn = srv.connect()
    make_db(conn, "SAME", values=(1, 2))
    make_db(conn, "EDITED", values=(5,))
    sql(conn, "create stage SAME.PUBLIC.ST")
    srv.cli("pod", "save", "dry").ok()
    sql(conn, "insert into EDITED.PUBLIC.T values (6)")
    before = fingerprint(conn)
    out = srv.cli("pod", "load", "dry", "--dry-run").ok().out
    assert "replaced: EDITED" in out and "as they are now: SAME" in out, out
    diff = srv.http("GET", "/_localstack/pods/dry/diff")
    assert diff.status == 200, diff.body[:300]
    assert [(c["operation_type"], c["name"]) for c in diff.json()["snowflake"]] == [
        ("MODIFICATION", "EDITED")
    ]
    assert fingerprint(conn) == before
    # after a real load, nothing differs any more
    srv.cli("pod", "load", "dry").ok()
    assert srv.http("GET", "/_localstack/pods/dry/diff").json()["snowflake"] == []


def unload_to_user_stage(conn, path: str, value: int) -> None:
    # An unload writes the file on the server: no client file transfer, which connector 5.x
    # lacks for internal stages.
    sql(
        conn,
        f"copy into @~/{path} from (select {value}) file_format = (type = csv compression = none)"
        " single = true overwrite = true",
    )


def test_dry_run_names_the_user_stage_files_it_would_change(srv):
    conn = srv.connect()
    make_db(conn, "USERFILES")
    for name, value in (("keep.csv", 1), ("edit.csv", 2), ("gone.csv", 3)):
        unload_to_user_stage(conn, f"load/{name}", value)
    srv.cli("pod", "save", "userfiles").ok()
    unload_to_user_stage(conn, "load/edit.csv", 22)
    sql(conn, "remove @~/load/gone.csv")
    unload_to_user_stage(conn, "load/new.csv", 4)
    listed = sorted(r[0] for r in sql(conn, "list @~"))
    diff = srv.http("GET", "/_localstack/pods/userfiles/diff?merge=overwrite")
    assert diff.status == 200, diff.body[:300]
    files = sorted(
        (c["operation_type"], c["name"])
        for c in diff.json()["snowflake"]
        if c["resource_type"] == "user_stage_file"
    )
    assert files == [
        ("ADDITION", "@~/load/gone.csv (user TEST)"),
        ("DELETION", "@~/load/new.csv (user TEST)"),
        ("MODIFICATION", "@~/load/edit.csv (user TEST)"),
    ], files
    out = srv.cli("pod", "load", "userfiles", "--dry-run", "--strategy", "overwrite").ok().out
    assert (
        "User stage files (@~) added: @~/load/gone.csv (user TEST), "
        "replaced: @~/load/edit.csv (user TEST), removed: @~/load/new.csv (user TEST)"
    ) in out, out
    assert sorted(r[0] for r in sql(conn, "list @~")) == listed, "--dry-run changed @~"
    srv.cli("pod", "load", "userfiles", "--strategy", "overwrite").ok()
    assert sorted(r[0] for r in sql(conn, "list @~")) == [
        "load/edit.csv",
        "load/gone.csv",
        "load/keep.csv",
    ]
    diff = srv.http("GET", "/_localstack/pods/userfiles/diff?merge=overwrite")
    assert diff.json()["snowflake"] == []


def test_missing_pods_answer_as_localstack_reports_them(srv):
    # lstk reads a failed completion naming "failed to get version information" as a missing
    # pod on load, and a "not found" body on delete.
    resp = srv.http("PUT", "/_localstack/pods/nowhere", {})
    assert resp.status == 200, resp.body[:300]
    final = resp.ndjson()[-1]
    assert final["event"] == "completion" and final["status"] == "error", final
    assert "failed to get version information" in final["message"], final
    resp = srv.http("DELETE", "/_localstack/pods/nowhere")
    assert resp.status == 404 and "not found" in resp.body.decode().lower(), resp.body[:300]
    make_db(srv.connect(), "ONE")
    srv.cli("pod", "save", "once").ok()
    resp = srv.http("PUT", "/_localstack/pods/once?version=4", {})
    final = resp.ndjson()[-1]
    assert final["status"] == "error" and "maximum version available: 1" in final["message"], final


def test_service_merge_dry_run_and_diff_name_the_objects(srv):
    conn = srv.connect()
    make_db(conn, "SEEDS", values=(1, 2))
    srv.cli("pod", "save", "seeds").ok()
    sql(conn, "create table SEEDS.PUBLIC.LOCAL (x int)")
    sql(conn, "drop table SEEDS.PUBLIC.T")
    before = fingerprint(conn)
    out = srv.cli("pod", "load", "seeds", "--strategy", "service-merge", "--dry-run").ok().out
    assert "Merged into databases SEEDS: objects added: SEEDS.PUBLIC.T, replaced: none" in out, out
    diff = srv.http("GET", "/_localstack/pods/seeds/diff?merge=service-merge")
    assert diff.status == 200, diff.body[:300]
    assert [(c["operation_type"], c["resource_type"], c["name"]) for c in diff.json()["snowflake"]] == [
        ("ADDITION", "object", "SEEDS.PUBLIC.T")
    ]
    assert fingerprint(conn) == before
    srv.cli("pod", "load", "seeds", "--strategy", "service-merge").ok()
    assert sql(conn, "select id from SEEDS.PUBLIC.T order by id") == [(1,), (2,)]
    assert sql(conn, "select count(*) from SEEDS.PUBLIC.LOCAL") == [(0,)]
    # MERGE_STRATEGY (LocalStack's variable) sets the CLI's default
    sql(conn, "insert into SEEDS.PUBLIC.T values (3)")
    out = srv.cli("pod", "load", "seeds", "--dry-run", env={"MERGE_STRATEGY": "service-merge"}).ok().out
    assert "objects added: none, replaced: SEEDS.PUBLIC.T" in out, out
