#!/usr/bin/env bash
# Source ROS and the nvhai overlay, then run the command (default: the live launch).
set -e
for setup in /opt/ros/${ROS_DISTRO}/install/setup.bash /opt/ros/${ROS_DISTRO}/setup.bash; do
  if [ -f "$setup" ]; then . "$setup"; break; fi
done
. "${NVHAI_PREFIX}/setup.bash"
exec "$@"
