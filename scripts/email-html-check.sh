#!/usr/bin/env bash
# Mailpit's HTML check of one email of every kind the service sends
# (issue 9, item 5; results in docs/EMAIL.md). Builds Mailpit
# MAILPIT_VERSION into a directory of its own (never into this module's
# go.mod), starts it on free local ports, sends it the emails that
# scripts/emailcheck composes, and prints a Markdown table of the scores.
#   scripts/email-html-check.sh
set -euo pipefail
GO=${GO:-go}
version=${MAILPIT_VERSION:-v1.33.1}
cache=${MAILPIT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/workshops-mailpit-$version}
mailpit=$cache/mailpit
if [[ ! -x $mailpit ]]; then
	echo "email-html-check: building github.com/axllent/mailpit@$version into $cache" >&2
	mkdir -p "$cache"
	# Outside the repository, so this module's go.mod is never touched.
	(cd "$cache" && GOBIN=$cache GOFLAGS=-mod=mod "$GO" install "github.com/axllent/mailpit@$version")
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
smtp=$(free_port)
http=$(free_port)
work=$(mktemp -d)
"$mailpit" --quiet --disable-version-check --database "$work/mailpit.db" \
	--smtp "127.0.0.1:$smtp" --listen "127.0.0.1:$http" >"$work/mailpit.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
	curl -fsS "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$http/readyz" >/dev/null || { cat "$work/mailpit.log" >&2; exit 1; }
"$GO" run ./scripts/emailcheck -smtp "smtp+plain://127.0.0.1:$smtp" -api "http://127.0.0.1:$http"
