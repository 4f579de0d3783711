# The shipped recipe's training arguments, sourced by default_model.sh and synthetic_tiers.sh so that
# every study trains exactly as the shipped model does.
EPOCHS=${EPOCHS:-10}
BANDAI_STRIDE=${BANDAI_STRIDE:-8}
ARGS=(--arch residual_linear --epochs "$EPOCHS" --batch-size 128 --loss mse+l1 --bone-augment 0.15 --class-weights
      --label-smoothing 0.05 --eval-every 5 --threads 1 --test synth_test.npz --test-stride 3)
# What a fold trains on (run from the work folder; $1: the fold folder). Bandai's forecast loss weighs
# 0.2 (its walks alone made CMU forecasts worse); procedural samples teach the emotion head only.
fold_data() { echo "$1/cmu_train.npz" "$1/bvh_train.npz@2" "bandai_train.npz@$BANDAI_STRIDE:0.2" synth.npz:0; }
