#!/usr/bin/env bash
# Real footage: what the loop does with people a camera filmed (../shared/data/real_video, or any folder of videos
# with a labels CSV), per clip, three ways, next to zero-velocity on the same windows:
#   offline  `nvhai-train extract` (the perception node's core) then `evaluate` (model alone, every window),
#   online   `evaluate --online` (the predictor core as shipped: window, model, adaptation and gate; each clip's
#            tracked person is their own person),
#   live     `nvhai-bag from-video` then `nvhai-bag evaluate` (perception and predictor cores, frame by frame, at
#            the video's own frame times: what the robot publishes).
# Then the tables (summarize_real_footage.py -> OUT/tables.md, OUT/summary.json). Clips a model trained on are
# left out of its tables: TRAINED_ON="clip1 clip2 ..." (the shipped model's are in its card).
#
#   bash training/recipes/real_footage.sh [MODEL.onnx] [OUT]      # about 10 minutes on 2 cores for real_video
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.venv/bin}
MODEL=${1:-$($BIN/python -c "from nvhai_predictor.model_runner import default_model_path as p; print(p())")}
OUT=${2:-runs/real_footage}
VIDEOS=${VIDEOS:-../shared/data/real_video/clips}
LABELS=${LABELS:-../shared/data/real_video/labels.csv}
mkdir -p "$OUT/live"
[ -f "$OUT/real_video.npz" ] || $BIN/nvhai-train extract --videos "$VIDEOS" --labels "$LABELS" --out "$OUT/real_video.npz"
$BIN/nvhai-train evaluate --model "$MODEL" --keypoints "$OUT/real_video.npz" --group-by video --json > "$OUT/offline.json"
$BIN/nvhai-train evaluate --model "$MODEL" --keypoints "$OUT/real_video.npz" --online --json > "$OUT/online.json"
for video in "$VIDEOS"/*; do
  name=$(basename "${video%.*}")
  [ -d "$OUT/live/bags/$name" ] || $BIN/nvhai-bag from-video "$video" --out "$OUT/live/bags/$name" > /dev/null
  rm -rf "${OUT:?}/live/$name"
  $BIN/nvhai-bag evaluate "$OUT/live/bags/$name" --model "$MODEL" --out "$OUT/live/$name" > /dev/null 2> "$OUT/live/$name.log" \
    || echo "live evaluation of $name failed: $OUT/live/$name.log" >&2
done
$BIN/python training/recipes/summarize_real_footage.py "$OUT" --labels "$LABELS" ${TRAINED_ON:+--trained-on $TRAINED_ON}
