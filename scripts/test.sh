#!/usr/bin/env bash
# Every test: unit tests in Node (Dawn on the local adapter, SwiftShader when there is no GPU), then the
# browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
npx vitest run "$@"
