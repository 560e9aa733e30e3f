#!/usr/bin/env bash
# Fuzz the ONNX importer with CASES mutated model files (default 2000) from SEED (default 1); prints a summary and
# exits non-zero on any crash, hang or runaway allocation. See scripts/fuzz_onnx.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_CASES="${1:-2000}" FUZZ_SEED="${2:-1}" npx vitest run test/unit/onnx_fuzz.test.ts
