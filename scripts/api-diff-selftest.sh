#!/usr/bin/env bash
# Shows that make api-diff catches what it must: in a scratch clone, a
# commit removes an exported function (sdk.NoRetries) and changes a
# field's type (sdk.RetryConfig.MaxRetries from int to int64); api-diff
# against the commit before must fail and name both.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone --quiet "$root" "$tmp/repo"
cp -R "$root/tools" "$tmp/repo/" 2>/dev/null || true
cd "$tmp/repo"
git -c user.name=selftest -c user.email=selftest@example.com commit --quiet --allow-empty -m base
python3 - <<'PY'
import re
p = "sdk/retry.go"
s = open(p).read()
s = re.sub(r"// NoRetries is a RetryConfig that sends each request once.\nfunc NoRetries\(\) RetryConfig \{ return RetryConfig\{Strategy: RetryNone\} \}\n", "", s)
s = s.replace("\tMaxRetries int\n", "\tMaxRetries int64\n")
open(p, "w").write(s)
p = "sdk/transport.go"  # the one use that must follow the new type
s = open(p).read()
open(p, "w").write(s.replace("n > policy.MaxRetries", "int64(n) > policy.MaxRetries"))
PY
git -c user.name=selftest -c user.email=selftest@example.com commit --quiet -am "break the API"
if out=$(scripts/api-diff.sh HEAD~1 2>&1); then
	echo "api-diff missed the breaking change:"; echo "$out"; exit 1
fi
echo "$out"
grep -q "NoRetries: removed" <<<"$out" || { echo "the removed function is not named"; exit 1; }
grep -q "MaxRetries: changed from int to int64" <<<"$out" || { echo "the changed field is not named"; exit 1; }
echo "api-diff-selftest: both caught"
