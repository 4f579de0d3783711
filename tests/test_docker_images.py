"""The Docker images can be built as written (no Docker engine here): hadolint finds no error in either
Dockerfile, `docker-compose config` accepts every profile, and every pip requirement of each image
resolves to a wheel for that image's platform and Python (`pip download --only-binary=:all:`).
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
BIN = Path(sys.executable).parent
PYPI = "https://pypi.org/simple/"


@dataclass(frozen=True)
class Image:
    dockerfile: str
    arch: str
    glibc_minor: int  # the base image's glibc 2.x: wheels tagged manylinux_2_y, y <= x, install
    python: str

    def platforms(self) -> list[str]:
        return [f"manylinux2014_{self.arch}", *(f"manylinux_2_{m}_{self.arch}" for m in range(17, self.glibc_minor + 1))]

    def requirement_files(self) -> list[Path]:
        """The files the Dockerfile installs with `pip3 install -r`, from its COPY lines."""
        text = (DOCKER / self.dockerfile).read_text()
        return [ROOT / p for p in re.findall(r"(docker/requirements[\w-]*\.txt)", text)]


IMAGES = [Image("Dockerfile.jetson", "aarch64", 35, "3.10"),  # JetPack 6 / L4T r36: Ubuntu 22.04
          Image("Dockerfile.x86", "x86_64", 39, "3.12")]     # ROS 2 Jazzy: Ubuntu 24.04


def split_requirements(path: Path) -> tuple[list[str], list[str]]:
    """(pip options such as --index-url, requirement lines) of a requirements file."""
    options, reqs = [], []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-"):
            options += line.split()
        elif line:
            reqs.append(line)
    return options, reqs


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=15):
            return True
    except (urllib.error.URLError, OSError):
        return False


def tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(f"{name} is not in {BIN}: run scripts/setup.sh (requirements.txt pins it)")
    return str(path)


@pytest.mark.parametrize("image", IMAGES, ids=lambda i: i.dockerfile)
def test_every_pip_requirement_is_pinned_and_installed(image):
    files = image.requirement_files()
    assert files, f"{image.dockerfile} installs no docker/requirements-*.txt"
    text = (DOCKER / image.dockerfile).read_text()
    for f in files:
        assert f.is_file(), f"{image.dockerfile} copies {f.relative_to(ROOT)}, which does not exist"
        assert f"-r /tmp/{f.name}" in text, f"{image.dockerfile} copies {f.name} but never installs it"
        for req in split_requirements(f)[1]:
            assert re.fullmatch(r"[A-Za-z0-9_.-]+(\[[\w,]+\])?==[\w.]+", req), f"{f.name}: {req!r} is not an exact pin"
    # pip appears only with -r: nothing installed on the side, unpinned
    for line in re.findall(r"pip3? install[^\n\\]*", text):
        assert " -r " in line, f"{image.dockerfile}: `{line}` installs outside the requirement files"


FILES = [(image, f) for image in IMAGES for f in image.requirement_files()]


@pytest.mark.slow
@pytest.mark.parametrize(("image", "requirements"), FILES, ids=[f.name for _, f in FILES])
def test_pip_requirements_resolve_for_the_image_platform(image, requirements, tmp_path):
    options, reqs = split_requirements(requirements)
    indexes = [options[i + 1] for i, o in enumerate(options) if o in ("--index-url", "--extra-index-url")]
    for url in indexes or [PYPI]:
        if not reachable(url):
            pytest.skip(f"{requirements.name}: package index {url} is unreachable from here; cannot resolve {reqs}")
    platforms = [arg for p in image.platforms() for arg in ("--platform", p)]
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--no-deps",
           "--only-binary=:all:", *platforms, "--python-version", image.python, "--implementation", "cp",
           "-d", str(tmp_path), *options, *reqs]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("ERROR")]
    assert proc.returncode == 0, f"{requirements.name} for {image.arch} / Python {image.python}: {errors}"
    wheels = sorted(p.name for p in tmp_path.glob("*.whl"))
    for p in tmp_path.glob("*.whl"):
        p.unlink()  # (hundreds of MB: onnxruntime-gpu)
    assert len(wheels) == len(reqs), f"{requirements.name}: {reqs} gave {wheels}"


def test_jetson_mediapipe_wheel_ships_the_pose_model(tmp_path):
    """The pose models the perception node loads are inside the aarch64 cp310 wheel (it runs offline), byte
    for byte the ones this venv's MediaPipe loads in the perception tests (no aarch64 machine here to load them)."""
    import hashlib
    import zipfile

    import mediapipe

    _, reqs = split_requirements(DOCKER / "requirements-jetson.txt")
    pin = next(r for r in reqs if r.startswith("mediapipe=="))
    if not reachable(PYPI):
        pytest.skip(f"package index {PYPI} is unreachable from here; cannot fetch {pin}")
    jetson = IMAGES[0]
    platforms = [arg for p in jetson.platforms() for arg in ("--platform", p)]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                    "--only-binary=:all:", *platforms, "--python-version", jetson.python, "-d", str(tmp_path),
                    pin], check=True, capture_output=True, timeout=1200)
    (wheel,) = tmp_path.glob("mediapipe-*.whl")
    archive = zipfile.ZipFile(wheel)
    names = set(archive.namelist())
    for member in ("mediapipe/python/solutions/pose.py", "mediapipe/tasks/python/vision/pose_landmarker.py",
                   "mediapipe/tasks/python/metadata/metadata_writers/metadata_writer.py"):
        assert member in names, f"{wheel.name} lacks {member}"
    here = Path(mediapipe.__file__).parent.parent
    for model in ("mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
                  "mediapipe/modules/pose_detection/pose_detection.tflite"):
        assert model in names, f"{wheel.name} lacks {model}"
        theirs = hashlib.sha256(archive.read(model)).hexdigest()
        assert theirs == hashlib.sha256((here / model).read_bytes()).hexdigest(), f"{model} differs from the tested one"


