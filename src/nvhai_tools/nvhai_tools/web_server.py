"""The live view's local web server (aiohttp): the page, its script, and one WebSocket per viewer. No ROS.

Runs its own asyncio loop in a daemon thread so an rclpy executor keeps the main thread. Each
viewer gets the newest snapshot whenever the state changes, at most `max_rate_hz` times a second;
a slow viewer skips states rather than queueing them. Snapshots go out as strict JSON: a NaN or
inf from any publisher becomes null, since the browser's JSON.parse refuses a bare NaN. Requests
from another site's page or for a foreign Host are refused with 403 (web_access.py). What goes
wrong with a request (refusals, a malformed or oversized one) is one line to `log`, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from aiohttp import WSMsgType, web

from nvhai_common.cli_args import tcp_port
from nvhai_common.cli_errors import one_line
from nvhai_common.strict_json import dumps as strict_json
from nvhai_tools.live_view_state import Cursor, LiveViewState
from nvhai_tools.web_access import HostPolicy

PAGE_DIR = Path(__file__).resolve().parent / "web"


class _OneLine(logging.Handler):
    """aiohttp logs a request it cannot parse (too large, malformed) with a 9-line traceback: one line instead."""

    def __init__(self, log: Callable[[str], None]) -> None:
        super().__init__()
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            e = record.exc_info[1]
            text = f"{text.replace('Error handling request', 'bad request')}: {getattr(e, 'message', None) or one_line(e)}"
        self.log(" ".join(text.split()))


def _stderr(line: str) -> None:
    print(f"nvhai-web: {line}", file=sys.stderr)


class LiveViewServer:
    def __init__(self, state: LiveViewState, host: str = "127.0.0.1", port: int = 8080,
                 max_rate_hz: float = 60.0, allowed_hosts: Iterable[str] = ("localhost",),
                 log: Callable[[str], None] = _stderr) -> None:
        self.state, self.host, self.port = state, host, tcp_port(port)  # ValueError (one line) outside 0-65535
        if not (math.isfinite(max_rate_hz) and max_rate_hz > 0):
            raise ValueError(f"max_rate_hz {max_rate_hz}: must be a finite number > 0")
        self.min_interval = 1.0 / max_rate_hz
        self.access = HostPolicy(allowed_hosts)
        self.log = log
        self._http_log = logging.getLogger(f"nvhai_web.http.{id(self)}")
        self._http_log.propagate = False
        self._http_log.addHandler(_OneLine(log))
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeups: set[asyncio.Event] = set()
        self._sockets: set[web.WebSocketResponse] = set()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop: asyncio.Event | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> str:
        """Bind and serve in the background; returns the page's URL. OSError (one line) when the port is taken."""
        self._thread = threading.Thread(target=self._run, name="nvhai-web", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError(f"web server on {self.host}:{self.port} did not start within {timeout_s:.0f} s")
        if self._error is not None:
            raise OSError(f"cannot serve on {self.host}:{self.port}: {self._error} "
                          "(choose another port with --port or the 'port' parameter)") from None
        self.state.listeners.append(self._notify)
        return self.url

    def stop(self) -> None:
        if self._notify in self.state.listeners:
            self.state.listeners.remove(self._notify)
        if self._loop is not None and self._stop is not None and self._thread is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(10.0)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(self.app(), handle_signals=False, logger=self._http_log)
        try:
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, self.host, self.port)
            loop.run_until_complete(site.start())
            host, port = runner.addresses[0][:2]
            self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
            self._stop = asyncio.Event()
        except Exception as e:  # port taken, no such address, ...: start() reports it as one line
            self._error = getattr(e, "strerror", None) or e
            self._ready.set()
            loop.run_until_complete(runner.cleanup())
            loop.close()
            return
        self._ready.set()
        loop.run_until_complete(self._stop.wait())
        loop.run_until_complete(runner.cleanup())
        loop.close()

    # -- the app -----------------------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], logger=self._http_log)
        app.router.add_get("/", self._page)
        app.router.add_get("/ws", self._websocket)
        app.router.add_get("/state.json", self._state_json)
        app.router.add_static("/static/", PAGE_DIR)
        app.on_shutdown.append(self._close_sockets)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Callable) -> web.StreamResponse:
        """403 with one line for a foreign Host or another site's page (web_access.py)."""
        reason = self.access.refusal(request.headers.get("Host"), request.headers.get("Origin"))
        if reason:
            self.log(f"{request.method} {request.path} from {request.remote}: {reason}")
            return web.Response(status=403, text=reason + "\n")
        return await handler(request)

    async def _page(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGE_DIR / "index.html")

    async def _state_json(self, request: web.Request) -> web.Response:
        snap = await asyncio.get_running_loop().run_in_executor(None, self.state.snapshot, Cursor())
        return web.json_response(snap, dumps=strict_json)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=10.0)
        await ws.prepare(request)
        self._sockets.add(ws)
        wake = asyncio.Event()
        wake.set()
        self._wakeups.add(wake)
        reader = asyncio.create_task(self._drain(ws))
        cursor = Cursor()
        loop = asyncio.get_running_loop()
        try:
            while not ws.closed and not reader.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), 1.0)
                if not wake.is_set():
                    continue
                wake.clear()
                snap = await loop.run_in_executor(None, self.state.snapshot, cursor)  # JPEG encoding off the loop
                await ws.send_json(snap, dumps=strict_json)
                await asyncio.sleep(self.min_interval)
        except (ConnectionError, RuntimeError):
            pass  # the viewer went away mid-send
        finally:
            self._wakeups.discard(wake)
            self._sockets.discard(ws)
            reader.cancel()
            await ws.close()
        return ws

    @staticmethod
    async def _drain(ws: web.WebSocketResponse) -> None:
        """Read (and ignore) what the viewer sends, so a close from its side is noticed."""
        async for msg in ws:
            if msg.type == WSMsgType.ERROR:
                break

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close()

    def _notify(self) -> None:
        """Called from the writer's (ROS) thread on every state change."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for wake in self._wakeups:
            wake.set()
