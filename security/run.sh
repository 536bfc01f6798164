#!/usr/bin/env bash
# `make security`: attack a throwaway copy of the demo site on 127.0.0.1 and audit the pinned
# dependencies. Exits 0 only when every check ran and found nothing.
#
#   1. schemathesis --checks all against /api/v1/openapi.json (SECURITY_MAX_EXAMPLES per operation);
#   2. sqlmap --batch --level=3 on the clinic search (API and page) and the booking API;
#   3. pip-audit on requirements.txt (needs a vulnerability database online: PyPI's or OSV).
#      Where neither answers (a registry proxy serving PyPI's project pages but not its per-version
#      JSON, no route to api.osv.dev), security/osv_from_pypi.py serves pip-audit PyPI's project
#      data: it knows only each project's latest release and refuses any other version (503),
#      so pip-audit stops (NOT DONE) rather than calling an older pin clean.
#
# The database is a fresh SQLite file, or, with SECURITY_DATABASE_URL=postgresql://user@host/any
# (a server where that user may create databases), a fresh database there, dropped afterwards.
# Everything else (reports, logs, the server's mail) goes to a temporary folder, kept when
# something is found. Only 127.0.0.1 is ever contacted, apart from the dependency audit's lookups.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
MAX_EXAMPLES=${SECURITY_MAX_EXAMPLES:-100}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/security.XXXXXX")
SERVER_PID=""
SHIM_PID=""
PG_DB=""
declare -a SUMMARY=()
STATUS=0  # 0 clean, 1 findings, 2 a check could not run

say() { printf '\n== %s\n' "$*"; }
fail_setup() { echo "security: $*" >&2; STATUS=2; exit 2; }
record() {  # record NAME EXIT_CODE: 0 clean, 1 findings, anything else: not done
    local name=$1 code=$2
    case $code in
        0) SUMMARY+=("ok        $name") ;;
        1) SUMMARY+=("FINDINGS  $name"); STATUS=1 ;;
        *) SUMMARY+=("NOT DONE  $name"); [ "$STATUS" = 1 ] || STATUS=2 ;;
    esac
}

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ -n "$SHIM_PID" ] && kill "$SHIM_PID" 2>/dev/null
    if [ -n "$PG_DB" ]; then
        "$BIN/python" -m tests.pgdb drop "$SECURITY_DATABASE_URL" "$PG_DB" >/dev/null
    fi
    if [ "$STATUS" = 0 ]; then rm -rf "$WORK"; else echo "Reports and logs kept in $WORK"; fi
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------------------
[ -x "$BIN/schemathesis" ] && [ -x "$BIN/pip-audit" ] || fail_setup "run 'make install-dev' first (schemathesis, pip-audit)"
if ! command -v sqlmap >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing sqlmap (apt-get)..."
        apt-get install -y -qq sqlmap >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlmap >/dev/null; }
    fi
    command -v sqlmap >/dev/null || fail_setup "sqlmap is missing: 'apt-get install sqlmap' (Debian/Ubuntu) or 'pipx install sqlmap'"
fi

# --- a throwaway database, migrated and seeded -------------------------------------------
export APP_ENV=development FLASK_APP=wsgi
if [ -n "${SECURITY_DATABASE_URL:-}" ]; then
    name="security_$(date +%s)_$$"
    "$BIN/python" -m tests.pgdb create "$SECURITY_DATABASE_URL" "$name" >/dev/null || fail_setup "cannot create $name"
    PG_DB=$name  # dropped on exit
    export DATABASE_URL="${SECURITY_DATABASE_URL%/*}/$PG_DB"
else
    export DATABASE_URL="sqlite:///$WORK/security.db"
fi
PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
# The scanners send thousands of requests a minute from one address: with the limits on they
# would test the 429 page and nothing else. The limits have their own tests (tests/test_rate_limits*.py).
export RATELIMIT_ENABLED=false
export MAIL_ENABLED=false MAIL_FILE_DIR="$WORK/mail" PUBLIC_URL="$BASE" REDIS_URL=""

say "Database ($([ -n "$PG_DB" ] && echo "PostgreSQL $PG_DB" || echo SQLite)): migrate and seed the demo data"
"$BIN/flask" db upgrade >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log"; fail_setup "migration failed"; }
if ! "$BIN/flask" db check >>"$WORK/migrate.log" 2>&1; then
    # Models ahead of the migrations (a change in progress): scan the models' own schema.
    echo "NOTE: the models have changes no migration holds yet; building the schema from the models."
    "$BIN/python" -c 'from clinic_app import create_app; from clinic_app.extensions import db
