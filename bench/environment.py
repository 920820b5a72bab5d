"""What the figures were measured on: machine, operating system and every version involved."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else ""
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return ""


def _package(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _package_in(python: str, name: str) -> str:
    code = f"from importlib.metadata import version; print(version({name!r}))"
    return _run([python, "-c", code]) or "not installed"


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
              if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return {
        "cpu": models[0] if models else platform.processor(),
        "logical_cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def describe_environment() -> dict:
    fakesnow_python = str(Path(os.environ.get("BENCH_FAKESNOW_VENV", "")) / "bin" / "python")
    py5 = os.environ.get("BENCH_PY5_PYTHON", "")
    commit = _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "crates"])
    tpchgen = Path(sys.executable).parent / "tpchgen-cli"
    return {
        "machine": machine(),
        "versions": {
            "snowglobe": _run([os.environ["SNOWGLOBE_BIN"], "--version"]),
            "snowglobe commit": commit + (" (crates/ modified)" if dirty else ""),
            "python": platform.python_version(),
            "snowflake-connector-python (4.x)": _package("snowflake-connector-python"),
            "snowflake-connector-python (5.x)": _package_in(py5, "snowflake-connector-python"),
            "fakesnow": _package_in(fakesnow_python, "fakesnow"),
            "duckdb (fakesnow's)": _package_in(fakesnow_python, "duckdb"),
            "duckdb (python, raw floor)": _package("duckdb"),
            "pandas": _package("pandas"),
            "pyarrow": _package("pyarrow"),
            "tpchgen-cli": _run([str(tpchgen), "--version"]) or _package("tpchgen-cli"),
        },
    }
