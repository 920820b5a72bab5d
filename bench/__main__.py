"""Runs the benchmark suite: `python -m bench [--quick] [--only GROUP ...]`.

Normally started by `scripts/bench`, which prepares the venvs and the environment
(SNOWGLOBE_BIN, BENCH_PY5_PYTHON, BENCH_FAKESNOW_VENV). Writes `docs/benchmarks.md`,
`docs/benchmarks/*.png` and `docs/benchmarks/results.json` (override with --out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from . import report
from .environment import describe_environment
from .harness import FULL, GROUPS, QUICK, Context
from .peers import PeerSet
from . import workloads  # noqa: F401  (registers the workloads)

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for development (10k rows, 50 calls, TPC-H SF 0.01)")
    parser.add_argument("--only", nargs="+", choices=sorted(GROUPS), metavar="GROUP",
                        help=f"run only these workload groups: {', '.join(GROUPS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "docs",
                        help="where benchmarks.md and benchmarks/ go (default: docs/)")
    parser.add_argument("--merge", type=Path, metavar="RESULTS_JSON",
                        help="keep the figures of an earlier results.json and replace only the "
                             "groups run now (with --only: rerun one group after a fix)")
    parser.add_argument("--report-only", type=Path, metavar="RESULTS_JSON",
                        help="regenerate the report and charts from a results.json")
    args = parser.parse_args()

    if args.report_only:
        results = json.loads(args.report_only.read_text())
        report.write(results, args.out)
        return 0

    # SIGTERM unwinds like Ctrl-C, so `finally` and atexit stop every server started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = QUICK if args.quick else FULL
    datadir = Path(os.environ.get("BENCH_DATA_DIR", Path.home() / ".cache" / "snowglobe-bench"))
    datadir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.timezone.utc)
    print(f"Snowglobe benchmarks, {sizes.mode} mode, {os.environ['SNOWGLOBE_BIN']}", flush=True)

    with tempfile.TemporaryDirectory(prefix="snowglobe-bench-") as work:
        workdir = Path(work)
        peers = PeerSet.from_environment(workdir / "logs")
        ctx = Context(sizes, peers, workdir, datadir,
                      log=lambda *a: print(*a, flush=True))
        try:
            ctx.run(set(args.only) if args.only else None)
        finally:
            peers.stop_all()

    results = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "sizes": sizes.__dict__,
        "only": args.only,
        "environment": describe_environment(),
        "notes": ctx.notes,
        "measurements": [m.to_json() for m in ctx.measurements],
    }
    if args.merge:
        results = merge(json.loads(args.merge.read_text()), results)
    report.write(results, args.out)
    print(f"\nwrote {args.out / 'benchmarks.md'} and {args.out / 'benchmarks'}/", flush=True)
    return 0


def merge(earlier: dict, now: dict) -> dict:
    """`earlier` with the groups measured in `now` replaced by `now`'s figures and notes."""
    groups = {m["group"] for m in now["measurements"]}
    if earlier["sizes"] != now["sizes"]:
        raise SystemExit("--merge: the earlier results were measured with other sizes")
    merged = dict(earlier)
    merged["measurements"] = [m for m in earlier["measurements"] if m["group"] not in groups]
    merged["measurements"] += now["measurements"]
    merged["notes"] = {**earlier["notes"], **now["notes"]}
    merged["finished"] = now["finished"]
    merged["merged"] = f"groups {', '.join(sorted(groups))} rerun from {now['started']}"
    return merged


if __name__ == "__main__":
    sys.exit(main())
