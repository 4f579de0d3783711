#!/usr/bin/env bash
# The paper's synthetic-data study (its Fig. 2) under the held-out protocol: pretrain on N procedural
# samples (forecast and emotion), finetune with the shipped recipe (recipe_args.sh), score each fold
# model on the CMU person it never saw (FOLDS 1 and 4 hold out CMU 001 and 005). Tier 0 is the same recipe
# without pretraining: for the shipped architecture default_model.sh's own fold model, for another ARCH
# trained here. Run after default_model.sh, from the repository root:
#   bash training/recipes/synthetic_tiers.sh   [ARCH=mlp TIERS="9000 45000 90000" FOLDS="1 4"]
# (The figures in the model card were measured on the v2 protocol, four CMU people, residual_linear.)
set -euo pipefail
WORK=${WORK:-runs/default}
TIERS=${TIERS:-9000 45000 90000}
FOLDS=${FOLDS:-1 4}
PRE_EPOCHS=${PRE_EPOCHS:-3}
PARALLEL=${PARALLEL:-2}
NVHAI_TRAIN="${NVHAI_VENV:-$PWD/.venv}/bin/nvhai-train" T=nvhai_train_force  # recipe_args.sh
PY="${NVHAI_VENV:-$PWD/.venv}/bin/python"
RECIPES="$(cd "$(dirname "$0")" && pwd)"
RECIPE_ARCH=${ARCH:-}
source "$RECIPES/recipe_args.sh"   # ARGS, fold_data, CMU_FOLDS, ARCH (the shipped one unless set)
SHIPPED_ARCH=$(ARCH='' && source "$RECIPES/recipe_args.sh" && echo "$ARCH")
ARCH=${RECIPE_ARCH:-$ARCH}
cd "$WORK"
for s in $FOLDS; do
  [ -f "fold_$s/model.onnx" ] || { echo "synthetic_tiers: $WORK/fold_$s/model.onnx missing: run default_model.sh first" >&2; exit 1; }
done

A=tiers/$ARCH
for n in $TIERS; do  # pretraining: procedural samples only, a seed the recipe's own samples do not use
  [ -f "tiers/synth_$n.npz" ] || $T synth --count "$n" --seed 7 --out "tiers/synth_$n.npz"
  if [ ! -f "$A/pre_$n/model.pt" ]; then
    mkdir -p "$A/pre_$n"
    $T train --arch "$ARCH" --train "tiers/synth_$n.npz" --epochs "$PRE_EPOCHS" --batch-size 128 \
      --loss mse+l1 --threads 2 --out "$A/pre_$n" > "$A/pre_$n/train.log" 2>&1
  fi
done

finetune() {  # finetune TIER SUBJECT (tier 0: from scratch)
  local n=$1 s=$2 d=$A/$1/fold_$2 init=()
  mkdir -p "$d"
  [ "$n" = 0 ] || init=(--init "$A/pre_$n/model.pt")
  # shellcheck disable=SC2046
  $T train "${ARGS[@]}" --arch "$ARCH" "${init[@]}" --train $(fold_data "fold_$s" "${CMU_FOLDS[$s]}") --out "$d" \
    > "$d/train.log" 2>&1
  $T export --checkpoint "$d/model.pt" --name "nvhai-$ARCH-synth$n-without-$s" --out "$d/model.onnx"
  $T evaluate --model "$d/model.onnx" --keypoints "fold_$s/cmu_test.npz" --json > "$d/eval_cmu.json"
}
for s in $FOLDS; do  # the shipped architecture's tier 0 is the recipe's own fold
  if [ "$ARCH" = "$SHIPPED_ARCH" ] && [ ! -e "$A/0/fold_$s" ]; then
    mkdir -p "$A/0" && ln -s "../../../fold_$s" "$A/0/fold_$s"
  fi
done
for n in 0 $TIERS; do
  for s in $FOLDS; do
    [ -f "$A/$n/fold_$s/eval_cmu.json" ] && continue
    finetune "$n" "$s" &
    while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n; done
  done
done
wait
"$PY" "$RECIPES/summarize_tiers.py" tiers --out tiers
