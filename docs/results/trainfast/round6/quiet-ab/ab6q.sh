#!/bin/bash
# Quiet A/B: round-5 build (base, 41abf18) vs round 6 (new, afd4e1e: 2x2 batch-norm/max-pool kernels, fc gradients
# as matmuls, the sliding forward conv), interleaved, batch 64, the same commands as round 5. Builds: the train6 worktree's
# .cache/ab6/{base,new}. Every other job on the machine paused.
cd /work/main
B=${AB6:-/work/wt/train6/.cache/ab6}
out=docs/results/trainfast/round6/quiet-ab; : > $out/summary.txt
for r in 1 2 3; do
 for b in base new; do
  for m in cnn_tiny cnn_small; do
   if [ $m = cnn_small ]; then a="--limit 2048 --max-steps 24"; else a="--limit 4096 --max-steps 48"; fi
   l=$(cut -d' ' -f1 /proc/loadavg)
   node $B/$b/cli.mjs train --model $m --batch 64 $a --test-limit 10 --profile --json > $out/$m-$b-$r.json 2>$out/$m-$b-$r.err
   ips=$(grep -o '"images_per_s": [0-9.]*' $out/$m-$b-$r.json | head -1); step=$(grep -o '"step_ms": [0-9.]*' $out/$m-$b-$r.json | head -1)
   echo "$r $b $m load=$l $ips $step" | tee -a $out/summary.txt
  done
 done
done
