"""Every package.xml parses (catkin_pkg, format 3) and declares what its Python code imports."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
from catkin_pkg.package import parse_package

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = sorted(p.parent for p in (ROOT / "src").glob("*/package.xml"))

# Top-level Python module -> the rosdep key / ROS package a package.xml must declare for it.
ROSDEP_KEYS = {
    "numpy": "python3-numpy", "cv2": "python3-opencv", "mediapipe": "python3-mediapipe-pip",
    "onnxruntime": "python3-onnxruntime-pip", "threadpoolctl": "python3-threadpoolctl-pip", "yaml": "python3-yaml",
    "launch": "launch",
    "launch_ros": "launch_ros", "ament_index_python": "ament_index_python",
    "rosbags": "python3-rosbags-pip", "mcap": "python3-mcap-pip", "PIL": "python3-pil",
    "matplotlib": "python3-matplotlib", "tqdm": "python3-tqdm", "aiohttp": "python3-aiohttp", "av": "python3-av",
}
# Modules a ROS package may import without declaring (stdlib; the package itself).
STDLIB = set(sys.stdlib_module_names)


def imported_modules(package: Path) -> set[str]:
    found = set()
    for path in (package / package.name).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    for path in (package / "launch").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
    return found - STDLIB - {package.name, "__future__"}


def test_the_layout_entries_exist():
    for entry in ("src/nvhai_msgs", "src/nvhai_common", "src/nvhai_perception", "src/nvhai_predictor", "src/nvhai_avatar",
                  "src/nvhai_tools", "src/nvhai_bringup", "training", "docker", "README.md"):
        assert (ROOT / entry).exists(), entry


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_package_xml_parses_and_is_complete(package):
    pkg = parse_package(str(package / "package.xml"))
    assert pkg.package_format == 3
    assert pkg.name == package.name
    assert pkg.licenses and pkg.maintainers and pkg.description
    build_type = pkg.get_build_type()
    if build_type == "ament_python":
        assert (package / "setup.py").is_file() and (package / "resource" / package.name).is_file()
        setup_py = (package / "setup.py").read_text()
        assert f'package_name = "{package.name}"' in setup_py
        assert '"package.xml"' in setup_py and "resource_index/packages" in setup_py
    else:
        assert build_type == "ament_cmake" and (package / "CMakeLists.txt").is_file()


@pytest.mark.parametrize("package", [p for p in PACKAGES if (p / "setup.py").exists()], ids=lambda p: p.name)
def test_imports_are_declared(package):
    pkg = parse_package(str(package / "package.xml"))
    declared = {d.name for d in pkg.exec_depends + pkg.build_export_depends + pkg.build_depends}
    missing = sorted(ROSDEP_KEYS.get(m, m) for m in imported_modules(package) if ROSDEP_KEYS.get(m, m) not in declared)
    assert not missing, f"{package.name}/package.xml does not declare {missing}"


def test_interface_package_lists_every_message():
    msgs = ROOT / "src" / "nvhai_msgs"
    cmake = (msgs / "CMakeLists.txt").read_text()
    listed = set(re.findall(r'"(msg/\w+\.msg)"', cmake))
    on_disk = {f"msg/{p.name}" for p in (msgs / "msg").glob("*.msg")}
    assert listed == on_disk
    pkg = parse_package(str(msgs / "package.xml"))
    assert "rosidl_interface_packages" in [g.name for g in pkg.member_of_groups]
    assert "rosidl_default_runtime" in {d.name for d in pkg.exec_depends}
