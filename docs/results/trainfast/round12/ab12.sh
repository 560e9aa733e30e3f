#!/bin/bash
# Quiet A/B, end to end: HEAD 716aec2 (base) vs batch-norm statistics in one shifted pass and SwiftShader's
# channel-reduction rule (4 row lanes, one part) (new), interleaved, batch 64, R rounds. Builds: `npx vite build
# --config vite.cli.config.ts` at each, dist/ copied to .cache/ab12/{base,new}. Other jobs paused.
# Usage: bash ab12.sh OUT ROUNDS
cd /work/main
B=.cache/ab12
out=$1; mkdir -p $out; : > $out/summary.txt
for r in $(seq 1 $2); do
 for m in cnn_tiny cnn_small; do
  for b in base new; do
   l=$(cut -d' ' -f1 /proc/loadavg)
   if [ $m = cnn_tiny ]; then a="--limit 4096 --max-steps 48"; else a="--limit 2048 --max-steps 24"; fi
   node $B/$b/cli.mjs train --model $m --batch 64 $a --test-limit 10 --json > $out/$m-$b-$r.json 2>$out/$m-$b-$r.err
   ips=$(grep -o '"images_per_s": [0-9.]*' $out/$m-$b-$r.json | head -1)
   echo "$r $b $m load=$l $ips" | tee -a $out/summary.txt
  done
 done
done
