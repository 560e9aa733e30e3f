#!/usr/bin/env bash
# Provisional models for the demo pages (demos/classify, demos/compress, demos/train): quick CLI runs on 1,000
# Fashion-MNIST training images, each scored with `slimgpu eval`, listed in models/manifest.json (schema
# slimgpu-models/1, "provisional": true). The training issue's real checkpoints replace
# them: same layout, same manifest fields. test_accuracy is `eval` on the first TEST_LIMIT test images (default 2,000;
# the real models are scored on all 10,000; test_examples says how many). ~15 min of CPU on SwiftShader (2 cores).
# A checkpoint already there is not trained again; an eval newer than its checkpoint is reused.
#   bash scripts/train_demo_models.sh            # OUT=models by default
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-models}
LIMIT=${LIMIT:-1000}
TEST_LIMIT=${TEST_LIMIT:-2000}   # the 10k set takes ~10 min per cnn_small model on a loaded 2-core SwiftShader machine
mkdir -p "$OUT" "$OUT/.runs"
cli() { ./bin/slimgpu "$@"; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
common="--dataset fashion-mnist --limit $LIMIT --test-limit 200 --batch 32 --seed 1 --json"
entries=()
# name file model precision sparse role peer recipe...
run() {
  local name=$1 file=$2 model=$3 precision=$4 sparse=$5 role=$6 peer=$7; shift 7
  local recipe="./bin/slimgpu train $* $common --out $OUT/$file"
  if [ ! -f "$OUT/$file" ]; then
    log "$name: $recipe"
    cli train "$@" $common --out "$OUT/$file" >"$OUT/.runs/$name.train.json"
  fi
  if [ -n "$(find "$OUT/.runs/$name.eval.json" -newer "$OUT/$file" 2>/dev/null)" ] && grep -q "\"test_examples\": $TEST_LIMIT," "$OUT/.runs/$name.eval.json"; then
    log "$name: eval of $TEST_LIMIT images already there"
  else
    log "$name: eval on $TEST_LIMIT test images"
    cli eval --ckpt "$OUT/$file" --peer "$peer" --dataset fashion-mnist --test-limit "$TEST_LIMIT" --json >"$OUT/.runs/$name.eval.json"
  fi
  entries+=("$(node -e '
    const [name, file, model, precision, sparse, role, peer, recipe, out] = process.argv.slice(1);
    const fs = require("fs");
    const ev = JSON.parse(fs.readFileSync(`${out}/.runs/${name}.eval.json`, "utf8"));
    const e = { name, file, model, precision, sparse: sparse === "1", role, recipe, seed: 1,
      data: "fashion-mnist: first '"$LIMIT"' training images (seeded shuffle), scored with eval on the first '"$TEST_LIMIT"' test images",
      test_accuracy: ev.test_accuracy, test_examples: ev.test_examples, size_bytes: fs.statSync(`${out}/${file}`).size, model_bytes: ev.model_bytes,
      date: new Date().toISOString().slice(0, 10), provisional: true };
    if (role === "dml") e.peer = Number(peer);
    console.log(JSON.stringify(e));
  ' "$name" "$file" "$model" "$precision" "$sparse" "$role" "$peer" "$recipe" "$OUT")")
}
run teacher teacher.ckpt cnn_small fp32 0 teacher 0 --model cnn_small --epochs 3 --lr 0.02 --warmup 15
run student student.ckpt cnn_tiny fp32 0 student 0 --model cnn_tiny --epochs 4 --lr 0.02 --warmup 15
run kd kd.ckpt cnn_tiny fp32 0 kd 0 --model cnn_tiny --teacher "$OUT/teacher.ckpt" --kd --temperature 4 --alpha 0.5 --epochs 4 --lr 0.02 --warmup 15
run dml dml.ckpt cnn_tiny fp32 0 dml 0 --model cnn_tiny --mutual 2 --epochs 4 --lr 0.02 --warmup 15
run int8 int8.ckpt cnn_tiny int8 0 int8 0 --model cnn_tiny --init "$OUT/student.ckpt" --qat int8 --epochs 1 --lr 0.002 --warmup 0
run binary binary.ckpt cnn_binary binary 0 binary 0 --model cnn_binary --binary --epochs 1 --lr 0.02 --warmup 15
run sparse sparse.ckpt cnn_tiny fp32 1 sparse 0 --model cnn_tiny --init "$OUT/student.ckpt" --prune 0.9 --prune-epochs 1:1 --prune-block 4x4 --epochs 2 --lr 0.005 --warmup 0
run thinned thinned.ckpt cnn_tiny fp32 0 thinned 0 --model cnn_tiny --init "$OUT/student.ckpt" --prune-filters l1 --prune-flops 0.5 --prune-epochs 1:1 --epochs 2 --lr 0.005 --warmup 0
OUT_FILE="$OUT/manifest.json" node -e '
  const models = process.argv.slice(1).map((s) => JSON.parse(s));
  const doc = { schema: "slimgpu-models/1", note: "provisional stand-ins trained by scripts/train_demo_models.sh (1,000 training images, a few epochs); the training issue replaces them", models };
  require("fs").writeFileSync(process.env.OUT_FILE, JSON.stringify(doc, null, 2) + "\n");
' "${entries[@]}"
log "wrote $OUT/manifest.json"
