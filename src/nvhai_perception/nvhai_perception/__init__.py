"""nvhai_perception: camera images to COCO-17 body keypoints (MediaPipe), over a ROS-free core."""
