#!/usr/bin/env bash
# Requests per second of GET /api/v1/clinics/nearest?zip=... (200 real ZIP codes, nearest.lua)
# as a fraction of GET /healthz, measured in the same run against the same server: gunicorn
# (2 sync workers, default development settings, rate limits and mail off) on a throwaway
# PostgreSQL database holding the demo data plus 10,000 synthetic clinics. Each nearest
# request also inserts and commits an anonymous demand point: that is part of the work measured.
# wrk and the server share this machine's CPUs (2 cores here), so both figures are lower than on a
# dedicated server; the ratio is what is compared (target: nearest >= 0.5 x healthz).
#
# Run from the repository root: bash bench/nearest/wrk.sh
# Knobs (environment): CLINICS=10000 ROUNDS=2 DURATION=10s THREADS=2 CONNECTIONS=16 WORKERS=2
# Everything it starts (database, gunicorn) is removed on exit, also on Ctrl-C or failure.
set -euo pipefail

if ! command -v wrk >/dev/null 2>&1; then
    cat >&2 <<'MISSING'
wrk (the HTTP load generator) is not installed, and this benchmark needs it.
Install it, then run the benchmark again:
    Debian / Ubuntu:  sudo apt-get install wrk
    Fedora:           sudo dnf install wrk
    macOS:            brew install wrk
MISSING
    exit 2
fi

cd "$(dirname "$0")/../.."
CLINICS=${CLINICS:-10000}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
WORKERS=${WORKERS:-2}
PG_HOST=127.0.0.1
PG_PORT=5432
DB_NAME="bench_wrk_$$_$(date +%s)"
VENV=.venv/bin
HERE=bench/nearest

work_dir=$(mktemp -d -t bench-wrk-XXXXXX)
gunicorn_pid=""

psql_admin() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }

cleanup() {
    if [[ -n "$gunicorn_pid" ]] && kill -0 "$gunicorn_pid" 2>/dev/null; then
        kill -TERM "$gunicorn_pid"
        wait "$gunicorn_pid" 2>/dev/null || true
    fi
    psql_admin -d postgres -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" || true
    rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

create_database() {
    psql_admin -d postgres -c "CREATE DATABASE $DB_NAME"
    export DATABASE_URL="postgresql://postgres@$PG_HOST:$PG_PORT/$DB_NAME"
    export RATELIMIT_ENABLED=false MAIL_ENABLED=false
    unset APP_ENV FLASK_DEBUG
    # Tables from the models (db.create_all), not `flask db upgrade`: while several engineers
    # work in the tree, its models run ahead of its migrations.
    "$VENV/python" -c 'from wsgi import app; from clinic_app.extensions import db; app.app_context().push(); db.create_all()'
    # Into a file, then its first line: `| head -n 1` could end the seeding early (SIGPIPE).
    "$VENV/flask" --app wsgi seed-demo --clinics "$CLINICS" >"$work_dir/seed.log"
    head -n 1 "$work_dir/seed.log"
    psql_admin -d "$DB_NAME" -c "ANALYZE"
}

free_port() {
    "$VENV/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_gunicorn() {
    port=$(free_port)
    base_url="http://127.0.0.1:$port"
    "$VENV/gunicorn" -w "$WORKERS" -b "127.0.0.1:$port" --log-level warning wsgi:app >"$work_dir/gunicorn.log" 2>&1 &
    gunicorn_pid=$!
    for _ in $(seq 1 60); do
        if curl -fsS -o /dev/null "$base_url/healthz" 2>/dev/null; then return 0; fi
        kill -0 "$gunicorn_pid" 2>/dev/null || break
        sleep 0.5
    done
    echo "gunicorn did not become healthy:" >&2
    cat "$work_dir/gunicorn.log" >&2
    return 1
}

# Every ZIP must answer 200 with 5 open clinics; this also warms both workers' ZIP index.
check_every_zip() {
    local zip bad=0
    while read -r zip; do
        curl -fsS --max-time 10 "$base_url/api/v1/clinics/nearest?zip=$zip" >"$work_dir/answer.json" || bad=$((bad + 1))
        "$VENV/python" -c 'import json, sys; assert len(json.load(open(sys.argv[1]))["results"]) == 5' \
            "$work_dir/answer.json" 2>/dev/null || bad=$((bad + 1))
    done <"$work_dir/zips.txt"
    if ((bad > 0)); then
        echo "$bad ZIP codes did not answer 200 with 5 clinics" >&2
        return 1
    fi
    echo "all $(wc -l <"$work_dir/zips.txt") ZIP codes answer 200 with 5 clinics"
}

run_wrk() { # run_wrk DURATION OUTPUT URL [wrk options...]
    local duration=$1 output=$2 url=$3
    shift 3
    timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout 10s --latency "$@" "$url" >"$output"
}

demand_points() { psql_admin -d "$DB_NAME" -c "SELECT count(*) FROM demand_points"; }

main() {
    echo "database $DB_NAME: demo data + $CLINICS synthetic clinics"
    create_database
    "$VENV/python" "$HERE/zips.py" >"$work_dir/zips.txt"
    export ZIPS_FILE="$work_dir/zips.txt"
    start_gunicorn
    echo "gunicorn -w $WORKERS on $base_url (pid $gunicorn_pid)"
    check_every_zip
    run_wrk 3s "$work_dir/warmup-nearest.txt" "$base_url/api/v1/clinics/nearest" -s "$HERE/nearest.lua"
    run_wrk 2s "$work_dir/warmup-healthz.txt" "$base_url/healthz"
    local before after round
    before=$(demand_points)
    for round in $(seq 1 "$ROUNDS"); do
        echo "round $round: /healthz, then nearest, $DURATION each (-t$THREADS -c$CONNECTIONS)"
        run_wrk "$DURATION" "$work_dir/round$round-healthz.txt" "$base_url/healthz"
        run_wrk "$DURATION" "$work_dir/round$round-nearest.txt" "$base_url/api/v1/clinics/nearest" -s "$HERE/nearest.lua"
    done
    after=$(demand_points)
    echo
    "$VENV/python" "$HERE/wrk_report.py" "$work_dir" \
        --clinics "$(psql_admin -d "$DB_NAME" -c "SELECT count(*) FROM clinics")" \
        --demand-points "$((after - before))" \
        --settings "gunicorn -w $WORKERS (sync), wrk -t$THREADS -c$CONNECTIONS -d$DURATION x $ROUNDS rounds, $(nproc) CPUs"
}

main "$@"
