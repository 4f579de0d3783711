"""nvhai_avatar: the reference avatar/robot controller — whom to attend and how to answer, without words.

A ROS-free core (`attention.py`, `response_policy.py`, `gesture_onset.py`, `controller.py`, `render.py`) and
the thin `node.py` that wires it to ROS: a sibling of perception and the predictor over nvhai_common, so
training/ and the tools can reuse the policy without a launch package.
"""
