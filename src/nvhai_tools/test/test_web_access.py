"""Who may watch the live view (issue 34, item 1), and what a user meets at its door (item 10), against a real
`nvhai-web` process: a WebSocket from another site's page and a request whose Host names a foreign host (DNS
rebinding) are refused with 403 and one line saying why; the page's own origin, localhost, IP addresses and the
names in `allowed_hosts` are served; an oversized request is one log line, not a traceback; `--help` prints
help and exits without serving."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import sys
import threading
import time

import aiohttp
import pytest
from ros_harness import start_python, stop


class WebProcess:
    """`python -m nvhai_tools.web_node` on a free port, its output collected by a thread."""

    def __init__(self, *params: str) -> None:
        args = [arg for p in ("port:=0", *params) for arg in ("-p", p)]
        self.proc = start_python(["-m", "nvhai_tools.web_node", "--ros-args", *args])
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.proc.poll() is None:
            if m := re.search(r"live view at http://127\.0\.0\.1:(\d+)/", "".join(self.lines)):
                self.port = int(m.group(1))
                return
            time.sleep(0.2)
        raise AssertionError("nvhai-web printed no URL:\n" + "".join(self.lines))

    def output(self) -> str:
        return "".join(self.lines)


@pytest.fixture(scope="module")
def web():
    w = WebProcess("allowed_hosts:=[localhost, robot.local]")
    yield w
    out = stop(w.proc, timeout_s=20)
    assert "Traceback" not in out + w.output(), out + w.output()


async def get(port: int, path: str, host: str | None = None, origin: str | None = None) -> tuple[int, str]:
    headers = {k: v for k, v in (("Host", host), ("Origin", origin)) if v is not None}
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}{path}",
                                                               headers=headers) as r:
        return r.status, await r.text()


async def websocket(port: int, origin: str | None, host: str | None = None) -> tuple[int, str]:
    """(101 and the first message's start) when the socket opens, else (the refusal's status, its body)."""
    headers = {k: v for k, v in (("Host", host), ("Origin", origin)) if v is not None}
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(f"http://127.0.0.1:{port}/ws", headers=headers) as ws:
                return 101, (await ws.receive(timeout=30)).data[:40]
        except aiohttp.WSServerHandshakeError as e:
            return e.status, e.message


def test_a_websocket_from_another_site_is_refused(web):
    status, reason = asyncio.run(websocket(web.port, "http://evil.example"))
    assert status == 403, reason


@pytest.mark.parametrize("origin", ["http://localhost:{port}", "http://127.0.0.1:{port}", "http://robot.local:{port}"])
def test_a_websocket_from_the_page_itself_is_served(web, origin):
    origin = origin.format(port=web.port)
    host = origin.removeprefix("http://")
    status, first = asyncio.run(websocket(web.port, origin, host))
    assert status == 101 and first.startswith("{"), (status, first)


def test_a_websocket_from_another_port_of_localhost_is_refused(web):
    status, _ = asyncio.run(websocket(web.port, "http://localhost:3000", f"localhost:{web.port}"))
    assert status == 403


@pytest.mark.parametrize("path", ["/", "/state.json", "/static/live_view.js"])
def test_a_foreign_host_header_is_refused_in_one_line(web, path):
    status, body = asyncio.run(get(web.port, path, host="evil.example"))
    assert status == 403
    assert len(body.strip().splitlines()) == 1 and "evil.example" in body and "allowed_hosts" in body, body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "robot.local:{port}", "[::1]:{port}"])
def test_allowed_hosts_are_served(web, host):
    status, body = asyncio.run(get(web.port, "/state.json", host=host.format(port=web.port)))
    assert status == 200 and body.startswith("{"), body


def test_an_oversized_request_is_one_log_line(web):
    before = len(web.output())
    with socket.create_connection(("127.0.0.1", web.port), timeout=30) as c:
        c.sendall(b"GET /state.json HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n")
        assert c.recv(100).startswith(b"HTTP/1.0 400")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "bad request" not in web.output()[before:]:
        time.sleep(0.2)
    new = web.output()[before:]
    assert "Traceback" not in new, new
    assert len([line for line in new.splitlines() if "bad request" in line]) == 1, new


def test_help_prints_help_and_exits_without_serving():
    with socket.socket() as s:  # the default port must stay free: --help serves nothing
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.run([sys.executable, "-m", "nvhai_tools.web_node", "--help", "--ros-args", "-p",
                           f"port:={port}"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "usage: nvhai-web" in proc.stdout and "allowed_hosts" in proc.stdout and "live view at" not in proc.stdout


@pytest.mark.parametrize("host, origin, served", [
    ("127.0.0.1:8080", None, True),
    ("[::1]:8080", "http://[::1]:8080", True),
    ("192.168.1.20:8080", "http://192.168.1.20:8080", True),  # a robot opened by its address
    ("Robot.Local.:8080", "http://robot.local:8080", True),  # names compare without case or a final dot
    ("localhost", "http://localhost", True),  # port 80 on both sides
    (None, None, True),  # no Host, no Origin: not a browser
    ("evil.example:8080", None, False),  # DNS rebinding
    ("localhost:8080", "http://evil.example", False),
    ("localhost:8080", "http://localhost:8081", False),
    ("localhost:8080", "null", False),  # a sandboxed frame or a file:// page
    ("localhost:notaport", None, False),
])
def test_host_policy(host, origin, served):
    from nvhai_tools.web_access import HostPolicy

    reason = HostPolicy(["localhost", "robot.local"]).refusal(host, origin)
    assert (reason == "") == served, reason
    assert "\n" not in reason