app = create_app()
with app.app_context(): db.drop_all(); db.create_all()' >>"$WORK/migrate.log" 2>&1 || fail_setup "create_all failed"
fi
"$BIN/flask" seed-demo >"$WORK/seed.log" 2>&1 || { tail -20 "$WORK/seed.log"; fail_setup "seed-demo failed"; }

# --- the server: production gunicorn settings, on a free local port ----------------------
# limit_request_line 0: gunicorn (and nginx in front of it) answer an over-long address with
# their own HTML 414 before the app runs; lifted here so that the app's validation is tested.
say "Serving on $BASE (gunicorn, deploy/gunicorn.conf.py, rate limits off)"
GUNICORN_BIND="127.0.0.1:$PORT" WEB_CONCURRENCY=2 GUNICORN_THREADS=2 GUNICORN_ACCESS_LOG="$WORK/access.log" \
    "$BIN/gunicorn" --config deploy/gunicorn.conf.py --limit-request-line 0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 60); do
    curl -sf "$BASE/api/v1/openapi.json" -o /dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log"; fail_setup "the server did not start"; }
    sleep 0.5
done
"$BIN/python" security/targets.py "$BASE" "$WORK" || fail_setup "could not prepare the scan's bookings"

# --- 1. schemathesis ---------------------------------------------------------------------
say "schemathesis --checks all, up to $MAX_EXAMPLES examples per operation"
cp security/schemathesis.toml "$WORK/"
# One worker: with several, Python 3.11's parser can trip over hypothesis' lambda
# descriptions ("AST constructor recursion depth mismatch"), a tool error, not an app one.
"$BIN/schemathesis" --no-color --config-file "$WORK/schemathesis.toml" run "$BASE/api/v1/openapi.json" \
    --checks all --max-examples "$MAX_EXAMPLES" --workers 1 --request-timeout 30 \
    --report json --report-json-path "$WORK/schemathesis.json" >"$WORK/schemathesis.log" 2>&1
if [ -s "$WORK/schemathesis.json" ]; then
    "$BIN/python" security/report.py schemathesis "$WORK/schemathesis.json"; code=$?
    [ "$code" = 0 ] || sed -n '/= FAILURES =/,/= SUMMARY =/p;/= ERRORS =/,/= FAILURES =/p' "$WORK/schemathesis.log" | head -150
else
    tail -30 "$WORK/schemathesis.log"; code=2
fi
record "schemathesis (--checks all, $MAX_EXAMPLES examples)" "$code"

# --- 2. sqlmap ---------------------------------------------------------------------------
run_sqlmap() {  # run_sqlmap NAME URL [sqlmap options...]
    local name=$1 url=$2; shift 2
    sqlmap --batch --level=3 --disable-coloring --output-dir="$WORK/sqlmap/$name" -u "$url" "$@" \
        >"$WORK/sqlmap-$name.log" 2>&1 </dev/null
    local result
    result=$("$BIN/python" security/report.py sqlmap "$WORK/sqlmap-$name.log"); local code=$?
    printf '  %-22s %s\n' "$name" "$([ $code = 0 ] && echo 'not injectable' || echo 'SEE LOG')"
    [ -n "$result" ] && echo "$result"
    record "sqlmap --level=3 $name" "$code"
}
say "sqlmap --batch --level=3 (about half a minute a target)"
run_sqlmap api-nearest-q "$BASE/api/v1/clinics/nearest?q=Phoenix%2C+AZ&limit=5"
run_sqlmap api-nearest-zip "$BASE/api/v1/clinics/nearest?zip=85004"
run_sqlmap api-nearest-latlng "$BASE/api/v1/clinics/nearest?lat=33.45&lng=-112.07&radius_miles=50"
run_sqlmap page-nearest-q "$BASE/clinics/nearest?q=Phoenix%2C+AZ"
run_sqlmap api-availability "$BASE$(cat "$WORK/availability.path")"
run_sqlmap api-booking "$BASE/api/v1/bookings" --method=POST --data="$(cat "$WORK/booking.json")" \
    -H "Content-Type: application/json"

