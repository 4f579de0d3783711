#!/usr/bin/env bash
# Every architecture under the held-out protocol, on one fold of default_model.sh (default fold 1: five
# MSRC-12 people, CMU 001 and the fold's held-out Bandai contents, none of them seen): the recipe's data and arguments,
# only --arch (and the paper's learning rate for the paper's four) changes, at a smaller budget than the
# shipped recipe (EPOCHS 3, MSRC-12 and Bandai at stride 16) so that seven trainings fit on two cores.
# Run after default_model.sh, from the repository root:
#   bash training/recipes/architectures.sh   [FOLD=1 ARCHS="mlp lstm ..." EPOCHS=3 PARALLEL=2]
set -euo pipefail
WORK=${WORK:-runs/default}
FOLD=${FOLD:-1}
PARALLEL=${PARALLEL:-2}
NVHAI_TRAIN="${NVHAI_VENV:-$PWD/.venv}/bin/nvhai-train" T=nvhai_train_force  # recipe_args.sh
PY="${NVHAI_VENV:-$PWD/.venv}/bin/python"
RECIPES="$(cd "$(dirname "$0")" && pwd)"
EPOCHS=${EPOCHS:-3} MSRC_STRIDE=${MSRC_STRIDE:-16} BANDAI_STRIDE=${BANDAI_STRIDE:-16}
source "$RECIPES/recipe_args.sh"   # ARGS, EXPORT_ARGS, fold_data, score_bandai, CMU_FOLDS
ARCHS=${ARCHS:-mlp lstm cnn_lstm transformer residual_dct residual_linear residual_mlp}
cd "$WORK"
d=fold_$FOLD
[ -f "$d/msrc_test.npz" ] || { echo "architectures: $WORK/$d missing: run default_model.sh first" >&2; exit 1; }

one() {  # train, export and score one architecture on the fold
  local arch=$1 out=arch/$1 args=() prev="" paper=0
  mkdir -p "$out"
  case $arch in mlp|lstm|cnn_lstm|transformer) paper=1 ;; esac  # the paper's rate: no --lr
  for a in "${ARGS[@]}"; do
    if [ "$prev" = --arch ]; then a=$arch; fi
    if [ "$paper" = 1 ] && { [ "$a" = --lr ] || [ "$prev" = --lr ]; }; then prev=$a; continue; fi
    args+=("$a"); prev=$a
  done
  local start=$SECONDS
  # shellcheck disable=SC2046
  $T train "${args[@]}" --train $(fold_data "$d" "${CMU_FOLDS[$FOLD]}") --out "$out" > "$out/train.log" 2>&1
  echo $((SECONDS - start)) > "$out/seconds"
  $T export --checkpoint "$out/model.pt" "${EXPORT_ARGS[@]}" --out "$out/model.onnx" > /dev/null
  $T evaluate --model "$out/model.onnx" --keypoints "$d/msrc_test.npz" --group-by person --stride 3 --json > "$out/eval_msrc.json"
  $T evaluate --model "$out/model.onnx" --keypoints "$d/cmu_test.npz" --group-by person --json > "$out/eval_cmu.json"
  score_bandai "$out/model.onnx" "$d" "$out"
  $T evaluate --model "$out/model.onnx" --keypoints synth_test.npz --json > "$out/eval_synth.json"
}
for arch in $ARCHS; do
  one "$arch" &
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n || true; done  # a failed training: its row says so
done
wait || true
"$PY" - "$ARCHS" <<'PY'
import json, sys
from pathlib import Path
def load(p): return json.loads(Path(p).read_text())
def ratio(b): return b["model_metrics"]["mae"] / b["zero_velocity"]["mae"]
print("| architecture | MSRC-12 people, mean model / ZV | CMU person model / ZV | Bandai contents worse than ZV by > 2 % (worst) "
      "| procedural accuracy | train s |")
print("|---|---|---|---|---|---|")
for arch in sys.argv[1].split():
    a = Path("arch") / arch
    if not (a / "eval_synth.json").exists():
        print(f"| {arch} | not measured: its training or scoring did not finish (arch/{arch}/train.log) | | | | |")
        continue
    msrc = [ratio(b) for b in load(a / "eval_msrc.json")["groups"].values()]
    cmu = ratio(load(a / "eval_cmu.json"))
    bandai = {f"{part}/{c}": ratio(b) for part in ("d1", "d2")
              for c, b in load(a / f"eval_bandai_{part}.json")["groups"].items()}
    worst = max(bandai, key=bandai.get)
    acc = load(a / "eval_synth.json")["model_metrics"]["accuracy"]
    print(f"| {arch} | {sum(msrc) / len(msrc):.3f}× | {cmu:.3f}× | {sum(r > 1.02 for r in bandai.values())} / {len(bandai)} "
          f"({worst} {bandai[worst]:.2f}×) | {acc:.3f} | {(a / 'seconds').read_text().strip()} |")
PY
