#!/usr/bin/env bash
# Start the whole product: migrate, load the demo district when empty, then the web server
# (gunicorn + whitenoise) and the background worker (Huey). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WEB_WORKERS=${WEB_WORKERS:-2}
export HJ212_PORT=${HJ212_PORT:-9212}
# Plain HTTP on this machine (see docs/deploy.md for HTTPS in production).
export ENVGRID_HTTPS=${ENVGRID_HTTPS:-false}
DATA=${ENVGRID_DATA_DIR:-data}
mkdir -p "$DATA"
# The embedded mode's secret key, generated once and readable by this user only (production sets SECRET_KEY).
if [ -z "${SECRET_KEY:-}" ] && [ ! -s "$DATA/secret_key" ]; then
  (umask 077 && $BIN/python -c "import secrets; print(secrets.token_urlsafe(50))" >"$DATA/secret_key")
fi

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py collectstatic --noinput -v0
$BIN/python manage.py load_demo --if-empty

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

$BIN/python manage.py run_huey --workers 2 --flush-locks --delay 0.1 --max-delay 1 >>"$DATA/worker.log" 2>&1 &
pids+=($!)
$BIN/gunicorn envgrid.wsgi:application --bind "$HOST:$PORT" --workers "$WEB_WORKERS" \
  --worker-class gthread --threads 4 --access-logfile - --log-level warning &
pids+=($!)
# HJ 212 receiver; the simulator plays the demo stations in real time (one minute upload per station per minute).
$BIN/python manage.py hj212 serve --host "$HOST" --port "$HJ212_PORT" >>"$DATA/hj212.log" 2>&1 &
pids+=($!)

sleep 1
# First start: play the last 24 hours as fast as the receiver answers, so the map, the charts and the
# rankings have hourly AQI at once instead of after the first full hour.
if $BIN/python manage.py shell -v 0 -c "from envgrid.monitoring.models import Reading; raise SystemExit(Reading.objects.exists())"; then
  echo "Playing the last 24 hours of the demo stations into the receiver (first start only)..."
  $BIN/python manage.py hj212 simulate --host "$HOST" --port "$HJ212_PORT" --speed 0 --minutes 1440 \
    >>"$DATA/simulator.log" 2>&1 || echo "  (history not played; see the simulator log)"
fi
$BIN/python manage.py hj212 simulate --host "$HOST" --port "$HJ212_PORT" --speed 1 --minutes 0 --episode \
  >>"$DATA/simulator.log" 2>&1 &
pids+=($!)
cat <<BANNER

  EnvGrid 环境网格化治理平台 is running.
  Open:  http://$HOST:$PORT/
  API:   http://$HOST:$PORT/api/docs/
  HJ 212 receiver: $HOST:$HJ212_PORT  (log $DATA/hj212.log; demo stations simulated live)
  Worker log: $DATA/worker.log    Stop: Ctrl-C

BANNER
$BIN/python manage.py demo_accounts
wait -n "${pids[@]}"
