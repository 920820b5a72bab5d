"""Runs the SQL test files (tests/sql/**/*.slt) through the real connector.

The same files run in-process (crates/snowglobe/tests/sql.rs); here every record crosses the
wire, so protocol and encoding bugs show up too. Values are rendered the way the in-process
runner renders them (see snowglobe_server::encode::display): NULL, exact decimals, ISO dates
and times, `+HH:MM` offsets, hex binaries, compact JSON for semi-structured values.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import json
import math
import re
from pathlib import Path

import pytest
import snowflake.connector

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
SEMI_STRUCTURED = {5, 9, 10}  # VARIANT, OBJECT, ARRAY type codes


@dataclasses.dataclass
class Record:
    kind: str  # "ok", "error", "query"
    sql: str
    line: int
    expected: list[str] = dataclasses.field(default_factory=list)
    error: str = ""
    sort: str = "nosort"


def parse(path: Path) -> list[Record]:
    records: list[Record] = []
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if not line or line.startswith("#"):
            i += 1
            continue
        head, start = line.split(), i + 1
        if head[0] == "statement":
            kind = "ok" if head[1] == "ok" else "error"
            error = line.split(None, 2)[2] if kind == "error" and len(head) > 2 else ""
            rec = Record(kind, "", start, error=error)
        elif head[0] == "query":
            rec = Record("query", "", start, sort=head[2] if len(head) > 2 else "nosort")
        else:
            raise AssertionError(f"{path}:{start}: unknown record {line!r}")
        i += 1
        sql: list[str] = []
        while i < len(lines) and lines[i].strip() and lines[i].strip() != "----":
            sql.append(lines[i])
            i += 1
        rec.sql = "\n".join(sql)
        if i < len(lines) and lines[i].strip() == "----":
            i += 1
            while i < len(lines) and lines[i].strip():
                rec.expected.append(lines[i].strip())
                i += 1
        records.append(rec)
    return records


def render(value, type_code: int) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex().upper()
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, str):
        if type_code in SEMI_STRUCTURED:
            return json.dumps(json.loads(value), separators=(",", ":"), ensure_ascii=False)
        return value if value else "(empty)"
    return str(value)


def error_text(exc: snowflake.connector.Error) -> str:
    message = getattr(exc, "raw_msg", None) or getattr(exc, "msg", "") or str(exc)
    return f"{exc.errno:06d} ({exc.sqlstate}): {message}"


def run_file(conn, path: Path) -> None:
    for rec in parse(path):
        where = f"{path.relative_to(SQL_DIR)}:{rec.line}"
        cur = conn.cursor()
        try:
            cur.execute(rec.sql)
        except snowflake.connector.Error as exc:
            if rec.kind != "error":
                pytest.fail(f"{where}: {rec.sql!r} failed: {error_text(exc)}", pytrace=False)
            if rec.error and not re.search(rec.error, error_text(exc)):
                pytest.fail(
                    f"{where}: error {error_text(exc)!r} does not match {rec.error!r}", pytrace=False
                )
            continue
        if rec.kind == "error":
            pytest.fail(f"{where}: {rec.sql!r} succeeded but an error was expected", pytrace=False)
        if rec.kind != "query":
            continue
        codes = [d[1] for d in cur.description]
        rows = [" ".join(render(v, c) for v, c in zip(row, codes)) for row in cur.fetchall()]
        expected = list(rec.expected)
        if rec.sort == "rowsort":
            rows.sort()
            expected.sort()
        if rows != expected:
            pytest.fail(
                f"{where}: {rec.sql!r}\nexpected:\n" + "\n".join(expected) + "\nactual:\n" + "\n".join(rows),
                pytrace=False,
            )


FILES = sorted(SQL_DIR.rglob("*.slt"))


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SQL_DIR)) for p in FILES])
def test_sql_file(server, path: Path) -> None:
    conn = snowflake.connector.connect(**server.connection_params())
    try:
        run_file(conn, path)
    finally:
        conn.close()
