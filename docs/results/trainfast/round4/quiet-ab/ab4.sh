#!/bin/bash
# Quiet A/B: round-3 build (base) vs this stop's main (new), interleaved, batch 64 (same commands as round 3).
cd /work/main
out=/work/note/quiet-ab4; mkdir -p $out; : > $out/summary.txt
for r in 1 2 3; do
 for b in base new; do
  for m in cnn_tiny cnn_small; do
   if [ $m = cnn_small ]; then a="--limit 2048 --max-steps 24"; else a="--limit 4096 --max-steps 48"; fi
   l=$(cut -d' ' -f1 /proc/loadavg)
   node .cache/ab4/$b/cli.mjs train --model $m --batch 64 $a --test-limit 10 --profile --json > $out/$m-$b-$r.json 2>$out/$m-$b-$r.err
   ips=$(grep -o '"images_per_s": [0-9.]*' $out/$m-$b-$r.json); step=$(grep -o '"step_ms": [0-9.]*' $out/$m-$b-$r.json)
   echo "$r $b $m load=$l $ips $step" | tee -a $out/summary.txt
  done
 done
done
