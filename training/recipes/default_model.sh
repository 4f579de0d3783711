#!/usr/bin/env bash
# Reproduces nvhai_predictor's shipped model (src/nvhai_predictor/nvhai_predictor/models/default.onnx)
# and the synthetic-tier study: about 15 minutes on 2 CPU cores.
#   bash training/recipes/default_model.sh            (from the repository root, after `make setup`)
# The CMU test split is only scored, never used to choose anything.
set -euo pipefail
DATA=${DATA:-../shared/data/cmu_mocap}
WORK=${WORK:-runs/default}
EPOCHS_PRE=${EPOCHS_PRE:-15}
EPOCHS_FT=${EPOCHS_FT:-25}
T="${NVHAI_VENV:-.venv}/bin/nvhai-train"
mkdir -p "$WORK"

# Data: real CMU motion split by clip; BVH of the training clips seen by random cameras;
# procedural labelled motion for the three emotions (the synthetic tiers) and a held-out set.
$T split --keypoints "$DATA/cmu_coco17_30fps_train.npz" --test-fraction 0.2 --seed 0 \
  --out-train "$WORK/cmu_train.npz" --out-test "$WORK/cmu_test.npz"
$T import-bvh --bvh-dir "$DATA/bvh" --views 12 --exclude-from "$WORK/cmu_test.npz" --out "$WORK/bvh_train.npz"
for n in 9000 45000 90000; do
  $T synth --count $n --seed 1 --out "$WORK/synth_$((n / 1000))k.npz"
done
$T synth --count 3000 --seed 99 --out "$WORK/synth_test.npz"

common=(--arch residual_dct --test "$WORK/cmu_test.npz" --test-stride 2 --threads 2)
# Baseline: real data only.
$T train "${common[@]}" --train "$WORK/cmu_train.npz" --epochs "$EPOCHS_FT" --out "$WORK/scratch"
# Synthetic tiers: pretrain on procedural motion only, finetune on real.
for tier in 9k 45k 90k; do
  $T train "${common[@]}" --train "$WORK/synth_$tier.npz" --epochs "$EPOCHS_PRE" --out "$WORK/pre_$tier"
  $T train "${common[@]}" --init "$WORK/pre_$tier/model.pt" --train "$WORK/cmu_train.npz" --epochs "$EPOCHS_FT" \
    --out "$WORK/ft_$tier"
done
# The shipped model: pretrain on the 45k tier + real motion from new viewpoints, finetune on real
# (with labelled synthetic samples alongside, so the emotion head keeps what it learned).
$T train "${common[@]}" --train "$WORK/synth_45k.npz" "$WORK/bvh_train.npz" --stride 2 --epochs "$EPOCHS_PRE" \
  --out "$WORK/pretrain"
$T train "${common[@]}" --init "$WORK/pretrain/model.pt" --train "$WORK/cmu_train.npz" "$WORK/synth_9k.npz" \
  --epochs "$EPOCHS_FT" --out "$WORK/finetune"

$T export --checkpoint "$WORK/finetune/model.pt" --name nvhai-residual_dct-v1 --out "$WORK/default.onnx"
$T evaluate --model "$WORK/default.onnx" --keypoints "$WORK/cmu_test.npz" --json > "$WORK/eval_cmu_test.json"
$T evaluate --model "$WORK/default.onnx" --keypoints "$WORK/synth_test.npz" --json > "$WORK/eval_synth_test.json"
$T plot --log scratch="$WORK/scratch/log.csv" "pretrained (45k + BVH)"="$WORK/finetune/log.csv" \
  "pretrained 9k"="$WORK/ft_9k/log.csv" "pretrained 90k"="$WORK/ft_90k/log.csv" --out "$WORK/mae_curves.png"
$T plot-tiers --scratch "$WORK/scratch/log.csv" --tier 9k="$WORK/ft_9k/log.csv" 45k="$WORK/ft_45k/log.csv" \
  90k="$WORK/ft_90k/log.csv" --out "$WORK/tiers.png" > "$WORK/tiers.json"
echo "done: $WORK/default.onnx, eval_cmu_test.json, eval_synth_test.json, mae_curves.png, tiers.png"
