#!/usr/bin/env bash
# README command (2): set up and run the whole suite on SQLite, then on PostgreSQL when
# BRAVO_TEST_DATABASE_URL names a server (each run makes its own database and drops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's Chromium for the browser tests..."
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
pg_url=${BRAVO_TEST_DATABASE_URL:-}
# Two workers for two cores; each worker has its own database.
set -- -n "${BRAVO_TEST_WORKERS:-2}" "$@"
echo "== Test suite on SQLite"
env -u BRAVO_TEST_DATABASE_URL .venv/bin/python -m pytest "$@"
if [ -n "$pg_url" ]; then
  echo "== Test suite on PostgreSQL ($pg_url)"
  BRAVO_TEST_DATABASE_URL="$pg_url" .venv/bin/python -m pytest "$@"
fi
