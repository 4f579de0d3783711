"""Live loop: camera -> nvhai_perception -> nvhai_predictor -> nvhai_avatar.

  ros2 launch nvhai_bringup live.launch.py                        # /dev/video0 with v4l2_camera
  ros2 launch nvhai_bringup live.launch.py camera:=usb_cam video_device:=/dev/video2
  ros2 launch nvhai_bringup live.launch.py camera:=video video_path:=/data/clip.mp4
  ros2 launch nvhai_bringup live.launch.py model:=/models/my.onnx params_file:=/config/live.yaml

The node list lives in nvhai_bringup.launch_plan, parameters in config/live.yaml. Perception and
the predictor are managed nodes: started unconfigured, then configured (estimator opened, model
loaded) and, once inactive, activated by this file (events work on Humble and later).
"""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, RegisterEventHandler
from launch.conditions import LaunchConfigurationEquals
from launch.events import matches_action
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import LifecycleNode, Node
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from launch_ros.substitutions import FindPackageShare
from lifecycle_msgs.msg import Transition

from nvhai_bringup.launch_plan import CAMERA_NODES, CAMERA_PARAMETERS, CAMERAS, LOOP_NODES


def generate_launch_description() -> LaunchDescription:
    params_file = LaunchConfiguration("params_file")
    use_sim_time = {"use_sim_time": LaunchConfiguration("use_sim_time")}
    actions = [
        DeclareLaunchArgument("camera", default_value="v4l2_camera", choices=list(CAMERAS),
                              description="Camera driver: v4l2_camera, usb_cam, or video (file/folder playback)."),
        DeclareLaunchArgument("video_device", default_value="/dev/video0", description="Camera device."),
        DeclareLaunchArgument("video_path", default_value="", description="Video file or image folder (camera:=video)."),
        DeclareLaunchArgument("model", default_value="", description="ONNX model; empty = the shipped default."),
        DeclareLaunchArgument("params_file", description="Parameters of the nvhai nodes.",
                              default_value=PathJoinSubstitution([FindPackageShare("nvhai_bringup"), "config",
                                                                  "live.yaml"])),
        DeclareLaunchArgument("use_sim_time", default_value="false", description="Use /clock (bag replay)."),
    ]
    for spec in CAMERA_NODES:
        if spec.package == "nvhai_bringup":
            parameters = [params_file, {"path": LaunchConfiguration("video_path")}, use_sim_time]
        else:
            parameters = [{"video_device": LaunchConfiguration("video_device"), **CAMERA_PARAMETERS[spec.camera]},
                          use_sim_time]
        actions.append(Node(package=spec.package, executable=spec.executable, name=spec.name, parameters=parameters,
                            remappings=[("image_raw", "/image_raw")], output="screen",
                            condition=LaunchConfigurationEquals("camera", spec.camera)))
    for spec in LOOP_NODES:
        parameters = [params_file, use_sim_time]
        if spec.name == "nvhai_predictor":
            parameters.insert(1, {"model_path": LaunchConfiguration("model")})
        if not spec.managed:
            actions.append(Node(package=spec.package, executable=spec.executable, name=spec.name,
                                parameters=parameters, output="screen"))
            continue
        node = LifecycleNode(package=spec.package, executable=spec.executable, name=spec.name, namespace="",
                             parameters=[*parameters, {"autostart": False}], output="screen")
        actions += [
            node,
            RegisterEventHandler(OnStateTransition(target_lifecycle_node=node, goal_state="inactive", entities=[
                EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                            transition_id=Transition.TRANSITION_ACTIVATE))])),
            EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(node),
                                        transition_id=Transition.TRANSITION_CONFIGURE)),
        ]
    return LaunchDescription(actions)
