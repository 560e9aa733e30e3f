#!/usr/bin/env bash
# StrykerJS over src/train, src/graph, src/io/onnx and src/compress (stryker.config.json). Not part of npm test.
# Arguments go to `stryker run`, e.g. one file and its test file (a full sweep takes hours on SwiftShader):
#   bash scripts/mutate_js.sh --mutate src/graph/memory.ts --testFiles test/unit/graph.test.ts
# Reports: test-results/mutation/mutation.{html,json}; incremental state in docs/results/mutation/incremental/ (a rerun only tests
# mutants whose code or covering tests changed).
set -euo pipefail
cd "$(dirname "$0")/.."
# Tests find the ONNX backend-test models at ../shared (cwd-relative) and skip when it is missing. Stryker runs them
# in .cache/stryker-tmp/sandbox-*/, so ../shared from there is this link to the checkout's ../shared.
mkdir -p .cache/stryker-tmp docs/results/mutation/incremental
[ -e ../shared ] && ln -sfn ../../../shared .cache/stryker-tmp/shared
# Stryker's vitest runner uses worker threads, whose process.env is a copy: the Vulkan loader never sees the
# VK_ICD_FILENAMES that src/runtime/device.ts sets for its SwiftShader fallback. Set it before Node starts (kept
# if already set; mutation testing wants a deterministic adapter anyway).
ICD=/usr/lib/chromium/vk_swiftshader_icd.json
if [ -z "${VK_ICD_FILENAMES:-}" ] && [ -e "$ICD" ]; then export VK_ICD_FILENAMES="$ICD"; fi
exec npx stryker run "$@"
