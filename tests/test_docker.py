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
    assert any(d.endswith(":/dev/video0") for d in s["devices"])
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
    for src in re.findall(r"^COPY (\S+) ", text, flags=re.M):
        assert (ROOT / src).exists(), f"{dockerfile}: COPY {src} does not exist"
    pins = (ROOT / "requirements.txt").read_text()
    for name in re.search(r"grep -E '\^\(([^)]*)\)==", text).group(1).split("|"):
        assert re.search(rf"^{name}==", pins, flags=re.M), f"{name} not pinned in requirements.txt"
    packages = re.search(r"--packages-select ([\w ]+)", text).group(1).split()
    assert sorted(packages) == sorted(p.name for p in (ROOT / "src").iterdir() if (p / "package.xml").exists())
    assert os.access(DOCKER / "entrypoint.sh", os.X_OK)
