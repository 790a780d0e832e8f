#!/usr/bin/env bash
# make bench: runs the load generator cmd/benchrush against a real workshopd.
#
# 1. makes sure Postgres and Redis answer at DATABASE_URL / REDIS_URL
#    (scripts/dev-services.sh) and that bin/workshopd is built (make build);
# 2. creates a throw-away database on DATABASE_URL's server, and empties
#    Redis database BENCH_REDIS_DB (default 15) on REDIS_URL's server, so the
#    run starts from nothing and never touches the dev data;
# 3. starts `bin/workshopd serve` in the background on 127.0.0.1:BENCH_PORT
#    (default 18080) with RATE_LIMITS=off (all load comes from one client),
#    a random ADMIN_TOKEN, emails into a temporary MAIL_DIR;
# 4. waits for /readyz, runs
#      go run ./cmd/benchrush -base http://127.0.0.1:PORT -admin-token TOKEN \
#        -database THE_TEMP_DATABASE_URL $BENCH_ARGS
#    (-database: the bare-SQL comparison runs on the service's own schema;
#    BENCH_ARGS, e.g. "-clients 200 -requests 50000", come last and win);
# 5. stops the server (SIGTERM, then SIGKILL after 15 s), drops the database
#    and empties the Redis database again, whatever happened.
#
# The server's log is kept in .dev/bench-server.log.
set -euo pipefail
PROG=bench
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
GO=${GO:-go}

[[ -d cmd/benchrush ]] || die "cmd/benchrush does not exist yet: it is the load generator this target runs (see the Makefile's bench target)"
[[ -x bin/workshopd ]] || die "bin/workshopd is missing: run make build (make bench does)"

DATABASE_URL=${DATABASE_URL:-$DEFAULT_DATABASE_URL}
REDIS_URL=${REDIS_URL:-$DEFAULT_REDIS_URL}
port=${BENCH_PORT:-18080}
redis_db=${BENCH_REDIS_DB:-15}
base="http://127.0.0.1:$port"

scripts/dev-services.sh

if curl -s -o /dev/null --max-time 2 "$base/healthz"; then
	die "something already answers at $base: set BENCH_PORT to a free port"
fi

parse_url "$REDIS_URL" || die "cannot parse REDIS_URL: $REDIS_URL"
bench_redis_url=$(with_path "$REDIS_URL" "$redis_db")
redis_flush() {
	if command -v redis-cli >/dev/null; then
		redis-cli -u "$bench_redis_url" flushdb >/dev/null 2>&1 || true
	fi
}

db="workshops_bench_$$_$RANDOM"
bench_db_url=$(with_path "$DATABASE_URL" "$db")
token="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
mail_dir=$(mktemp -d)
log="$DEV_DIR/bench-server.log"
pid=

cleanup() {
	local rc=$?
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		echo "$PROG: stopping workshopd (pid $pid)"
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			echo "$PROG: workshopd did not stop within 15 s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	fi
	pg_psql "$DATABASE_URL" postgres -v d="$db" >/dev/null 2>&1 <<<"SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'d') \gexec" || true
	redis_flush
	rm -rf "$mail_dir"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_psql "$DATABASE_URL" postgres -v d="$db" >/dev/null <<<"SELECT format('CREATE DATABASE %I', :'d') \gexec" ||
	die "could not create the database $db"
redis_flush

echo "$PROG: starting workshopd serve on $base (database $db, redis db $redis_db, RATE_LIMITS=off; log $log)"
mkdir -p "$DEV_DIR"
env -u SMTP_URL DATABASE_URL="$bench_db_url" REDIS_URL="$bench_redis_url" HTTP_ADDR="127.0.0.1:$port" \
	BASE_URL="$base" ADMIN_TOKEN="$token" RATE_LIMITS=off MAIL_DIR="$mail_dir" \
	bin/workshopd serve >"$log" 2>&1 &
pid=$!

ready=
for _ in $(seq 1 120); do
	if ! kill -0 "$pid" 2>/dev/null; then
		tail -n 30 "$log" >&2
		die "workshopd exited before it was ready"
	fi
	if curl -sf -o /dev/null --max-time 2 "$base/readyz"; then
		ready=1
		break
	fi
	sleep 0.5
done
if [[ -z $ready ]]; then
	tail -n 30 "$log" >&2
	die "workshopd did not become ready at $base/readyz within 60 s"
fi

echo "$PROG: go run ./cmd/benchrush -base $base -admin-token *** -database (database $db) ${BENCH_ARGS:-}"
# shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
"$GO" run ./cmd/benchrush -base "$base" -admin-token "$token" -database "$bench_db_url" ${BENCH_ARGS:-}
