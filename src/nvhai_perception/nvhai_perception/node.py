"""rclpy node: sensor_msgs/Image -> nvhai_msgs/BodyKeypointsArray (thin wiring over KeypointPipeline)."""

from __future__ import annotations

import threading
import time

from diagnostic_msgs.msg import DiagnosticArray
from rclpy.event_handler import QoSMessageLostInfo, SubscriptionEventCallbacks
from rclpy.lifecycle import LifecycleState, TransitionCallbackReturn
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

from nvhai_common.image_codec import ImageDecodeError
from nvhai_common.ros_conversions import people_to_msg, rgb_to_image, stamp_to_sec
from nvhai_common.ros_diagnostics import ERROR, OK, WARN, publish_status
from nvhai_common.ros_lifecycle import ManagedNode
from nvhai_common.ros_main import run_node
from nvhai_common.ros_params import NON_NEGATIVE, POSITIVE, UNIT, Param, Range, declare
from nvhai_msgs.msg import BodyKeypointsArray
from nvhai_perception.compressed_image import decode_compressed
from nvhai_perception.drawing import draw_skeleton
from nvhai_perception.image_input import image_rgb
from nvhai_perception.pipeline import MULTI_PERSON_MODES, KeypointPipeline, PipelineConfig
from nvhai_perception.pose_models import PoseModelNotInstalled

PARAMETERS: tuple[Param, ...] = (
    Param("image_topic", "/image_raw", "Camera image topic (sensor_msgs/Image, rgb8/bgr8/mono8/rgba8/bgra8)."),
    Param("compressed", False, "Subscribe <image_topic>/compressed (sensor_msgs/CompressedImage) instead."),
    Param("keypoints_topic", "/body_keypoints", "Output nvhai_msgs/BodyKeypointsArray, one per processed image."),
    Param("image_qos_reliability", "best_effort",
          "Image subscription reliability: best_effort (sensor-data QoS, matches any camera) or reliable."),
    Param("image_qos_depth", 1, "Image subscription queue depth; 1 keeps only the newest frame.",
          range=Range(1, 10_000)),
    Param("drop_frames_when_busy", True,
          "Process only the newest frame when pose estimation falls behind (latency over completeness); "
          "false processes every frame in order (offline/bag evaluation)."),
    Param("static_image_mode", False, "Detect in every image independently instead of tracking (for photos)."),
    Param("min_detection_confidence", 0.5, "MediaPipe person detection threshold.", range=UNIT),
    Param("min_tracking_confidence", 0.3,
          "MediaPipe landmark tracking threshold: below it a tracked person counts as lost and the detector runs "
          "again. 0.3: the lite model scores small, far people lower (on the bundled clip at 0.5 it kept the far "
          "person in 72 % of frames, at 0.3 in 88 %; with max_people 2, 1.73 vs 1.99 people per frame).", range=UNIT),
    Param("model_complexity", 0,
          "BlazePose landmark model: 0 lite (the default: nearer camera rate on two CPU cores; keypoints 1.2 % of "
          "box height from full's at the median on the bundled clip), 1 full (keeps small, far people more "
          "often; the mediapipe wheel's own), 2 heavy (offline). "
          "Installed by scripts/setup.sh from npm @mediapipe/pose, never downloaded at run time; one not installed "
          "fails configure with an error naming the file (README: which model to pick when)."),
    Param("max_people", 1, "Most people tracked per frame: 1 uses MediaPipe's single-person pose (fastest), "
          "more as multi_person says.", range=Range(1, 100)),
    Param("multi_person", "roi",
          "How max_people > 1 finds people: roi (the default: one single-person tracker per person on a crop "
          "around them, run in parallel threads, a search for newcomers every detect_every frames while a slot "
          "is free; finds both people of the bundled clip; video only, static_image_mode uses landmarker) or "
          "landmarker (MediaPipe's multi-person PoseLandmarker: its detector on every frame with a free slot; "
          "found one of the clip's two people)."),
    Param("detect_every", 10, "multi_person roi: frames between searches for a new person while a slot is free.",
          range=Range(1, 100_000)),
    Param("refresh_every", 1, "multi_person roi: run each person's landmarks every N frames, people in turn, and "
          "move their keypoints on at their last velocity in between (2 with two people: one landmark pass per "
          "frame, each person measured at half the camera rate; README: multi-person speed).",
          range=Range(1, 1000)),
    Param("min_person_score", 0.2, "People whose mean keypoint confidence is below this are not reported.",
          range=UNIT),
    Param("smoothing", True, "One-Euro smoothing of keypoints per tracked person."),
    Param("smoothing_min_cutoff", 1.0, "One-Euro minimum cutoff frequency (Hz): lower = smoother when still.",
          range=POSITIVE),
    Param("smoothing_beta", 0.05, "One-Euro speed coefficient (per pixel/s): higher = less lag when moving.",
          range=NON_NEGATIVE),
    Param("track_max_missed", 30, "Frames a person may go undetected before their id is retired.",
          range=Range(0, 100_000)),
    Param("track_min_hits", 3, "Frames in a row a new person must be detected before getting an id and being "
          "published (filters one-frame false detections; 1 in static_image_mode).", range=Range(1, 100_000)),
    Param("debug_image", False, "Publish the input with the skeleton drawn on debug_image_topic."),
    Param("debug_image_topic", "/perception/debug_image", "Topic of the debug image (sensor_msgs/Image rgb8)."),
    Param("no_image_warn_s", 3.0, "Warn (once) when no image has arrived for this many seconds.", range=POSITIVE),
    Param("diagnostics_period_s", 1.0, "Period of /diagnostics reports.", range=Range(0.0, 3600.0, low_open=True)),
    Param("autostart", True, "Configure and activate on start; false waits for lifecycle transitions "
          "(ros2 lifecycle set, or live.launch.py)."),
)
DIAGNOSTIC_NAME = "nvhai_perception: pose estimation"
TRANSPORT_HINT = ("images larger than the transport carries, or large ones without fastdds_local.xml (its 64 MiB "
                  "shared-memory segment and 8192-message port queue; README: image size limits), or a congested "
                  "network")


