#!/usr/bin/env bash
# On the lent GPU machine: unpack .devpack, then GPU facts, correctness (the unit suites on the real GPU) and
# figures (zoo latency, peers, compressed kernels). Everything lands in $OUT.
set -uo pipefail
cd "$(dirname "$0")/../.."
for f in .devpack/gl/*.deb; do dpkg -x "$f" /; done; ldconfig
mkdir -p /tmp/nodebin && xz -dc .devpack/node.xz > /tmp/nodebin/node && chmod +x /tmp/nodebin/node
export PATH=/tmp/nodebin:$PATH
tar -xJf .devpack/node_modules.tar.xz
rm -rf dist && cp -r .devpack/dist dist
if [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
nvidia-smi -L | tee "$OUT/nvidia.txt"
node dist/cli.mjs info --json > "$OUT/info.json" 2> "$OUT/info.err"; cat "$OUT/info.json" | head -20
T=${DEVICE_TIME_BUDGET:-420}
start=$(date +%s)
left() { echo $(( T - ($(date +%s) - start) )); }
E="$OUT/errors.log"
# 1. correctness on the real GPU: kernel, model, compressed and backward suites; ONNX conformance
timeout $(( $(left) / 3 )) node node_modules/vitest/vitest.mjs run test/unit/conv.test.ts test/unit/ops.test.ts test/unit/models.test.ts test/unit/graph.test.ts \
  test/unit/int8.test.ts test/unit/xnor.test.ts test/unit/block_sparse.test.ts test/unit/backward.test.ts test/unit/onnx_tensor_ops.test.ts \
  > "$OUT/tests.log" 2>&1; echo "tests rc=$?"; tail -5 "$OUT/tests.log"
timeout 60 node dist/cli.mjs onnx-test .devpack/onnx-node-tests --allow-fail 2>>"$E" | tail -3 | tee -a "$OUT/tests.log"
# 2. figures: tuned zoo latency at batch 1 and 32, peers, compressed kernels
for m in "mobilenet_v1" "mobilenet_v2" "shufflenet --groups 3 --scale 1" "efficientnet --phi 0"; do
  for b in 1 32; do
    timeout 60 node dist/cli.mjs run --model $m --batch $b --runs 20 --tune measure --json >> "$OUT/run.jsonl" 2>>"$E"
  done
done
for p in "int8" "binary" "fp32 --sparsity 0.9 --block auto"; do
  timeout 60 node dist/cli.mjs run --model mobilenet_v1 --precision $p --runs 20 --tune measure --json >> "$OUT/run.jsonl" 2>>"$E"
done
timeout $(( $(left) > 40 ? $(left) / 2 : 20 )) node dist/bench/cli.mjs --suite core --tune measure --json > "$OUT/bench_core.json" 2>>"$E"
timeout $(( $(left) > 20 ? $(left) - 10 : 10 )) node dist/bench/cli.mjs --suite compressed --json > "$OUT/bench_compressed.json" 2>>"$E"
echo done in $(( $(date +%s) - start )) s
