#!/bin/bash
# Interleaved end-to-end A/B of two CLI builds, batch 32: base = 41abf18 (main at this branch's start, round 5 merged),
# new = afd4e1e (round 6: 2×2 batch-norm/max-pool kernels, fully connected gradients as matmuls, sliding-window
# forward conv). Builds copied to .cache/ab6/{base,new}. Alternates base, new per model; per run: img/s and step_ms
# as the CLI prints them, process CPU s and wall s (/usr/bin/time), the 1-minute load before the run.
cd "$(dirname "$0")/../../../../.."
out=docs/results/trainfast/round6/e2e; [ -n "${APPEND:-}" ] || : > $out/summary.txt
for r in ${ROUNDS:-1 2 3 4}; do
 for m in cnn_tiny cnn_small; do
  for b in base new; do
   if [ $m = cnn_small ]; then a="--limit 512 --max-steps 16"; else a="--limit 2048 --max-steps 48"; fi
   l=$(cut -d' ' -f1 /proc/loadavg)
   /usr/bin/time -f "cpu_s=%U+%S wall_s=%e" -o $out/$m-$b-$r.time node .cache/ab6/$b/cli.mjs train --model $m --batch 32 $a --test-limit 10 --profile --json > $out/$m-$b-$r.json 2>$out/$m-$b-$r.err
   ips=$(grep -o '"images_per_s": [0-9.]*' $out/$m-$b-$r.json | head -1); step=$(grep -o '"step_ms": [0-9.]*' $out/$m-$b-$r.json | head -1)
   echo "$r $b $m load=$l $ips $step $(cat $out/$m-$b-$r.time)" | tee -a $out/summary.txt
  done
 done
done
