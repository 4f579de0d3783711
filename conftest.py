"""Test-session set-up shared by every package's tests.

Each test session gets its own ROS domain (each pytest-xdist worker of a run one of consecutive
domains), and Fast DDS is confined to this host (loopback + shared memory,
nvhai_bringup/config/fastdds_local.xml), so concurrent runs and workers never see each other's
topics, nothing leaves the machine, and large images cross processes intact. Subprocesses inherit both.
"""

from __future__ import annotations

import os
import random


def _set_domain() -> None:
    """The controller (or a run without xdist) keeps ROS_DOMAIN_ID if set, else picks one in 1..101; each
    xdist worker inherits that and takes the next domains (gw0 -> +1, gw1 -> +2, ...), wrapping within 1..101."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", ... in an xdist worker
    if worker is None:
        os.environ.setdefault("ROS_DOMAIN_ID", str(random.Random().randint(1, 101)))
        os.environ["NVHAI_TEST_DOMAIN_BASE"] = os.environ["ROS_DOMAIN_ID"]
        return
    base = int(os.environ.get("NVHAI_TEST_DOMAIN_BASE", random.Random().randint(1, 101)))
    os.environ["ROS_DOMAIN_ID"] = str((base + int(worker.removeprefix("gw"))) % 101 + 1)


_set_domain()
os.environ.setdefault("FASTDDS_DEFAULT_PROFILES_FILE", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "src", "nvhai_bringup", "config", "fastdds_local.xml"))


def pytest_sessionfinish(session, exitstatus):
    """Fail a run in which nothing passed (everything skipped or deselected): CI must not go green on it."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and exitstatus == 0 and not reporter.stats.get("passed"):
        session.exitstatus = 1
