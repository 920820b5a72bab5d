#!/usr/bin/env bash
# Installs what the client test suites need, idempotently:
#   $SNOWGLOBE_VENVS/py4   snowflake-connector-python 4.x + pandas + pyarrow + pytest + moto[server]
#   $SNOWGLOBE_VENVS/py5   snowflake-connector-python 5.x + pandas + pyarrow + pytest + moto[server]
#   $SNOWGLOBE_VENVS/tools dbt-core + dbt-snowflake + snowflake-sqlalchemy + pytest (tests/tools)
# (moto's S3 server mode, `moto_server`, is what test_pods.py uses as an S3-compatible remote.)
#   tests/node/node_modules   snowflake-sdk (pinned in tests/node/package.json + package-lock.json)
#
# Each environment records a stamp (hash of its requirement files and the interpreter version);
# when the stamp matches, that environment is left alone, so running this twice costs nothing.
#
# Environment:
#   SNOWGLOBE_VENVS  where the Python venvs live (default: .venv in the repository)
#   PYTHON           interpreter used to create the venvs (default: python3; must be >= 3.9)
#   FORCE=1          reinstall everything even when the stamps match
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENVS="${SNOWGLOBE_VENVS:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
FORCE="${FORCE:-0}"

log() { printf '[install-test-deps] %s\n' "$*" >&2; }

hash_of() {
    # Hash of the given files' contents.
    cat "$@" | sha256sum | cut -d' ' -f1
}

python_version() {
    "$1" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])'
}

install_python_env() {
    # $3: the Python statement that proves the environment usable (imports it must have).
    local name="$1" requirements="$2"
    local check="${3:-import snowflake.connector, pandas, pyarrow, pytest, moto, boto3}"
    local venv="$VENVS/$name"
    local stamp="$venv/.snowglobe-stamp"
    local want
    want="$(hash_of "$requirements")-python$(python_version "$PYTHON")"

    if [[ "$FORCE" != 1 && -x "$venv/bin/python" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]
    then
        log "$name: up to date ($venv)"
        return
    fi

    log "$name: installing from ${requirements#"$ROOT"/} into $venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        "$PYTHON" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    # Fail here, not in the middle of a test run, if the connector cannot even be imported.
    "$venv/bin/python" -c "$check"
    if [[ "$check" == *moto* && ! -x "$venv/bin/moto_server" ]]; then
        log "$name: moto_server missing from $venv/bin"
        exit 1
    fi
    printf '%s\n' "$want" >"$stamp"
}

install_node_env() {
    local dir="$ROOT/tests/node"
    local stamp="$dir/node_modules/.snowglobe-stamp"
    local want
    if [[ -f "$dir/package-lock.json" ]]; then
        want="$(hash_of "$dir/package.json" "$dir/package-lock.json")-$(node --version)"
    else
        want="$(hash_of "$dir/package.json")-$(node --version)"
    fi

    if [[ "$FORCE" != 1 && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
        log "node: up to date ($dir/node_modules)"
        return
    fi

    log "node: installing tests/node dependencies"
    if [[ -f "$dir/package-lock.json" ]]; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    else
        (cd "$dir" && npm install --no-audit --no-fund --loglevel=error)
        # npm install writes the lock file; recompute so the stamp matches the next run.
        want="$(hash_of "$dir/package.json" "$dir/package-lock.json")-$(node --version)"
    fi
    printf '%s\n' "$want" >"$stamp"
}

report_versions() {
    local name
    for name in py4 py5; do
        "$VENVS/$name/bin/python" - "$name" <<'EOF'
import sys
from importlib.metadata import version

packages = ("snowflake-connector-python", "pandas", "pyarrow", "pytest", "moto")
installed = ", ".join(f"{pkg} {version(pkg)}" for pkg in packages)
print(f"{sys.argv[1]}: python {sys.version.split()[0]}, {installed}")
EOF
    done
    "$VENVS/tools/bin/python" -c 'import sys; from importlib.metadata import version; print("tools: python", sys.version.split()[0] + ",", ", ".join(f"{p} {version(p)}" for p in ("dbt-core", "dbt-snowflake", "snowflake-sqlalchemy", "sqlalchemy", "snowflake-connector-python")))'
    (cd "$ROOT/tests/node" && printf 'node: %s, snowflake-sdk %s\n' "$(node --version)" \
        "$(node -p 'require("snowflake-sdk/package.json").version')")
}

main() {
    command -v "$PYTHON" >/dev/null || { log "python interpreter '$PYTHON' not found"; exit 1; }
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
        || { log "$PYTHON is older than 3.9"; exit 1; }
    command -v node >/dev/null || { log "node not found"; exit 1; }
    command -v npm >/dev/null || { log "npm not found"; exit 1; }

    install_python_env py4 "$ROOT/tests/python/requirements-4.txt"
    install_python_env py5 "$ROOT/tests/python/requirements-5.txt"
    install_python_env tools "$ROOT/tests/tools/requirements.txt" \
        'import dbt.version, snowflake.connector, snowflake.sqlalchemy, sqlalchemy, pytest'
    install_node_env
    report_versions
}

main "$@"
