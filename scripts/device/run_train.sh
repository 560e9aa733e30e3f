#!/usr/bin/env bash
# On the lent GPU machine, with the pack of pack_train.sh: tuned peer benchmark and training throughput (ours vs
# tfjs, same adapter), then the study of issue 12 (scripts/study.ts --plan full: teacher, students alone / with KD,
# DML peers and twins, int8 PTQ/QAT, binary, 90% block-sparse, filter-pruned) for as long as the budget allows. Its
# results go to $OUT/study (a fresh directory: the SwiftShader runs in docs/results/study/full are not mixed in).
set -uo pipefail
cd "$(dirname "$0")/../.."
for f in .devpack/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
mkdir -p /tmp/nodebin && xz -dc .devpack/node.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node
export PATH=/tmp/nodebin:$PATH
tar -xJf .devpack/nm_slim.tar.xz
rm -rf dist && cp -r .devpack/dist dist
D=/usr/share/datasets/fashion-mnist; mkdir -p $D
xz -dc .devpack/data/train-images.xz | gzip -1 > $D/train-images-idx3-ubyte.gz
cp .devpack/data/*.gz $D/
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
E="$OUT/errors.log"
T=${DEVICE_TIME_BUDGET:-300}
start=$(date +%s)
left() { echo $(( T - ($(date +%s) - start) )); }
timeout 90 node dist/bench/cli.mjs --suite core --tune measure --runs 10 --json > "$OUT/bench_core_tuned.json" 2>>"$E"; echo "bench rc=$?"
timeout 90 node dist/bench/cli.mjs --suite train --json --runs 3 --batch 64 --steps 5 --warmup 2 > "$OUT/bench_train.json" 2>>"$E"; echo "bench train rc=$?"
timeout 20 node dist/cli.mjs train --model cnn_small --epochs 1 --limit 6400 --batch 64 --test-limit 1000 --json > "$OUT/train_probe.json" 2>>"$E"; echo "probe rc=$?"
cat "$OUT/train_probe.json" | head -c 600; echo
mkdir -p "$OUT/study"
timeout $(( $(left) - 15 )) node dist/study.mjs --plan full --no-build --results "$OUT/study" --work /tmp/study-work > "$OUT/study.log" 2>&1
echo "study rc=$?"; tail -20 "$OUT/study.log"
node dist/study.mjs --plan full --results "$OUT/study" --work /tmp/study-work --summary
echo done in $(( $(date +%s) - start )) s
