#!/usr/bin/env bash
# Issue 5's accuracy targets on Fashion-MNIST, recorded (not a CI test):
#   1. teacher cnn_small (target ≥ 93% test accuracy)
#   2. student cnn_tiny (≤ 1/10 of the teacher's parameters) alone vs with knowledge distillation from the teacher,
#      same epochs and seeds, median of the seeds (target: KD ≥ +0.5 points)
#   3. deep mutual learning, 2 cnn_tiny peers (init seeds S, S+1) vs each peer's independently trained twin (same
#      init seed, same data order) (target: each peer ≥ +0.5 points)
# Every run's JSON goes to $OUT; the summary table is printed at the end and written to $OUT/summary.json.
#
# Defaults are the full-size runs (60k images, many epochs: hours on a real GPU's budget, far more on SwiftShader).
# Smaller runs (what fits SwiftShader on 2 shared cores): LIMIT=1000 TEST_LIMIT=1000 T_EPOCHS=5 T_AUGMENT=0 S_EPOCHS=4 BATCH=32 \
#   bash scripts/train_targets.sh
# PAR=1 runs the teacher→KD chain and the student/DML chain side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench-results/train}
LIMIT=${LIMIT:-60000}
TEST_LIMIT=${TEST_LIMIT:-10000}
T_EPOCHS=${T_EPOCHS:-30}
T_LR=${T_LR:-0.02}
T_WARMUP=${T_WARMUP:-15}
T_AUGMENT=${T_AUGMENT:-1}
S_EPOCHS=${S_EPOCHS:-20}
S_LR=${S_LR:-0.02}
S_WARMUP=${S_WARMUP:-15}
SEEDS=${SEEDS:-"1 2 3"}
BATCH=${BATCH:-64}
TAU=${TAU:-4}
ALPHA=${ALPHA:-0.5}
PAR=${PAR:-0}
mkdir -p "$OUT"
common=(--dataset fashion-mnist --limit "$LIMIT" --test-limit "$TEST_LIMIT" --batch "$BATCH" --json)
student=(--lr "$S_LR" --warmup "$S_WARMUP") # students alone, with KD, DML peers and twins: identical settings
[ "${SKIP_BUILD:-0}" = 1 ] || npx vite build --config vite.cli.config.ts >&2 # build once, before runs start side by side
cli() { node --enable-source-maps dist/cli.mjs "$@"; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

teacher_chain() {
  log "teacher cnn_small, $T_EPOCHS epochs, lr $T_LR, warm-up $T_WARMUP steps, augmentation $T_AUGMENT"
  aug=()
  [ "$T_AUGMENT" = 1 ] && aug=(--augment)
  cli train --model cnn_small --epochs "$T_EPOCHS" --lr "$T_LR" --warmup "$T_WARMUP" "${aug[@]}" --seed 1 --out "$OUT/teacher.ckpt" "${common[@]}" >"$OUT/teacher.json"
  cli eval --ckpt "$OUT/teacher.ckpt" --dataset fashion-mnist --test-limit "$TEST_LIMIT" --json >"$OUT/teacher_eval.json"
  for s in $SEEDS; do
    log "student cnn_tiny + KD (τ=$TAU, α=$ALPHA), seed $s"
    cli train --model cnn_tiny --epochs "$S_EPOCHS" --seed "$s" --teacher "$OUT/teacher.ckpt" --kd --temperature "$TAU" --alpha "$ALPHA" \
      --out "$OUT/student_kd_s$s.ckpt" "${student[@]}" "${common[@]}" >"$OUT/student_kd_s$s.json"
  done
}

student_chain() {
  for s in $SEEDS; do
    log "student cnn_tiny alone, seed $s"
    cli train --model cnn_tiny --epochs "$S_EPOCHS" --seed "$s" --out "$OUT/student_s$s.ckpt" "${student[@]}" "${common[@]}" >"$OUT/student_s$s.json"
  done
  first=${SEEDS%% *}
  log "deep mutual learning, 2 cnn_tiny peers (init seeds $first, $((first + 1)))"
  cli train --model cnn_tiny --epochs "$S_EPOCHS" --seed "$first" --mutual 2 --out "$OUT/dml.ckpt" "${student[@]}" "${common[@]}" >"$OUT/dml.json"
  log "independent twin of peer 1 (init seed $((first + 1)), data seed $first)"
  cli train --model cnn_tiny --epochs "$S_EPOCHS" --seed "$first" --init-seed "$((first + 1))" "${student[@]}" "${common[@]}" >"$OUT/twin1.json"
}

if [ "$PAR" = 1 ]; then
  teacher_chain &
  tpid=$!
  student_chain
  wait "$tpid"
else
  teacher_chain
  student_chain
fi

node scripts/train_summary.mjs "$OUT" "$SEEDS"
