#!/usr/bin/env bash
# Planted-mutant check of the WGSL kernels (scripts/mutate_wgsl.ts, run through Vite's module runner: Node 20 runs
# no TypeScript by itself). Not part of npm test. MUTATE_ONLY=<regexp> picks mutants by id or family; MUTATE_LIST=1
# prints the table.
set -euo pipefail
cd "$(dirname "$0")/.."
node --input-type=module -e "const { runnerImport } = await import('vite'); await runnerImport('./scripts/mutate_wgsl.ts', { configFile: false, logLevel: 'error' });"
