"""State at scale (issue 4, item 5): 10 million rows across four tables of mixed types.

    SNOWGLOBE_BIN=target/debug/snowglobe python -m bench.state_scale [--rows 10000000]

Starts `snowglobe start --persistence` on a fresh volume directory, fills the tables with
GENERATOR, then times through the CLI (against the running server): state export, state
import (overwrite), pod save (first), pod save after changing one table (incremental: bytes
uploaded), pod load, and the restart of the server to its first answered query. Prints the
figures as Markdown; compares the export file with the rows' size as CSV (the raw size).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import snowflake.connector

#: (table, share of the rows, CTAS body with {n})
TABLES = [
    ("NUMS", 0.4, "select seq4() as id, seq4() * 1.5::float as f, (seq4() % 1000)::number(10,2) as n "
                  "from table(generator(rowcount => {n}))"),
    ("TEXTS", 0.3, "select seq4() as id, md5(seq4()::varchar) as s, "
                   "dateadd(day, seq4() % 3650, '2015-01-01'::date) as d from table(generator(rowcount => {n}))"),
    ("TIMES", 0.2, "select seq4() as id, dateadd(second, seq4(), '2020-01-01'::timestamp_ntz) as ts, "
                   "seq4() % 2 = 0 as b from table(generator(rowcount => {n}))"),
    ("MIXED", 0.1, "select seq4() as id, 'name ' || seq4() as name, uniform(1, 1000000, random()) as r, "
                   "(seq4() % 97)::int as k from table(generator(rowcount => {n}))"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary: str, volume: str):
        self.binary, self.volume, self.port = binary, volume, free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> tuple[snowflake.connector.SnowflakeConnection, float]:
        """Start and wait for the first answered query; returns (connection, seconds)."""
        t0 = time.perf_counter()
        env = {**os.environ, "PERSISTENCE": "1"}
        self.proc = subprocess.Popen(
            [self.binary, "start", "--listen", f"127.0.0.1:{self.port}", "--volume-dir", self.volume],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        while True:
            try:
                conn = snowflake.connector.connect(user="test", password="test", account="test",
                                                   host="127.0.0.1", port=self.port, protocol="http")
                conn.cursor().execute("select 1").fetchall()
                return conn, time.perf_counter() - t0
            except Exception:
                if self.proc.poll() is not None:
                    sys.exit("snowglobe exited during startup")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
            self.proc = None

    def cli(self, *argv: str) -> tuple[float, str]:
        t0 = time.perf_counter()
        result = subprocess.run([self.binary, *argv, "--endpoint-url", f"http://127.0.0.1:{self.port}"],
                                capture_output=True, text=True)
        elapsed = time.perf_counter() - t0
        if result.returncode != 0:
            sys.exit(f"snowglobe {' '.join(argv)} failed: {result.stderr[-500:]}")
        return elapsed, result.stdout


def uploaded(out: str) -> int:
    match = re.search(r"bytes uploaded: (\d+)", out)
    return int(match.group(1)) if match else -1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    binary = os.environ["SNOWGLOBE_BIN"]
    work = tempfile.mkdtemp(prefix="snowglobe-state-scale-")
    try:
        server = Server(binary, os.path.join(work, "volume"))
        conn, _ = server.start()
        cur = conn.cursor()
        cur.execute("create database BIG")
        t0 = time.perf_counter()
        for name, share, body in TABLES:
            cur.execute(f"create table BIG.PUBLIC.{name} as " + body.format(n=int(args.rows * share)))
        load = time.perf_counter() - t0
        raw = 0
        for name, _, _ in TABLES:
            cur.execute(f"select * from BIG.PUBLIC.{name}")
            raw += len(cur.fetch_pandas_all().to_csv(index=False).encode())
        file = os.path.join(work, "state.zip")
        export, _ = server.cli("state", "export", file)
        size = os.path.getsize(file)
        imported, _ = server.cli("state", "import", file, "--strategy", "overwrite")
        save1, out1 = server.cli("pod", "save", "scale", "-m", "first")
        cur.execute("insert into BIG.PUBLIC.MIXED values (-1, 'changed', 1, 1)")
        save2, out2 = server.cli("pod", "save", "scale", "-m", "one table changed")
        load1, _ = server.cli("pod", "load", "scale:1", "--strategy", "overwrite")
        conn.close()
        server.stop()
        conn, restart = server.start()
        conn.close()
        server.stop()
        rows, mb = args.rows, size / 1e6
        print(f"| state of {rows:,} rows in {len(TABLES)} tables (filled by GENERATOR in {load:.1f} s) | |")
        print("|---|---|")
        print(f"| state export | {export:.2f} s, {rows / export / 1e6:.2f} M rows/s, {mb / export:.1f} MB/s |")
        print(f"| state import (overwrite) | {imported:.2f} s, {rows / imported / 1e6:.2f} M rows/s, {mb / imported:.1f} MB/s |")
        print(f"| export file / raw CSV size | {mb:.1f} MB / {raw / 1e6:.1f} MB = {size / raw:.3f} |")
        print(f"| pod save, first version | {save1:.2f} s, {uploaded(out1):,} bytes uploaded |")
        print(f"| pod save, one table changed | {save2:.2f} s, {uploaded(out2):,} bytes uploaded |")
        print(f"| pod load (overwrite) | {load1:.2f} s |")
        print(f"| start with persistence → first answered query | {restart:.2f} s |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
