#!/usr/bin/env bash
# README command (1): set up, migrate, load the demo organisation, serve at http://127.0.0.1:5000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=app.py
export BRAVO_SCHEDULER=${BRAVO_SCHEDULER:-embedded}
.venv/bin/flask db upgrade
.venv/bin/flask demo
echo "Bravo is starting at http://127.0.0.1:5000 (Ctrl+C to stop)"
# One worker process so the embedded scheduler runs exactly once; threads serve requests in parallel.
exec .venv/bin/gunicorn --workers 1 --threads 8 --bind 127.0.0.1:5000 --access-logfile - wsgi:app
