#!/bin/bash
# Round 7 interleaved A/B (copied from round6/quiet-ab/ab6q.sh): base = main 98744ac (this branch's start), new = the
# train7 branch (conv2d_backward_weight_slidesum). Builds: the train7 worktree's .cache/ab7/{base,new} (vite build of
# each commit, dist/ copied). Alternates base, new per model and round; batch 64 and the round-5/6 quiet commands;
# per run: img/s and step_ms as the CLI prints them, process CPU s and wall s (/usr/bin/time), the 1-minute load.
cd "$(dirname "$0")/../../../../.."
B=${AB7:-.cache/ab7}
out=docs/results/trainfast/round7/e2e; [ -n "${APPEND:-}" ] || : > $out/summary.txt
for r in ${ROUNDS:-1 2 3}; do
 for m in cnn_tiny cnn_small; do
  for b in base new; do
   if [ $m = cnn_small ]; then a="--limit 2048 --max-steps 24"; else a="--limit 4096 --max-steps 48"; fi
   l=$(cut -d' ' -f1 /proc/loadavg)
   /usr/bin/time -f "cpu_s=%U+%S wall_s=%e" -o $out/$m-$b-$r.time node $B/$b/cli.mjs train --model $m --batch 64 $a --test-limit 10 --profile --json > $out/$m-$b-$r.json 2>$out/$m-$b-$r.err
   ips=$(grep -o '"images_per_s": [0-9.]*' $out/$m-$b-$r.json | head -1); step=$(grep -o '"step_ms": [0-9.]*' $out/$m-$b-$r.json | head -1)
   echo "$r $b $m load=$l $ips $step $(cat $out/$m-$b-$r.time)" | tee -a $out/summary.txt
  done
 done
done
