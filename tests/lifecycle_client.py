"""Driving a managed node in another process through its real lifecycle services."""

from __future__ import annotations

from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState, GetState
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from ros_harness import spin_until

TRANSITIONS = {"configure": Transition.TRANSITION_CONFIGURE, "activate": Transition.TRANSITION_ACTIVATE,
               "deactivate": Transition.TRANSITION_DEACTIVATE, "cleanup": Transition.TRANSITION_CLEANUP}


class LifecycleClient:
    def __init__(self, node: Node, executor: SingleThreadedExecutor, target: str) -> None:
        self.executor = executor
        self.change = node.create_client(ChangeState, f"/{target}/change_state")
        self.get = node.create_client(GetState, f"/{target}/get_state")

    def wait(self, timeout_s: float = 60.0) -> bool:
        return spin_until(self.executor, lambda: self.change.service_is_ready() and self.get.service_is_ready(),
                          timeout_s)

    def state(self) -> str:
        future = self.get.call_async(GetState.Request())
        assert spin_until(self.executor, future.done, 30.0), "get_state did not answer"
        return future.result().current_state.label

    def transition(self, name: str) -> bool:
        future = self.change.call_async(ChangeState.Request(transition=Transition(id=TRANSITIONS[name])))
        assert spin_until(self.executor, future.done, 60.0), f"{name} did not answer"
        return future.result().success
