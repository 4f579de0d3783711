#!/usr/bin/env bash
# One-command set-up: a venv that is a ROS 2 prefix (rclpy from PyPI wheels), nvhai_msgs built
# into it, and the nvhai Python packages installed. Idempotent: each step is skipped while the
# inputs it depends on are unchanged (hashes kept in $VENV/.nvhai-stamps).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NVHAI_VENV:-$ROOT/.venv}"
PY="${NVHAI_PYTHON:-python3.11}"   # the ROS wheels are cp311
STAMPS="$VENV/.nvhai-stamps"
LOG="$VENV/setup.log"

say() { printf '[setup] %s\n' "$*"; }
hash_of() { (cd "$ROOT" && find "$@" -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16); }
fresh() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp() { echo "$2" > "$STAMPS/$1"; }

start=$SECONDS
if [ ! -x "$VENV/bin/python" ]; then
  say "creating venv $VENV ($($PY --version))"
  "$PY" -m venv "$VENV"
fi
mkdir -p "$STAMPS"
: > "$LOG"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

h=$(hash_of requirements.txt)
if ! fresh requirements "$h"; then
  say "installing pinned dependencies (requirements.txt; log: $LOG)"
  # --progress-bar off + a log: pip's file:// index warnings would drown the output otherwise.
  # --no-compile: byte-compiling every installed module (torch, scipy, jax …) costs ~40 s of a fresh
  # set-up; Python compiles the modules that are imported on first use instead.
  "${PIP[@]}" install --progress-bar off --no-compile -r "$ROOT/requirements.txt" >>"$LOG" 2>&1 \
    || { grep -v '^WARNING: Location' "$LOG" | tail -n 30; exit 1; }
  stamp requirements "$h"
fi

h=$(hash_of src/nvhai_msgs cmake requirements.txt)
if ! fresh nvhai_msgs "$h"; then
  say "building nvhai_msgs into the venv prefix"
  build="$VENV/build/nvhai_msgs"
  rm -rf "$build"
  (
    export AMENT_PREFIX_PATH="$VENV" CMAKE_PREFIX_PATH="$VENV" PATH="$VENV/bin:$PATH"
    cmake -S "$ROOT/src/nvhai_msgs" -B "$build" -DCMAKE_INSTALL_PREFIX="$VENV" \
      -DBUILD_TESTING=OFF -DPython3_EXECUTABLE="$VENV/bin/python" \
      -DCMAKE_PROJECT_INCLUDE="$ROOT/cmake/fix_wheel_paths.cmake"
    cmake --build "$build" -j"$(nproc)"
    cmake --install "$build"
  ) >>"$LOG" 2>&1 || { tail -n 40 "$LOG"; exit 1; }
  stamp nvhai_msgs "$h"
fi

# Exits 1 (naming them) when a console script of an installed nvhai package is missing from the venv's bin/.
CHECK_SCRIPTS='
import importlib.metadata as md, os, sys
bin_dir = os.path.dirname(sys.executable)
missing = [ep.name for d in md.distributions() if (d.metadata["Name"] or "").startswith("nvhai")
           for ep in d.entry_points.select(group="console_scripts") if not os.path.exists(os.path.join(bin_dir, ep.name))]
if missing:
    sys.exit("[setup] missing commands: " + " ".join(missing))'
pkgs=(src/nvhai_common src/nvhai_perception src/nvhai_predictor src/nvhai_avatar src/nvhai_tools src/nvhai_bringup training)
h=$(hash_of "${pkgs[@]/%//setup.py}" "${pkgs[@]/%//setup.cfg}" 2>/dev/null || true)
if ! fresh python_packages "$h"; then
  say "installing the nvhai Python packages (editable)"
  args=()
  for p in "${pkgs[@]}"; do args+=(-e "$ROOT/$p"); done
  "${PIP[@]}" install --no-deps --no-build-isolation "${args[@]}" >>"$LOG" 2>&1 \
    || { grep -v '^WARNING: Location' "$LOG" | tail -n 30; exit 1; }
  # A command that moved between packages (nvhai-bag from nvhai_bringup to nvhai_tools) is deleted when pip replaces
  # the package that used to own it, after its new owner wrote it: a second pass, with nothing left to remove, restores it.
  if ! "$VENV/bin/python" -c "$CHECK_SCRIPTS" >>"$LOG" 2>&1; then
    "${PIP[@]}" install --no-deps --no-build-isolation --force-reinstall "${args[@]}" >>"$LOG" 2>&1 \
      && "$VENV/bin/python" -c "$CHECK_SCRIPTS" || { grep -v '^WARNING: Location' "$LOG" | tail -n 30; exit 1; }
  fi
  stamp python_packages "$h"
fi

# MediaPipe's lite and heavy pose landmark models (the wheel ships only the full one, and its Pose solution
# would download a missing one at run time): from the npm registry package @mediapipe/pose, the tarball and
# each file checked against the sha256 pinned in nvhai_perception/pose_models.py, placed where MediaPipe
# looks for them. Re-run when the pins or mediapipe change, or when a file went missing.
h=$(hash_of requirements.txt src/nvhai_perception/nvhai_perception/pose_models.py)
if ! fresh pose_models "$h" || ! "$VENV/bin/python" -m nvhai_perception.pose_models check >/dev/null 2>&1; then
  url=$("$VENV/bin/python" -c "from nvhai_perception.pose_models import NPM_TARBALL_URL; print(NPM_TARBALL_URL)")
  say "installing MediaPipe's lite and heavy pose models from $url"
  mkdir -p "$VENV/build"
  tgz="$VENV/build/mediapipe-pose.tgz"
  curl -fsSL --retry 3 -o "$tgz" "$url" >>"$LOG" 2>&1 || { tail -n 5 "$LOG"; say "could not download $url"; exit 1; }
  "$VENV/bin/python" -m nvhai_perception.pose_models install --tarball "$tgz" >>"$LOG" 2>&1 \
    || { tail -n 5 "$LOG"; exit 1; }
  rm -f "$tgz"
  stamp pose_models "$h"
fi

"$VENV/bin/python" -c "import rclpy, nvhai_msgs.msg, nvhai_common, nvhai_perception, nvhai_predictor, nvhai_avatar, nvhai_tools" \
  || { say "import check failed"; exit 1; }
say "ready in $((SECONDS - start)) s: $VENV ($(du -sh "$VENV" | cut -f1))"
