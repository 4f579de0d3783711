"""CPU time and memory of running processes from /proc (Linux), for per-process loop figures."""

from __future__ import annotations

import os
import time

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds `pid` has used so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # after "(comm)", which may hold spaces
    return (int(fields[11]) + int(fields[12])) / _TICK


def memory_mb(pid: int) -> dict[str, float]:
    """Resident set size now and its peak (VmRSS, VmHWM), in MB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = round(int(value.split()[0]) / 1024, 1)
    return out


class CpuMeter:
    """CPU % of each named process between start() and stop() (100 % = one core busy)."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self._start: dict[str, float] = {}
        self._t0 = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def stop(self) -> list[dict[str, object]]:
        wall = time.monotonic() - self._t0
        out = []
        for name, pid in self.pids.items():
            used = cpu_seconds(pid) - self._start[name]
            out.append({"name": name, "cpu_percent": round(100 * used / wall, 1), **memory_mb(pid)})
        return out


def load_average_1m() -> float:
    return round(os.getloadavg()[0], 2)
