#!/usr/bin/env bash
# Makes sure Postgres and Redis answer for local development and tests.
#
#   scripts/dev-services.sh           DATABASE_URL and REDIS_URL (make run)
#   scripts/dev-services.sh --test    TEST_DATABASE_URL and TEST_REDIS_URL (make test)
#   scripts/dev-services.sh --all     both
#   scripts/dev-services.sh --status  what runs privately under .dev/
#   scripts/dev-services.sh --stop    stops the private servers under .dev/ (make dev-stop)
#   scripts/dev-services.sh --clean   stops them and deletes .dev/ with their data (make dev-clean)
#
# For each URL: if a server answers there, it is used as it is. If nothing
# answers, the host is this machine and the server programs are installed, a
# private server is started under .dev/ (.dev/pg: initdb --auth=trust -U
# postgres, pg_ctl on the URL's port; .dev/redis: daemonized, no
# persistence). Then the database named in the URL is created if missing.
# Idempotent, safe to run at the same time from several shells (flock), and
# prints one line saying what it did.
#
# As root, Postgres refuses to run: initdb and pg_ctl run as the postgres OS
# user and .dev/pg belongs to it. Where that user cannot reach .dev/ (a clone
# under /root), the data lives under /tmp and .dev/pg is a link to it.
set -euo pipefail
PROG=dev-services
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SAY=() # parts of the one line this run prints

