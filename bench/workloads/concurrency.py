"""6. Concurrency: `clients` processes, each with its own connection, issuing a mix of point
reads (80 %) and single-row inserts (20 %) for `concurrency_seconds`. Reported per repeat:
throughput (statements per second over all clients), p99 statement latency, and errors.

Clients are processes, not threads, so the Python client's GIL does not cap the server."""

from __future__ import annotations

import multiprocessing
import random
import time

from .. import data, fixtures
from ..harness import first_line, percentile, workload
from ..peers import connect

WRITES = "CONC_WRITES"
READ_SHARE = 0.8


def client(port: int, seconds: float, table_rows: int, seed: int, start_at: float):
    """One client process: returns (latencies, error count, first error message)."""
    rng = random.Random(seed)
    conn = connect(port, database=fixtures.DATABASE, schema="PUBLIC")
    cur = conn.cursor()
    latencies, errors, first_error = [], 0, ""
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.time() + seconds
    i = 0
    try:
        while time.time() < deadline:
            i += 1
            if rng.random() < READ_SHARE:
                sql = f"select * from {fixtures.MIXED} where ID = {rng.randrange(table_rows)}"
            else:
                # A fresh key per write; the other values repeat the table's rows.
                row = (seed * 10_000_000 + i, *data.mixed_row(i % table_rows)[1:])
                sql = data.multirow_insert_sql(WRITES, [row])
            start = time.perf_counter()
            try:
                cur.execute(sql).fetchall()
                latencies.append(time.perf_counter() - start)
            except Exception as error:  # noqa: BLE001 - counted, reported
                errors += 1
                first_error = first_error or first_line(error)
    finally:
        conn.close()
    return latencies, errors, first_error


def run_once(port: int, clients: int, seconds: float, table_rows: int, repeat: int):
    ctx_mp = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0 + clients * 0.3  # every client logged in before the clock runs
    with ctx_mp.Pool(clients) as pool:
        results = pool.starmap(client, [
            (port, seconds, table_rows, repeat * 1000 + c, start_at) for c in range(clients)])
    latencies = sorted(lat for lats, _, _ in results for lat in lats)
    errors = sum(err for _, err, _ in results)
    first_error = next((msg for _, _, msg in results if msg), "")
    return latencies, errors, first_error


@workload("concurrency", "mixed reads and writes")
def concurrency(ctx):
    s = ctx.sizes
    label = f"{s.clients} clients, {s.concurrency_seconds:g} s"
    for peer in ("snowglobe", "fakesnow"):
        with ctx.attempt("concurrency", f"throughput, {label}", peer):
            server = fixtures.mixed_server(ctx, peer)
            setup = server.connect(database=fixtures.DATABASE, schema="PUBLIC")
            try:
                setup.cursor().execute(data.mixed_ddl(WRITES))
            finally:
                setup.close()
            throughput, p99, error_counts, messages = [], [], [], []
            for repeat in range(s.repeats):
                lats, errors, message = run_once(server.port, s.clients, s.concurrency_seconds,
                                                 s.table_rows, repeat)
                throughput.append((len(lats) + errors) / s.concurrency_seconds)
                p99.append(percentile(lats, 99) * 1000 if lats else float("nan"))
                error_counts.append(errors)
                if message:
                    messages.append(message)
            note = f"first error: {messages[0]}" if messages else ""
            ctx.record("concurrency", f"throughput, {label}", peer, "stmt/s", throughput,
                       higher_is_better=True)
            ctx.record("concurrency", f"p99 latency, {label}", peer, "ms", p99)
            ctx.record("concurrency", f"errors, {label}", peer, "count", error_counts, note=note)
