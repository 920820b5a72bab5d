"""7. State: export/import and pod save/load of the mixed-table state and of TPC-H.

Each step runs the `snowglobe state` / `snowglobe pod` CLI against the benchmark's server
(`SNOWGLOBE_ENDPOINT`), timed end to end. A binary without those commands makes the workload a
reported skip.
"""

from __future__ import annotations

import os
import subprocess
import time

from .. import fixtures
from ..harness import Skip, workload

#: (figure name, argv after the binary; {file} / {pod} are filled in)
STEPS = {
    "state export": ["state", "export", "{file}"],
    "state import": ["state", "import", "{file}"],
    "pod save": ["pod", "save", "{pod}"],
    "pod load": ["pod", "load", "{pod}"],
}


def require_subcommand(name: str) -> None:
    """Raises Skip when `snowglobe <name> --help` fails."""
    result = subprocess.run([os.environ["SNOWGLOBE_BIN"], name, "--help"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        raise Skip(f"`snowglobe {name}` is not available yet "
                   f"(exit {result.returncode}: {reason[0] if reason else 'no output'})")


def timed_cli(server, argv: list[str]) -> float:
    env = {**os.environ, "SNOWGLOBE_ENDPOINT": f"http://127.0.0.1:{server.port}"}
    start = time.perf_counter()
    subprocess.run([os.environ["SNOWGLOBE_BIN"], *argv], check=True, env=env,
                   capture_output=True)
    return time.perf_counter() - start


@workload("state", "export/import and pods")
def state(ctx):
    """Each step, `repeats` times, on a server of its own holding only the mixed table (the
    shared server may hold TPC-H too), then on the shared server once it holds TPC-H."""
    own = {}

    def mixed_only():
        if "server" not in own:
            own["server"] = ctx.peers.launch("snowglobe")
            own["server"].wait_until_answering()
            fixtures.load_mixed(ctx, own["server"], "snowglobe")
        return own["server"]

    try:
        for step, argv in STEPS.items():
            name = f"{step}, {ctx.sizes.table_rows:,}-row table"
            with ctx.attempt("state", name, "snowglobe"):
                require_subcommand(argv[0])
                server = mixed_only()
                file = ctx.workdir / "state-export.zip"
                filled = [a.replace("{file}", str(file)).replace("{pod}", "bench") for a in argv]
                ctx.record("state", name, "snowglobe", "s",
                           [timed_cli(server, filled) for _ in range(ctx.sizes.repeats)])
    finally:
        if "server" in own:
            own["server"].stop()
    # The same steps once the TPC-H workload has loaded its database into the shared server
    # (its state then holds the mixed table and TPC-H).
    server = fixtures.mixed_server(ctx, "snowglobe")
    conn = server.connect()
    try:
        lineitem = conn.cursor().execute("select count(*) from tpch.public.lineitem").fetchone()[0]
    except Exception:
        lineitem = 0
    finally:
        conn.close()
    for step, argv in STEPS.items():
        name = f"{step}, {ctx.sizes.table_rows:,}-row table + TPC-H SF{ctx.sizes.tpch_scale:g}"
        with ctx.attempt("state", name, "snowglobe"):
            if not lineitem:
                raise Skip("TPC-H is not loaded in this run (run the tpch group first)")
            file = ctx.workdir / "state-export-tpch.zip"
            filled = [a.replace("{file}", str(file)).replace("{pod}", "bench-tpch") for a in argv]
            ctx.record("state", name, "snowglobe", "s",
                       [timed_cli(server, filled) for _ in range(ctx.sizes.repeats)])
