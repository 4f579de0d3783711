"""The demo's shape for loop_latency.py: video source, perception, predictor and avatar nodes in
one process and one executor (as `nvhai-demo` runs them), looping the clip until SIGINT/SIGTERM.

    .venv/bin/python benchmarks/loop_single_process.py --max-people 2 [--providers A,B]
"""

from __future__ import annotations

import argparse
import signal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-people", type=int, default=1)
    parser.add_argument("--video", default="", help="video file (default: the bundled clip)")
    parser.add_argument("--providers", default="CPUExecutionProvider")
    parser.add_argument("--perception", nargs="*", default=[], metavar="NAME:=VALUE",
                        help="extra perception parameters, as after -p")
    args = parser.parse_args()

    import rclpy
    from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
    from rclpy.parameter import Parameter

    from nvhai_avatar.node import AvatarNode
    from nvhai_bringup.video_source_node import VideoSourceNode
    from nvhai_perception.node import PerceptionNode
    from nvhai_predictor.node import PredictorNode

    rclpy.init()
    signal.signal(signal.SIGTERM, lambda *_: rclpy.try_shutdown())
    perception = [Parameter("max_people", value=args.max_people)]
    for item in args.perception:
        name, _, value = item.partition(":=")
        perception.append(Parameter(name, value=_typed(name, value)))
    nodes = [VideoSourceNode(parameter_overrides=[Parameter("loop", value=True), Parameter("path", value=args.video)]),
             PerceptionNode(parameter_overrides=perception),
             PredictorNode(parameter_overrides=[Parameter("providers", value=args.providers.split(","))]),
             AvatarNode()]
    executor = SingleThreadedExecutor()
    for node in nodes:
        executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        for node in nodes:
            node.destroy_node()
        rclpy.try_shutdown()


def _typed(name: str, text: str) -> object:
    """`text` as the type of perception parameter `name`'s default."""
    from nvhai_perception.node import PARAMETERS

    default = next(p.default for p in PARAMETERS if p.name == name)
    if isinstance(default, bool):
        return text.lower() in ("true", "1")
    return type(default)(text)


if __name__ == "__main__":
    main()
