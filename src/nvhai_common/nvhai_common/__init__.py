"""nvhai_common: what every nvhai node and training/ share — the COCO-17 layout, the person value,
raw image buffers, message conversions and the parameter/diagnostics/main helpers of the nodes.

Depends on rclpy, the message packages and numpy only: a keypoint consumer (the predictor, the
avatar, your own node beside another pose detector) installs it without MediaPipe or OpenCV.
"""
