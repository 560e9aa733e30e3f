#!/usr/bin/env bash
# One StrykerJS run over a group of files with the tests given, its incremental state committed under
# docs/results/mutation/incremental/<name>.json (so a later session resumes: only mutants whose code or covering
# tests changed are retested). Each group has its own sandbox folder, so two groups may run at once.
# Summaries: node scripts/mutation_summary.mjs.
#   bash scripts/mutate_js_group.sh <name> '<mutate globs, comma-separated>' '<test files, comma-separated>' [stryker args]
# e.g. bash scripts/mutate_js_group.sh graph_ir 'src/graph/ir.ts' 'test/unit/graph_ir.test.ts,test/unit/passes.test.ts'
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 mutate=$2 tests=$3
shift 3
mkdir -p docs/results/mutation/incremental ".cache/stryker-tmp-$name" test-results/mutation/groups
[ -e ../shared ] && ln -sfn ../../../shared ".cache/stryker-tmp-$name/shared"
bash scripts/mutate_js.sh --mutate "$mutate" --testFiles "$tests" --tempDirName ".cache/stryker-tmp-$name" \
  --incrementalFile "docs/results/mutation/incremental/$name.json" "$@"
cp test-results/mutation/mutation.json "test-results/mutation/groups/$name.json" || true
