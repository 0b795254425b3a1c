#!/usr/bin/env bash
# The recognition and campaign benchmarks: serve a seeded database with gunicorn (2 workers) on
# 127.0.0.1 and measure in one run, with wrk: GET /api/v1/health, GET /api/v1/leaderboard?period=month,
# POST /api/v1/kudos, GET /api/v1/campaigns/ID/standings and the campaign wallboard's data answered
# 304, each from 4 concurrent clients; then the cold standings computation (before serving) and KPI
# intake through POST /api/v1/metrics (100 batches of 1,000 rows, after the rounds). Prints each
# figure, the ratios to health and PASS/FAIL per target. GET /api/v1/values is measured too, as a
# reference: the least any authenticated request costs. Results go to bench/results/ (not committed).
#
# Usage: bench/run.sh [sqlite|postgresql] [--reseed] [--drop] [-- SEED OPTIONS]
#   sqlite (default): instance/bench.sqlite3; postgresql: bravo_bench on 127.0.0.1:5432 (as user
#   postgres); BRAVO_DATABASE_URL overrides either. A missing database is created, migrated and
#   seeded with `flask bench seed SEED OPTIONS` (5,000 people, 1,000,000 kudos by default);
#   --reseed drops it first; --drop drops it at the end.
#   DURATION: seconds per measurement (10), in ROUNDS interleaved rounds (5); PORT: 8765.
set -euo pipefail
cd "$(dirname "$0")/.."

kind=sqlite reseed=0 drop=0 seed_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    sqlite|postgresql) kind=$1 ;;
    --reseed) reseed=1 ;;
    --drop) drop=1 ;;
    --) shift; seed_args=("$@"); break ;;
    *) echo "usage: bench/run.sh [sqlite|postgresql] [--reseed] [--drop] [-- SEED OPTIONS]" >&2; exit 2 ;;
  esac
  shift
done

if [ -z "${BRAVO_DATABASE_URL:-}" ]; then
  if [ "$kind" = postgresql ]; then
    BRAVO_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bravo_bench
  else
    BRAVO_DATABASE_URL="sqlite:///$PWD/instance/bench.sqlite3"
  fi
fi
export BRAVO_DATABASE_URL BRAVO_SCHEDULER=off FLASK_APP=app.py
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-8765}
URL="http://127.0.0.1:$PORT"
tokens=${TOKENS:-bench/results/tokens-$kind.txt}
run_dir="bench/results/$kind-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run_dir"

scripts/setup.sh >/dev/null
if ! command -v wrk >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk
fi

database() { .venv/bin/python bench/database.py "$1"; }
if [ "$reseed" = 1 ]; then
  database drop
  rm -f "$tokens"
fi
database exists || database create
.venv/bin/flask db upgrade 2>&1 | grep -v '^INFO' || true
if [ ! -s "$tokens" ]; then
  .venv/bin/flask bench seed --tokens-file "$tokens" "${seed_args[@]}"
fi

read -r campaign_id wallboard_path < <(.venv/bin/python bench/campaign.py target)
echo "Cold standings of campaign $campaign_id (recomputed from all its inputs)"
.venv/bin/flask campaigns standings "$campaign_id" --force | tee "$run_dir/cold.txt"
standings_path="/api/v1/campaigns/$campaign_id/standings"

echo "Serving $(.venv/bin/python -c 'import os; from sqlalchemy.engine import make_url; print(make_url(os.environ["BRAVO_DATABASE_URL"]).render_as_string(hide_password=True))') at $URL (gunicorn, 2 workers)"
.venv/bin/gunicorn --workers 2 --bind "127.0.0.1:$PORT" --log-level warning wsgi:app >"$run_dir/server.log" 2>&1 &
server=$!
finish() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "$drop" = 1 ]; then database drop; rm -f "$tokens"; fi
}
trap finish EXIT
for _ in $(seq 150); do
  curl -fsS "$URL/api/v1/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$run_dir/server.log"; exit 1; }
  sleep 0.2
done

stable_etag() {  # the wallboard's ETag once it stays the same for 2 s (standings recomputed after kudos)
  local previous="" current headers
  for _ in $(seq 60); do
    headers=$(curl -fsS -o /dev/null -D - "$URL$wallboard_path") || { echo "GET $wallboard_path failed" >&2; return 1; }
    current=$(printf '%s' "$headers" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
    [ -n "$current" ] && [ "$current" = "$previous" ] && { echo "$current"; return; }
    previous=$current
    sleep 2
  done
  echo "the wallboard's ETag did not settle" >&2
  return 1
}
measure() {  # measure MODE SECONDS OUTPUT
  local extra=()
  case "$1" in
    standings) extra=("$standings_path") ;;
    wallboard)  # standings the kudos before made stale are recomputed first: the screens then get 304s
      .venv/bin/flask campaigns standings "$campaign_id" >/dev/null
      extra=("$wallboard_path" "$(stable_etag)") || exit 1 ;;
  esac
  wrk --threads 2 --connections 4 --duration "${2}s" --timeout 10s -s bench/wrk.lua "$URL" \
    -- "$1" "$tokens" "${extra[@]}" >"$3"
}
# Before the wallboard, the standings the kudos made stale are recomputed (as the first reader after
# a change would have them recomputed in the background): the wallboard and standings are then read
# as they are between changes, which is what their targets are about (reads never recompute).
modes="health leaderboard values kudos wallboard standings"
echo "Warming up (2 s each)"
for mode in $modes; do measure "$mode" 2 "$run_dir/warmup-$mode.txt"; done
# Interleaved rounds, so that a change in the machine's load weighs on the three figures alike.
slice=$(( DURATION / ROUNDS > 0 ? DURATION / ROUNDS : 1 ))
echo "Measuring $ROUNDS rounds of ${slice} s each of ${modes// /, }"
cut -d' ' -f1-3 /proc/loadavg >"$run_dir/load.txt"
for round in $(seq "$ROUNDS"); do
  for mode in $modes; do measure "$mode" "$slice" "$run_dir/$mode-$round.txt"; done
done
cut -d' ' -f1-3 /proc/loadavg >>"$run_dir/load.txt"
echo "KPI intake: 100 batches of 1,000 rows through POST /api/v1/metrics"
machine=$(head -1 "$tokens" | cut -f1)
metrics_token=$(.venv/bin/flask tokens create "$machine" --scope metrics --label "bench KPI intake")
.venv/bin/python bench/campaign.py intake "$URL" "$metrics_token" "$run_dir/intake.json"
finish
trap - EXIT

status=0
.venv/bin/python bench/report.py "$run_dir" "$kind" || status=$?
cp "$run_dir/summary.txt" "bench/results/latest-$kind.txt"
echo "Details: $run_dir/"
exit "$status"
