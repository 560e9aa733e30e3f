#!/bin/bash
# Quiet A/B, end to end: the build before the Winograd kernels (base: 7779b25, = 133dc5d~1) vs after rounds 8 + 9
# (new: e4b925f), interleaved, batch 64, the commands of rounds 5-6. Builds: `npx vite build --config
# vite.cli.config.ts` at each commit, copied to .cache/ab10/{base,new} (beside node_modules). Every other job on the machine paused (kill -STOP).
cd /work/main
B=${AB:-.cache/ab10}
out=docs/results/trainfast/round10-quiet; : > $out/summary.txt
for r in 1 2 3; do
 for b in base new; do
  for m in cnn_tiny cnn_small; do
   if [ $m = cnn_small ]; then a="--limit 2048 --max-steps 24"; else a="--limit 4096 --max-steps 48"; fi
   l=$(cut -d' ' -f1 /proc/loadavg)
   node $B/$b/cli.mjs train --model $m --batch 64 $a --test-limit 10 --json > $out/$m-$b-$r.json 2>$out/$m-$b-$r.err
   ips=$(grep -o '"images_per_s": [0-9.]*' $out/$m-$b-$r.json | head -1)
   echo "$r $b $m load=$l $ips" | tee -a $out/summary.txt
  done
 done
done
