"""The workloads, one module per group of issue 5. Importing this package registers them all
(in this order) with `bench.harness.WORKLOADS`; to add one, write a function in the right module
and decorate it with `@workload(group, name)`."""

from . import startup, latency, bulk_in, bulk_out, tpch, concurrency, state  # noqa: F401
