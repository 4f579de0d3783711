"""docker/ is consistent with the repository (no Docker engine here: structure, paths, pins, launch args)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
COMPOSE = yaml.safe_load((DOCKER / "compose.yaml").read_text())
LAUNCH_ARGS = set(re.findall(r'DeclareLaunchArgument\(\s*"(\w+)"',
                             (ROOT / "src/nvhai_bringup/launch/live.launch.py").read_text()))


def default_of(value: str) -> str:
    """'${VAR:-default}' -> 'default' (what compose uses when VAR is unset)."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


@pytest.mark.parametrize(("service", "profile", "dockerfile"), [("nvhai", "jetson", "Dockerfile.jetson"),
                                                               ("nvhai-x86", "x86", "Dockerfile.x86")])
def test_service(service, profile, dockerfile):
    s = COMPOSE["services"][service]
    assert s["profiles"] == [profile]
    assert s["network_mode"] == "host" and s["ipc"] == "host", "DDS needs the host network and shared memory"
    assert (DOCKER / s["build"]["context"] / s["build"]["dockerfile"]).resolve() == DOCKER / dockerfile
    assert "devices" not in s, "a camera device must not be required (camera:=video runs without one)"
    assert "c 81:* rmw" in s["device_cgroup_rules"] and "/dev:/dev" in s["volumes"], "video4linux devices usable"
    mounts = {default_of(v).rsplit(":", 2)[1]: (DOCKER / default_of(v).split(":")[0]).resolve() for v in s["volumes"]}
    assert (mounts["/models"] / "default.onnx").is_file() and (mounts["/config"] / "live.yaml").is_file()
    args = dict(re.findall(r"(\w+):=(\S+)", s["command"]))
    assert set(args) <= LAUNCH_ARGS, f"unknown launch arguments {set(args) - LAUNCH_ARGS}"
    assert default_of(args["model"]).startswith("/models/") and default_of(args["params_file"]) == "/config/live.yaml"
    assert "ros2 launch nvhai_bringup live.launch.py" in " ".join(s["command"].split())


def test_gpu_access():
    assert COMPOSE["services"]["nvhai"]["runtime"] == "nvidia"
    devices = COMPOSE["services"]["nvhai-x86"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]


def test_plain_compose_up_is_the_jetson_service():
    assert "COMPOSE_PROFILES=jetson" in (DOCKER / ".env").read_text().splitlines()


@pytest.mark.parametrize("dockerfile", ["Dockerfile.jetson", "Dockerfile.x86"])
def test_dockerfile_refers_to_what_exists(dockerfile):
    text = (DOCKER / dockerfile).read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", text, flags=re.M):
        for src in sources.split():
            assert (ROOT / src).exists(), f"{dockerfile}: COPY {src} does not exist"
    packages = re.search(r"--packages-select ([\w ]+)", text).group(1).split()
    assert sorted(packages) == sorted(p.name for p in (ROOT / "src").iterdir() if (p / "package.xml").exists())
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)


@pytest.mark.parametrize(("dockerfile", "distro"), [("Dockerfile.jetson", "humble"), ("Dockerfile.x86", "jazzy")])
def test_image_has_the_camera_drivers_and_gpu_inference(dockerfile, distro):
    text = (DOCKER / dockerfile).read_text()
    assert f"ROS_DISTRO={distro}" in text and f"/opt/ros/{distro}/setup.sh" in text
    for driver in ("v4l2-camera", "usb-cam"):  # live.launch.py's camera:=v4l2_camera | usb_cam
        assert f"ros-{distro}-{driver}" in text, f"{dockerfile} does not install ros-{distro}-{driver}"
    pins = "".join((ROOT / p).read_text() for p in re.findall(r"(docker/requirements[\w-]*\.txt)", text))
    assert re.search(r"^onnxruntime-gpu(\[[\w,]+\])?==", pins, flags=re.M), f"{dockerfile}: no onnxruntime-gpu"
    assert not re.search(r"^onnxruntime==", pins, flags=re.M), f"{dockerfile}: the CPU onnxruntime would shadow the GPU one"


@pytest.mark.parametrize("dockerfile", ["Dockerfile.jetson", "Dockerfile.x86"])
def test_images_install_the_pinned_pose_models_at_build_time(dockerfile):
    """live.yaml's model_complexity (lite) is not in the mediapipe wheel: each image fetches the npm tarball
    that nvhai_perception/pose_models.py pins and installs it with the checking installer, after the build."""
    from nvhai_perception.pose_models import NPM_TARBALL_URL

    text = (DOCKER / dockerfile).read_text()
    assert f"curl -fsSL -o /tmp/mediapipe-pose.tgz {NPM_TARBALL_URL}" in text
    assert text.index("colcon build") < text.index("nvhai_perception.pose_models install --tarball")
