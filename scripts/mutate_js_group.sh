#!/usr/bin/env bash
# One StrykerJS run over a group of files with the tests given, its incremental state committed under
# docs/results/mutation/incremental/<name>.json (so a later session resumes: only mutants whose code or covering
# tests changed are retested). Summaries: node scripts/mutation_summary.mjs.
#   bash scripts/mutate_js_group.sh <name> '<mutate globs, comma-separated>' '<test files, comma-separated>' [stryker args]
# e.g. bash scripts/mutate_js_group.sh graph 'src/graph/ir.ts,src/graph/passes.ts' 'test/unit/graph.test.ts'
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 mutate=$2 tests=$3
shift 3
mkdir -p docs/results/mutation/incremental
bash scripts/mutate_js.sh --mutate "$mutate" --testFiles "$tests" \
  --incrementalFile "docs/results/mutation/incremental/$name.json" "$@"
mkdir -p test-results/mutation/groups
cp test-results/mutation/mutation.json "test-results/mutation/groups/$name.json"
