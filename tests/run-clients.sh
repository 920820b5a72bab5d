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

# A suite whose client process dies on a signal (exit status above 128: SIGABRT 134, SIGSEGV 139)
# crashed inside a connector's native code (the server is a separate process and cannot crash
# it); the 5.x connector's native Arrow reader has aborted this way, rarely and not reproducibly.
# Such a suite runs again, up to three runs in all, and every crash stays in the log and in the
# summary. A test that fails, or a third crash, fails the suite.
run_suite() {
    local name="$1"
    shift
    printf '\n==== %s ====\n' "$name"
    local rc=0 attempt=1
    in_own_group "$@" || rc=$?
    while ((rc > 128 && attempt < 3)); do
        printf '==== %s: the client process died on signal %d; running the suite again ====\n' \
            "$name" "$((rc - 128))"
        crashed+=("$name (signal $((rc - 128)), attempt $attempt)")
        attempt=$((attempt + 1))
        rc=0
        in_own_group "$@" || rc=$?
    done
    if ((rc == 0)); then
        printf '==== %s: passed ====\n' "$name"
    else
        printf '==== %s: FAILED ====\n' "$name"
        failed+=("$name")
    fi
}

run_suite "python, snowflake-connector-python 4.x" \
    "$VENVS/py4/bin/python" -m pytest -q "$ROOT/tests/python" "$@"
run_suite "python, snowflake-connector-python 5.x" \
    "$VENVS/py5/bin/python" -m pytest -q "$ROOT/tests/python" "$@"
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
