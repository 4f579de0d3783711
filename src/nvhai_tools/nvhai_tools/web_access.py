"""Who may talk to the live view: the Host and Origin checks of web_server.py, without aiohttp or ROS.

The page shows the robot's camera. Any page a user has open in another tab can open a WebSocket to
127.0.0.1 (browsers do not apply the same-origin policy to WebSockets; they only send an `Origin`), and a
site whose name resolves to 127.0.0.1 a moment later (DNS rebinding) reads `/state.json` as its own. As
Jupyter and Chrome's DevTools endpoint do, the server refuses both:
- a request whose `Host` names a host that is not the server's: the name must be an IP address (a
  rebinding site's request carries its own name, never an address), or one of `allowed_hosts`
  (by default `localhost`; add a robot's own names, e.g. `robot.local`, to watch it by name);
- a request whose `Origin` (a browser sends one with every WebSocket) is not the page's own: the same
  host and port as its `Host`.
A client that sends neither (curl, a script) is not a browser page and is served.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_and_port(netloc: str) -> tuple[str, int | None]:
    """('robot.local', 8080) of 'Robot.Local.:8080', ('::1', None) of '[::1]'; ValueError when malformed."""
    split = urlsplit("//" + netloc)
    if not split.hostname or split.username is not None or split.path:
        raise ValueError(netloc)
    return split.hostname.rstrip("."), split.port


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class HostPolicy:
    """The host names (besides IP addresses) the live view answers to."""

    def __init__(self, allowed_hosts: Iterable[str]) -> None:
        self.names = frozenset(h.strip().lower().rstrip(".") for h in allowed_hosts if h.strip())

    def allows(self, host: str) -> bool:
        return _is_address(host) or host.lower() in self.names

    def _allowed_text(self) -> str:
        return ", ".join(sorted(self.names) + ["an IP address"])

    def refusal(self, host_header: str | None, origin: str | None) -> str:
        """Why a request with these headers is refused, in one line; '' when it is served."""
        host_port = None
        if host_header:
            try:
                host_port = _host_and_port(host_header)
            except ValueError:
                return f"refused: Host {host_header!r} is not a host name"
            if not self.allows(host_port[0]):
                return (f"refused: Host {host_port[0]!r} is not this live view's (allowed: {self._allowed_text()}; "
                        "add the robot's own names to the allowed_hosts parameter)")
        if origin is None:
            return ""
        split = urlsplit(origin)
        try:
            origin_host, origin_port = _host_and_port(split.netloc)
        except ValueError:
            origin_host, origin_port = "", None
        if split.scheme not in DEFAULT_PORTS or not origin_host:
            return f"refused: a page of origin {origin!r} is not this live view's"
        origin_port = origin_port or DEFAULT_PORTS[split.scheme]
        if host_port is not None:
            same = (origin_host.lower(), origin_port) == (host_port[0].lower(), host_port[1] or origin_port)
        else:
            same = self.allows(origin_host)
        if not same:
            return (f"refused: a page of {origin} may not watch this live view (only its own pages, "
                    f"{host_header or 'this host'}, may)")
        return ""
