"""Fixtures for the tool suites (dbt): the same per-session Snowglobe server as the client
tests, taken from tests/python/conftest.py so both start it the same way."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_CLIENT_TESTS = Path(__file__).resolve().parent.parent / "python"
sys.path.insert(0, str(_CLIENT_TESTS))
_spec = importlib.util.spec_from_file_location("client_fixtures", _CLIENT_TESTS / "conftest.py")
assert _spec is not None and _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
sys.modules["client_fixtures"] = _fixtures
_spec.loader.exec_module(_fixtures)

server = _fixtures.server
connect = _fixtures.connect
pytest_terminal_summary = _fixtures.pytest_terminal_summary
