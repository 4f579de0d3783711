"""nvhai_tools: what a user runs beside a graph where a full ROS install has `ros2 bag`, `ros2 topic echo`
and a viewer — `nvhai-bag` (bag_*.py), `nvhai-echo` (echo_cli.py) and the live view `nvhai-web` (web_*.py,
live_view_state.py, web/). They share message_fields.py and loop_metrics.py; no node imports this package.
"""
