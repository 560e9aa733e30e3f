#!/usr/bin/env bash
# On the lent GPU machine, with the pack of pack_train.sh (`bash scripts/device/pack_train.sh` here first, then
# `bash scripts/device/tree.sh out` so that tree + pack fit 64 MiB, and `tree.sh back` after the call):
#   1. training throughput, ours vs tfjs-webgpu, same adapter (issue 12);
#   2. the compressed-kernel suite: int8 / XNOR / block-sparse vs our fp32 per layer (issue 13);
#   3. the latency predictor's held-out MAPE with its noise floor, and each family's Pareto table (issue 15);
#   4. the accuracy studies of issue 12 (scripts/study.ts --plan P for each P of PLANS, default "full_wide full";
#      --jobs: JOBS runs at once in all, as one small training run leaves an H200 mostly idle) for what is left of
#      TOTAL_S seconds; they stop cleanly (checkpoints every minute) and resume in a second call on the warm machine
#      (RESUME=1 skips 1-3).
# What comes back (8 files at most): gpu-results.tar.xz (the study's results and checkpoints, every JSON) and the
# logs beside it. DEVICE_LOCAL_TEST=1 runs it here on SwiftShader (no unpacking; tiny time limits) to test the plumbing.
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${DEVICE_LOCAL_TEST:-}" ]; then
  for f in .devpack/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  if [ ! -x /tmp/nodebin/node ]; then mkdir -p /tmp/nodebin && xz -dc .devpack/node.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node; fi
  export PATH=/tmp/nodebin:$PATH
  [ -d node_modules/webgpu ] || tar -xJf .devpack/nm_slim.tar.xz
  rm -rf dist && cp -r .devpack/dist dist
  D=/usr/share/datasets/fashion-mnist
  if [ ! -f $D/t10k-labels-idx1-ubyte.gz ]; then
    mkdir -p $D && xz -dc .devpack/data/train-images.xz | gzip -1 > $D/train-images-idx3-ubyte.gz && cp .devpack/data/*.gz $D/
  fi
  if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi
fi
R=gpu-results                  # everything that comes back, tarred at the end
mkdir -p $R
E="$OUT/errors.log"
JOBS=${JOBS:-8}
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 )) s] $*" | tee -a "$OUT/steps.log"; }
stamp "start $(date -u +%FT%TZ)"
nvidia-smi -L > $R/nvidia.txt 2>&1; nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv >> $R/nvidia.txt 2>&1
[ -f $R/info.json ] || node dist/cli.mjs info --json > $R/info.json 2>>"$E"
head -c 300 $R/info.json; echo

if [ -z "${RESUME:-}" ]; then
  # 1. training throughput vs tfjs (same adapter, interleaved rounds), at batch 32 (the issue's) and 64 (the study's)
  for b in 32 64; do
    timeout ${TRAIN_S:-45} node dist/bench/cli.mjs --suite train --json --runs 5 --batch $b --steps 40 --warmup 10 \
      > $R/bench_train_b$b.json 2>>"$E"; stamp "bench train b$b rc=$?"
  done
  # 2. compressed kernels vs our fp32, per layer
  timeout ${COMP_S:-60} node dist/bench/cli.mjs --suite compressed --json > $R/bench_compressed.json 2>>"$E"; stamp "bench compressed rc=$?"
  # 3. the latency predictor's error (held-out configurations, noise floor beside it), then the Pareto tables
  timeout ${SCALE_S:-60} node dist/cli.mjs scale --validate --family mobilenet_v1,shufflenet --runs 15 --json \
    > $R/scale_validate.json 2>>"$E"; stamp "scale validate rc=$?"
  for f in mobilenet_v1 mobilenet_v2 shufflenet efficientnet; do
    timeout ${PARETO_S:-15} node dist/cli.mjs scale --family $f --budget-ms 5 --measure 3 --runs 5 --json > $R/scale_$f.json 2>>"$E"
    stamp "scale $f rc=$?"
  done
fi
# 4. the studies, for what is left of TOTAL_S, all PLANS at once (JOBS runs in all). Each starts from a copy of its
#    committed results (finished runs are skipped; parked checkpoints resume), in gpu-results/study-<plan>, with
#    its checkpoints in gpu-results/work-<plan>. Back here: copy study-<plan> over docs/results/study/<plan> and
#    work-<plan> into bench-results/study/<plan>, rewriting the recorded paths (gpu-results/work-<plan> →
#    bench-results/study/<plan>).
S=$(( ${TOTAL_S:-540} - ($(date +%s) - t0) - 30 ))
PLANS=${PLANS:-full_wide full}
n=$(echo $PLANS | wc -w); J=$(( JOBS / n > 0 ? JOBS / n : 1 ))
stamp "studies $PLANS for ${S} s, --jobs $J each"
nvidia-smi dmon -s u -d 5 >> $R/dmon.txt 2>&1 & DMON=$!
for P in $PLANS; do
  mkdir -p $R/study-$P; [ -d docs/results/study/$P ] && cp -r docs/results/study/$P/. $R/study-$P/
  timeout -s TERM -k 20 "$S" node dist/study.mjs --plan $P --no-build --jobs "$J" --checkpoint-every-min 1 \
    --results $R/study-$P --work $R/work-$P >> $R/study-$P.log 2>&1 &
done
wait $(jobs -p | grep -v "^$DMON$") 2>/dev/null
stamp "studies ended"; kill $DMON 2>/dev/null
for P in $PLANS; do
  node dist/study.mjs --plan $P --results $R/study-$P --work $R/work-$P --summary 2>>"$E"
  echo "== $P"; grep -E "done in|FAILED|blocked" $R/study-$P.log | tail -30
done
# the predictions are remade from checkpoints where needed; logs and results are small
tar -cJf "$OUT/gpu-results.tar.xz" --exclude='*.pred*.jsonl' $R 2>>"$E"; stamp "tar rc=$? $(du -h "$OUT/gpu-results.tar.xz" | cut -f1)"
for P in ${PLANS}; do cp $R/study-$P.log "$OUT/" 2>/dev/null; done
