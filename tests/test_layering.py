"""The packages import only downwards: nvhai_common under the node packages (perception, predictor, avatar: siblings,
as ROS4HRI's detectors are), those under nvhai_tools, everything under nvhai_bringup; training/ beside the tools.

Read from the source (ast), every import, also those inside functions: an arrow upwards or between siblings would
make a robot install a detector it does not run (the predictor beside another pose detector), and a library that
imports a launch package breaks as soon as launch files move.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE_PACKAGES = {"nvhai_perception", "nvhai_predictor", "nvhai_avatar"}
# What each Python package may import of the project (besides itself and nvhai_msgs, the interfaces).
ALLOWED = {
    "nvhai_common": set(),
    **{pkg: {"nvhai_common"} for pkg in NODE_PACKAGES},
    "nvhai_tools": {"nvhai_common", *NODE_PACKAGES},
    "nvhai_bringup": {"nvhai_common", *NODE_PACKAGES, "nvhai_tools"},
    "nvhai_training": {"nvhai_common", *NODE_PACKAGES},
}
# Known arrows that break a rule above, (package, module): reason; the test fails when one disappears, so the list
# only shrinks. Empty: the avatar's one arrow to the predictor (normalisation) went with it to nvhai_common.
EXCEPTIONS: dict[tuple[str, str], str] = {}
SOURCES = {pkg: ROOT / "src" / pkg / pkg for pkg in ALLOWED if pkg != "nvhai_training"} | {
    "nvhai_training": ROOT / "training" / "nvhai_training"}


def project_imports(package_dir: Path) -> list[tuple[str, str]]:
    """(file relative to the repository, imported nvhai module) for every import in a package's sources."""
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            found += [(str(path.relative_to(ROOT)), name) for name in names if name.startswith("nvhai_")]
    return found


def is_node_module(module: str) -> bool:
    """A module that holds an rclpy node (`nvhai_x.node`, `nvhai_x.web_node`): never a library's import."""
    last = module.rsplit(".", 1)[-1]
    return last == "node" or last.endswith("_node")


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_only_downwards(package):
    assert SOURCES[package].is_dir(), SOURCES[package]
    allowed = ALLOWED[package] | {package, "nvhai_msgs"}
    wrong = [f"{path}: {module}" for path, module in project_imports(SOURCES[package])
             if module.split(".")[0] not in allowed and (package, module) not in EXCEPTIONS]
    assert not wrong, f"{package} may import only {sorted(allowed)}; found:\n" + "\n".join(wrong)


def test_training_imports_no_node_and_no_launch_package():
    wrong = [f"{path}: {module}" for path, module in project_imports(SOURCES["nvhai_training"])
             if is_node_module(module) or module.split(".")[0] in ("nvhai_bringup", "nvhai_tools")]
    assert not wrong, "training/ imports ROS-free cores only:\n" + "\n".join(wrong)


def test_each_exception_is_still_needed():
    for package, module in EXCEPTIONS:
        assert module in {m for _, m in project_imports(SOURCES[package])}, f"drop {package} -> {module} from EXCEPTIONS"
