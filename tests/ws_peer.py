"""Real sockets on loopback that misbehave the ways a link to OBS can, for the controller's
error tests: a port that accepts and closes at once (an SSH tunnel with nothing listening at
its far end), a port that answers HTTP, and a minimal obs-websocket v5 server (RFC 6455
handshake, Hello, Identify) that then refuses the password with close code 4009, closes
after Hello, or drops the connection at the first request (OBS lost mid-command).

Only what those cases need: one client at a time, unfragmented frames, no extensions.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, 1.3


def _listener() -> socket.socket:
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    return srv


@contextmanager
def serve(handle) -> Iterator[int]:
    """Accept connections on a free loopback port, each handled by ``handle(sock)`` in a
    thread; yields the port."""
    srv = _listener()
    stop = threading.Event()

    def loop() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=_run, args=(handle, conn), daemon=True).start()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join(2)
        srv.close()


def _run(handle, conn: socket.socket) -> None:
    try:
        handle(conn)
    except OSError:
        pass
    finally:
        conn.close()


def close_at_once(conn: socket.socket) -> None:
    """What ``ssh -L`` does when nothing listens at the far end: accept, take what the
    client sent, then close cleanly (FIN) without a byte back."""
    conn.settimeout(1.0)
    with suppress(TimeoutError):
        conn.recv(4096)
    conn.shutdown(socket.SHUT_RDWR)


def reset_at_once(conn: socket.socket) -> None:
    """The same tunnel when the kernel answers with a reset (RST) instead: close with the
    client's bytes unread."""


@contextmanager
def http_port() -> Iterator[int]:
    """A plain HTTP server (Python's own) on a free port: it answers a WebSocket upgrade's
    GET with 404, not 101 Switching Protocols (a web server on the port OBS was meant to be)."""

    class Quiet(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


# -- a minimal obs-websocket server ------------------------------------------------------

def _handshake(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise OSError("client went away")
        data += chunk
    key = next(line.split(b":", 1)[1].strip() for line in data.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:"))
    accept = base64.b64encode(hashlib.sha1(key + WS_GUID.encode()).digest()).decode()
    conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = conn.recv(n - len(out))
        if not chunk:
            raise OSError("client went away")
        out += chunk
    return out


def _read_message(conn: socket.socket) -> dict:
    b0, b1 = _recv_exact(conn, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", _recv_exact(conn, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", _recv_exact(conn, 8))[0]
    mask = _recv_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
    data = bytes(c ^ mask[i % 4] for i, c in enumerate(_recv_exact(conn, n)))
    return json.loads(data) if b0 & 0x0F == 1 else {}


def _send(conn: socket.socket, message: dict) -> None:
    conn.sendall(_frame(1, json.dumps(message).encode()))


def obs_peer(behaviour: str):
    """A handler for :func:`serve`: an obs-websocket that asks for a password, then
    ``"refuse"`` (close 4009, as OBS does for a wrong password), ``"drop-after-hello"``
    (closes the TCP connection with no close frame), or ``"lose-at-first-request"``
    (identifies the client, then vanishes when it asks anything)."""

    def handle(conn: socket.socket) -> None:
        _handshake(conn)
        _send(conn, {"op": 0, "d": {"obsWebSocketVersion": "5.1.0", "rpcVersion": 1,
                                    "authentication": {"challenge": "c", "salt": "s"}}})
        if behaviour == "drop-after-hello":
            return
        _read_message(conn)  # Identify
        if behaviour == "refuse":
            conn.sendall(_frame(8, struct.pack("!H", 4009) + b"Authentication failed."))
            return
        _send(conn, {"op": 2, "d": {"negotiatedRpcVersion": 1}})
        _read_message(conn)  # the first request: OBS is gone before it answers
        conn.shutdown(socket.SHUT_RDWR)

    return handle
