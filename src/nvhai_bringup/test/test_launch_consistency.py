"""live.launch.py and config/live.yaml agree with the real nodes.

ROS 2 `launch` is not installable here, so the launch file runs against small stand-ins of the
launch API that record what it asks for; what it asks for is then checked against the
packages' console scripts and each node's declared parameters.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest
import yaml

from nvhai_avatar.node import PARAMETERS as AVATAR
from nvhai_bringup.launch_plan import CAMERAS
from nvhai_bringup.video_source_node import PARAMETERS as VIDEO
from nvhai_common.ros_params import defaults
from nvhai_perception.node import PARAMETERS as PERCEPTION
from nvhai_predictor.node import PARAMETERS as PREDICTOR
from nvhai_tools.web_node import PARAMETERS as WEB

PKG = Path(__file__).resolve().parents[1]
SRC = PKG.parent
DECLARED = {"nvhai_perception": PERCEPTION, "nvhai_predictor": PREDICTOR, "nvhai_avatar": AVATAR,
            "nvhai_video_source": VIDEO}


class Recorded:
    """Stands in for any launch class or substitution: remembers how it was built."""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs = args, kwargs


def launch_stubs() -> dict[str, types.ModuleType]:
    mods = {}
    for name, attrs in {
        "launch": ["LaunchDescription"], "launch.actions": ["DeclareLaunchArgument", "EmitEvent", "RegisterEventHandler"],
        "launch.conditions": ["LaunchConfigurationEquals", "IfCondition"], "launch.events": ["matches_action"],
        "launch.substitutions": ["LaunchConfiguration", "PathJoinSubstitution"],
        "launch_ros": [], "launch_ros.actions": ["Node", "LifecycleNode"], "launch_ros.substitutions": ["FindPackageShare"],
        "launch_ros.event_handlers": ["OnStateTransition"], "launch_ros.events": [],
        "launch_ros.events.lifecycle": ["ChangeState"],
    }.items():
        mod = types.ModuleType(name)
        for attr in attrs:
            setattr(mod, attr, type(attr, (Recorded,), {}))
        mods[name] = mod
    return mods


@pytest.fixture(scope="module")
def launched():
    saved = {k: sys.modules.get(k) for k in launch_stubs()}
    sys.modules.update(launch_stubs())
    try:
        spec = importlib.util.spec_from_file_location("live_launch", PKG / "launch" / "live.launch.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        description = module.generate_launch_description()
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    actions = description.args[0]
    args = {a.args[0]: a.kwargs for a in actions if type(a).__name__ == "DeclareLaunchArgument"}
    nodes = [a.kwargs for a in actions if type(a).__name__ in ("Node", "LifecycleNode")]
    return args, nodes, actions


def console_scripts(package: str) -> set[str]:
    return set(re.findall(r'"(\w[\w-]*) = ', (SRC / package / "setup.py").read_text()))


def test_launch_arguments(launched):
    args, *_ = launched
    assert {"camera", "video_device", "video_path", "model", "params_file", "use_sim_time"} <= set(args)
    assert args["camera"]["choices"] == list(CAMERAS)


def test_every_nvhai_executable_exists_and_has_a_parameter_section(launched):
    _, nodes, _ = launched
    live = yaml.safe_load((PKG / "config" / "live.yaml").read_text())
    for node in nodes:
        if node["package"].startswith("nvhai_"):
            assert node["executable"] in console_scripts(node["package"]), node
            assert node["name"] in live, f"no section for {node['name']} in live.yaml"
    names = {n["name"] for n in nodes}
    assert set(live) <= names, f"live.yaml sections without a node: {set(live) - names}"


def test_each_camera_choice_starts_exactly_one_driver(launched):
    _, nodes, _ = launched
    chosen = [n["condition"].args[1] for n in nodes if "condition" in n]
    assert sorted(chosen) == sorted(CAMERAS)
    assert all(n.get("remappings") == [("image_raw", "/image_raw")] for n in nodes if "condition" in n)


def test_predictor_gets_the_model_argument(launched):
    _, nodes, _ = launched
    (predictor,) = [n for n in nodes if n["name"] == "nvhai_predictor"]
    overrides = [p for p in predictor["parameters"] if isinstance(p, dict)]
    assert any("model_path" in p and p["model_path"].args == ("model",) for p in overrides)


@pytest.mark.parametrize("section", list(DECLARED))
def test_live_yaml_parameters_are_declared_with_the_same_type(section):
    live = yaml.safe_load((PKG / "config" / "live.yaml").read_text())
    declared = defaults(DECLARED[section])
    for key, value in live[section]["ros__parameters"].items():
        assert key in declared, f"{section}: '{key}' is not a parameter of the node"
        assert type(value) is type(declared[key]), f"{section}.{key}: {type(value).__name__} vs {declared[key]!r}"


@pytest.mark.parametrize(("yaml_path", "section"), [("nvhai_avatar/config/avatar.yaml", "nvhai_avatar"),
                                                    ("nvhai_bringup/config/video_source.yaml", "nvhai_video_source"),
                                                    ("nvhai_bringup/config/web.yaml", "nvhai_web")])
def test_default_yaml_matches_declared_defaults(yaml_path, section):
    data = yaml.safe_load((SRC / yaml_path).read_text())
    assert data[section]["ros__parameters"] == defaults({**DECLARED, "nvhai_web": WEB}[section])


def test_launch_and_config_are_installed():
    setup = (PKG / "setup.py").read_text()
    assert 'glob("launch/*.launch.py")' in setup and 'glob("config/*.yaml")' in setup and 'glob("config/*.xml")' in setup


def test_managed_nodes_are_launched_unconfigured_and_driven_to_active(launched):
    """Each lifecycle node gets autostart false, a configure event at launch, and an activate
    event once it reports inactive: the loop reaches active with no one calling `ros2 lifecycle`."""
    from lifecycle_msgs.msg import Transition

    from nvhai_bringup.launch_plan import LOOP_NODES

    *_, actions = launched
    managed = {spec.name for spec in LOOP_NODES if spec.managed}
    assert managed == {"nvhai_perception", "nvhai_predictor"}
    lifecycle = {a.kwargs["name"]: a for a in actions if type(a).__name__ == "LifecycleNode"}
    assert set(lifecycle) == managed

    def change_state(emit) -> tuple[object, int]:
        event = emit.kwargs["event"]
        return event.kwargs["lifecycle_node_matcher"].args[0], event.kwargs["transition_id"]

    configures = [change_state(a) for a in actions if type(a).__name__ == "EmitEvent"]
    handlers = [a.args[0].kwargs for a in actions if type(a).__name__ == "RegisterEventHandler"]
    for name, node in lifecycle.items():
        assert {"autostart": False} in node.kwargs["parameters"], name
        assert node.kwargs["namespace"] == "", "Humble's LifecycleNode needs a namespace"
        assert (node, Transition.TRANSITION_CONFIGURE) in configures, f"{name} is never configured"
        (handler,) = [h for h in handlers if h["target_lifecycle_node"] is node]
        assert handler["goal_state"] == "inactive"
        assert [change_state(e) for e in handler["entities"]] == [(node, Transition.TRANSITION_ACTIVATE)]
