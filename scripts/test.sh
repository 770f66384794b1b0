#!/usr/bin/env bash
# The whole suite: lint first (ruff check, ruff format --check, the layer check), then the tests on SQLite,
# then on PostgreSQL when one is reachable. A lint failure stops here, before any test runs.
# Under CI (CI=true) nothing may be skipped: an unreachable PostgreSQL or a missing Chromium fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL=${ENVGRID_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/envgrid_test}
ci=${CI:-false}
summary=()
status=0

run_suite() {  # $1 = label; the rest = environment assignments
  local label=$1; shift
  echo "=== EnvGrid test suite on $label ==="
  env "$@" $BIN/pytest "${PYTEST_ARGS[@]}" ${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}
  local rc=$?
  if [ $rc -eq 0 ]; then summary+=("$label: passed"); else summary+=("$label: FAILED (exit $rc)"); status=1; fi
}

# Lint: each step names itself and says how to fix what it found.
lint_step() {  # $1 = what failed; $2 = how to fix it; the rest = the command
  local what=$1 fix=$2; shift 2
  if ! "$@"; then
    echo
    echo "=== EnvGrid lint FAILED: $what ==="
    echo "  $fix"
    echo "  No tests were run."
    exit 1
  fi
}
echo "=== EnvGrid lint: ruff check, ruff format --check, layers ==="
lint_step "ruff check found problems (above)." "Fix them; \`make format\` fixes many on its own." $BIN/ruff check .
lint_step "ruff format --check found files that are not formatted (above)." \
  "Run \`make format\` (or .venv/bin/ruff format <files>) and commit the result." $BIN/ruff format --check .
lint_step "an app imports an app above it (above)." \
  "Make the lower app offer a hook and register from the higher one (see scripts/check_layers.py)." \
  $BIN/python scripts/check_layers.py

PYTEST_ARGS=("$@")
# Default: quiet, and spread over the CPUs (pytest-xdist; each worker has its own test database).
# ENVGRID_TEST_WORKERS=0 runs in one process; any arguments given replace these defaults.
WORKERS=${ENVGRID_TEST_WORKERS:-auto}
if [ ${#PYTEST_ARGS[@]} -eq 0 ]; then
  PYTEST_ARGS=(-q)
  [ "$WORKERS" = "0" ] || PYTEST_ARGS+=(-n "$WORKERS")
fi

# Tests marked postgres_only (row-lock races) run in the PostgreSQL pass only; sqlite_only in the SQLite pass.
SQLITE_ONLY_ARGS=(-m "not postgres_only")
EXTRA_ARGS=("${SQLITE_ONLY_ARGS[@]}")
run_suite "SQLite" ENVGRID_TEST_DATABASE_URL=
EXTRA_ARGS=()

if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
  EXTRA_ARGS=(-m "not sqlite_only")
  run_suite "PostgreSQL ($PG_URL)" ENVGRID_TEST_DATABASE_URL="$PG_URL"
else
  if [ "$ci" = "true" ]; then
    summary+=("PostgreSQL: NOT REACHABLE at $PG_URL — a failure under CI"); status=1
  else
    summary+=("PostgreSQL: SKIPPED (not reachable at $PG_URL; set ENVGRID_TEST_DATABASE_URL)")
  fi
fi

[ -x /usr/bin/chromium ] || summary+=("Browser tests: SKIPPED on this machine (no /usr/bin/chromium; apt-get install -y chromium)")

echo
echo "=== EnvGrid test summary ==="
printf '  %s\n' "${summary[@]}"
exit $status
