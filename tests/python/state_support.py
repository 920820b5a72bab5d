"""Support for the state tests (test_state.py, test_pods.py): servers with their own volume
directories, the `snowglobe state|pod` CLI, the LocalStack HTTP API, export-file readers, state
fingerprints and a moto S3 server.

Every server here binds 127.0.0.1 on a free port, has its own volume directory (so tests never
share state, remotes or pods) and is stopped by its own PID. Every CLI run gets an explicit
--endpoint-url (a closed port when the test wants the CLI to work on the volume directory itself)
and a timeout, and runs with the Snowglobe/LocalStack/AWS environment variables of the developer's
shell removed, so a server on 127.0.0.1:4566 or a real AWS profile can never be touched.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

import pytest
import snowflake.connector

from conftest import CREDENTIALS, _CONNECTOR_TIMEOUTS, _free_port, _health, _snowglobe_binary

STARTUP_TIMEOUT_SECONDS = 30
SHUTDOWN_TIMEOUT_SECONDS = 15
CLI_TIMEOUT_SECONDS = 120

# Environment variables that would point a server or the CLI somewhere else than the test wants.
_SCRUBBED_ENV = (
    "SNOWGLOBE_ENDPOINT",
    "SNOWGLOBE_VOLUME_DIR",
    "LOCALSTACK_VOLUME_DIR",
    "SNOWGLOBE_INIT_DIR",
    "AUTO_LOAD_POD",
    "PERSISTENCE",
    "LOCALSTACK_PERSISTENCE",
    "DATA_DIR",
    "SNAPSHOT_SAVE_STRATEGY",
    "SNAPSHOT_LOAD_STRATEGY",
    "GATEWAY_LISTEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")
    # No AWS profile of the developer may leak in; IMDS must not be probed.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    if extra:
        env.update(extra)
    return env


def closed_port_url() -> str:
    """An http://127.0.0.1:PORT URL where nothing listens (the port was free a moment ago)."""
    return f"http://127.0.0.1:{_free_port()}"


# --------------------------------------------------------------------------------------------
# CLI


class CliResult(NamedTuple):
    rc: int
    out: str
    err: str

    def ok(self) -> "CliResult":
        assert self.rc == 0, f"CLI failed with status {self.rc}\nstdout:\n{self.out}\nstderr:\n{self.err}"
        return self

    def failed(self, *fragments: str) -> "CliResult":
        """Asserts a non-zero exit with a message on stderr containing every fragment
        (case-insensitive), and no Rust panic."""
        assert self.rc != 0, f"CLI unexpectedly succeeded\nstdout:\n{self.out}\nstderr:\n{self.err}"
        assert self.err.strip(), f"CLI failed (status {self.rc}) without a message on stderr"
        assert "panicked" not in self.err and "RUST_BACKTRACE" not in self.err, self.err
        lowered = self.err.lower()
        for fragment in fragments:
            assert fragment.lower() in lowered, f"{fragment!r} not in stderr:\n{self.err}"
        return self


def cli(
    *args: str,
    endpoint: str | None,
    volume_dir: Path | str | None,
    env: dict[str, str] | None = None,
    timeout: float = CLI_TIMEOUT_SECONDS,
    cwd: Path | str | None = None,
) -> CliResult:
    """Runs `$SNOWGLOBE_BIN ARGS... [--endpoint-url E] [--volume-dir D]` and returns (rc, out, err).

    The options go after the subcommand's own arguments, where clap accepts them whether they are
    declared per subcommand or as global options of `state` / `pod`."""
    argv = [str(_snowglobe_binary()), *map(str, args)]
    if endpoint is not None:
        argv += ["--endpoint-url", endpoint]
    if volume_dir is not None:
        argv += ["--volume-dir", str(volume_dir)]
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env=clean_env(env),
            cwd=cwd,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(
            f"`{' '.join(argv[1:])}` did not finish within {timeout}s\n"
            f"stdout: {exc.stdout!r}\nstderr: {exc.stderr!r}",
            pytrace=False,
        )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def offline_cli(volume_dir: Path, *args: str, **kw: Any) -> CliResult:
    """The CLI working on a volume directory directly: its endpoint is a port nobody listens on."""
    return cli(*args, endpoint=closed_port_url(), volume_dir=volume_dir, **kw)


