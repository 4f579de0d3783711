#!/usr/bin/env bash
# Reproduces nvhai_predictor's shipped model (src/nvhai_predictor/nvhai_predictor/models/default.onnx)
# and every number in its model card, under the held-out protocol:
#   - forecasting: leave-one-subject-out over the four CMU subjects (001, 002, 003, 005): each fold's
#     model never saw the subject it is scored on;
#   - emotion: Bandai Namco dataset 1 (other recordings, other contents) and dataset-2 contents
#     wave-left-hand, raise-up-left-hand, walk-turn-left are held out of every fold;
#   - the shipped model is the same recipe trained on everything (so it has no held-out numbers itself).
# About 60 minutes on 2 idle CPU cores (FOLDS_PARALLEL=2 runs two folds at once); faster with --device cuda.
#   bash training/recipes/default_model.sh            (from the repository root, after `make setup`)
set -euo pipefail
SHARED=${SHARED:-../shared/data}
WORK=${WORK:-runs/default}
VIEWS=${VIEWS:-8}
SYNTH=${SYNTH:-9000}
FOLDS_PARALLEL=${FOLDS_PARALLEL:-2}
T="${NVHAI_VENV:-$PWD/.venv}/bin/nvhai-train"
PY="${NVHAI_VENV:-$PWD/.venv}/bin/python"
RECIPES="$(cd "$(dirname "$0")" && pwd)"
source "$RECIPES/recipe_args.sh"   # ARGS, fold_data, EPOCHS, BANDAI_STRIDE
SHARED="$(cd "$SHARED" && pwd)"
mkdir -p "$WORK"
cd "$WORK"

# Data: real clips labelled by the one mapping table (training/nvhai_training/label_map.py).
$T label --keypoints "$SHARED/cmu_mocap/cmu_coco17_30fps_train.npz" --out cmu.npz
$T label --keypoints "$SHARED/bandai_namco/bandai_coco17_30fps.npz" --out bandai.npz
$T split --keypoints bandai.npz --by dataset --test-groups 1 --out-train bandai_d2.npz --out-test bandai_heldout_d1.npz
$T split --keypoints bandai_d2.npz --by content --test-groups wave-left-hand raise-up-left-hand walk-turn-left \
  --out-train bandai_train.npz --out-test bandai_heldout_d2.npz
$T import-bvh --bvh-dir "$SHARED/cmu_mocap/bvh" --views "$VIEWS" --seed 3 --out bvh.npz   # CMU from new cameras
$T label --keypoints bvh.npz --out bvh.npz
$T synth --count "$SYNTH" --seed 1 --out synth.npz
$T synth --count 3000 --seed 99 --out synth_test.npz

fold() {  # fold SUBJECT: train without that CMU subject and without the held-out Bandai clips, then score
  local s=$1 d=fold_$1
  mkdir -p "$d"
  $T split --keypoints cmu.npz --by prefix --test-groups "$s" --out-train "$d/cmu_train.npz" --out-test "$d/cmu_test.npz"
  $T split --keypoints bvh.npz --by prefix --test-groups "$s" --out-train "$d/bvh_train.npz" --out-test "$d/bvh_test.npz"
  # shellcheck disable=SC2046
  $T train "${ARGS[@]}" --train $(fold_data "$d") --out "$d" > "$d/train.log" 2>&1
  $T export --checkpoint "$d/model.pt" --name "nvhai-residual_linear-v2-without-$s" --out "$d/model.onnx"
  $T evaluate --model "$d/model.onnx" --keypoints "$d/cmu_test.npz" --json > "$d/eval_cmu.json"
  for part in d1 d2; do
    $T evaluate --model "$d/model.onnx" --keypoints "bandai_heldout_$part.npz" --group-by content \
      --json > "$d/eval_bandai_$part.json"
  done
  $T evaluate --model "$d/model.onnx" --keypoints synth_test.npz --json > "$d/eval_synth.json"
}
for s in 001 002 003 005; do
  fold "$s" &
  while [ "$(jobs -rp | wc -l)" -ge "$FOLDS_PARALLEL" ]; do wait -n; done
done
wait

# The shipped model: the same recipe on every subject and every Bandai clip.
$T train "${ARGS[@]}" --train cmu.npz bvh.npz@2 "bandai.npz@$BANDAI_STRIDE:0.2" synth.npz:0 --out final > final.log 2>&1
$T export --checkpoint final/model.pt --name nvhai-residual_linear-v2 --out default.onnx
$T evaluate --model default.onnx --keypoints synth_test.npz --json > eval_final_synth.json

# Tables and plots for the model card from the fold evaluations.
"$PY" "$RECIPES/summarize_protocol.py" . --out summary
echo "done: $WORK/default.onnx, $WORK/summary/ (tables.md, loso.png, confusion.png)"