# Whatever the scanners made of the answers: any request that broke is in the server's log.
crashes=$(grep -c "unhandled error" "$WORK/server.log")
echo "server log: $crashes unhandled errors (500) during the scans"
[ "$crashes" = 0 ] || grep -A12 "unhandled error" "$WORK/server.log" | head -60
record "no unhandled error in the server log" "$([ "$crashes" = 0 ] && echo 0 || echo 1)"

# --- 3. pip-audit ------------------------------------------------------------------------
audit() {  # audit NAME [pip-audit options...]: 0 clean, 1 findings, 2 nothing audited
    local name=$1; shift
    "$BIN/pip-audit" -r "${AUDIT_REQUIREMENTS:-requirements.txt}" --no-deps --disable-pip --progress-spinner off --timeout 20 \
        -f json -o "$WORK/pip-audit-$name.json" "$@" >"$WORK/pip-audit-$name.log" 2>&1
    if [ ! -s "$WORK/pip-audit-$name.json" ]; then
        # The shim's refusal is the reason phrase of pip-audit's HTTPError; otherwise the last line.
        echo "pip-audit ($name): $(grep -m1 -o '503 Server Error: .* for url' "$WORK/pip-audit-$name.log" \
            || tail -1 "$WORK/pip-audit-$name.log")"
        return 2
    fi
    "$BIN/python" security/report.py audit "$WORK/pip-audit-$name.json"
}
audit_from_pypi_projects() {  # the last resort: security/osv_from_pypi.py on a free local port
    "$BIN/python" security/osv_from_pypi.py >"$WORK/osv-shim.out" 2>"$WORK/osv-shim.log" &
    SHIM_PID=$!
    local url=""
    for _ in $(seq 20); do
        url=$(sed -n 's/^listening on //p' "$WORK/osv-shim.out") && [ -n "$url" ] && break
        sleep 0.25
    done
    if [ -z "$url" ]; then echo "pip-audit: the local PyPI-project shim did not start"; return 2; fi
    # Pins that are not their project's latest release cannot be answered for: named, and left
    # out, so that pip-audit still checks every other pin.
    "$BIN/python" security/osv_from_pypi.py --split requirements.txt "$WORK/auditable.txt" >"$WORK/unauditable.txt"
    AUDIT_REQUIREMENTS="$WORK/auditable.txt" audit pypi-projects --vulnerability-service osv --osv-url "$url"
    local code=$?
    kill "$SHIM_PID"; wait "$SHIM_PID" 2>/dev/null; SHIM_PID=""
    if [ -s "$WORK/unauditable.txt" ]; then
        echo "  NOT AUDITED (not the latest release, so PyPI's project data says nothing about them):"
        sed 's/^/    /' "$WORK/unauditable.txt"
        [ "$code" = 0 ] && code=2
    fi
    return "$code"
}
say "pip-audit on requirements.txt"
if [ "${SECURITY_SKIP_AUDIT:-}" = 1 ]; then
    # For a machine that reaches no vulnerability database: said in the summary, never silent.
    SUMMARY+=("SKIPPED   pip-audit requirements.txt (SECURITY_SKIP_AUDIT=1: dependencies NOT audited)")
else
    source="PyPI vulnerability data"
    audit pypi --vulnerability-service pypi; code=$?
    if [ "$code" = 2 ]; then source="OSV"; audit osv --vulnerability-service osv; code=$?; fi
    if [ "$code" = 2 ]; then
        source="PyPI project data, latest releases"
        echo "Neither database answered: trying PyPI's project data (security/osv_from_pypi.py)."
        audit_from_pypi_projects; code=$?
    fi
    [ "$code" = 2 ] && echo "pip-audit: no source could check every pin, so no result. Run it where PyPI's or" \
        "OSV's database is reachable, pin latest releases, or use SECURITY_SKIP_AUDIT=1 for the scans alone."
    record "pip-audit requirements.txt ($source)" "$code"
fi

# --- summary -----------------------------------------------------------------------------
say "Summary"
printf '  %s\n' "${SUMMARY[@]}"
case $STATUS in
    0) echo "make security: zero findings.$([ "${SECURITY_SKIP_AUDIT:-}" = 1 ] && echo ' (Dependencies not audited.)')" ;;
    1) echo "make security: FINDINGS (details above and in $WORK)." ;;
    *) echo "make security: INCOMPLETE: a check could not run, so nothing is proven clean." ;;
esac
exit "$STATUS"