# as_pg CMD...: runs a Postgres server program as a user it accepts.
as_pg() {
	if [[ $EUID -eq 0 ]]; then
		id -u postgres >/dev/null 2>&1 || die "running as root, and there is no postgres OS user to run the Postgres server as"
		# From /, which the postgres user can always enter (a work tree under
		# /root is out of its reach).
		(cd / && exec runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

pg_running_in() { # DIR: a server runs from this data dir
	[[ -f $1/postmaster.pid ]] || return 1
	local pid
	pid=$(head -n1 "$1/postmaster.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

pg_port_of() { # DIR: the port a running server there listens on
	sed -n 4p "$1/postmaster.pid" 2>/dev/null
}

# pg_private_dir PORT: the data dir for a private server on PORT: .dev/pg,
# unless a server already runs there on another port (then .dev/pg-PORT).
pg_private_dir() {
	local port=$1 d
	for d in "$DEV_DIR/pg" "$DEV_DIR/pg-$port"; do
		if ! pg_running_in "$d" || [[ $(pg_port_of "$d") == "$port" ]]; then
			echo "$d"
			return
		fi
	done
	die "both $DEV_DIR/pg and $DEV_DIR/pg-$port already run a server on another port"
}

# pg_prepare_dir DIR: makes DIR (or the place its link points to) a data
# directory the server user can own; echoes the real path.
pg_prepare_dir() {
	local d=$1
	if [[ -L $d ]]; then
		mkdir -p "$(readlink "$d")"
		d=$(readlink "$d")
	else
		mkdir -p "$d"
	fi
	chmod 700 "$d"
	if [[ $EUID -eq 0 ]]; then
		chown postgres: "$d"
		if ! runuser -u postgres -- test -w "$d" -a -x "$d"; then
			# The postgres user cannot reach the work tree (a clone under /root):
			# keep the data under /tmp and link .dev/pg to it.
			local alt
			alt="${TMPDIR:-/tmp}/workshops-dev-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)/$(basename "$1")"
			rmdir "$d" 2>/dev/null || true
			mkdir -p "$alt"
			chmod 755 "$(dirname "$alt")"
			chmod 700 "$alt"
			chown postgres: "$alt"
			ln -sfn "$alt" "$1"
			d=$alt
		fi
	fi
	echo "$d"
}

# pg_start_private HOST PORT CONNECT_USER PASSWORD
pg_start_private() {
	local host=$1 port=$2 user=$3 pass=$4 bin dir data
	bin=$(pg_bin_dir)
	dir=$(pg_private_dir "$port")
	data=$(pg_prepare_dir "$dir")
	if [[ ! -f $data/PG_VERSION ]]; then
		local locale=(--no-locale)
		if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=(--locale=C.UTF-8); fi
		if ! as_pg "$bin/initdb" -D "$data" --auth=trust -U postgres -E UTF8 "${locale[@]}" >"$DEV_DIR/pg-initdb.log" 2>&1; then
			cat "$DEV_DIR/pg-initdb.log" >&2
			die "initdb $dir failed"
		fi
	fi
	local listen=localhost
	case $host in '' | localhost | 127.0.0.1 | ::1) ;; *) listen="localhost,$host" ;; esac
	# The unix socket goes into the data dir (inside .dev), unless that path is
	# too long for a socket: then TCP only.
	local sock=$data
	((${#data} + 20 > 100)) && sock=
	if ! as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
		-o "-p $port -c listen_addresses='$listen' -c unix_socket_directories='$sock'" start >/dev/null 2>&1 9>&-; then
		tail -n 20 "$data/server.log" >&2 || true
		die "could not start Postgres in $dir on port $port"
	fi
	pg_wait "$host" "$port" 30 || die "private Postgres in $dir does not answer on port $port"
	pg_ensure_role "$host" "$port" "$user" "$pass"
	echo "${dir#"$ROOT"/}"
}

# pg_ensure_role HOST PORT USER PASSWORD: on a private server, the role the
# URL connects as (the OS user where the URL names none), as a superuser:
# this server is a throwaway for this work tree.
pg_ensure_role() {
	local host=$1 port=$2 user=$3 pass=$4
	[[ $user == postgres ]] && return
	printf '%s\n' \
		"SELECT format('CREATE ROLE %I LOGIN SUPERUSER', :'u') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'u') \\gexec" \
		"SELECT format('ALTER ROLE %I PASSWORD %L', :'u', :'p') WHERE :'p' <> '' \\gexec" |
		PSQL_USER=postgres pg_psql "postgres://$(url_host "$host"):$port/" postgres -v u="$user" -v p="$pass" >/dev/null
}

# pg_private_on PORT: true when a private server under .dev/ listens on PORT.
pg_private_on() {
	local d
	for d in "$DEV_DIR/pg" "$DEV_DIR/pg-$1"; do
		pg_running_in "$d" && [[ $(pg_port_of "$d") == "$1" ]] && return 0
	done
	return 1
}

# ensure_postgres URL
ensure_postgres() {
	local url=$1
	parse_url "$url" || die "cannot parse Postgres URL: $url"
	case $U_SCHEME in postgres | postgresql) ;; *) die "not a postgres:// URL: $url" ;; esac
	local host=${U_HOST:-localhost} port=${U_PORT:-5432} user=$U_USER pass=$U_PASS db=$U_PATH
	local os_user
	os_user=$(id -un)
	local what state
	state=$(pg_state "$host" "$port")
	if [[ $state == starting ]]; then
		pg_wait "$host" "$port" 30 || die "Postgres at $host:$port is starting but does not accept connections after 30 s"
		state=up
	fi
	if [[ $state == up ]]; then
		what="postgres at $host:$port answering"
		if pg_private_on "$port"; then
			what="postgres in ${DEV_DIR#"$ROOT"/} at $host:$port answering"
			pg_ensure_role "$host" "$port" "${user:-$os_user}" "$pass"
		fi
	else
		is_local "$host" || die "nothing answers at $host:$port ($url) and it is not this machine"
		[[ -n $(pg_bin_dir) ]] || die "nothing answers at $host:$port and the Postgres server programs are not installed (apt-get install postgresql)"
		local dir
		dir=$(pg_start_private "$host" "$port" "${user:-$os_user}" "$pass")
		what="postgres started privately in $dir on $host:$port"
	fi
	# The database: libpq's default name is the user's.
	[[ -n $db ]] || db=${user:-$os_user}
	# Connect as the URL's user, else postgres, else the OS user; the new
	# database belongs to whoever the URL connects as, so that it may create
	# tables in the public schema (Postgres 15 allows only the owner).
	local owner=${user:-$os_user} admin exists=
	for admin in ${user:+"$user"} postgres "$os_user"; do
		if exists=$(PSQL_USER=$admin pg_psql "$url" postgres -v d="$db" <<<"SELECT count(*) FROM pg_database WHERE datname = :'d'" 2>/dev/null); then
			break
		fi
		exists=
	done
	[[ -n $exists ]] || die "cannot connect to Postgres at $host:$port as ${user:-postgres or $os_user}"
	if [[ $exists == 0 ]]; then
		PSQL_USER=$admin pg_psql "$url" postgres -v d="$db" -v o="$owner" <<-'SQL' >/dev/null || die "could not create database $db at $host:$port"
			SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'o')
			            THEN format('CREATE DATABASE %I OWNER %I', :'d', :'o')
			            ELSE format('CREATE DATABASE %I', :'d') END \gexec
		SQL
		what+=", database $db created"
	else
		what+=", database $db exists"
	fi
	SAY+=("$what")
}

redis_private_dir() { # PORT
	local port=$1 d
	for d in "$DEV_DIR/redis" "$DEV_DIR/redis-$port"; do
		if ! redis_running_in "$d" || [[ $(cat "$d/port" 2>/dev/null) == "$port" ]]; then
			echo "$d"
			return
		fi
	done
	die "both $DEV_DIR/redis and $DEV_DIR/redis-$port already run a server on another port"
}

redis_running_in() { # DIR
	local pid
	pid=$(cat "$1/redis.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q redis "/proc/$pid/comm" 2>/dev/null
}

# ensure_redis URL
ensure_redis() {
	local url=$1
	parse_url "$url" || die "cannot parse Redis URL: $url"
	local host=${U_HOST:-localhost} port=${U_PORT:-6379}
	if redis_answers "$host" "$port"; then
		SAY+=("redis at $host:$port answering")
		return
	fi
	[[ $U_SCHEME == redis ]] || die "nothing answers at $host:$port ($url); only plain redis:// servers can be started here"
	is_local "$host" || die "nothing answers at $host:$port ($url) and it is not this machine"
	command -v redis-server >/dev/null || die "nothing answers at $host:$port and redis-server is not installed (apt-get install redis-server)"
	local dir bind
	dir=$(redis_private_dir "$port")
	mkdir -p "$dir"
	case $host in
	'' | localhost) bind=(127.0.0.1 -::1) ;;
	*) bind=("$host") ;;
	esac
	local auth=()
	[[ -n $U_PASS ]] && auth=(--requirepass "$U_PASS")
	echo "$port" >"$dir/port"
	redis-server --daemonize yes --bind "${bind[@]}" --port "$port" --save "" --appendonly no \
		--dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "${auth[@]}" >/dev/null 9>&- ||
		die "could not start redis-server in $dir"
	if ! redis_wait "$host" "$port" 30; then
		tail -n 20 "$dir/redis.log" >&2 || true
		die "private Redis in $dir does not answer on port $port"
	fi
	SAY+=("redis started privately in ${dir#"$ROOT"/} on $host:$port")
}

stop_private() {
	local d stopped=() pid
	shopt -s nullglob
	for d in "$DEV_DIR"/pg "$DEV_DIR"/pg-*; do
		[[ -f $d/PG_VERSION ]] || continue
		if pg_running_in "$d"; then
			as_pg "$(pg_bin_dir)/pg_ctl" -D "$(readlink -f "$d")" -m fast -w -t 60 stop >/dev/null
			stopped+=("postgres in ${d#"$ROOT"/}")
		fi
	done
	for d in "$DEV_DIR"/redis "$DEV_DIR"/redis-*; do
		if redis_running_in "$d"; then
			pid=$(cat "$d/redis.pid")
			kill "$pid"
			for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
			stopped+=("redis in ${d#"$ROOT"/}")
		fi
	done
	if ((${#stopped[@]})); then
		echo "$PROG: stopped $(join ', ' "${stopped[@]}")"
	else
		echo "$PROG: no private servers running under ${DEV_DIR#"$ROOT"/}"
	fi
}

status_private() {
	local d found=()
	shopt -s nullglob
	for d in "$DEV_DIR"/pg "$DEV_DIR"/pg-*; do
		pg_running_in "$d" && found+=("postgres in ${d#"$ROOT"/} on port $(pg_port_of "$d")")
	done
	for d in "$DEV_DIR"/redis "$DEV_DIR"/redis-*; do
		redis_running_in "$d" && found+=("redis in ${d#"$ROOT"/} on port $(cat "$d/port")")
	done
	if ((${#found[@]})); then
		echo "$PROG: running $(join ', ' "${found[@]}")"
	else
		echo "$PROG: no private servers running under ${DEV_DIR#"$ROOT"/}"
	fi
}

mode=dev
case ${1:-} in
'' | --dev) mode=dev ;;
--test) mode='test' ;;
--all) mode=all ;;
--stop | stop) mode=stop ;;
--status | status) mode=status ;;
--clean | clean) mode=clean ;;
-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
*) die "unknown argument $1 (try --help)" ;;
esac

