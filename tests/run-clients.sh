#!/usr/bin/env bash
# Runs the client test suites against the Snowglobe binary named by SNOWGLOBE_BIN:
#   1. tests/python under snowflake-connector-python 4.x ($SNOWGLOBE_VENVS/py4)
#   2. the same tests under snowflake-connector-python 5.x ($SNOWGLOBE_VENVS/py5)
#   3. tests/node with the Node snowflake-sdk
#   4. tests/tools: dbt-snowflake and SQLAlchemy ($SNOWGLOBE_VENVS/tools)
# Every suite runs even when an earlier one fails; the exit status is non-zero if any failed.
# Extra arguments go to both pytest runs (e.g. `tests/run-clients.sh -k binds`).
#
# Environment:
#   SNOWGLOBE_BIN    path to the snowglobe binary (required)
#   SNOWGLOBE_VENVS  where the Python venvs live (default: .venv in the repository)
#   SKIP_INSTALL=1   do not run scripts/install-test-deps.sh first (a no-op when up to date)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENVS="${SNOWGLOBE_VENVS:-$ROOT/.venv}"

if [[ -z "${SNOWGLOBE_BIN:-}" ]]; then
    echo "SNOWGLOBE_BIN is not set: export SNOWGLOBE_BIN=/path/to/snowglobe" >&2
    exit 2
fi
if [[ ! -f "$SNOWGLOBE_BIN" || ! -x "$SNOWGLOBE_BIN" ]]; then
    echo "SNOWGLOBE_BIN=$SNOWGLOBE_BIN is not an executable file" >&2
    exit 2
fi
SNOWGLOBE_BIN="$(cd "$(dirname "$SNOWGLOBE_BIN")" && pwd)/$(basename "$SNOWGLOBE_BIN")"
export SNOWGLOBE_BIN
# The connectors probe cloud metadata endpoints at login; the tests talk to 127.0.0.1 only.
export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true

if [[ "${SKIP_INSTALL:-0}" != 1 ]]; then
    bash "$ROOT/scripts/install-test-deps.sh"
fi

failed=()
crashed=()

# Run a suite as its own process group, and stop whatever it left running when it ends (a
# crashed pytest never stops the servers its fixtures started); Ctrl-C stops the group too.
in_own_group() {
    setsid "$@" &
    local pid=$! rc=0
    trap 'kill -TERM -- "-$pid" 2>/dev/null; exit 130' INT TERM
    wait "$pid" || rc=$?
    trap - INT TERM
    kill -TERM -- "-$pid" 2>/dev/null || true
    return "$rc"
}

# A run whose client process dies on a signal (exit status above 128: SIGABRT 134, SIGSEGV 139)
# crashed inside a connector's native code (the server is a separate process and cannot crash
# it). Such a run starts again, up to three runs in all, and every crash stays in the log and in
# the summary. Returns the last run's status.
run_retrying() {
    local name="$1"
    shift
    local rc=0 attempt=1
    in_own_group "$@" || rc=$?
    while ((rc > 128 && attempt < 3)); do
        printf '==== %s: the client process died on signal %d; running it again ====\n' \
            "$name" "$((rc - 128))"
        crashed+=("$name (signal $((rc - 128)), attempt $attempt)")
        attempt=$((attempt + 1))
        rc=0
        in_own_group "$@" || rc=$?
    done
    return "$rc"
}

# A suite: passes when its run passes (a test that fails, or a third crash, fails it).
run_suite() {
    local name="$1"
    shift
    printf '\n==== %s ====\n' "$name"
    local rc=0
    run_retrying "$name" "$@" || rc=$?
    if ((rc == 0)); then
        printf '==== %s: passed ====\n' "$name"
    else
        printf '==== %s: FAILED ====\n' "$name"
        failed+=("$name")
    fi
}

# The Python tests in small processes: one per test module, and one per SQL file of
# test_sql_files.py. The 5.x connector's native Arrow reader corrupts the heap of a long client
# process (see tests/python/requirements-5.txt): one process for the whole suite (thousands of
# queries) dies in the client, where a small one does not, and a crash reruns one small part.
python_parts() {
    local module slt
    for module in "$ROOT"/tests/python/test_*.py; do
        if [[ "$(basename "$module")" != test_sql_files.py ]]; then
            printf '%s\n' "$module"
            continue
        fi
        while read -r slt; do
            printf '%s::test_sql_file[%s]\n' "$module" "$slt"
        done < <(cd "$ROOT/tests/sql" && find . -name '*.slt' | sed 's|^\./||' | LC_ALL=C sort)
    done
}

# run_python_suite NAME PYTHON [PYTEST ARGS...]: the suite part by part; pytest's "no tests
# collected" (5, a -k that selects nothing in a part) passes.
run_python_suite() {
    local name="$1" python="$2"
    shift 2
    printf '\n==== %s ====\n' "$name"
    local part parts rc bad=0
    mapfile -t parts < <(python_parts)
    for part in "${parts[@]}"; do
        printf '%s\n' "--- ${part#"$ROOT/tests/python/"}"
        rc=0
        run_retrying "$name: ${part##*/}" "$python" -m pytest -q -p no:cacheprovider "$part" "$@" ||
            rc=$?
        if ((rc != 0 && rc != 5)); then
            bad=1
            failed+=("$name: ${part##*/}")
        fi
    done
    if ((bad == 0)); then
        printf '==== %s: passed ====\n' "$name"
    else
        printf '==== %s: FAILED ====\n' "$name"
    fi
}

run_suite "python, snowflake-connector-python 4.x" \
    "$VENVS/py4/bin/python" -m pytest -q "$ROOT/tests/python" "$@"
run_python_suite "python, snowflake-connector-python 5.x" "$VENVS/py5/bin/python" "$@"
run_suite "node, snowflake-sdk" \
    bash -c 'cd "$1" && node --test test/' _ "$ROOT/tests/node"
run_suite "tools, dbt-snowflake and SQLAlchemy" \
    "$VENVS/tools/bin/python" -m pytest -q -p no:cacheprovider "$ROOT/tests/tools"

echo
if ((${#crashed[@]})); then
    echo 'client processes that crashed on a signal and were run once more:'
    printf '  %s\n' "${crashed[@]}"
fi
if ((${#failed[@]})); then
    echo 'client tests FAILED:'
    printf '  %s\n' "${failed[@]}"
    exit 1
fi
echo "client tests passed"
