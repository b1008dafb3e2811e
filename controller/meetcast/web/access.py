"""Who may see the page: whoever has the URL, which carries a random token.

The token is the first segment of every path (``/<token>/``, ``/<token>/app.js``,
``/<token>/ws``), so the page's relative links and its socket carry it without the page
knowing it, and a request without it gets 403 and nothing else. It is compared with
:func:`hmac.compare_digest` (no timing hint to a guesser on the LAN). A token in the path
rather than in a cookie: a phone scans the URL and is in; nothing to log in to, nothing left
in the browser that outlives this ``meetcast web``. Pages are served with
``Referrer-Policy: no-referrer`` so the token never leaves in a Referer header.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import secrets
import socket

from ..errors import BadInput

TOKEN_BYTES = 18  # 144 random bits, 24 URL-safe characters: short enough for a QR code
LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8455


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def split_path(path: str, token: str) -> str | None:
    """The file asked for (``""`` for the page) when ``path`` carries ``token``; None when
    it does not (the caller answers 403)."""
    path = path.split("?", 1)[0]
    _, _, rest = path.partition("/")
    given, slash, name = rest.partition("/")
    if not slash or not hmac.compare_digest(given.encode(), token.encode()):
        return None
    return name


def check_bind(value: str) -> str:
    """``--bind ADDR``: an IP address of this machine (0.0.0.0 or :: for all of them)."""
    if value == "localhost":
        return LOOPBACK
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        raise BadInput(f"--bind {value!r}: not an IP address (e.g. 0.0.0.0 for every "
                       f"network of this laptop, or one of its addresses)") from None


def check_port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise BadInput(f"--port {value!r}: a port number 1-65535 (0: any free port)")
    return port


def _lan_address() -> str | None:
    """An address of this laptop that a phone on the same network can reach: the first
    non-loopback IPv4 address its host name resolves to (no packet is sent to find it)."""
    with contextlib.suppress(OSError):
        for *_, addr in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if not ipaddress.ip_address(addr[0]).is_loopback:
                return str(addr[0])
    return None


def url_host(bind: str) -> str:
    """The host to put in the URL for a server bound to ``bind``."""
    ip = ipaddress.ip_address(bind)
    host = (_lan_address() or socket.gethostname() or LOOPBACK) if ip.is_unspecified else bind
    with contextlib.suppress(ValueError):
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    return host


def page_url(host: str, port: int, token: str) -> str:
    return f"http://{host}:{port}/{token}/"