mkdir -p "$DEV_DIR"
# One run at a time per work tree: two make test in parallel must not both
# initdb the same folder. (The servers started below must not inherit fd 9.)
if command -v flock >/dev/null; then
	exec 9>"$DEV_DIR/.lock"
	flock -w 180 9 || die "another dev-services run holds $DEV_DIR/.lock"
fi

case $mode in
stop) stop_private; exit 0 ;;
clean)
	stop_private
	shopt -s nullglob
	for d in "$DEV_DIR"/*; do
		# Data kept under /tmp for a postgres user that cannot reach .dev/.
		if [[ -L $d && $(readlink "$d") == */workshops-dev-*/* ]]; then
			rm -rf "$(readlink "$d")"
			rmdir "$(dirname "$(readlink "$d")")" 2>/dev/null || true
		fi
	done
	rm -rf "$DEV_DIR"
	echo "$PROG: deleted ${DEV_DIR#"$ROOT"/}"
	exit 0
	;;
status) status_private; exit 0 ;;
esac

if [[ $mode == dev || $mode == all ]]; then
	ensure_postgres "${DATABASE_URL:-$DEFAULT_DATABASE_URL}"
	ensure_redis "${REDIS_URL:-$DEFAULT_REDIS_URL}"
fi
if [[ $mode == test || $mode == all ]]; then
	ensure_postgres "${TEST_DATABASE_URL:-$DEFAULT_TEST_DATABASE_URL}"
	ensure_redis "${TEST_REDIS_URL:-$DEFAULT_TEST_REDIS_URL}"
fi
echo "$PROG ($mode): $(join '; ' "${SAY[@]}")"
