#!/bin/bash
# Quiet A/B, end to end, cnn_tiny: HEAD before round 11 (base: e4b925f) vs Winograd weight gradient first for
# cnn_tiny's conv2 at dwChunks' Winograd chunk count (new), interleaved, batch 64 (round 6's command), 5 rounds.
# Builds: `npx vite build --config vite.cli.config.ts` at each, copied to .cache/ab11/{base,new}. Other jobs paused.
# Usage: bash ab11.sh [OUT] (default docs/results/trainfast/round11; the rerun wrote to docs/results/trainfast/round11/quiet)
cd /work/main
B=.cache/ab11
out=${1:-docs/results/trainfast/round11}; mkdir -p $out; : > $out/summary.txt
for r in 1 2 3 4 5; do
 for b in base new; do
  l=$(cut -d' ' -f1 /proc/loadavg)
  node $B/$b/cli.mjs train --model cnn_tiny --batch 64 --limit 4096 --max-steps 48 --test-limit 10 --json > $out/cnn_tiny-$b-$r.json 2>$out/cnn_tiny-$b-$r.err
  ips=$(grep -o '"images_per_s": [0-9.]*' $out/cnn_tiny-$b-$r.json | head -1)
  echo "$r $b cnn_tiny load=$l $ips" | tee -a $out/summary.txt
 done
done
