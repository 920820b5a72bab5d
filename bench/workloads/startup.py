"""1. Start-up and memory: launch → first answered query, and resident memory (idle, and after
loading the mixed-type table)."""

from __future__ import annotations

import time

from .. import fixtures
from ..harness import workload

SERVERS = ("snowglobe", "fakesnow", "canned")


@workload("startup", "launch to first answered query")
def first_query(ctx):
    """A fresh process per repeat; the clock runs from spawning it until a connector login and
    `select 1` succeed (polled every 10 ms). Idle RSS is read one second after that answer."""
    for peer in SERVERS:
        with ctx.attempt("startup", "launch to first answered query", peer):
            times, rss = [], []
            for _ in range(ctx.sizes.repeats):
                server = ctx.peers.launch(peer)
                try:
                    times.append(server.wait_until_answering())
                    time.sleep(1.0)
                    rss.append(server.rss_mb())
                finally:
                    server.stop()
            ctx.record("startup", "launch to first answered query", peer, "s", times)
            ctx.record("startup", "RSS idle after first query", peer, "MiB", rss)


@workload("startup", "RSS after loading the mixed table")
def rss_loaded(ctx):
    """Resident memory of the long-lived server after the mixed-type table is loaded."""
    name = f"RSS after loading {ctx.sizes.table_rows:,} rows"
    for peer in ("snowglobe", "fakesnow"):
        with ctx.attempt("startup", name, peer):
            server = fixtures.mixed_server(ctx, peer)
            time.sleep(1.0)
            ctx.record("startup", name, peer, "MiB", [server.rss_mb()])
