#!/usr/bin/env bash
# Issue 5's compression targets on Fashion-MNIST, recorded (not a CI test). Every model is scored on the kernels it
# exports to (slimgpu eval: int8 → conv2d_int8, binary → conv2d_xnor, block-pruned → conv2d_bsr):
#   1. teacher cnn_small fp32 (trained here unless TEACHER=CKPT is given)
#   2. int8 post-training quantization of the teacher (target: drop ≤ 0.5 points)
#   3. int8 quantization-aware fine-tuning of the teacher, exported to int8 (target: drop ≤ 0.3 points)
#   4. binary network cnn_binary trained with --qat binary, on the XNOR kernels (target ≥ 88%)
#   5. 90% block-sparse (4×4 blocks) pruning while fine-tuning the teacher, on conv2d_bsr (target: drop ≤ 1 point)
#   6. filter pruning (L1) to half the MACs while fine-tuning the teacher, thinned (no target in the issue; recorded)
# Every run's JSON goes to $OUT; the table is printed at the end and written to $OUT/summary.json.
#
# Defaults are full size (60k images). What fits SwiftShader on 2 shared cores:
#   LIMIT=1000 TEST_LIMIT=10000 T_EPOCHS=5 T_AUGMENT=0 FT_EPOCHS=2 P_EPOCHS=8 B_EPOCHS=5 BATCH=32 bash scripts/compress_targets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-results/compress}
LIMIT=${LIMIT:-60000}
TEST_LIMIT=${TEST_LIMIT:-10000}
T_EPOCHS=${T_EPOCHS:-30}
T_LR=${T_LR:-0.02}
T_WARMUP=${T_WARMUP:-15}
T_AUGMENT=${T_AUGMENT:-1}
FT_EPOCHS=${FT_EPOCHS:-3}      # QAT fine-tuning
FT_LR=${FT_LR:-0.002}
P_EPOCHS=${P_EPOCHS:-10}       # pruning + fine-tuning: prune at the ends of epochs 1..P_END (cubic), then fine-tune
P_END=${P_END:-$(( P_EPOCHS / 2 > 0 ? P_EPOCHS / 2 : 1 ))}
P_LR=${P_LR:-0.005}
SPARSITY=${SPARSITY:-0.9}
BLOCK=${BLOCK:-4x4}
FLOPS=${FLOPS:-0.5}            # filter pruning: fraction of the MACs kept (thinned model)
B_EPOCHS=${B_EPOCHS:-30}       # binary network from scratch
B_LR=${B_LR:-0.02}
BATCH=${BATCH:-64}
CALIB=${CALIB:-512}
mkdir -p "$OUT"
common=(--dataset fashion-mnist --limit "$LIMIT" --test-limit 1000 --batch "$BATCH" --seed 1 --json) # train's own final score: 1k test images
[ "${SKIP_BUILD:-0}" = 1 ] || npx vite build --config vite.cli.config.ts >&2
cli() { node --enable-source-maps dist/cli.mjs "$@"; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }
score() { cli eval --ckpt "$1" --dataset fashion-mnist --test-limit "$TEST_LIMIT" --json "${@:2}"; }

TEACHER=${TEACHER:-}
if [ -z "$TEACHER" ]; then
  TEACHER="$OUT/teacher.ckpt"
  aug=()
  [ "$T_AUGMENT" = 1 ] && aug=(--augment)
  log "teacher cnn_small, $T_EPOCHS epochs"
  cli train --model cnn_small --epochs "$T_EPOCHS" --lr "$T_LR" --warmup "$T_WARMUP" "${aug[@]}" --out "$TEACHER" "${common[@]}" >"$OUT/teacher.json"
fi
log "teacher fp32 and int8 PTQ ($CALIB calibration images)"
score "$TEACHER" --precision fp32 >"$OUT/fp32_eval.json"
score "$TEACHER" --precision int8 --calib "$CALIB" >"$OUT/ptq_eval.json"
log "int8 QAT: fine-tune the teacher $FT_EPOCHS epochs"
cli train --model cnn_small --init "$TEACHER" --qat int8 --epochs "$FT_EPOCHS" --lr "$FT_LR" --warmup 0 --out "$OUT/qat.ckpt" "${common[@]}" >"$OUT/qat.json"
score "$OUT/qat.ckpt" --calib "$CALIB" >"$OUT/qat_eval.json"
log "block pruning to $SPARSITY ($BLOCK) while fine-tuning the teacher, $P_EPOCHS epochs"
cli train --model cnn_small --init "$TEACHER" --prune "$SPARSITY" --prune-epochs "1:$P_END" --prune-block "$BLOCK" \
  --epochs "$P_EPOCHS" --lr "$P_LR" --warmup 0 --out "$OUT/sparse.ckpt" "${common[@]}" >"$OUT/sparse.json"
score "$OUT/sparse.ckpt" >"$OUT/sparse_eval.json"
log "filter pruning (l1) to $FLOPS of the MACs while fine-tuning the teacher, $P_EPOCHS epochs"
cli train --model cnn_small --init "$TEACHER" --prune-filters l1 --prune-flops "$FLOPS" --prune-epochs "1:$P_END" \
  --epochs "$P_EPOCHS" --lr "$P_LR" --warmup 0 --out "$OUT/thin.ckpt" "${common[@]}" >"$OUT/thin.json"
score "$OUT/thin.ckpt" >"$OUT/thin_eval.json"
log "binary cnn_binary from scratch, $B_EPOCHS epochs"
cli train --model cnn_binary --qat binary --epochs "$B_EPOCHS" --lr "$B_LR" --warmup "$T_WARMUP" --out "$OUT/binary.ckpt" "${common[@]}" >"$OUT/binary.json"
score "$OUT/binary.ckpt" >"$OUT/binary_eval.json"
score "$OUT/binary.ckpt" --precision as-trained >"$OUT/binary_as_trained.json"

node scripts/compress_summary.mjs "$OUT"
