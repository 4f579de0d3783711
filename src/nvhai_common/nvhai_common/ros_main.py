"""The `main()` every nvhai node shares: init, spin, shut down cleanly on Ctrl-C or shutdown; a parameter the
node refuses at start is one line on stderr and exit 2, never a traceback; `--help` prints the node's
parameters and exits (before, it started the node: `nvhai-web --help` held port 8080)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

from nvhai_common.ros_params import Param, ParameterError, help_text

BAD_PARAMETER = 2  # as argparse exits on a bad option


def run_node(factory: Callable[[], Node], args: list[str] | None = None,
             done: Callable[[Node], bool] | None = None, prog: str = "", doc: str = "",
             parameters: tuple[Param, ...] = ()) -> None:
    """Spin the node `factory` builds until shutdown, or until `done(node)` is true. `prog` names the
    executable in `--help` and in the one line that refuses a bad parameter; `doc` and `parameters` are its help."""
    argv = sys.argv[1:] if args is None else args
    ours = argv[:argv.index("--ros-args")] if "--ros-args" in argv else argv
    if {"-h", "--help"} & set(ours):
        print(help_text(prog or "nvhai", doc, parameters))
        return
    rclpy.init(args=args)
    try:
        node = factory()
    except ParameterError as e:  # the process ends here: no shutdown, which would destroy a half-built node
        print(f"{prog or 'nvhai'}: {e}", file=sys.stderr)
        raise SystemExit(BAD_PARAMETER) from None
    try:
        if done is None:
            rclpy.spin(node)
        else:
            while rclpy.ok() and not done(node):
                rclpy.spin_once(node, timeout_sec=0.1)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
