"""The managed (lifecycle) node base of the perception and predictor nodes.

Subclasses open their resources in on_configure and close them in on_cleanup; while not active
their callbacks ignore input. `start(autostart)` walks configure -> activate itself, so a node
runs on its own (its executable, the embedded demo, tests) and under a launch file that drives
the transitions (autostart false).
"""

from __future__ import annotations

from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn


class ManagedNode(LifecycleNode):
    configured = False
    active = False

    def start(self, autostart: bool) -> None:
        # activate only a configured node: after a failed configure (its own ERROR line says why) rclpy
        # would add a second, cryptic one ("Unable to start transition 3 ...")
        if autostart and self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
            self.trigger_activate()

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.active = True
        self.get_logger().info("active")
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.active = False
        self.get_logger().info("inactive: input is ignored")
        return super().on_deactivate(state)

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self.active = False
        if self.configured:
            self.on_cleanup(state)
        return TransitionCallbackReturn.SUCCESS

    def lifecycle_status(self) -> str:
        """'' when active, else what /diagnostics should say."""
        if self.active:
            return ""
        return "inactive (lifecycle)" if self.configured else "unconfigured (lifecycle)"

    def destroy_node(self) -> None:
        self.active = False
        if self.configured:
            self.on_cleanup(None)
        super().destroy_node()
        # rclpy keeps the node's handle alive through its lifecycle state machine; without this the
        # context's DDS participant outlives the node (and takes one of the host's discovery slots).
        self._state_machine.destroy_when_not_in_use()