class PerceptionNode(ManagedNode):
    """Managed node: configure opens the pose estimator and the topics, activate starts publishing.

    With `autostart` (the default) it configures and activates itself, so `perception_node` and
    the embedded demo run as before; live.launch.py sets it false and drives the transitions.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("nvhai_perception", **kwargs)
        self.p = declare(self, PARAMETERS)
        p = self.p
        self.image_topic = p.image_topic.rstrip("/") + "/compressed" if p.compressed else p.image_topic
        self.diag_pub = self.create_publisher(DiagnosticArray, "/diagnostics", 10)
        self.pipeline: KeypointPipeline | None = None
        self._lock = threading.Lock()
        self._pending: Image | CompressedImage | None = None
        self._wake = threading.Event()
        self._running = False
        self._stats = {"processed": 0, "dropped": 0, "rejected": 0, "lost": 0, "proc_s": 0.0, "people": 0}
        self._lost_since_image = 0
        self._last_image = time.monotonic()
        self._warned_no_image = False
        self._last_error = ""
        self._config_error = ""  # why the last configure failed (a pose model not installed): ERROR on /diagnostics
        self._worker: threading.Thread | None = None
        self.create_timer(p.diagnostics_period_s, self._report)
        self.create_timer(0.5, self._check_input)
        self.start(p.autostart)

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        p = self.p
        if p.multi_person not in MULTI_PERSON_MODES:
            self.get_logger().warning(f"multi_person '{p.multi_person}' is not one of {', '.join(MULTI_PERSON_MODES)}: "
                                      f"using {MULTI_PERSON_MODES[0]}")
            p.multi_person = MULTI_PERSON_MODES[0]
        try:
            self.pipeline = KeypointPipeline(PipelineConfig(
                static_image_mode=p.static_image_mode, min_detection_confidence=p.min_detection_confidence,
                min_tracking_confidence=p.min_tracking_confidence, model_complexity=p.model_complexity,
                max_people=p.max_people, multi_person=p.multi_person, detect_every=p.detect_every,
                refresh_every=p.refresh_every, min_person_score=p.min_person_score, smoothing=p.smoothing,
                smoothing_min_cutoff=p.smoothing_min_cutoff, smoothing_beta=p.smoothing_beta,
                track_max_missed=p.track_max_missed, track_min_hits=p.track_min_hits,
            ))
        except (PoseModelNotInstalled, ValueError) as e:  # a model not installed, a model_complexity not known
            self._config_error = f"not configured: {e}"
            self.get_logger().error(self._config_error)
            return TransitionCallbackReturn.FAILURE
        self._config_error = ""
        if p.image_qos_reliability not in ("best_effort", "reliable"):
            self.get_logger().warning(f"image_qos_reliability '{p.image_qos_reliability}' is neither best_effort nor "
                                      "reliable: using best_effort")
        reliability = ReliabilityPolicy.RELIABLE if p.image_qos_reliability == "reliable" else ReliabilityPolicy.BEST_EFFORT
        image_qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=max(1, p.image_qos_depth), reliability=reliability)
        # Images the middleware started receiving but lost (e.g. larger than the shared-memory segment of
        # fastdds_local.xml, then fragmented UDP): counted, so /diagnostics blames the transport, not the camera.
        events = SubscriptionEventCallbacks(message_lost=self._on_lost)
        self._sub = self.create_subscription(CompressedImage if p.compressed else Image, self.image_topic,
                                             self._on_image, image_qos, event_callbacks=events)
        self.keypoints_pub = self.create_lifecycle_publisher(BodyKeypointsArray, p.keypoints_topic, 10)
        self.debug_pub = self.create_lifecycle_publisher(Image, p.debug_image_topic, 1) if p.debug_image else None
        self._running = True
        if p.drop_frames_when_busy:
            self._worker = threading.Thread(target=self._work, name="nvhai_perception_worker", daemon=True)
            self._worker.start()
        self.configured = True
        self.get_logger().info(
            f"configured: listening on {self.image_topic} ({p.image_qos_reliability}, depth {p.image_qos_depth}), "
            f"publishing {p.keypoints_topic}; smoothing={'on' if p.smoothing else 'off'}, "
            f"{'drop' if p.drop_frames_when_busy else 'queue'} frames when busy")
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._last_image = time.monotonic()  # silence is measured from here
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        with self._lock:
            self._pending = None
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._running = False
        if self._worker is not None:
            self._worker.join(timeout=1.0)
            self._worker = None
        self.destroy_subscription(self._sub)
        self.destroy_lifecycle_publisher(self.keypoints_pub)
        if self.debug_pub is not None:
            self.destroy_lifecycle_publisher(self.debug_pub)
        self.pipeline.close()
        self.pipeline, self.configured = None, False
        return TransitionCallbackReturn.SUCCESS

    def _on_lost(self, info: QoSMessageLostInfo) -> None:
        self._stats["lost"] += info.total_count_change
        self._lost_since_image += info.total_count_change
        self.get_logger().error(f"{info.total_count} image(s) on {self.image_topic} lost in transport so far: "
                                f"{TRANSPORT_HINT}", throttle_duration_sec=5.0)

    def _on_image(self, msg: Image | CompressedImage) -> None:
        if not self.active:
            return
        self._last_image = time.monotonic()
        self._lost_since_image = 0
        if self._warned_no_image:
            self.get_logger().info(f"images arriving again on {self.image_topic}")
            self._warned_no_image = False
        if self._worker is None:
            self._process(msg)
            return
        with self._lock:
            if self._pending is not None:
                self._stats["dropped"] += 1
            self._pending = msg
        self._wake.set()

    def _work(self) -> None:
        while self._running:
            if not self._wake.wait(0.1):
                continue
            self._wake.clear()
            with self._lock:
                msg, self._pending = self._pending, None
            if msg is not None:
                try:
                    self._process(msg)
                except Exception:
                    if not self.context.ok():  # shut down (Ctrl-C, SIGTERM) while a frame was in flight
                        return
                    raise

    def _process(self, msg: Image | CompressedImage) -> None:
        t0 = time.perf_counter()
        try:
            rgb = (decode_compressed(msg.data) if isinstance(msg, CompressedImage)
                   else image_rgb(msg.encoding, msg.width, msg.height, msg.step, msg.data))
        except ImageDecodeError as e:
            self._stats["rejected"] += 1
            self._last_error = str(e)
            self.get_logger().error(f"skipping frame stamped {stamp_to_sec(msg.header.stamp):.3f}: {e}",
                                    throttle_duration_sec=2.0)
            return
        try:
            people = self.pipeline.process(rgb, stamp_to_sec(msg.header.stamp))
        except Exception as e:  # a failing frame must not take the camera loop down
            self._stats["rejected"] += 1
            self._last_error = f"pose estimation failed: {e!r}"
            self.get_logger().error(self._last_error, throttle_duration_sec=2.0)
            return
        height, width = rgb.shape[:2]
        self.keypoints_pub.publish(people_to_msg(people, msg.header, width, height))
        if self.debug_pub is not None:
            canvas = rgb.copy()
            for person in people:
                draw_skeleton(canvas, person.xy, person.confidence)
            self.debug_pub.publish(rgb_to_image(canvas, msg.header))
        self._stats["processed"] += 1
        self._stats["people"] = len(people)
        self._stats["proc_s"] += time.perf_counter() - t0

    def _check_input(self) -> None:
        if not self.active:
            return
        silent = time.monotonic() - self._last_image
        if silent > self.p.no_image_warn_s and not self._warned_no_image:
            self._warned_no_image = True
            if self._lost_since_image:
                self.get_logger().error(f"no image received on {self.image_topic} for {silent:.1f} s, but "
                                        f"{self._lost_since_image} were lost in transport: {TRANSPORT_HINT}")
                return
            self.get_logger().warning(
                f"no image received on {self.image_topic} for {silent:.1f} s: is the camera running, is the topic "
                f"right (ros2 topic list), and does its QoS match ({self.p.image_qos_reliability})?")

    def _report(self) -> None:
        s = self._stats
        n = s["processed"]
        self._stats = {"processed": 0, "dropped": 0, "rejected": 0, "lost": 0, "proc_s": 0.0, "people": s["people"]}
        values = {
            "fps": f"{n / self.p.diagnostics_period_s:.1f}",
            "processing_ms_mean": f"{1000 * s['proc_s'] / n:.1f}" if n else "n/a",
            "people": s["people"], "frames_dropped": s["dropped"], "frames_rejected": s["rejected"],
            "frames_lost_in_transport": s["lost"], "image_topic": self.image_topic,
        }
        if self._config_error:
            level, message = ERROR, self._config_error
        elif not self.active:
            level, message = OK, self.lifecycle_status()
        elif s["lost"]:
            level = ERROR if n == 0 else WARN
            message = f"{s['lost']} image(s) lost in transport on {self.image_topic}: {TRANSPORT_HINT}"
        elif self._warned_no_image:
            level, message = ERROR, f"no image on {self.image_topic}"
        elif s["rejected"]:
            level, message = WARN, f"rejected {s['rejected']} frame(s): {self._last_error}"
        elif s["dropped"]:
            level, message = WARN, f"dropped {s['dropped']} frame(s): pose estimation slower than the camera"
        else:
            level, message = OK, "ok"
        publish_status(self, self.diag_pub, DIAGNOSTIC_NAME, level, message, values)


def main(args: list[str] | None = None) -> None:
    run_node(PerceptionNode, args, prog="perception_node", doc=__doc__, parameters=PARAMETERS)


if __name__ == "__main__":
    main()
