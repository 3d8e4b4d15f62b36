#!/usr/bin/env bash
# The build, the type check (sources, tests and benches) and the linter are independent: run them
# at once (two cores), then fail if any failed, with each one's output kept apart.
set -u
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
npm run -s build >"$out/build" 2>&1 & build=$!
npm run -s typecheck >"$out/typecheck" 2>&1 & typecheck=$!
npm run -s lint >"$out/lint" 2>&1 & lint=$!
rc=0
for step in build typecheck lint; do
  if ! wait "${!step}"; then
    echo "npm test: $step failed:" >&2
    cat "$out/$step" >&2
    rc=1
  fi
done
exit $rc
