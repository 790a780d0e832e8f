#!/usr/bin/env bash
# Runs staticcheck on the arguments (default ./...). Uses the staticcheck on
# PATH or in GOBIN when it was built by the Go in use (one built by an older
# Go refuses this module); otherwise installs STATICCHECK_VERSION into GOBIN
# (GOPATH/bin when GOBIN is unset) through the Go module proxy.
set -euo pipefail
PROG=staticcheck
GO=${GO:-go}
version=${STATICCHECK_VERSION:-v0.8.2}
gobin=$("$GO" env GOBIN)
[[ -n $gobin ]] || gobin="$("$GO" env GOPATH | cut -d: -f1)/bin"
goversion=$("$GO" env GOVERSION)

built_by() { "$GO" version "$1" 2>/dev/null | awk '{print $2}'; }

sc=
for c in "$(command -v staticcheck || true)" "$gobin/staticcheck"; do
	if [[ -n $c && -x $c && $(built_by "$c") == "$goversion" ]]; then
		sc=$c
		break
	fi
done
if [[ -z $sc ]]; then
	echo "$PROG: installing honnef.co/go/tools/cmd/staticcheck@$version into $gobin (none built by $goversion found)"
	GOBIN=$gobin "$GO" install "honnef.co/go/tools/cmd/staticcheck@$version"
	sc=$gobin/staticcheck
fi
(($#)) || set -- ./...
echo "$PROG: $sc $*"
exec "$sc" "$@"
