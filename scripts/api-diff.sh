#!/usr/bin/env bash
# Lists the incompatible changes to the exported API of the SDK's public
# packages between BASE (a git ref) and the working tree, with apidiff at
# the version pinned in tools/go.mod. Exits 1 when there is any.
set -euo pipefail
base=${1:?usage: scripts/api-diff.sh BASE}
root=$(git rev-parse --show-toplevel)
module=$(cd "$root" && go list -m)
tmp=$(mktemp -d)
cleanup() { git -C "$root" worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT

apidiff="$tmp/apidiff"
(cd "$root" && go build -modfile=tools/go.mod -o "$apidiff" golang.org/x/exp/cmd/apidiff)
git -C "$root" worktree add --detach --quiet "$tmp/base" "$base"

status=0
for pkg in sdk sdk/row sdk/analyticstest sdk/dbsync gen; do
	path="$module/$pkg"
	if [ ! -d "$tmp/base/$pkg" ]; then
		continue # new package: nothing to break
	fi
	export_file="$tmp/$(echo "$pkg" | tr / _).export"
	(cd "$tmp/base" && "$apidiff" -w "$export_file" "$path")
	if [ ! -d "$root/$pkg" ]; then
		echo "$path: removed"
		status=1
		continue
	fi
	report=$(cd "$root" && "$apidiff" -incompatible "$export_file" "$path")
	if [ -n "$report" ]; then
		echo "$path:"
		echo "$report" | sed 's/^/  /'
		status=1
	fi
done
if [ "$status" = 0 ]; then
	echo "api-diff: no incompatible change since $base"
fi
exit "$status"
