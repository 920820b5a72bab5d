"""Snowglobe benchmark suite (issue 5). Run it with `scripts/bench` (see README)."""
