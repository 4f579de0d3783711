"""A ROS user's build, proven: the README's `colcon build` block, run as written in a copy of the repository
(the venv is the ROS underlay, as /opt/ros/<distro> is on a ROS install), builds every package of src/ into
install/, and a node starts from there: the predictor comes up active with its model from the install prefix,
and every nvhai executable live.launch.py starts is where launch_ros looks (<prefix>/lib/<package>/<executable>).

Nothing is added to what the README shows but a clean shell (no ROS variables from the test's own process) and,
after the block, the node started and stopped. Slow: 85-120 s on a 2-core machine, nvhai_msgs' rosidl build most of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nvhai_bringup.launch_plan import CAMERA_NODES, LOOP_NODES

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.prefix)
BLOCK = re.compile(r"<!-- colcon-test -->\n```bash\n(.*?)```", re.S)
NOT_COPIED = ("__pycache__", "*.egg-info", "build", "install", "log")
# After the block: start the predictor from install/, wait (60 s at most) until it reports active, stop it.
START_NODE = """
install/lib/nvhai_predictor/predictor_node > predictor.log 2>&1 &
for _ in $(seq 600); do grep -q '] active' predictor.log && break; kill -0 $! 2>/dev/null || break; sleep 0.1; done
kill -INT $! 2>/dev/null; wait $! || true
"""
# What the test's process has set that a user's fresh shell would not: the venv, ROS paths, a colcon workspace, and
# the ROS wheels' guard (their .pth re-executes Python once with LD_LIBRARY_PATH set, then sets this to skip it).
USER_UNSET = ("VIRTUAL_ENV", "AMENT_PREFIX_PATH", "CMAKE_PREFIX_PATH", "PYTHONPATH", "LD_LIBRARY_PATH",
              "COLCON_PREFIX_PATH", "COLCON_CURRENT_PREFIX", "ROS_PACKAGE_PATH", "_ROS_WHEELS_BOOTSTRAP_COMPLETE")
PACKAGES = sorted(p.parent.name for p in (ROOT / "src").glob("*/package.xml"))


def readme_block() -> str:
    found = BLOCK.findall((ROOT / "README.md").read_text())
    assert len(found) == 1, "README.md must hold one ```bash block marked <!-- colcon-test -->"
    return found[0]


def test_readme_block_is_the_plain_colcon_build():
    block = readme_block()
    assert re.search(r"^colcon build --base-paths src\b", block, re.M), block
    assert ". install/setup.bash" in block


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_colcon_build_of_src_installs_nodes_that_start(tmp_path):
    if not (VENV / "bin" / "colcon").exists():
        pytest.skip(f"colcon is not installed in {VENV} (requirements.txt pins colcon-common-extensions: "
                    "bash scripts/setup.sh installs it)")
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not on PATH (scripts/setup.sh needs it too)")
    repo = tmp_path / ROOT.name
    repo.mkdir()
    for entry in ("src", "cmake"):
        shutil.copytree(ROOT / entry, repo / entry, ignore=shutil.ignore_patterns(*NOT_COPIED))
    shutil.copy(ROOT / "README.md", repo)
    (repo / ".venv").symlink_to(VENV)
    env = {k: v for k, v in os.environ.items() if k not in USER_UNSET}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(VENV)))
    out = subprocess.run(["bash", "-c", f"set -eo pipefail\n{readme_block()}{START_NODE}"], cwd=repo, env=env,
                         capture_output=True, text=True, timeout=840)
    assert out.returncode == 0, f"the README's colcon block failed:\n{out.stdout[-4000:]}{out.stderr[-4000:]}"
    assert "usage: predictor_node" in out.stdout, out.stdout[-2000:]

    install = repo / "install"
    for package in PACKAGES:
        assert (install / "share" / package / "package.xml").is_file(), f"{package} is not installed"
        assert (install / "share/ament_index/resource_index/packages" / package).is_file(), package
    for spec in (*CAMERA_NODES, *LOOP_NODES):
        if spec.package.startswith("nvhai_"):
            exe = install / "lib" / spec.package / spec.executable
            assert os.access(exe, os.X_OK), f"launch_ros would not find {spec.package}/{spec.executable}"
    assert (install / "share/nvhai_bringup/launch/live.launch.py").is_file()
    assert (install / "share/nvhai_bringup/config/live.yaml").is_file()

    log = (repo / "predictor.log").read_text()
    site = install / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    assert f"from {site}/nvhai_predictor/models/default.onnx" in log, f"the model is not the installed one:\n{log}"
    assert re.search(r"\[nvhai_predictor\]: active", log), f"the predictor did not come up:\n{log}"
