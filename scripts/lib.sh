# shellcheck shell=bash disable=SC2034,SC2016
# (SC2034: the variables set here are read by the scripts that source it;
# SC2016: the single-quoted bash -c programs expand their own $0 $1.)
# Helpers shared by the scripts in this folder. Source it; it defines
# functions and variables only.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DEV_DIR=${DEV_DIR:-$ROOT/.dev}

DEFAULT_DATABASE_URL='postgres://localhost:5432/workshops?sslmode=disable'
DEFAULT_REDIS_URL='redis://localhost:6379/0'
DEFAULT_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
DEFAULT_TEST_REDIS_URL='redis://127.0.0.1:6379/0'

die() { printf '%s: %s\n' "${PROG:-${0##*/}}" "$*" >&2; exit 1; }

# join SEP WORDS...: the words with SEP between them.
join() {
	local sep=$1 out=$2 w
	shift 2
	for w in "$@"; do out+=$sep$w; done
	printf '%s\n' "$out"
}

# url_host HOST: HOST as written in a URL (IPv6 in brackets).
url_host() { if [[ $1 == *:* ]]; then printf '[%s]\n' "$1"; else printf '%s\n' "$1"; fi; }

# urldecode STRING: %XX escapes to bytes.
urldecode() { printf '%b' "${1//%/\\x}"; }

# parse_url URL: sets U_SCHEME U_USER U_PASS U_HOST U_PORT U_PATH U_QUERY
# (user, password and path percent-decoded; path without its leading slash).
# Returns 1 for anything that is not scheme://[user[:pass]@]host[:port][/path][?query].
parse_url() {
	local re='^([A-Za-z][A-Za-z0-9+.-]*)://(([^@/?#]*)@)?(\[[^]/]*\]|[^:/?#]*)(:([0-9]*))?(/([^?#]*))?(\?([^#]*))?$'
	[[ $1 =~ $re ]] || return 1
	local userinfo=${BASH_REMATCH[3]}
	U_SCHEME=${BASH_REMATCH[1]}
	U_HOST=${BASH_REMATCH[4]}
	U_PORT=${BASH_REMATCH[6]}
	U_PATH=$(urldecode "${BASH_REMATCH[8]}")
	U_QUERY=${BASH_REMATCH[10]}
	U_HOST=${U_HOST#[}
	U_HOST=${U_HOST%]}
	U_USER=$(urldecode "${userinfo%%:*}")
	U_PASS=
	if [[ $userinfo == *:* ]]; then U_PASS=$(urldecode "${userinfo#*:}"); fi
}

# is_local HOST: true for names that mean this machine.
is_local() {
	case $1 in
	'' | localhost | 127.* | ::1) return 0 ;;
	*) return 1 ;;
	esac
}

# pg_bin_dir: the newest folder holding Postgres's server programs
# (initdb and pg_ctl), or nothing. PG_BIN overrides.
pg_bin_dir() {
	if [[ -n ${PG_BIN:-} ]]; then
		echo "$PG_BIN"
		return
	fi
	local d best=
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
		[[ -x $d/initdb && -x $d/pg_ctl ]] && best=$d
	done
	if [[ -z $best ]] && command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
		best=$(dirname "$(command -v initdb)")
	fi
	echo "$best"
}

# pg_tool NAME: path of a Postgres client program (psql, pg_isready).
pg_tool() {
	if command -v "$1" >/dev/null; then
		command -v "$1"
		return
	fi
	local d
	d=$(pg_bin_dir)
	if [[ -n $d && -x $d/$1 ]]; then echo "$d/$1"; fi
}

# tcp_open HOST PORT: true when something accepts a TCP connection there.
tcp_open() {
	local h=$1
	[[ $h == localhost || -z $h ]] && h=127.0.0.1
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$2" 2>/dev/null
}

# pg_state HOST PORT: prints up (accepting), starting, or down.
pg_state() {
	local isready rc=0
	isready=$(pg_tool pg_isready)
	if [[ -z $isready ]]; then
		if tcp_open "$1" "$2"; then echo up; else echo down; fi
		return
	fi
	"$isready" -q -h "${1:-localhost}" -p "$2" -t 3 || rc=$?
	case $rc in
	0) echo up ;;
	1) echo starting ;;
	*) echo down ;;
	esac
}

# pg_wait HOST PORT SECONDS: waits until Postgres accepts connections.
pg_wait() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		[[ $(pg_state "$1" "$2") == up ]] && return 0
		sleep 0.5
	done
	return 1
}

# redis_answers HOST PORT: true when a Redis server answers there (an
# authentication error counts: something that speaks Redis is listening).
redis_answers() {
	local h=$1
	[[ $h == localhost || -z $h ]] && h=127.0.0.1
	timeout 3 bash -c '
		exec 3<>"/dev/tcp/$0/$1" || exit 1
		printf "PING\r\n" >&3
		IFS= read -r -t 2 line <&3 || exit 1
		case $line in "+PONG"* | "-NOAUTH"* | "-ERR"* | "-WRONGPASS"*) exit 0 ;; esac
		exit 1' "$h" "$2" 2>/dev/null
}

# redis_wait HOST PORT SECONDS
redis_wait() {
	local i
	for ((i = 0; i < $3 * 2; i++)); do
		redis_answers "$1" "$2" && return 0
		sleep 0.5
	done
	return 1
}

# pg_psql URL DATABASE [psql args...]: psql on the server of URL (its host,
# port, user, password and sslmode), in DATABASE, quiet and unaligned.
# The user defaults to PG_ADMIN_USER (postgres).
pg_psql() {
	local url=$1 db=$2
	shift 2
	parse_url "$url" || die "cannot parse Postgres URL: $url"
	local psql sslmode=prefer
	psql=$(pg_tool psql)
	[[ -n $psql ]] || die "psql not found (install postgresql-client)"
	if [[ $U_QUERY =~ (^|&)sslmode=([^&]*) ]]; then sslmode=${BASH_REMATCH[2]}; fi
	PGPASSWORD=${U_PASS:-${PGPASSWORD:-}} PGSSLMODE=$sslmode PGCONNECT_TIMEOUT=5 \
		"$psql" -X -q -A -t -v ON_ERROR_STOP=1 \
		-h "${U_HOST:-localhost}" -p "${U_PORT:-5432}" \
		-U "${PSQL_USER:-${U_USER:-${PG_ADMIN_USER:-postgres}}}" -d "$db" "$@"
}

# with_path URL DATABASE: URL with its path replaced by /DATABASE.
with_path() {
	local url=$1 db=$2 base query=
	base=${url%%\?*}
	[[ $url == *\?* ]] && query="?${url#*\?}"
	local re='^([A-Za-z][A-Za-z0-9+.-]*://[^/]*)'
	[[ $base =~ $re ]] || die "cannot parse URL: $url"
	printf '%s/%s%s\n' "${BASH_REMATCH[1]}" "$db" "$query"
}
