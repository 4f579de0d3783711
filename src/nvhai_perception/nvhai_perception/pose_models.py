"""BlazePose landmark models by `model_complexity` (0 lite, 1 full, 2 heavy): the file, its pinned
sha256, where MediaPipe looks for it, and the set-up step that installs it.

The mediapipe wheel ships only the full model; `mp.solutions.pose.Pose` downloads a missing lite or
heavy model at run time. Here nothing is ever downloaded at run time: the set-up (scripts/setup.sh,
the Docker images) fetches the npm registry package `@mediapipe/pose` (the same bytes as MediaPipe's
own download; the sha256 MediaPipe pins for it), checks it, and places the models where MediaPipe
finds them, and the estimators call `require_landmark_model` before MediaPipe is asked.

    python -m nvhai_perception.pose_models install --tarball pose-0.5.1675469404.tgz
    python -m nvhai_perception.pose_models check [--complexity 0 1 2]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
NPM_TARBALL_URL = "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
NPM_TARBALL_SHA256 = "8bb349a7b3a3ba699df23be804ddd3b3eab810b50b15406894be257859388a84"
SETUP_STEP = ("bash scripts/setup.sh (a ROS or Docker install: curl -fLO " + NPM_TARBALL_URL
              + " && python3 -m nvhai_perception.pose_models install --tarball pose-0.5.1675469404.tgz)")


@dataclass(frozen=True)
class LandmarkModel:
    complexity: int
    name: str
    file: str  # in <mediapipe>/modules/pose_landmark/ and in the npm package's package/
    sha256: str  # the sha256 MediaPipe's third_party/external_files.bzl pins for this file
    in_wheel: bool  # shipped by the mediapipe wheel itself


MODELS: dict[int, LandmarkModel] = {m.complexity: m for m in (
    LandmarkModel(0, "lite", "pose_landmark_lite.tflite",
                  "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61", False),
    LandmarkModel(1, "full", "pose_landmark_full.tflite",
                  "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f", True),
    LandmarkModel(2, "heavy", "pose_landmark_heavy.tflite",
                  "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe", False),
)}
_verified: set[tuple[str, int, float]] = set()  # (path, size, mtime) of files whose sha256 was checked


class PoseModelNotInstalled(FileNotFoundError):
    """The landmark model asked for is not where MediaPipe looks (or is not the pinned file)."""


def mediapipe_root() -> Path:
    """The installed mediapipe package's folder, found without importing mediapipe (slow)."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise PoseModelNotInstalled("mediapipe is not installed (pip install -r requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations)))


def landmark_model_path(complexity: int) -> Path:
    """Where MediaPipe's Pose solution looks for this complexity's model (and downloads it when missing)."""
    return mediapipe_root() / "modules" / "pose_landmark" / model(complexity).file


def model(complexity: int) -> LandmarkModel:
    if complexity not in MODELS:
        raise ValueError(f"model_complexity {complexity} is not one of "
                         + ", ".join(f"{m.complexity} ({m.name})" for m in MODELS.values()))
    return MODELS[complexity]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def require_landmark_model(complexity: int) -> Path:
    """The verified model file for `complexity`, or PoseModelNotInstalled naming the file and the set-up
    step: called before MediaPipe is, so a missing model is never downloaded."""
    m = model(complexity)
    path = landmark_model_path(complexity)
    if not path.is_file():
        raise PoseModelNotInstalled(f"pose landmark model '{m.name}' (model_complexity {complexity}) is not "
                                    f"installed: {path} is missing; install it with {SETUP_STEP}")
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime)
    if key not in _verified:
        if sha256_of(path) != m.sha256:
            raise PoseModelNotInstalled(f"{path} is not the pinned '{m.name}' model (sha256 {m.sha256[:12]}…); "
                                        f"reinstall it with {SETUP_STEP}")
        _verified.add(key)
    return path


def install(tarball: Path, complexities: tuple[int, ...] = (0, 2)) -> list[Path]:
    """Check the npm tarball against its pin, then copy each model (checked against its own pin) to
    where MediaPipe looks for it, atomically. Returns the installed paths."""
    if sha256_of(tarball) != NPM_TARBALL_SHA256:
        raise ValueError(f"{tarball} is not {NPM_PACKAGE} (sha256 differs from {NPM_TARBALL_SHA256[:12]}…)")
    installed = []
    with tarfile.open(tarball, "r:gz") as tar:
        for complexity in complexities:
            m = model(complexity)
            data = tar.extractfile(f"package/{m.file}").read()
            if hashlib.sha256(data).hexdigest() != m.sha256:
                raise ValueError(f"{tarball}: package/{m.file} does not match its pin {m.sha256[:12]}…")
            dest = landmark_model_path(complexity)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=dest.parent, delete=False) as tmp:
                tmp.write(data)
            os.chmod(tmp.name, 0o644)
            os.replace(tmp.name, dest)
            installed.append(dest)
    return installed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    inst = sub.add_parser("install", help=f"install the lite and heavy models from the {NPM_PACKAGE} tarball")
    inst.add_argument("--tarball", type=Path, required=True, help=f"the registry tarball ({NPM_TARBALL_URL})")
    check = sub.add_parser("check", help="exit 1 unless each model is installed and matches its pin")
    check.add_argument("--complexity", type=int, nargs="+", default=sorted(MODELS))
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            for path in install(args.tarball):
                print(f"installed {path}")
            return 0
        for complexity in args.complexity:
            print(f"{model(complexity).name}: {require_landmark_model(complexity)}")
    except (PoseModelNotInstalled, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
