#!/usr/bin/env bash
# The Pareto table of each scale family on this adapter, measured with every other job paused (issue 15's closing
# note). A fresh cache directory, so every layer is timed in this run; resolutions × 0.25 so SwiftShader can measure
# the grid. Run from the repository root: bash docs/results/scale-quiet/run.sh
set -euo pipefail
OUT=docs/results/scale-quiet
D=$(mktemp -d)
for spec in mobilenet_v1: mobilenet_v2: shufflenet:10 efficientnet:4; do
  f=${spec%%:*}; limit=${spec#*:}
  uptime | sed "s/^/$f start: /" >&2
  SLIMGPU_CACHE_DIR=$D ./bin/slimgpu scale --family "$f" --res-scale 0.25 --budget-ms 20 --measure 3 --runs 5 \
    ${limit:+--limit $limit} --json > "$OUT/$f.json"
  uptime | sed "s/^/$f end: /" >&2
done
node scripts/scale_table.mjs $OUT/mobilenet_v1.json $OUT/mobilenet_v2.json $OUT/shufflenet.json $OUT/efficientnet.json > $OUT/SUMMARY.md
rm -rf "$D"
