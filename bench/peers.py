"""The systems measured: Snowglobe and its reference points.

* `snowglobe` — the binary under test (`$SNOWGLOBE_BIN start --listen 127.0.0.1:PORT`).
* `fakesnow`  — the peer: fakesnow's server mode, from its own venv (`fakesnow -s`).
* `canned`    — the floor for round trips: `bench/canned_server.py`, a fixed `select 1` answer.
* `duckdb`    — the floor for SQL work: the same SQL in-process through DuckDB's Python package
  (not a server; workloads use `duckdb_connect()`).

Every server binds to 127.0.0.1 on a free port, is started at most once per run by the
`PeerSet` (start-up measurements launch extra short-lived instances), and is stopped by PID at
the end of the run, on failure and at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")

import snowflake.connector  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
NETWORK_TIMEOUT = int(os.environ.get("BENCH_NETWORK_TIMEOUT", 60))

#: Reference peers in report order, with what each stands for.
REFERENCES = {
    "fakesnow": "fakesnow server mode (peer)",
    "duckdb": "raw DuckDB in-process (floor for SQL work)",
    "canned": "canned-answer HTTP responder (floor for client + HTTP)",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect(port: int, database: str | None = None, schema: str | None = None, **kwargs):
    """A connector 4.x connection to a server peer on 127.0.0.1:port."""
    return snowflake.connector.connect(
        user="test", password="test", account="test",
        host="127.0.0.1", port=port, protocol="http",
        database=database, schema=schema, login_timeout=30,
        # The connector retries HTTP 5xx answers with backoff until this many seconds pass; a
        # peer that crashes on a statement must fail the figure, not hang the run.
        network_timeout=NETWORK_TIMEOUT, **kwargs,
    )


def duckdb_connect():
    """The in-process floor: a fresh in-memory DuckDB connection."""
    import duckdb

    return duckdb.connect()


def process_tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
        todo.extend(children.get(current, []))
    return total_kb / 1024


# ---------------------------------------------------------------------------------------------
# Server processes


@dataclass
class ServerSpec:
    """How to launch one kind of server: a command line for a given port."""

    name: str
    command: list[str]  # "{port}" is replaced by the chosen port
    env: dict[str, str] | None = None

    def argv(self, port: int) -> list[str]:
        return [part.replace("{port}", str(port)) for part in self.command]


_RUNNING: dict[int, subprocess.Popen] = {}


def _stop_all_at_exit() -> None:
    for proc in list(_RUNNING.values()):
        _stop(proc)


atexit.register(_stop_all_at_exit)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s; only this PID (servers run in their own session, and
    their process group is signalled so a wrapper's children go too)."""
    _RUNNING.pop(proc.pid, None)
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


class Server:
    """One running server process on 127.0.0.1."""

    def __init__(self, spec: ServerSpec, logdir: Path):
        self.spec = spec
        self.name = spec.name
        self.port = free_port()
        logdir.mkdir(parents=True, exist_ok=True)
        self.log_path = logdir / f"{spec.name}-{self.port}.log"
        self.launched_at = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                spec.argv(self.port), stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                env={**os.environ, **(spec.env or {})},
            )
        _RUNNING[self.proc.pid] = self.proc

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_until_answering(self, timeout: float = 120.0) -> float:
        """Polls with a real login + `select 1` until it answers; returns seconds since launch."""
        deadline = time.perf_counter() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; "
                                   f"log: {self.log_path}\n{self.log_tail()}")
            if self._port_open():
                try:
                    conn = connect(self.port)
                    try:
                        conn.cursor().execute("select 1").fetchall()
                    finally:
                        conn.close()
                    return time.perf_counter() - self.launched_at
                except Exception:  # noqa: BLE001 - not ready yet
                    pass
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{self.name} did not answer within {timeout} s")
            time.sleep(0.01)

    def _port_open(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def connect(self, database: str | None = None, schema: str | None = None, **kwargs):
        return connect(self.port, database, schema, **kwargs)

    def rss_mb(self) -> float:
        return process_tree_rss_mb(self.pid)

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        _stop(self.proc)


class PeerSet:
    """The server peers of a run: their launch specs and one long-lived instance of each."""

    def __init__(self, specs: dict[str, ServerSpec], logdir: Path):
        self.specs = specs
        self.logdir = logdir
        self._shared: dict[str, Server] = {}

    @classmethod
    def from_environment(cls, logdir: Path) -> "PeerSet":
        """Snowglobe from $SNOWGLOBE_BIN, fakesnow from $BENCH_FAKESNOW_VENV, canned from here."""
        fakesnow_venv = Path(os.environ.get("BENCH_FAKESNOW_VENV", ""))
        specs = {
            "snowglobe": ServerSpec("snowglobe", [
                os.environ["SNOWGLOBE_BIN"], "start", "--listen", "127.0.0.1:{port}"]),
            "fakesnow": ServerSpec("fakesnow", [
                str(fakesnow_venv / "bin" / "fakesnow"), "-s", "--host", "127.0.0.1",
                "-p", "{port}"]),
            "canned": ServerSpec("canned", [
                sys.executable, str(BENCH_DIR / "canned_server.py"), "--port", "{port}"]),
        }
        return cls(specs, logdir)

    def launch(self, name: str, extra_args: list[str] | None = None) -> Server:
        """A new instance (the caller stops it)."""
        spec = self.specs[name]
        if extra_args:
            spec = ServerSpec(spec.name, spec.command + extra_args, spec.env)
        return Server(spec, self.logdir)

    def shared(self, name: str) -> Server:
        """The run's long-lived instance of a server peer, started on first use."""
        server = self._shared.get(name)
        if server is None or server.proc.poll() is not None:
            server = self.launch(name)
            try:
                server.wait_until_answering()
            except Exception:
                server.stop()
                raise
            self._shared[name] = server
        return server

    def stop_all(self) -> None:
        for server in self._shared.values():
            server.stop()
        self._shared.clear()