_NUMBER = r"(\d[\d,_]*)"


def _int(text: str) -> int:
    return int(text.replace(",", "").replace("_", ""))


def bytes_uploaded(out: str) -> int:
    m = re.search(r"bytes uploaded:\s*" + _NUMBER, out, re.IGNORECASE)
    assert m, f"no 'bytes uploaded: N' in the pod save output:\n{out}"
    return _int(m.group(1))


def saved_version(out: str) -> int:
    m = re.search(r"\bversion\b\D{0,3}(\d+)", out, re.IGNORECASE)
    assert m, f"no version number in the pod save output:\n{out}"
    return int(m.group(1))


def summary_counts(out: str) -> tuple[int, int]:
    """(tables, rows) from a summary line such as 'exported 3 tables, 1,234 rows (56 kB)'."""
    tables = re.search(_NUMBER + r"\s+tables?\b", out, re.IGNORECASE)
    rows = re.search(_NUMBER + r"\s+rows?\b", out, re.IGNORECASE)
    assert tables and rows, f"no 'N tables' / 'N rows' summary in:\n{out}"
    return _int(tables.group(1)), _int(rows.group(1))


# --------------------------------------------------------------------------------------------
# Servers


class Server:
    """A Snowglobe server with its own volume directory; a context manager.

        with Server(tmp_path / "vol", persistence=True) as srv:
            conn = srv.connect()
            srv.cli("state", "export", tmp_path / "x.zip").ok()
    """

    def __init__(
        self,
        volume_dir: Path,
        persistence: bool = False,
        env: dict[str, str] | None = None,
    ):
        self.volume_dir = Path(volume_dir)
        self.volume_dir.mkdir(parents=True, exist_ok=True)
        self.persistence = persistence
        self.extra_env = dict(env or {})
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = self.volume_dir.parent / f"{self.volume_dir.name}-server.log"
        self._connections: list[Any] = []

    # lifecycle

    def start(self, wait: bool = True) -> "Server":
        self.port = _free_port()
        env = clean_env({"PERSISTENCE": "1" if self.persistence else "0", **self.extra_env})
        argv = [
            str(_snowglobe_binary()), "start", "--listen", f"127.0.0.1:{self.port}",
            "--volume-dir", str(self.volume_dir),
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.volume_dir.parent,
                env=env,
            )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> "Server":
        assert self.proc is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while _health(self.url) is None:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"snowglobe exited with status {self.proc.returncode} during startup:\n"
                    f"{self.log_tail()}",
                    pytrace=False,
                )
            if time.monotonic() > deadline:
                pytest.fail(f"snowglobe did not start:\n{self.log_tail()}", pytrace=False)
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        for conn in self._connections:
            try:
                conn.close()
            except Exception:
                pass
        self._connections.clear()
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def restart(self) -> "Server":
        self.stop()
        return self.start()

    def __enter__(self) -> "Server":
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # access

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def connect(self, **kw: Any):
        params = dict(
            CREDENTIALS, host="127.0.0.1", port=self.port, protocol="http", login_timeout=30,
            **_CONNECTOR_TIMEOUTS,
        )  # fmt: skip
        params.update(kw)
        conn = snowflake.connector.connect(**params)
        self._connections.append(conn)
        return conn

    def cli(self, *args: str, **kw: Any) -> CliResult:
        """The CLI against this running server (its endpoint and its volume directory)."""
        kw.setdefault("endpoint", self.url)
        kw.setdefault("volume_dir", self.volume_dir)
        return cli(*args, **kw)

    def http(self, method: str, path: str, body: bytes | dict | None = None, **kw: Any):
        return http(method, self.url + path, body, **kw)


# --------------------------------------------------------------------------------------------
# HTTP


