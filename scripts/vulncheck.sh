#!/usr/bin/env bash
# govulncheck over the module: which known vulnerabilities the code calls.
#
# The database: VULNCHECK_DB when set (https://vuln.go.dev or file:///dir);
# otherwise the online one at vuln.go.dev, and when that cannot be reached, a
# local snapshot built from the newest golang.org/x/vulndb module on the Go
# module proxy (its data/osv folder, indexed by its own cmd/indexdb) into
# .dev/vulndb/<version>. The report says which database it used and how old.
#
# Fails when the code calls a vulnerability in a module go.mod requires (fix:
# go get the fixed version). A vulnerability in the standard library is fixed
# by a newer Go, not by this repository: VULNCHECK_STDLIB=fail (the default)
# fails on those too, VULNCHECK_STDLIB=warn reports them and passes.
set -euo pipefail
PROG=vulncheck
GO=${GO:-go}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
version=${GOVULNCHECK_VERSION:-v1.9.0}
stdlib=${VULNCHECK_STDLIB:-fail}
[[ $stdlib == fail || $stdlib == warn ]] || { echo "$PROG: VULNCHECK_STDLIB must be fail or warn" >&2; exit 2; }
command -v jq >/dev/null || { echo "$PROG: jq is needed to read govulncheck's JSON (apt-get install jq)" >&2; exit 2; }

out=$(mktemp)
errs=$(mktemp)
trap 'rm -f "$out" "$errs"' EXIT

scan() { # scan DB: govulncheck's JSON into $out; 0 when it ran, whatever it found
	"$GO" run "golang.org/x/vuln/cmd/govulncheck@$version" -db "$1" -format json ./... >"$out" 2>"$errs" &&
		jq -se 'any(.[]; .config != null)' "$out" >/dev/null
}

# snapshot: a v1 vulnerability database built from golang.org/x/vulndb.
snapshot() {
	local info ver dir db
	info=$("$GO" mod download -json golang.org/x/vulndb@latest) || return 1
	ver=$(jq -r .Version <<<"$info")
	dir=$(jq -r .Dir <<<"$info")
	db=$ROOT/.dev/vulndb/$ver
	if [[ ! -f $db/index/db.json ]]; then
		echo "$PROG: building the snapshot into ${db#"$ROOT"/} (once per version: about a minute)" >&2
		rm -rf "$db.tmp"
		mkdir -p "$(dirname "$db")"
		"$GO" run "golang.org/x/vulndb/cmd/indexdb@$ver" -vulns "$dir/data/osv" -out "$db.tmp" >&2
		mv "$db.tmp" "$db"
	fi
	# A pseudo-version holds the commit time: v0.0.0-YYYYMMDDhhmmss-commit.
	local ts=${ver#v0.0.0-}
	ts=${ts%%-*}
	SNAPSHOT_NOTE="local snapshot golang.org/x/vulndb@$ver (data as of ${ts:0:4}-${ts:4:2}-${ts:6:2} ${ts:8:2}:${ts:10:2} UTC, $(find "$dir/data/osv" -name '*.json' | wc -l) entries)"
	SNAPSHOT_DB=file://$db
}

if [[ -n ${VULNCHECK_DB:-} ]]; then
	db=$VULNCHECK_DB
	note="VULNCHECK_DB=$db"
	scan "$db" || { cat "$errs" >&2; echo "$PROG: govulncheck failed against $db" >&2; exit 2; }
elif scan https://vuln.go.dev; then
	db=https://vuln.go.dev
	note="the online database https://vuln.go.dev"
else
	grep -q 'fetching vulnerabilities' "$errs" || { cat "$errs" >&2; echo "$PROG: govulncheck failed" >&2; exit 2; }
	echo "$PROG: the online database cannot be reached: $(grep -m1 'fetching vulnerabilities' "$errs")" >&2
	snapshot || { echo "$PROG: no snapshot either: golang.org/x/vulndb cannot be fetched from the module proxy" >&2; exit 2; }
	db=$SNAPSHOT_DB
	note=$SNAPSHOT_NOTE
	scan "$db" || { cat "$errs" >&2; echo "$PROG: govulncheck failed against $db" >&2; exit 2; }
fi

goversion=$(jq -r 'select(.config) | .config.go_version' "$out")
echo "$PROG: govulncheck $version, $goversion, database: $note"

# One line per vulnerability the code calls: id, module@version, fixed in, summary.
called() { # called stdlib|modules
	local want=$1
	jq -rs --arg want "$want" '
		(map(select(.osv)) | map({(.osv.id): .osv.summary}) | add // {}) as $sum
		| map(select(.finding and .finding.trace[0].function != null) | .finding)
		| map(select((.trace[0].module == "stdlib") == ($want == "stdlib")))
		| unique_by(.osv)
		| .[] | "  \(.osv)  \(.trace[0].module)@\(.trace[0].version)  fixed in \(.fixed_version // "no release yet")  \($sum[.osv] // "")"
	' "$out"
}
uncalled=$(jq -rs '
	[map(select(.finding)) | group_by(.finding.osv)[]
	 | select(all(.[]; .finding.trace[0].function == null)) | .[0].finding.osv] | unique | join(" ")' "$out")

mods=$(called modules)
std=$(called stdlib)
status=0
if [[ -n $mods ]]; then
	echo "$PROG: FAIL: the code calls vulnerable code in required modules (go get the fixed version):"
	echo "$mods"
	status=1
else
	echo "$PROG: ok: no called vulnerability in any required module"
fi
if [[ -n $std ]]; then
	fixed=$(jq -rs 'map(select(.finding and .finding.trace[0].module == "stdlib" and .finding.trace[0].function != null) | .finding.fixed_version) | unique[]' "$out" | sort -V | tail -1)
	fixed=go${fixed#v}
	if [[ $stdlib == fail ]]; then
		echo "$PROG: FAIL: the code calls vulnerable code in the standard library of $goversion ($fixed or later fixes them all):"
		status=1
	else
		echo "$PROG: WARNING (VULNCHECK_STDLIB=warn): the code calls vulnerable code in the standard library of $goversion ($fixed or later fixes them all):"
	fi
	echo "$std"
else
	echo "$PROG: ok: no called vulnerability in the standard library of $goversion"
fi
[[ -z $uncalled ]] || echo "$PROG: in imported code but not called (no action needed): $uncalled"
[[ $status == 0 ]] || echo "$PROG: details: go run golang.org/x/vuln/cmd/govulncheck@$version -db $db ./..."
exit "$status"
