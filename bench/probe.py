"""Times one statement N times through the Snowflake Python connector, in whatever interpreter
runs it, and prints the per-call latencies as JSON on stdout.

The harness runs this file with each connector line's venv (4.x and 5.x cannot share one), so it
imports nothing from the `bench` package and only the connector itself:

    python bench/probe.py --port 4566 --sql "select 1" --calls 1000
    → {"connector": "4.8.1", "samples": [0.00071, ...]}   (seconds per call)
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", "true")

import snowflake.connector  # noqa: E402  (after the environment switch above)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sql", default="select 1")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    conn = snowflake.connector.connect(
        user="test", password="test", account="test",
        host="127.0.0.1", port=args.port, protocol="http",
    )
    try:
        cur = conn.cursor()
        for _ in range(args.warmup):
            cur.execute(args.sql).fetchall()
        samples = []
        for _ in range(args.calls):
            start = time.perf_counter()
            cur.execute(args.sql).fetchall()
            samples.append(time.perf_counter() - start)
    finally:
        conn.close()
    print(json.dumps({"connector": snowflake.connector.__version__, "samples": samples}))


if __name__ == "__main__":
    main()