class HttpResponse(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def ndjson(self) -> list[dict]:
        lines = [line for line in self.body.decode().splitlines() if line.strip()]
        return [json.loads(line) for line in lines]


def http(
    method: str,
    url: str,
    body: bytes | dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> HttpResponse:
    """One request; HTTP errors are returned, not raised."""
    headers = dict(headers or {})
    data: bytes | None
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    else:
        data = body
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return HttpResponse(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as err:
        return HttpResponse(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


# --------------------------------------------------------------------------------------------
# SQL helpers and state fingerprints


def sql(conn, statement: str, params: Any = None) -> list[tuple]:
    cur = conn.cursor()
    try:
        cur.execute(statement, params) if params is not None else cur.execute(statement)
        return [tuple(r) for r in cur.fetchall()]
    finally:
        cur.close()


def use_json(conn) -> None:
    sql(conn, "alter session set python_connector_query_result_format = 'JSON'")


def use_arrow(conn) -> None:
    sql(conn, "alter session set python_connector_query_result_format = 'ARROW'")


def canon(value: Any) -> Any:
    """A comparable, hashable form of a fetched value that keeps its type (NaN == NaN here)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(value).hex())
    if isinstance(value, _dt.datetime):
        return ("datetime", value.isoformat(), str(value.utcoffset()))
    if isinstance(value, (_dt.date, _dt.time)):
        return (type(value).__name__, value.isoformat())
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), canon(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(canon(v) for v in value))
    return (type(value).__name__, repr(value))


def canon_rows(rows: Iterable[Iterable[Any]]) -> list[tuple]:
    return [tuple(canon(v) for v in row) for row in rows]


def description(cur) -> list[tuple]:
    """cursor.description as plain tuples (name, type_code, display_size, internal_size,
    precision, scale, null_ok)."""
    return [tuple(col) for col in cur.description]


def query(conn, statement: str) -> tuple[list[tuple], list[tuple]]:
    """(canonical rows, description) of a query."""
    cur = conn.cursor()
    try:
        cur.execute(statement)
        rows = cur.fetchall()
        return canon_rows(rows), description(cur)
    finally:
        cur.close()


def _names(rows: list[tuple], index: int = 1) -> list[str]:
    return sorted(r[index] for r in rows)


def databases(conn) -> list[str]:
    return _names(sql(conn, "show databases"))


def schemas(conn, db: str) -> list[str]:
    return [s for s in _names(sql(conn, f'show schemas in database "{db}"')) if s != "INFORMATION_SCHEMA"]


def tables(conn, db: str, schema: str) -> list[str]:
    return _names(sql(conn, f'show tables in schema "{db}"."{schema}"'))


def views(conn, db: str, schema: str) -> list[str]:
    return _names(sql(conn, f'show views in schema "{db}"."{schema}"'))


def fingerprint(conn) -> dict:
    """Everything a client can see of the state: databases, schemas, tables with their column
    metadata and every row (sorted), and views with their rows."""
    state: dict = {}
    for db in databases(conn):
        state[db] = {}
        for schema in schemas(conn, db):
            objects = {}
            for kind, names in (("table", tables(conn, db, schema)), ("view", views(conn, db, schema))):
                for name in names:
                    rows, desc = query(conn, f'select * from "{db}"."{schema}"."{name}"')
                    objects[name] = (kind, desc, sorted(rows, key=repr))
            state[db][schema] = objects
    return state


def count(conn, table: str) -> int:
    return sql(conn, f"select count(*) from {table}")[0][0]


def fill_table(conn, table: str, n_rows: int, salt: str) -> None:
    """Creates `table` (ID, H1, H2) with n_rows rows of incompressible-ish hex text (md5), so its
    exported size is roughly proportional to its row count and distinct from other tables."""
    sql(conn, f"create or replace table {table} (id int, h1 varchar, h2 varchar)")
    first = min(n_rows, 1000)
    values = ",".join(f"({i})" for i in range(1, first + 1))
    sql(
        conn,
        f"insert into {table} select id, md5(id::varchar || '{salt}a'), "
        f"md5(id::varchar || '{salt}b') from (values {values}) as v(id)",
    )
    have = first
    while have < n_rows:
        sql(
            conn,
            f"insert into {table} select id + {have}, md5((id + {have})::varchar || '{salt}a'), "
            f"md5((id + {have})::varchar || '{salt}b') from {table} where id + {have} <= {n_rows}",
        )
        have = min(n_rows, have * 2)
    assert count(conn, table) == n_rows


# --------------------------------------------------------------------------------------------
# Export files (ZIP)


def manifest_name(zf: zipfile.ZipFile) -> str:
    """The manifest entry: a JSON file at the root of the archive whose name starts with
    'manifest' (e.g. manifest.json)."""
    names = [n for n in zf.namelist() if "/" not in n and n.lower().startswith("manifest")]
    assert len(names) == 1, f"expected one manifest at the archive root, entries: {zf.namelist()}"
    return names[0]


def read_manifest(path: Path | bytes) -> dict:
    with zipfile.ZipFile(_as_file(path)) as zf:
        return json.loads(zf.read(manifest_name(zf)))


def _as_file(path: Path | bytes):
    return io.BytesIO(path) if isinstance(path, (bytes, bytearray)) else path


def rewrite_zip(src: Path, dst: Path, drop: Iterable[str] = (), replace: dict[str, bytes] | None = None) -> None:
    """Copies a ZIP entry by entry, leaving out `drop` and substituting `replace`'s contents."""
    drop, replace = set(drop), dict(replace or {})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = replace.pop(info.filename, None)
            zout.writestr(info, zin.read(info.filename) if data is None else data)
        for name, data in replace.items():
            zout.writestr(name, data)


def parquet_contents(path: Path | bytes) -> list[tuple[str, list]]:
    """The table data of an export file, independent of entry names, timestamps and row order:
    for every Parquet entry, (its schema without metadata, its sorted canonical rows); sorted."""
    import pyarrow.parquet as pq

    out = []
    with zipfile.ZipFile(_as_file(path)) as zf:
        entries = [n for n in zf.namelist() if n.lower().endswith(".parquet")]
        assert entries, f"no .parquet entries in the export file: {zf.namelist()}"
        for name in entries:
            table = pq.read_table(io.BytesIO(zf.read(name)))
            schema = str(table.schema.remove_metadata())
            rows = sorted((canon_rows(tuple(r.values()) for r in table.to_pylist())), key=repr)
            out.append((schema, rows))
    return sorted(out, key=repr)


def assert_valid_zip(data: bytes) -> zipfile.ZipFile:
    assert data[:2] == b"PK", f"not a ZIP (starts with {data[:16]!r})"
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.testzip() is None
    manifest_name(zf)
    return zf


# --------------------------------------------------------------------------------------------
# moto (S3)


class Moto(NamedTuple):
    endpoint: str
    bucket: str
    client: Any

    def remote_url(self, prefix: str, credentials_in_url: bool = True) -> str:
        url = f"s3://{self.bucket}/{prefix}"
        if credentials_in_url:
            url += (
                f"?endpoint={self.endpoint}&region=us-east-1"
                "&access_key_id=testing&secret_access_key=testing"
            )
        return url

    def aws_env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

    def keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [obj["Key"] for obj in page.get("Contents", [])]
        return keys


def moto_server_executable() -> Path:
    """moto_server from the venv running the tests (installed by scripts/install-test-deps.sh)."""
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.is_file():
        pytest.fail(
            f"moto_server not found next to {sys.executable}: the S3 pod tests need "
            "'moto[server]' in this venv (scripts/install-test-deps.sh installs it)",
            pytrace=False,
        )
    return exe


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    """A moto S3 server on 127.0.0.1 with one bucket, for the whole session."""
    import boto3

    exe = moto_server_executable()
    port = _free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(exe), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=clean_env(),
        )  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _port_open(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto_server did not start:\n{log_path.read_text(errors='replace')}", pytrace=False)
            time.sleep(0.1)
        client = boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )  # fmt: skip
        bucket = "snowglobe-pods"
        client.create_bucket(Bucket=bucket)
        yield Moto(endpoint, bucket, client)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
