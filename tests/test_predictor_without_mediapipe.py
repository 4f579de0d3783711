"""nvhai_predictor installs and passes its own tests where MediaPipe and OpenCV are absent (a Jetson,
or beside another pose detector): a fresh venv gets only the pins the predictor needs from
requirements.txt, `pip install` of nvhai_common and nvhai_predictor (not editable), and nvhai_msgs
installed from its CMake build (what colcon would put in the prefix); then src/nvhai_predictor/test runs
in it. Slow (a venv and a pip install from the local cache) but in the suite: it is the proof of the
layering (predictor -> nvhai_common, never nvhai_perception)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the predictor and its tests import, by requirements.txt name (versions come from there).
NEEDED = ("ros-rclpy", "ros-std-msgs", "ros-sensor-msgs", "ros-diagnostic-msgs", "ros-builtin-interfaces",
          "numpy", "protobuf", "onnxruntime", "threadpoolctl", "onnx", "PyYAML", "pytest", "pytest-timeout", "hypothesis",
          "setuptools")
ABSENT = ("mediapipe", "cv2", "nvhai_perception", "torch")


def pins() -> list[str]:
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    chosen = [ln for ln in lines if re.split(r"[\[=]", ln)[0] in NEEDED]
    assert len(chosen) == len(NEEDED), f"requirements.txt lacks some of {NEEDED}"
    return chosen


def index_reachable() -> bool:
    try:
        with urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=15):
            return True
    except (urllib.error.URLError, OSError):
        return False


# This process's ROS set-up (LD_LIBRARY_PATH into .venv, the wheels bootstrapper's done-flag) stays out.
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if not k.startswith(("PYTHON", "VIRTUAL_ENV", "AMENT", "LD_LIBRARY", "_ROS_WHEELS"))}


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=CLEAN_ENV, **kwargs)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd[:4]))} ...:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.slow
@pytest.mark.timeout(1200)  # a venv, a pip install and the predictor's suite: about 80 s on 2 idle cores
def test_predictor_installs_and_passes_its_tests_without_mediapipe_or_opencv(tmp_path):
    msgs_build = Path(sys.prefix) / "build" / "nvhai_msgs"
    if not (msgs_build / "cmake_install.cmake").is_file():
        pytest.fail(f"{msgs_build} missing: run scripts/setup.sh (it builds nvhai_msgs there)")
    if not index_reachable():
        pytest.skip("package index pypi.org unreachable: cannot pip install the predictor's pins into a fresh venv")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = str(venv / "bin" / "python")
    pip = [sys.executable, "-m", "pip", "--python", py, "--disable-pip-version-check", "install", "--progress-bar", "off",
           "--no-compile"]
    run([*pip, *pins()])
    run([*pip, "--no-deps", "--no-build-isolation", str(ROOT / "src/nvhai_common"), str(ROOT / "src/nvhai_predictor")])
    run([shutil.which("cmake") or "cmake", "--install", str(msgs_build), "--prefix", str(venv)])

    absent = run([py, "-c", f"import importlib.util as u; print([m for m in {ABSENT!r} if u.find_spec(m)])"])
    assert absent.stdout.strip() == "[]", f"the predictor venv has {absent.stdout.strip()}"
    where = run([py, "-c", "import nvhai_predictor, nvhai_common, nvhai_msgs.msg; print(nvhai_predictor.__file__)"],
                cwd=tmp_path)
    assert str(venv) in where.stdout, "the installed package is used, not the source tree"

    tests = run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "src/nvhai_predictor/test"], cwd=ROOT)
    shutil.rmtree(venv)  # (about 500 MB)
    summary = tests.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary and "error" not in summary, tests.stdout[-3000:]
