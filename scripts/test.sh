#!/usr/bin/env bash
# Every test: type check, format check (prettier) and lint (eslint), then the vitest suites (Node + Dawn on the local adapter, SwiftShader when there is
# no GPU; the browser suites drive headless Chromium). Ends with the line 'N passed, N failed'.
set -uo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json --noEmit || { echo "typecheck failed"; echo "0 passed, 1 failed"; exit 1; }
npx prettier --check . --log-level warn || { echo "format check failed (npx prettier --write .)"; echo "0 passed, 1 failed"; exit 1; }
npx eslint . || { echo "lint failed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p test-results && rm -f test-results/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json "$@"
status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-results/vitest.json", "utf8")); // written by this run only
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