@pytest.mark.parametrize("dockerfile", ["Dockerfile.jetson", "Dockerfile.x86"])
def test_hadolint_finds_no_error(dockerfile):
    proc = subprocess.run([tool("hadolint"), "--failure-threshold", "error", "--no-color", str(DOCKER / dockerfile)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("profile", ["jetson", "x86"])
def test_compose_config_is_valid_for_each_profile(profile, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COMPOSE_PROFILES": profile}
    proc = subprocess.run([tool("docker-compose"), "-f", str(DOCKER / "compose.yaml"), "config", "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=DOCKER)
    assert proc.returncode == 0, proc.stderr
    import json

    services = json.loads(proc.stdout)["services"]
    assert len(services) == 1, f"profile {profile} selects {sorted(services)}"
    (service,) = services.values()
    assert service["command"][:4] == ["ros2", "launch", "nvhai_bringup", "live.launch.py"]
    assert not service.get("devices"), "no device is required: camera:=video must start without /dev/video0"


def test_compose_video_mode_needs_no_camera(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COMPOSE_PROFILES": "x86", "NVHAI_CAMERA_DRIVER": "video"}
    proc = subprocess.run([tool("docker-compose"), "-f", str(DOCKER / "compose.yaml"), "config", "--format", "json"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=DOCKER)
    assert proc.returncode == 0, proc.stderr
    import json

    (service,) = json.loads(proc.stdout)["services"].values()
    args = dict(a.split(":=", 1) for a in service["command"] if ":=" in a)
    assert args["camera"] == "video"
    media = next(v for v in service["volumes"] if v["target"] == "/media")
    assert (Path(media["source"]) / Path(args["video_path"]).name).is_file(), "the default video is mounted"


def test_dockerignore_keeps_the_build_context_small():
    """Everything is excluded except what the Dockerfiles COPY (the .venv alone is 2.3 GB)."""
    rules = [r for r in (ROOT / ".dockerignore").read_text().splitlines() if r and not r.startswith("#")]
    assert rules[0] == "*"
    kept = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    for dockerfile in ("Dockerfile.jetson", "Dockerfile.x86"):
        for sources in re.findall(r"^COPY (.+) \S+$", (DOCKER / dockerfile).read_text(), flags=re.M):
            for src in sources.split():
                assert src.split("/")[0] in kept, f"{dockerfile}: COPY {src} is excluded by .dockerignore"
    assert ".venv" not in kept
